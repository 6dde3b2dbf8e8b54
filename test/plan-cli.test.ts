import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { OUT_MARKER } from "../tools/outDir";
import type { PlanResource } from "../tools/planRender";
import { PROJECT_DIR, scratch } from "./helpers";

/**
 * The commands as users and CI run them: separate processes, exit codes, stdout/stderr, files.
 * Each process costs a second or two, so every run below is started once (a few at a time)
 * and each test makes all its assertions on one run.
 */

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** tsx as a loader in the one node process (the tsx command would start a second one). */
const TSX = pathToFileURL(require.resolve("tsx")).href;

let running = 0;
const waiting: (() => void)[] = [];
/** The processes still running, each with the promise of its end. */
const live = new Map<ChildProcess, Promise<unknown>>();
/** Starts a process when fewer than three run (two cores; the plans are CPU-bound). */
function start(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
        const go = () => {
            running++;
            const child = spawn(command, args, {
                cwd: PROJECT_DIR,
                timeout: 60000,
                env: { ...process.env, INIT_CWD: PROJECT_DIR, ...env },
            });
            live.set(child, new Promise((ended) => child.on("close", () => ended(live.delete(child)))));
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("close", (code) => {
                running--;
                waiting.shift()?.();
                resolve({ code, stdout, stderr });
            });
        };
        if (running < 3) go();
        else waiting.push(go);
    });
}
/**
 * Every run is started when this file loads; a test left out (`-t`, a failure) leaves its
 * process running, and a running child keeps the jest worker alive after the last test ("a
 * worker process has failed to exit gracefully"). The file ends only when none is left: the
 * queued ones are never started, the running ones are stopped.
 */
afterAll(async () => {
    waiting.length = 0;
    for (const child of live.keys()) child.kill();
    await Promise.all(live.values());
});

const tool = (name: string, args: string[], env?: Record<string, string>) =>
    start(process.execPath, ["--import", TSX, path.join(PROJECT_DIR, "tools", `${name}.ts`), ...args], env);
const plan = (args: string[], env?: Record<string, string>) => tool("plan", args, env);

/** A stack trace line, which no user-facing error may print. */
const TRACE = /\n\s+at .+:\d+:\d+/;

// --out directories: one an earlier plan wrote (with a manifest the stack no longer has), one
// given relative to the directory the user ran the command in.
const out = fs.mkdtempSync(path.join(os.tmpdir(), "aio-plan-out-"));
fs.writeFileSync(path.join(out, OUT_MARKER), "");
fs.writeFileSync(path.join(out, "stale-object-from-an-earlier-plan.yaml"), "kind: Secret\n");
const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-plan-user-"));
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-plan-tmp-"));
const fifo = path.join(userDir, "catalog.fifo");
execFileSync("mkfifo", [fifo]);
const badDir = scratch({
    "Pulumi.bad.yaml": `config:
  aio-secrets:keyVault:
    name: kv--x
    resourceGroupName: rg
    softDeleteRetentionDays: 3
  aio-secrets:cluster:
    namespace: Not_A_Namespace
`,
});
// Issue 22 item 5: the values of secretValues one level too far left, the mistake whose first
// message used to be "set it without --secret".
const misindentedDir = scratch({
    "Pulumi.dev.yaml": fs
        .readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")
        .replace(
            /^ {2}aio-secrets:secretValues:\n((?: {4}.*\n)+)/m,
            (_, body: string) => `  aio-secrets:secretValues:\n${body.replace(/^ {2}/gm, "")}`,
        ),
});

const runs = {
    // Through the package's bin, as the README documents it for piping JSON.
    json: start("npm", [
        "exec",
        "--no",
        "--",
        "aio-secrets",
        "plan",
        "--stack",
        "dev",
        "--json",
        "--permissions",
        "--out",
        out,
    ]),
    text: plan(["--stack", "staging"]),
    prod: plan(["--stack", "prod", "--permissions", "--out", "manifests/prod"], { INIT_CWD: userDir }),
    bad: plan(["--stack", "bad", "--stack-file", path.join(badDir, "Pulumi.bad.yaml")]),
    misindented: plan(["--stack", "dev", "--stack-file", path.join(misindentedDir, "Pulumi.dev.yaml")]),
    unknown: plan(["--stack", "nope"]),
    hostile: plan(["--stack", "../\u001b[2Jx"]),
    fifo: plan(["--stack", "dev", "--catalog", fifo]),
    badRevision: plan(["--stack", "dev", "--against", "no-such-revision-xyz"]),
    against: plan(["--stack", "dev", "--against", "HEAD"], { TMPDIR: tmpDir }),
    promoteCheck: tool("promote", ["--check"]),
    promoteNoCatalog: tool("promote", ["--check", "--catalog", "no-such-catalog.yaml"]),
};

/** What the tests read of the plan JSON: the renderer's own shape. */
type JsonResource = Pick<PlanResource, "urn" | "type" | "name" | "parent" | "dependsOn" | "provider">;

test("npx aio-secrets plan --json: pipeable JSON, engine URNs, dependsOn, permissions; --out holds only this plan's files", async () => {
    const { code, stdout, stderr } = await runs.json;
    expect(stderr).not.toMatch(/internal error/);
    expect(code).toBe(0);
    // npm prints nothing on stdout before the JSON (its warnings go to stderr).
    const json = JSON.parse(stdout) as {
        stack: string;
        environment: string;
        resources: JsonResource[];
        warnings: string[];
        permissions: { graph: { permission: string }[] };
    };
    expect(json.stack).toBe("dev");
    expect(json.environment).toBe("dev");
    expect(json.warnings.filter((w) => w.startsWith("Undefined value"))).toEqual([]);

    // URNs exactly as the engine forms them: every ancestor's type chained, the stack's left out.
    const byUrn = new Map(json.resources.map((r) => [r.urn, r]));
    const qualified = (r: JsonResource): string => (r.parent ? `${qualified(byUrn.get(r.parent)!)}$${r.type}` : r.type);
    for (const r of json.resources) {
        expect(r.urn).toBe(`urn:pulumi:dev::aio-secrets::${qualified(r)}::${r.name}`);
        for (const d of r.dependsOn) expect(byUrn.has(d)).toBe(true);
    }
    const urn = (name: string) => json.resources.find((r) => r.name === name)!.urn;
    expect(json.resources.find((r) => r.name === "identity-sp")!.dependsOn).toContain(urn("identity-app"));
    expect(json.resources.find((r) => r.name === "cluster-sp-secret")!.provider).toBe(
        "urn:pulumi:dev::aio-secrets::pulumi:providers:kubernetes::kubernetes",
    );
    expect(json.permissions.graph.map((g) => g.permission)).toEqual(["Application.ReadWrite.OwnedBy"]);

    const k8s = json.resources.filter((r) => r.type.startsWith("kubernetes:"));
    const files = fs.readdirSync(out).sort();
    // One manifest per Kubernetes object, the MQ references, the marker; the stale file is gone.
    expect(files).not.toContain("stale-object-from-an-earlier-plan.yaml");
    expect(files.filter((f) => f !== "mq-keyvault-references.yaml" && f !== OUT_MARKER)).toHaveLength(k8s.length);
    expect(files).toEqual(expect.arrayContaining(["mq-keyvault-references.yaml", OUT_MARKER]));
    // Written beside the directory and renamed into place: nothing left next to it.
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith(`.${path.basename(out)}.`))).toEqual([]);
    const secret = parse(fs.readFileSync(path.join(out, "cluster-sp-secret.yaml"), "utf8")) as Record<string, unknown>;
    expect(secret.kind).toBe("Secret");
    // The offline plan never sees a decrypted value: placeholders stand in and stay hidden.
    const everything = stdout + files.map((f) => fs.readFileSync(path.join(out, f), "utf8")).join("\n");
    expect(everything).not.toContain("placeholder-for-");
    expect(everything).toContain("[secret]");
});

test("the text plan reads like pulumi preview: tree, short types, summary, cluster, next step; no SDK noise", async () => {
    const { code, stdout, stderr } = await runs.text;
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^aio-secrets offline plan: stack staging, environment staging/);
    expect(stdout).toContain("  cluster: the current context of the ambient kubeconfig");
    expect(stdout).toMatch(/^ {5}Type +Name +Plan$/m);
    expect(stdout).toMatch(/^ \+ {3}pulumi:pulumi:Stack +aio-secrets-staging +create$/m);
    expect(stdout).toMatch(/^ \+ {3}├─ aio-secrets:keyvault:KeyVault +keyvault +create$/m);
    expect(stdout).toMatch(/^ \+ {3}│ {2}[├└]─ azure-native:keyvault:Vault +keyvault-vault +create/m);
    expect(stdout).toMatch(/^ \+ {3}│ {2}[├└]─ azuread:index:Application +identity-app +create$/m);
    expect(stdout).not.toContain("azuread:index/application:Application");
    expect(stdout).toMatch(/context=\(kubeconfig's current context\) kubeconfig=\(ambient/);
    expect(stdout).toMatch(/objects=\[azure-iot-operations, dataflow-api-token, mq-password\]/);
    const created = stdout.split("\n").filter((l) => l.startsWith(" +   ")).length;
    expect(stdout).toContain(`\nResources: ${created} to create (the stack, `);
    expect(stdout).toContain("\nNext: pulumi preview --stack staging");
    expect(stdout).not.toContain("Undefined value");
});

test("an existing vault shows as looked up; --permissions lists the rights; --out is relative to the user's directory", async () => {
    const { code, stdout, stderr } = await runs.prod;
    expect(code).toBe(0);
    // The row's note goes under it when the row would pass 120 columns.
    expect(stdout).toMatch(
        /^ > {3}│ {2}└─ azure-native:keyvault:Vault +kv-aio-prod-01 +read(?: {2}|\n +)\(existing, looked up/m,
    );
    expect(stdout).toContain("existing vault kv-aio-prod-01: looked up, not managed");
    expect(stdout).toContain("Permissions this stack needs");
    expect(stdout).toMatch(
        /Microsoft\.KeyVault\/vaults\/read {2}Reader \(or Key Vault Contributor\) on the vault {2}\(kv-aio-prod-01/,
    );
    expect(stdout).toMatch(
        /secretproviderclasses\.secrets-store\.csi\.x-k8s\.io in azure-iot-operations: get, create, patch, delete/,
    );
    // prod brings its own service principal: no Graph rights.
    expect(stdout).not.toContain("Microsoft Graph");
    expect(stderr).toContain("wrote");
    expect(fs.readdirSync(path.join(userDir, "manifests", "prod"))).toContain("cluster-sp-secret.yaml");
});

test("bad input: exit 1, every problem, no stack trace", async () => {
    const { code, stdout, stderr } = await runs.bad;
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('Pulumi.bad.yaml: aio-secrets:keyVault.name "kv--x": no consecutive hyphens');
    expect(stderr).toContain("aio-secrets:keyVault.softDeleteRetentionDays 3: must be a whole number from 7 to 90");
    expect(stderr).toContain('aio-secrets:cluster.namespace "Not_A_Namespace"');
    expect(stderr).not.toMatch(TRACE);
});

test("mis-indented secretValues: the unknown keys come first and say where they belong; no advice to drop --secret", async () => {
    const { code, stdout, stderr } = await runs.misindented;
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const problems = stderr.split("\n").filter((line) => line.startsWith("  - "));
    expect(problems.length).toBeGreaterThanOrEqual(2);
    const unknown = problems.filter((line) => /: unknown key; .*indent it under aio-secrets:secretValues$/.test(line));
    expect(unknown.length).toBeGreaterThanOrEqual(1);
    expect(problems.slice(0, unknown.length)).toEqual(unknown);
    expect(problems[unknown.length]).toMatch(/aio-secrets:secretValues: must be a map of keys/);
    expect(stderr).not.toMatch(/without --secret/);
    expect(stderr).not.toMatch(TRACE);
});

test("an unknown stack lists the stacks there are", async () => {
    const { code, stderr } = await runs.unknown;
    expect(code).toBe(1);
    expect(stderr).toContain("Pulumi.nope.yaml: cannot be read");
    expect(stderr).toContain("the stacks here are: adopt, dev, ga, prod, site-a, site-b, site-c, staging");
});

describe("the command line is checked before the plan runs: exit 2, one message and the --help hint, no trace", () => {
    test.each([
        [
            "a --stack that is a path with a terminal escape",
            "hostile",
            /--stack "\.\.\/\\u\{1b\}\[2Jx": a stack name is letters/,
        ],
        ["a --catalog that is a FIFO", "fifo", /--catalog ".*catalog\.fifo": is not a regular file/],
        [
            "an --against git does not know, with git's own message",
            "badRevision",
            /--against "no-such-revision-xyz": not a git revision .*git says: fatal: bad revision 'no-such-revision-xyz'/,
        ],
    ] as const)("%s", async (_what, key, message) => {
        const { code, stdout, stderr } = await runs[key];
        expect(code).toBe(2);
        expect(stdout).toBe("");
        expect(stderr).toMatch(message);
        expect(stderr).not.toContain("\u001b");
        expect(stderr).not.toMatch(TRACE);
        // One line, then where the flags are explained (issue 22 item 5).
        const lines = stderr.trim().split("\n");
        expect(lines).toHaveLength(2);
        expect(lines[1]).toBe("Run 'npx aio-secrets plan --help' for the flags.");
    });
});

test("--against leaves no copy of the old stack files behind", async () => {
    const { code, stdout, stderr } = await runs.against;
    expect(stderr).not.toMatch(/internal error/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^aio-secrets plan diff: stack dev against HEAD/);
    expect(fs.readdirSync(tmpDir).filter((f) => f.startsWith("aio-plan-against-"))).toEqual([]);
});

describe("promote", () => {
    test("--check ends with a one-line verdict", async () => {
        const { code, stdout } = await runs.promoteCheck;
        const last = stdout.trimEnd().split("\n").pop();
        expect(last).toMatch(
            /^promote --check: (OK: every enabled secret has its value|FAILED: \d+ values? missing or in plaintext) \(\d+ secrets x 8 stacks\)/,
        );
        expect(code).toBe(last!.includes(": OK:") ? 0 : 1);
    });

    test("a missing --catalog is a one-line error and the --help hint, exit 2, no stack trace", async () => {
        const { code, stdout, stderr } = await runs.promoteNoCatalog;
        expect(code).toBe(2);
        expect(stdout).toBe("");
        expect(stderr).toBe(
            `aio-secrets promote: --catalog "${path.join(PROJECT_DIR, "no-such-catalog.yaml")}": no such file\n` +
                "Run 'npx aio-secrets promote --help' for the flags.\n",
        );
    });
});

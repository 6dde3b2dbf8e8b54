import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR, scratch } from "./helpers";

/** The offline plan as users and CI run it: a separate process, exit codes, files. */

interface PlanRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Starts the plan in its own process; the runs of this file go concurrently. */
function plan(...args: string[]): Promise<PlanRun> {
    const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
    return new Promise((resolve) => {
        const child = spawn(tsx, [path.join(PROJECT_DIR, "tools", "plan.ts"), ...args], { cwd: PROJECT_DIR, timeout: 60000 });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), "aio-plan-out-"));
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
const runs = {
    json: plan("--stack", "dev", "--json", "--out", out),
    text: plan("--stack", "staging"),
    bad: plan("--stack", "bad", "--stack-file", path.join(badDir, "Pulumi.bad.yaml")),
    unknown: plan("--stack", "nope"),
};

test("--json prints the machine-readable plan and --out writes one manifest per Kubernetes object", async () => {
    const { code, stdout, stderr } = await runs.json;
    expect(stderr).not.toMatch(/internal error/);
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { stack: string; environment: string; resources: Record<string, unknown>[]; warnings: unknown[] };
    expect(json.stack).toBe("dev");
    expect(json.environment).toBe("dev");
    expect(Array.isArray(json.warnings)).toBe(true);
    for (const r of json.resources) {
        expect(Object.keys(r)).toEqual(expect.arrayContaining(["urn", "type", "name", "parent", "inputs", "protect", "retainOnDelete"]));
    }
    const k8s = json.resources.filter((r) => String(r.type).startsWith("kubernetes:"));
    const files = fs.readdirSync(out).sort();
    // One manifest per Kubernetes object, plus the MQ references (dev's catalog has an mq: secret).
    expect(files.filter((f) => f !== "mq-keyvault-references.yaml")).toHaveLength(k8s.length);
    expect(files).toContain("mq-keyvault-references.yaml");
    const secret = parse(fs.readFileSync(path.join(out, "cluster-sp-secret.yaml"), "utf8")) as Record<string, unknown>;
    expect(secret.kind).toBe("Secret");
    // The offline plan never sees a decrypted value: placeholders stand in and stay hidden.
    const everything = stdout + files.map((f) => fs.readFileSync(path.join(out, f), "utf8")).join("\n");
    expect(everything).not.toContain("placeholder-for-");
    expect(everything).toContain("[secret]");
});

test("the text plan groups resources under their components", async () => {
    const { code, stdout } = await runs.text;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^aio-secrets offline plan: stack staging, environment staging/);
    expect(stdout).toMatch(/aio-secrets:keyvault:KeyVault "keyvault"\n\s+\+ azure-native:keyvault:Vault keyvault-vault/);
    expect(stdout).toMatch(/objects=\[azure-iot-operations, dataflow-api-token, mq-password\]/);
});

test("bad input: exit 1, every problem, no stack trace", async () => {
    const { code, stdout, stderr } = await runs.bad;
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('Pulumi.bad.yaml: aio-secrets:keyVault.name "kv--x": no consecutive hyphens');
    expect(stderr).toContain("aio-secrets:keyVault.softDeleteRetentionDays 3: must be a whole number from 7 to 90");
    expect(stderr).toContain('aio-secrets:cluster.namespace "Not_A_Namespace"');
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
});

test("an unknown stack is bad input too", async () => {
    const { code, stderr } = await runs.unknown;
    expect(code).toBe(1);
    expect(stderr).toContain("Pulumi.nope.yaml: cannot be read");
});

describe("--against", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { readAtRevision } = require("../tools/planDiff") as typeof import("../tools/planDiff");

    test("reads a file as of a git revision, undefined where it did not exist", () => {
        expect(readAtRevision(PROJECT_DIR, "HEAD", "./Pulumi.yaml")).toContain("name: aio-secrets");
        expect(readAtRevision(PROJECT_DIR, "HEAD", "./no-such-file.yaml")).toBeUndefined();
        expect(() => readAtRevision(PROJECT_DIR, "no-such-revision-xyz", "./Pulumi.yaml")).toThrow(/not a git revision/);
    });
});

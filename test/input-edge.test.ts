import { readYaml } from "../stacks/yaml";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkTrustBundle } from "../stacks/ca";
import { parseCatalog } from "../stacks/catalog";
import { ConfigError, formatProblem, Problem } from "../stacks/errors";
import { configWarnings, loadProgramInputs, readInsideProject } from "../stacks/load";
import * as rules from "../stacks/rules";
import { parseStackSettings } from "../stacks/settings";
import { originOf, parseEscDocument, parseProjectConfig, recordOrigins } from "../stacks/sharedConfig";
import { parseStackFile, SecureValue } from "../stacks/stackFile";
import { withoutSource } from "../stacks/yamlErrors";
import { changedStacks, stackFilter } from "../tools/fleet";
import { stackFilesDir } from "../stacks/stackDir";
import { outDirProblem, stackOutDir } from "../tools/outDir";
import { readAtRevision } from "../tools/planDiff";
import { fleetMain } from "../tools/planFleet";
import { environmentConfig, projectSources, readStackConfig, securePlaceholder } from "../tools/stackfile";
import { configErrorOf, MINIMAL_STACK, PROJECT_DIR, runStack, scratch } from "./helpers";

/**
 * The input edge (issue 17, item 14): what Entra, Kubernetes and Pulumi refuse is refused with
 * the file that holds it, what the standard tools accept is accepted, no secret leaks through
 * a message or a view, and no input makes a tool take unbounded time or write inside `.git`.
 */

const CA_PEM = fs.readFileSync(path.join(PROJECT_DIR, "test/fixtures/ca/example-ca.pem"), "utf8");
const NOW = new Date("2026-06-01T00:00:00Z");
/** Bytes that are not UTF-8 (a Latin-1 "é" and a lone continuation byte). */
const LATIN1 = Buffer.from([0x23, 0x20, 0xe9, 0x0a, 0x80, 0x0a]);

describe("files that are not valid UTF-8 are refused, naming the file; a BOM is accepted", () => {
    test("a stack file", async () => {
        const dir = scratch({});
        const file = path.join(dir, "Pulumi.latin.yaml");
        fs.writeFileSync(file, Buffer.concat([Buffer.from(MINIMAL_STACK), LATIN1]));
        const run = await runStack({ stack: "latin", stackFile: file });
        expect(run.error).toBe(
            "Pulumi.latin.yaml: is not valid UTF-8 text (Pulumi reads only UTF-8); save it as UTF-8",
        );
        expect(run.resources).toEqual([]);
    });

    test("Pulumi.yaml and an ESC stand-in", () => {
        const dir = scratch({ "environments/aio-secrets/e.yaml": "values: {}\n" });
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            Buffer.concat([Buffer.from("name: aio-secrets\nconfig:\n  a: b\n"), LATIN1]),
        );
        expect(configErrorOf(() => projectSources(dir, "aio-secrets"))).toMatch(/^Pulumi\.yaml: is not valid UTF-8/);
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: aio-secrets\n");
        fs.writeFileSync(
            path.join(dir, "environments/aio-secrets/e.yaml"),
            Buffer.concat([Buffer.from("values:\n"), LATIN1]),
        );
        const shared = projectSources(dir, "aio-secrets");
        expect(configErrorOf(() => shared.readEnvironment!("environments/aio-secrets/e.yaml"))).toMatch(
            /^environments\/aio-secrets\/e\.yaml: is not valid UTF-8/,
        );
    });

    test("a file as of a git revision (plan --against, --changed)", () => {
        const dir = scratch({ "Pulumi.yaml": "name: aio-secrets\n" });
        fs.writeFileSync(path.join(dir, "Pulumi.old.yaml"), Buffer.concat([Buffer.from(MINIMAL_STACK), LATIN1]));
        const git = (...args: string[]) =>
            execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: dir, stdio: "pipe" });
        git("init", "-q");
        git("add", "-A");
        git("commit", "-qm", "base");
        expect(() => readAtRevision(dir, "HEAD", "./Pulumi.old.yaml")).toThrow(
            '--against "HEAD": Pulumi.old.yaml there is not valid UTF-8',
        );
        expect(readAtRevision(dir, "HEAD", "./Pulumi.yaml")).toBe("name: aio-secrets\n");
    });

    test("the catalog", async () => {
        const dir = scratch({ "Pulumi.c.yaml": MINIMAL_STACK });
        fs.writeFileSync(path.join(dir, "secrets.yaml"), Buffer.concat([Buffer.from("secrets: []\n"), LATIN1]));
        const run = await runStack({
            stack: "c",
            stackFile: path.join(dir, "Pulumi.c.yaml"),
            catalogFile: path.join(dir, "secrets.yaml"),
        });
        expect(run.error).toMatch(/secrets\.yaml: is not valid UTF-8/);
    });

    test("a trust bundle file: bad bytes refused, a BOM read as the standard tools read it", () => {
        const dir = scratch({});
        fs.writeFileSync(path.join(dir, "bad.pem"), Buffer.concat([LATIN1, Buffer.from(CA_PEM)]));
        expect(() => readInsideProject(dir, "bad.pem")).toThrow("is not valid UTF-8");
        fs.writeFileSync(path.join(dir, "bom.pem"), `\uFEFF${CA_PEM}`);
        const text = readInsideProject(dir, "bom.pem");
        expect("bundle" in checkTrustBundle(text, "bom.pem", NOW)).toBe(true);
        // Also when the text reaches the check with its BOM (e.g. from another reader).
        const checked = checkTrustBundle(`\uFEFF${CA_PEM}`, "bom.pem", NOW);
        expect("bundle" in checked && checked.bundle.pem).toBe(CA_PEM);
    });
});

/**
 * Runs `code` (TypeScript, with the project's modules importable from `./`) in a child process
 * and returns its stdout; fails when it takes longer than `ms`, killing it (an exponential run
 * in this process could never be interrupted).
 */
function withinTime(code: string, ms: number): string {
    const started = Date.now();
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", code], {
        cwd: PROJECT_DIR,
        timeout: ms,
        encoding: "utf8",
    });
    expect(Date.now() - started).toBeLessThan(ms);
    return out;
}

describe("bounded time", () => {
    test("ESC imports: a 30-level diamond resolves in linear time, each stand-in read once", () => {
        // Level i: two environments, each importing both of level i + 1. Without memoising,
        // 2^30 visits.
        const out = withinTime(
            `
            const { environmentConfig } = require("./tools/stackfile.ts");
            const levels = 30;
            const env = (i, x) => "aio-secrets/l" + i + x;
            const reads = new Map();
            const read = (rel) => {
                reads.set(rel, (reads.get(rel) ?? 0) + 1);
                const m = /l(\\d+)([ab])\\.yaml$/.exec(rel);
                const i = Number(m[1]);
                const imports = i + 1 < levels ? "imports: [" + env(i + 1, "a") + ", " + env(i + 1, "b") + "]\\n" : "";
                return imports + "values:\\n  pulumiConfig:\\n    aio-secrets:level" + i + m[2] + ": " + i + "\\n";
            };
            const r = environmentConfig([env(0, "a")], "Pulumi.x.yaml", "aio-secrets", read);
            console.log(JSON.stringify({ keys: r.config.size, problems: r.problems.length, maxReads: Math.max(...reads.values()), files: r.files.length }));
            `,
            15000,
        );
        expect(JSON.parse(out)).toEqual({ keys: 59, problems: 0, maxReads: 1, files: 59 });
    });

    test("ESC imports: resolving each environment once keeps the merge order, nulls included", () => {
        const envs: Record<string, string> = {
            "environments/p/a.yaml": "values:\n  pulumiConfig:\n    k: { x: 1, y: 2 }\n    j: 1\n",
            "environments/p/b.yaml": "values:\n  pulumiConfig:\n    k: { x: null }\n    j: null\n",
            "environments/p/c.yaml": "imports: [p/a, p/b]\nvalues:\n  pulumiConfig:\n    k: { z: 3 }\n",
            "environments/p/d.yaml": "imports: [p/c, p/a]\n",
        };
        const read = (rel: string) => (Object.hasOwn(envs, rel) ? envs[rel] : undefined);
        const resolved = (names: string[]) =>
            Object.fromEntries(environmentConfig(names, "Pulumi.s.yaml", "p", read).config);
        expect(resolved(["p/a", "p/b"])).toEqual({ "p:k": { y: 2 } });
        expect(resolved(["p/c"])).toEqual({ "p:k": { y: 2, z: 3 } });
        // a again after c: its values come back over c's nulls.
        expect(resolved(["p/d"])).toEqual({ "p:k": { x: 1, y: 2, z: 3 }, "p:j": 1 });
    });

    test("YAML: 50,000 keys in one map are read in linear time, and a repeated key is still refused with its line", () => {
        // The parser's own uniqueKeys check compares each key with every earlier one: over a minute here.
        const out = withinTime(
            `
            const { readYaml } = require("./stacks/yaml.ts");
            const keys = Array.from({ length: 50000 }, (_, i) => "  k" + i + ": " + i);
            const ok = readYaml("config:\\n" + keys.join("\\n") + "\\n", "Pulumi.s.yaml");
            const dup = readYaml("config:\\n" + keys.join("\\n") + "\\n  k7: again\\n  m: { a: 1, a: 2 }\\n", "Pulumi.s.yaml");
            console.log(JSON.stringify({ ok: ok.problems, n: Object.keys(ok.value.config).length, dup: dup.problems }));
            `,
            20_000,
        );
        expect(JSON.parse(out)).toEqual({
            ok: [],
            n: 50000,
            dup: [{ file: "Pulumi.s.yaml", line: 50002, path: "", rule: "YAML syntax: Map keys must be unique" }],
        });
    });

    test("--stacks: a catastrophic glob against a long name matches (or not) at once", () => {
        const out = withinTime(
            `
            const { stackFilter } = require("./tools/fleet.ts");
            const f = stackFilter(["*a*a*a*a*a*a*a*b"]);
            const g = stackFilter(["*a*a*a*a*a*a*a*a"]);
            const name = "a".repeat(100);
            console.log(JSON.stringify([f(name), f(name.slice(1) + "b"), g(name), g("b" + name.slice(1))]));
            `,
            15000,
        );
        expect(JSON.parse(out)).toEqual([false, true, true, true]);
    });

    test("--stacks: the matcher agrees with a regular expression on short names (random patterns)", () => {
        let seed = 17;
        const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
        const pieces = ["a", "b", "-", ".", "*", "?", "[ab]", "[!a]", "[a-b]"];
        const toRegex = (glob: string) =>
            new RegExp(
                `^${glob
                    .replace(/\[!/g, "[^")
                    .replace(/\*/g, "[^]*")
                    .replace(/\?/g, "[^]")
                    .replace(/\.(?![^[]*\])/g, "\\.")}$`,
            );
        for (let i = 0; i < 2000; i++) {
            const glob = Array.from({ length: 1 + next(5) }, () => pieces[next(pieces.length)]).join("");
            const name = Array.from({ length: next(7) }, () => "ab-."[next(4)]).join("");
            const f = stackFilter([glob]);
            if ("error" in f) throw new Error(f.error);
            expect([glob, name, f(name)]).toEqual([glob, name, toRegex(glob).test(name)]);
        }
    });

    test("--stacks: globs keep their meaning", () => {
        const pick = (p: string, names: string[]) => {
            const f = stackFilter([p]);
            if ("error" in f) throw new Error(f.error);
            return names.filter(f);
        };
        const names = ["a", "ab", "abc", "b-1", "site-001", "site-0x1", "x.y"];
        expect(pick("*", names)).toEqual(names);
        expect(pick("a*", names)).toEqual(["a", "ab", "abc"]);
        expect(pick("*b*", names)).toEqual(["ab", "abc", "b-1"]);
        expect(pick("?", names)).toEqual(["a"]);
        expect(pick("site-0[0-9]1", names)).toEqual(["site-001"]);
        expect(pick("site-0[!0-9]1", names)).toEqual(["site-0x1"]);
        expect(pick("*-*", names)).toEqual(["b-1", "site-001", "site-0x1"]);
        expect(pick("[-b]*", names)).toEqual(["b-1"]);
        expect(pick("x.y", names)).toEqual(["x.y"]);
        expect(pick("**c", names)).toEqual(["abc"]);
    });
});

describe("--out never writes inside a .git folder", () => {
    test("of any repository, in any case, also through a symbolic link; nor a stack named .git", () => {
        const other = scratch({ ".git/HEAD": "ref: refs/heads/main\n", "work/keep": "" });
        fs.symlinkSync(path.join(other, ".git"), path.join(other, "work", "link"));
        for (const out of [
            path.join(other, ".git"),
            path.join(other, ".git", "plan"),
            path.join(other, ".GIT", "x"),
            path.join(other, "work", "link", "plan"),
        ]) {
            expect(outDirProblem(out, PROJECT_DIR)).toMatch(/is inside a \.git folder/);
        }
        expect(outDirProblem(path.join(other, "work", "plan"), PROJECT_DIR)).toBeUndefined();
        expect(stackOutDir(path.join(other, "work", "plan"), ".git")).toBeUndefined();
        expect(stackOutDir(path.join(other, "work", "plan"), "site-1")).toBe(
            path.join(other, "work", "plan", "site-1"),
        );
    });
});

describe("Kubernetes Secret keys starting with '..' are refused", () => {
    test.each(["..data", "..x", "..", "...a"])("catalog sync.key %s", (key) => {
        const text = `secrets:\n  - name: mq-password\n    source: generated\n    sync: { secret: mq, key: "${key}" }\n`;
        const { catalog, problems } = parseCatalog(text, "stacks/secrets.yaml");
        expect(catalog).toBeUndefined();
        expect(problems.map(formatProblem)).toEqual([
            expect.stringMatching(/^stacks\/secrets\.yaml:4: secrets\[0\].*sync\.key .*must not start with '\.\.'/),
        ]);
    });

    test("a single '.' inside or at the end stays fine", () => {
        for (const key of ["a..b", "tls.crt", ".env", "a."]) expect(rules.secretDataKey(key)).toBeUndefined();
    });
});

describe("secretSync.oidcIssuerUrl: validated in the exact form in which it is used", () => {
    const settingsProblems = (oidcIssuerUrl: string) =>
        parseStackSettings({
            project: "aio-secrets",
            stack: "dev",
            secretKeys: [],
            config: {
                "azure-native:location": "westeurope",
                "aio-secrets:delivery": "secretSync",
                "aio-secrets:keyVault": JSON.stringify({
                    name: "kv-sync-01",
                    resourceGroupName: "rg-sync",
                    permissionModel: "rbac",
                }),
                "aio-secrets:secretSync": JSON.stringify({
                    customLocation: { name: "cl", resourceGroupName: "rg-arc" },
                    identity: { name: "id-sync" },
                    oidcIssuerUrl,
                    extension: { install: false },
                }),
            },
        }).problems.map(formatProblem);

    test.each([
        [
            "https://westeurope.oic.prod-arc.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/",
        ],
        ["https://issuer.example"],
        ["https://issuer.example:8443/x"],
    ])("accepted: %s", (url) => {
        expect(rules.httpsUrl(url)).toBeUndefined();
        expect(settingsProblems(url)).toEqual([]);
    });

    test.each([
        ["https://issuer.example/x/?", "query or fragment"],
        ["https://issuer.example/x/#", "query or fragment"],
        ["https://user:pw@issuer.example/x/", "user info"],
        ["https://@issuer.example/x/", "user info"],
        [" https://issuer.example/x/", "spaces"],
        ["https://issuer.example/x/\n", "control characters"],
        ["https://issuer.example/x\ty/", "control characters"],
        ["https:\\\\issuer.example\\x/", "backslashes"],
        ["https:issuer.example/x/", "https:// URL"],
        ["HTTPS://issuer.example/x/", "https:// URL"],
        ["https://Issuer.Example/x/", "canonical form, as the issuer's tokens carry it: https://issuer.example/x/"],
        ["https://issuer.example:443/x/", "canonical form"],
        ["https://issuer.example/a/../x/", "canonical form"],
        ["https://issuer.example/é/", "canonical form"],
        ["https:///x/", "canonical form"],
        [`https://issuer.example/${"a".repeat(600)}`, "at most 600 characters"],
    ])("refused: %j (%s)", (url, rule) => {
        expect(rules.httpsUrl(url)).toContain(rule);
        expect(settingsProblems(url)).toEqual([
            expect.stringMatching(/^Pulumi\.dev\.yaml: aio-secrets:secretSync\.oidcIssuerUrl .*: /),
        ]);
    });
});

describe("leaks: a YAML syntax error never echoes the source of a secret", () => {
    const SECRET = "s3cr3tV4lue";
    const base = `config:\n  aio-secrets:secretValues:\n    mq-password:\n      secure: v1:${SECRET}\n  aio-secrets:keyVault: { name: kv-a, resourceGroupName: rg-a }\n`;
    const line = base.indexOf(SECRET);
    /** Broken variants: each special character put at each place of the secret's line, and escapes. */
    const variants: string[] = [];
    for (const c of [..."\"'[]{}:|>&*!%@`#,?-\t\\"]) {
        for (let i = base.lastIndexOf("\n", line) + 1; i <= line + SECRET.length; i++)
            variants.push(base.slice(0, i) + c + base.slice(i));
    }
    for (const shape of [
        `"\\${SECRET}"`,
        `"${SECRET}\\q"`,
        `|${SECRET}`,
        `>${SECRET}`,
        `@${SECRET}`,
        `\`${SECRET}`,
        `[${SECRET}`,
        `{${SECRET}`,
        `"${SECRET}`,
        `"x"${SECRET}`,
        `${SECRET}: x`,
    ]) {
        variants.push(base.replace(`v1:${SECRET}`, shape));
    }
    const readers: [string, (text: string) => Problem[]][] = [
        ["stack file", (t) => parseStackFile(t, "Pulumi.dev.yaml", "aio-secrets").problems],
        [
            "Pulumi.yaml",
            (t) =>
                parseProjectConfig(t.replace("config:", "name: aio-secrets\nconfig:"), "Pulumi.yaml", "aio-secrets")
                    .problems,
        ],
        [
            "ESC stand-in",
            (t) => parseEscDocument(t.replace("config:", "values:\n pulumiConfig:"), "environments/x.yaml").problems,
        ],
    ];

    test.each(readers)("%s", (_name, read) => {
        let syntaxErrors = 0;
        const leaks: string[] = [];
        for (const text of variants) {
            const problems = read(text);
            if (problems.some((p) => p.rule.startsWith("YAML syntax"))) syntaxErrors++;
            for (const p of problems) if (/s3cr|V4lue|3cr3t|r3tV/.test(formatProblem(p))) leaks.push(formatProblem(p));
        }
        expect(leaks).toEqual([]);
        // The variants do break the parser, in many ways.
        expect(syntaxErrors).toBeGreaterThan(100);
    });

    test("the parser's words stay, the source goes", () => {
        expect(withoutSource("Invalid escape sequence \\q")).toBe("Invalid escape sequence in a double-quoted string");
        expect(withoutSource("Unexpected , in flow map")).toBe("Unexpected , in flow map");
        expect(withoutSource("Unexpected abc in flow sequence")).toBe("Unexpected token in flow sequence");
        expect(withoutSource("Map keys must be unique")).toBe("Map keys must be unique");
    });
});

describe("leaks: no view prints a digest a dictionary can reverse", () => {
    const env = `values:\n  pulumiConfig:\n    aio-secrets:environment: { fn::secret: prod }\n    aio-secrets:secretValues:\n      mq-password: { fn::secret: hunter2 }\n`;
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");

    test("an ESC stand-in secret is kept as a keyed digest: equal within a run, no plain digest of the value", () => {
        const read = () => parseEscDocument(env, "environments/aio-secrets/e.yaml").doc!.pulumiConfig!;
        const [a, b] = [read(), read()];
        const ciphertext = (a["aio-secrets:secretValues"] as Record<string, SecureValue>)["mq-password"].ciphertext;
        expect(ciphertext).toBe(
            (b["aio-secrets:secretValues"] as Record<string, SecureValue>)["mq-password"].ciphertext,
        );
        for (const digest of [sha("hunter2"), sha(`esc-plaintext:${sha("hunter2")}`)]) {
            expect(ciphertext).not.toContain(digest.slice(0, 12));
            expect(securePlaceholder("aio-secrets:secretValues.mq-password", ciphertext)).not.toContain(
                digest.slice(0, 12),
            );
        }
        // The placeholder of a stack file's ciphertext is keyed too.
        expect(securePlaceholder("x", "v1:abc")).not.toContain(sha("v1:abc").slice(0, 12));
    });

    test("promote and plan --stacks show a marker for a secret environment, never a placeholder or a digest", async () => {
        const dir = scratch({
            "Pulumi.yaml": "name: aio-secrets\n",
            "environments/aio-secrets/e.yaml": env,
            "Pulumi.site-1.yaml": `environment: [aio-secrets/e]\n${MINIMAL_STACK}`,
            "secrets.yaml": "secrets:\n  - { name: mq-password, source: config, spcs: [aio-default-spc] }\n",
        });
        const promote = (args: string[]) =>
            spawnSync(
                process.execPath,
                [
                    "--import",
                    "tsx",
                    path.join(PROJECT_DIR, "tools", "promote.ts"),
                    "--status",
                    "--verbose",
                    "--dir",
                    dir,
                    "--catalog",
                    path.join(dir, "secrets.yaml"),
                    ...args,
                ],
                {
                    encoding: "utf8",
                },
            );
        const outputs = [promote([]), promote(["--json"])].map((r) => `${r.stdout}${r.stderr}`);
        const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
        try {
            for (const json of [false, true])
                await fleetMain({
                    json,
                    verbose: true,
                    dir,
                    stacks: ["site-*"],
                    catalog: path.join(dir, "secrets.yaml"),
                });
            outputs.push(stdout.mock.calls.map((c) => String(c[0])).join(""));
        } finally {
            stdout.mockRestore();
        }
        for (const out of outputs) {
            expect(out).toContain("[secret]");
            expect(out).not.toMatch(/placeholder-for|#[0-9a-f]{12}|hunter2/);
        }
    });
});

describe("leaks: a secret in a provider's namespace is refused before it is used", () => {
    const locationSecure = `${MINIMAL_STACK.replace("azure-native:location: westeurope", "azure-native:location:\n    secure: v1:westeurope-secret")}  aio-secrets:environment: dev\n`;

    test("azure-native:location secure in the stack file: refused, never in a resource, a message or an output", async () => {
        const dir = scratch({ "Pulumi.loc.yaml": locationSecure, "secrets.yaml": "secrets: []\n" });
        const run = await runStack({
            stack: "loc",
            stackFile: path.join(dir, "Pulumi.loc.yaml"),
            catalogFile: path.join(dir, "secrets.yaml"),
            secureValues: { "azure-native:location": "westeurope-secret-value" },
        });
        expect(run.error).toMatch(
            /^Pulumi\.loc\.yaml: azure-native:location: is secret \(secure: in the stack file\), but names, locations/,
        );
        expect(run.resources).toEqual([]);
        expect(JSON.stringify([run.error, run.warnings, run.outputs])).not.toContain("westeurope-secret");
    });

    /** Stack `s` importing the ESC stand-in `aio-secrets/e`, in a scratch project. */
    const runWithEsc = (stackFile: string, esc: string) => {
        const dir = scratch({
            "Pulumi.yaml": "name: aio-secrets\n",
            "environments/aio-secrets/e.yaml": esc,
            "Pulumi.s.yaml": stackFile,
            "secrets.yaml": "secrets: []\n",
        });
        return runStack({
            stack: "s",
            stackFile: path.join(dir, "Pulumi.s.yaml"),
            configDir: dir,
            catalogFile: path.join(dir, "secrets.yaml"),
        });
    };

    test("from an ESC environment (fn::secret), in secret-sync mode where the location is used", async () => {
        const syncStack = `environment: [aio-secrets/e]\nconfig:\n  aio-secrets:environment: ga\n  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555\n  aio-secrets:delivery: secretSync\n  aio-secrets:keyVault: { name: kv-a, resourceGroupName: rg-a, permissionModel: rbac }\n  aio-secrets:secretSync: { customLocation: { name: cl, resourceGroupName: rg-arc }, identity: { name: id-a }, oidcIssuerUrl: "https://issuer.example/x/", extension: { install: false } }\n`;
        const run = await runWithEsc(
            syncStack,
            "values:\n  pulumiConfig:\n    azure-native:location: { fn::secret: northeurope-secret }\n",
        );
        expect(run.error).toMatch(/azure-native:location: is secret \(secret to Pulumi\)/);
        expect(run.resources).toEqual([]);
        expect(JSON.stringify(run)).not.toMatch(/northeurope-secret|placeholder-for-azure-native/);
    });

    test("a secret an ESC environment puts into a key the stack file also sets is refused naming the ESC file, not the stack file", async () => {
        const run = await runWithEsc(
            `environment: [aio-secrets/e]\n${MINIMAL_STACK.replace(/ {2}aio-secrets:keyVault:[^\n]*\n( {4}[^\n]*\n)*/, "  aio-secrets:keyVault: { resourceGroupName: rg-a }\n")}`,
            "values:\n  pulumiConfig:\n    aio-secrets:keyVault:\n      name: { fn::secret: kv-secret-name }\n",
        );
        expect(run.error).toMatch(
            /(^|- )environments\/aio-secrets\/e\.yaml: aio-secrets:keyVault: is secret \(secret to Pulumi\)/m,
        );
        expect(run.error).not.toMatch(/Pulumi\.s\.yaml: aio-secrets:keyVault: is secret/);
        expect(JSON.stringify(run)).not.toContain("kv-secret-name");
    });

    test("the providers' sign-in credentials may be secret; other namespaces are nobody's business", () => {
        const raw = (key: string) => ({
            project: "aio-secrets",
            stack: "dev",
            config: {
                "azure-native:location": "westeurope",
                "aio-secrets:keyVault": JSON.stringify({ name: "kv-a", resourceGroupName: "rg-a" }),
                [key]: "x",
            },
            secretKeys: [key],
        });
        for (const key of [
            "azure-native:clientSecret",
            "azuread:clientSecret",
            "kubernetes:kubeconfig",
            "mytool:token",
        ])
            expect(parseStackSettings(raw(key)).problems).toEqual([]);
        for (const key of ["azure-native:subscriptionId", "azuread:tenantId", "random:x", "kubernetes:context"]) {
            expect(parseStackSettings(raw(key)).problems.map(formatProblem)).toEqual([
                expect.stringMatching(new RegExp(`^Pulumi\\.dev\\.yaml: ${key}: is secret`)),
            ]);
        }
    });
});

describe("leaks: a plaintext secret in Pulumi.yaml is refused, naming Pulumi.yaml", () => {
    const project = (config: string) =>
        parseProjectConfig(`name: aio-secrets\nconfig:\n${config}`, "Pulumi.yaml", "aio-secrets").problems.map(
            formatProblem,
        );

    test.each([
        [
            "  aio-secrets:secretValues: { value: { mq-password: hunter2 } }\n",
            "config.aio-secrets:secretValues.value.mq-password",
        ],
        ["  secretValues: { default: { mq-password: hunter2 } }\n", "config.secretValues.default.mq-password"],
        ["  aio-secrets:secretValues: { mq-password: hunter2 }\n", "config.aio-secrets:secretValues.mq-password"],
        [
            "  aio-secrets:servicePrincipal: { default: { clientId: 11111111-2222-3333-4444-555555555555, clientSecret: hunter2 } }\n",
            "config.aio-secrets:servicePrincipal.default.clientSecret",
        ],
        [
            "  aio-secrets:servicePrincipal: { clientSecret: hunter2 }\n",
            "config.aio-secrets:servicePrincipal.clientSecret",
        ],
        ["  aio-secrets:apiToken: { secret: true, default: hunter2 }\n", "config.aio-secrets:apiToken.default"],
    ])("%s", (config, at) => {
        const problems = project(config);
        expect(problems).toEqual([`Pulumi.yaml: ${at}: ${problems[0]?.split(": ").slice(2).join(": ")}`]);
        expect(problems[0]).toMatch(
            /is a secret \((always secret|declared secret: true)\) written in plaintext in Pulumi\.yaml/,
        );
        expect(problems.join("\n")).not.toContain("hunter2");
    });

    test("even when the stack file sets the secret over it", async () => {
        const dir = scratch({
            "Pulumi.yaml":
                "name: aio-secrets\nconfig:\n  aio-secrets:secretValues:\n    value: { mq-password: hunter2 }\n",
            "Pulumi.p.yaml": `${MINIMAL_STACK}  aio-secrets:environment: dev\n  aio-secrets:secretValues:\n    mq-password:\n      secure: v1:abc\n`,
        });
        const run = await runStack({ stack: "p", stackFile: path.join(dir, "Pulumi.p.yaml"), configDir: dir });
        expect(run.error).toMatch(/^Pulumi\.yaml: config\.aio-secrets:secretValues\.value\.mq-password: is a secret/);
        expect(run.resources).toEqual([]);
        expect(JSON.stringify(run)).not.toContain("hunter2");
    });

    test("plain settings and declarations stay fine", () => {
        expect(
            project(
                "  aio-secrets:secretValues: { default: {} }\n  aio-secrets:servicePrincipal: { default: { rotationDays: 90 } }\n  aio-secrets:apiToken: { secret: true }\n",
            ),
        ).toEqual([]);
    });
});

describe("errors name the file the value came from", () => {
    const files = {
        "Pulumi.yaml":
            "name: aio-secrets\nconfig:\n  aio-secrets:cluster:\n    default: { namespace: Bad_Namespace }\n",
        "environments/aio-secrets/e.yaml":
            "values:\n  pulumiConfig:\n    aio-secrets:keyVault:\n      softDeleteRetentionDays: 200\n    aio-secrets:deployers:\n      - { objectId: not-a-guid, type: User }\n",
        "Pulumi.o.yaml":
            "environment: [aio-secrets/e]\nconfig:\n  azure-native:location: westeurope\n  aio-secrets:environment: dev\n  aio-secrets:tenantId: not-a-tenant\n  aio-secrets:keyVault: { name: kv-o, resourceGroupName: rg-o }\n",
        "secrets.yaml": "secrets: []\n",
    };
    const expected = [
        expect.stringMatching(/^Pulumi\.o\.yaml: aio-secrets:tenantId "not-a-tenant": must be a GUID/),
        expect.stringMatching(
            /^environments\/aio-secrets\/e\.yaml: aio-secrets:keyVault\.softDeleteRetentionDays 200: /,
        ),
        expect.stringMatching(
            /^environments\/aio-secrets\/e\.yaml: aio-secrets:deployers\[0\]\.objectId "not-a-guid": must be a GUID/,
        ),
        expect.stringMatching(
            /^Pulumi\.yaml: aio-secrets:cluster\.namespace "Bad_Namespace": must be a DNS-1123 label/,
        ),
    ];

    test("the stack file, an ESC stand-in, Pulumi.yaml (offline tools: every value's file)", async () => {
        const dir = scratch(files);
        const run = await runStack({
            stack: "o",
            stackFile: path.join(dir, "Pulumi.o.yaml"),
            configDir: dir,
            catalogFile: path.join(dir, "secrets.yaml"),
        });
        const problems = (run.errorObject as ConfigError).problems.map(formatProblem);
        expect(problems).toEqual(expect.arrayContaining(expected));
        expect(problems).toHaveLength(expected.length);
    });

    test("under pulumi up (config merged by the CLI): the stack file's own values, else its ESC environments, else Pulumi.yaml", () => {
        const dir = scratch(files);
        const { config } = readStackConfig(
            files["Pulumi.o.yaml"],
            "Pulumi.o.yaml",
            "aio-secrets",
            {},
            projectSources(dir, "aio-secrets"),
        );
        const message = configErrorOf(() =>
            loadProgramInputs(
                { project: "aio-secrets", stack: "o", config, secretKeys: [] },
                { projectDir: dir, catalogPath: path.join(dir, "secrets.yaml") },
            ),
        );
        expect(message).toMatch(/- Pulumi\.o\.yaml: aio-secrets:tenantId "not-a-tenant"/);
        expect(message).toMatch(
            /- the ESC environment aio-secrets\/e: aio-secrets:keyVault\.softDeleteRetentionDays 200/,
        );
        expect(message).toMatch(
            /- the ESC environment aio-secrets\/e \(or Pulumi\.yaml\): aio-secrets:cluster\.namespace "Bad_Namespace"/,
        );
    });

    test("origins follow the merge: a stack file's map merges over an environment's, a list replaces", () => {
        const origins = new Map<string, string>();
        recordOrigins(origins, { name: "a", sub: { x: 1 } }, "p:k", "env.yaml");
        recordOrigins(origins, { sub: { y: 2 } }, "p:k", "stack.yaml");
        expect(originOf(origins, "p:k.name")).toBe("env.yaml");
        expect(originOf(origins, "p:k.sub.y")).toBe("stack.yaml");
        expect(originOf(origins, "p:k.sub")).toBeUndefined(); // both wrote parts of it
        expect(originOf(origins, "p:k.missing")).toBeUndefined();
        recordOrigins(origins, [1, 2], "p:k.sub", "stack.yaml");
        expect(originOf(origins, "p:k.sub[1]")).toBe("stack.yaml");
        expect(originOf(origins, "p:k.name")).toBe("env.yaml");
    });
});

describe("Pulumi parity: stackConfigDir is honoured by every tool", () => {
    const stack = `${MINIMAL_STACK}  aio-secrets:environment: dev\n`;
    const project = () =>
        scratch({
            "Pulumi.yaml": "name: aio-secrets\nruntime: nodejs\nstackConfigDir: config/stacks\n",
            "config/stacks/Pulumi.s1.yaml": stack,
            "config/stacks/Pulumi.s2.yaml": stack,
            "secrets.yaml": "secrets: []\n",
        });
    const cli = (tool: string, args: string[]) => {
        const r = spawnSync(
            process.execPath,
            ["--import", "tsx", path.join(PROJECT_DIR, "tools", `${tool}.ts`), ...args],
            { encoding: "utf8" },
        );
        return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };

    test("the harness and the program find the stack file there", async () => {
        const dir = project();
        const run = await runStack({ stack: "s1", configDir: dir, catalogFile: path.join(dir, "secrets.yaml") });
        expect(run.error).toBeUndefined();
        expect(run.resources.length).toBeGreaterThan(0);
        // The program under pulumi up (no tool in between): it reads the stack file for its secure leaves.
        fs.writeFileSync(
            path.join(dir, "config/stacks/Pulumi.s1.yaml"),
            `${stack}  aio-secrets:secretValues: { x: in-plaintext }\n`,
        );
        const config = readStackConfig(
            fs.readFileSync(path.join(dir, "config/stacks/Pulumi.s1.yaml"), "utf8"),
            "Pulumi.s1.yaml",
            "aio-secrets",
        ).config;
        const message = configErrorOf(() =>
            loadProgramInputs(
                { project: "aio-secrets", stack: "s1", config, secretKeys: ["aio-secrets:secretValues"] },
                { projectDir: dir, catalogPath: path.join(dir, "secrets.yaml") },
            ),
        );
        expect(message).toContain("aio-secrets:secretValues.x: is plaintext in the stack file");
    });

    test("plan --all / --stacks, promote, plan --stack", async () => {
        const dir = project();
        const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
        let code: number;
        let printed: string;
        try {
            code = await fleetMain({
                json: true,
                verbose: false,
                dir,
                stacks: ["s*"],
                catalog: path.join(dir, "secrets.yaml"),
            });
            printed = stdout.mock.calls.map((c) => String(c[0])).join("");
        } finally {
            stdout.mockRestore();
        }
        expect(code).toBe(0);
        const fleet = JSON.parse(printed) as { stacks: { stack: string; errors: string[] }[] };
        expect(fleet.stacks.map((s) => [s.stack, s.errors])).toEqual([
            ["s1", []],
            ["s2", []],
        ]);
        const promote = cli("promote", [
            "--status",
            "--json",
            "--dir",
            dir,
            "--catalog",
            path.join(dir, "secrets.yaml"),
        ]);
        expect(promote.code).toBe(0);
        expect((JSON.parse(promote.out) as { stacks: { stack: string }[] }).stacks.map((s) => s.stack)).toEqual([
            "s1",
            "s2",
        ]);
        const plan = cli("plan", [
            "--stack",
            "s2",
            "--json",
            "--dir",
            dir,
            "--catalog",
            path.join(dir, "secrets.yaml"),
        ]);
        expect(plan.code).toBe(0);
    });

    test("plan --changed names the stack file under stackConfigDir", () => {
        const dir = project();
        const git = (...args: string[]) =>
            execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: dir, stdio: "pipe" });
        git("init", "-q");
        git("add", "-A");
        git("commit", "-qm", "base");
        fs.appendFileSync(path.join(dir, "config/stacks/Pulumi.s2.yaml"), "  aio-secrets:protect: false\n");
        const changed = changedStacks({
            dir,
            catalogFile: path.join(dir, "secrets.yaml"),
            stacks: ["s1", "s2"],
            rev: "HEAD",
        });
        expect(changed).toEqual([{ stack: "s2", reasons: ["config/stacks/Pulumi.s2.yaml changed"] }]);
    });

    test("an absolute stackConfigDir is joined below the project, as the CLI's filepath.Join does", () => {
        const dir = scratch({ "Pulumi.yaml": "name: aio-secrets\nstackConfigDir: /etc\n" });
        expect(stackFilesDir(dir)).toBe(path.join(path.resolve(dir), "etc"));
        const up = scratch({ "Pulumi.yaml": "name: aio-secrets\nstackConfigDir: ../stacks\n" });
        expect(stackFilesDir(up)).toBe(path.join(path.dirname(path.resolve(up)), "stacks"));
    });

    test("a bad stackConfigDir names Pulumi.yaml", () => {
        const dir = scratch({ "Pulumi.yaml": "name: aio-secrets\nstackConfigDir: [a]\n" });
        expect(configErrorOf(() => stackFilesDir(dir))).toBe(
            "Pulumi.yaml: stackConfigDir: must be a folder, relative to the project (e.g. stacks)",
        );
    });
});

describe("commands printed for users to paste quote a key from a file as one shell word", () => {
    /** A YAML key that would end the quoting and run a command if pasted unquoted. */
    const HOSTILE = "x'; touch pwned; echo '";
    /** The words bash makes of `command` (without running it): each printed as one line. */
    const words = (command: string): string[] =>
        execFileSync("bash", ["-c", `printf '%s\\n' ${command}`], { cwd: scratch({}), encoding: "utf8" })
            .split("\n")
            .slice(0, -1);
    const pasted = (message: string): string => {
        const m = /pulumi config set --secret(?: --path)? (.*?) <value>/.exec(message);
        if (!m) throw new Error(`no command in ${message}`);
        return m[1];
    };

    test("secure: with no ciphertext (stackFile.ts)", () => {
        const { problems } = parseStackFile(
            `config:\n  aio-secrets:secretValues:\n    "${HOSTILE}":\n      secure: ""\n`,
            "Pulumi.dev.yaml",
            "aio-secrets",
        );
        expect(problems).toHaveLength(1);
        expect(words(pasted(formatProblem(problems[0])))).toEqual([`secretValues.${HOSTILE}`]);
    });

    test("an example placeholder ciphertext (load.ts)", () => {
        const warnings = configWarnings(
            {
                project: "aio-secrets",
                stack: "dev",
                config: {},
                secretKeys: [],
                stackFile: {
                    secure: new Map([[`aio-secrets:secretValues.${HOSTILE}`, "v1:placeholder"]]),
                    plain: new Set(),
                },
            },
            "Pulumi.dev.yaml",
        );
        expect(warnings).toHaveLength(1);
        expect(words(pasted(warnings[0]))).toEqual([`secretValues.${HOSTILE}`]);
    });

    test("a plaintext secret value (settings.ts)", () => {
        const config = {
            "aio-secrets:keyVault": JSON.stringify({ name: "kv-edge-01", resourceGroupName: "rg" }),
            "aio-secrets:secretValues": JSON.stringify({ [HOSTILE]: "in-plaintext" }),
        };
        const { problems } = parseStackSettings({
            project: "aio-secrets",
            stack: "dev",
            config,
            secretKeys: ["aio-secrets:secretValues"],
            stackFile: { secure: new Map(), plain: new Set([`aio-secrets:secretValues.${HOSTILE}`]) },
        });
        const line = problems.map(formatProblem).find((l) => l.includes("is plaintext in the stack file"));
        expect(line).toBeDefined();
        expect(words(pasted(line as string))).toEqual([`secretValues.${HOSTILE}`]);
    });
});

describe("readYaml keeps the last few documents it read (one plan reads a stack file several times)", () => {
    test("a repeated read is equal, its value a copy the caller may change", () => {
        const text = "config:\n  __proto__: { polluted: true }\n  a: &x [1, { b: 2 }]\n  c: *x\n";
        const first = readYaml(text, "Pulumi.cache.yaml");
        (first.value as { config: { a: unknown[] } }).config.a.push("changed by the caller");
        const second = readYaml(text, "Pulumi.cache.yaml");
        expect(second.problems).toEqual([]);
        const config = (second.value as { config: Record<string, unknown> }).config;
        expect(config.a).toEqual([1, { b: 2 }]);
        expect(Object.hasOwn(config, "__proto__")).toBe(true);
        expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        // An alias stays one value shared by its uses, as in a fresh read.
        expect(config.c).toBe(config.a);
        (config.a as unknown[]).push(3);
        expect((readYaml(text, "Pulumi.cache.yaml").value as { config: { a: unknown[] } }).config.a).toHaveLength(2);
    });

    test("the file name and the merge option are part of what was read; problems are read anew", () => {
        const merged = "a: &m { x: 1 }\nb:\n  <<: *m\n";
        expect((readYaml(merged, "f.yaml", { merge: true }).value as { b: unknown }).b).toEqual({ x: 1 });
        expect((readYaml(merged, "f.yaml").value as { b: unknown }).b).toEqual({ "<<": { x: 1 } });
        const bad = "a: [1\n";
        expect(readYaml(bad, "one.yaml").problems[0].file).toBe("one.yaml");
        expect(readYaml(bad, "two.yaml").problems[0].file).toBe("two.yaml");
        expect(readYaml("a: 1\n", "two.yaml").problems).toEqual([]);
    });
});

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    inputFileProblem,
    MAX_INPUT_BYTES,
    parseCommandLine,
    parseStackName,
    resolveUserPath,
    runAsCommand,
    sanitize,
    userDirectory,
} from "../tools/cli";
import * as benchCommand from "../tools/bench";
import { ConfigError } from "../stacks/errors";
import { runTool } from "../tools/liveStack";
import * as planCommand from "../tools/plan";
import * as promoteCommand from "../tools/promote";
import type { RecordedResource, RunResult } from "../tools/harness";
import { fileNameClashes, OUT_MARKER, outDirProblem, stackOutDir, writeOutDir } from "../tools/outDir";
import { readAtRevision } from "../tools/planDiff";
import { displayType, engineView, manifestFileName, planJson } from "../tools/planRender";
import { permissionNeeds } from "../tools/permissions";
import { PROJECT_DIR, testIf } from "./helpers";

/** The command-line edge as pure functions: no process spawned (test/plan-cli.test.ts does that). */

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "aio-cli-test-"));

describe("what a user typed is safe to echo", () => {
    it("turns terminal controls and bidi overrides into visible escapes, keeps newlines", () => {
        const hostile = "dev\u001b[2J\u009b31m\r\u202eevil\u0007\nnext\tcol";
        const safe = sanitize(hostile);
        expect(safe).toBe("dev\\u{1b}[2J\\u{9b}31m\\u{d}\\u{202e}evil\\u{7}\nnext\tcol");
        // eslint-disable-next-line no-control-regex
        expect(safe).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    });
});

describe("every command's --help explains each of its flags", () => {
    it.each([
        ["plan", planCommand],
        ["promote", promoteCommand],
        ["bench", benchCommand],
    ] as const)("%s", (name, command) => {
        expect(command.USAGE).toMatch(new RegExp(`^usage: npx aio-secrets ${name} `));
        // Each flag the parser accepts starts a line of the usage and has words after it.
        for (const flag of Object.keys(command.OPTIONS))
            expect(command.USAGE).toMatch(new RegExp(`^ +--${flag}\\b[^\\n]*?\\s{2,}\\S[^\\n]{9,}`, "m"));
        const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
        try {
            expect(parseCommandLine(command.OPTIONS, command.USAGE, ["--json", "--help"])).toEqual({ exit: 0 });
            expect(write).toHaveBeenCalledWith(`${command.USAGE}\n`);
        } finally {
            write.mockRestore();
        }
    });

    it("an unknown flag is exit 2, echoed without its terminal controls", () => {
        const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
        try {
            expect(parseCommandLine(planCommand.OPTIONS, planCommand.USAGE, ["--stack\u001b[2J"])).toEqual({ exit: 2 });
            const printed = write.mock.calls.map((c) => String(c[0])).join("");
            expect(printed).toContain("\\u{1b}[2J");
            expect(printed).not.toContain("\u001b");
        } finally {
            write.mockRestore();
        }
    });

    it.each([
        ["plan", planCommand, ["--bogus"], "aio-secrets plan: Unknown option '--bogus'"],
        ["plan", planCommand, ["--stack"], "aio-secrets plan: Option '--stack <value>' argument missing"],
        [
            "promote",
            promoteCommand,
            ["--status", "extra"],
            "aio-secrets promote: Unexpected argument 'extra'. This command does not take positional arguments",
        ],
        ["bench", benchCommand, ["--quick=1"], "aio-secrets bench: Option '--quick' does not take an argument"],
    ] as const)(
        "a bad %s command line is one line and the --help hint, not the whole usage (%j)",
        (name, command, argv, line) => {
            const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
            try {
                expect(parseCommandLine(command.OPTIONS, command.USAGE, [...argv])).toEqual({ exit: 2 });
                const printed = write.mock.calls.map((c) => String(c[0])).join("");
                expect(printed.split("\n")).toEqual([line, `Run 'npx aio-secrets ${name} --help' for the flags.`, ""]);
            } finally {
                write.mockRestore();
            }
        },
    );
});

describe("--stack follows Pulumi's stack-name rule", () => {
    it.each(["dev", "prod-eu_2.a", "aio-secrets/dev", "my-org/aio-secrets/dev", "x".repeat(100)])(
        "accepts %s",
        (name) => {
            expect(parseStackName(name)).toEqual({ stack: name.split("/").pop() });
        },
    );

    it.each([
        ["../../etc/passwd", /letters, digits/],
        ["dev/..", /is a path, not a name/],
        ["..", /is a path, not a name/],
        ["../x", /is a path, not a name/],
        ["org/../x", /is a path, not a name/],
        ["", /letters, digits/],
        ["dev\u001b[2J", /letters, digits/],
        ["a/b/c/d", /letters, digits/],
        ["dev name", /letters, digits/],
        ["x".repeat(101), /at most 100/],
        ["org/other-project/dev", /project part must be aio-secrets/],
    ])("refuses %j", (name, rule) => {
        const result = parseStackName(name);
        expect(result).toEqual({ error: expect.stringMatching(rule) });
        // Echoed safely: the escape character shows as text.
        expect("error" in result && result.error).not.toContain("\u001b");
    });
});

describe("relative paths resolve where the user ran the command", () => {
    const saved = process.env.INIT_CWD;
    afterEach(() => {
        if (saved === undefined) delete process.env.INIT_CWD;
        else process.env.INIT_CWD = saved;
    });

    it("uses INIT_CWD (set by npm run / npx) when it is a directory, else the process directory", () => {
        const dir = tmp();
        process.env.INIT_CWD = dir;
        expect(userDirectory()).toBe(dir);
        expect(resolveUserPath("out/dev")).toBe(path.join(dir, "out", "dev"));
        expect(resolveUserPath("/abs/x")).toBe("/abs/x");
        process.env.INIT_CWD = path.join(dir, "gone");
        expect(userDirectory()).toBe(process.cwd());
        delete process.env.INIT_CWD;
        expect(resolveUserPath("x")).toBe(path.join(process.cwd(), "x"));
    });
});

describe("--stack-file and --catalog read regular files of a sane size only", () => {
    const dir = tmp();
    const ok = path.join(dir, "ok.yaml");
    fs.writeFileSync(ok, "secrets: []\n");
    const big = path.join(dir, "big.yaml");
    fs.writeFileSync(big, Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20));
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);

    it("accepts a regular file", () => {
        expect(inputFileProblem("--catalog", ok)).toBeUndefined();
    });

    it.each([
        ["a directory", dir, /is a directory/],
        ["a FIFO (would block forever)", fifo, /not a regular file/],
        ["a device", "/dev/zero", /not a regular file/],
        ["a file over 1 MiB", big, /limit is 1048576/],
        ["a missing file", path.join(dir, "nope.yaml"), /no such file/],
    ])("refuses %s", (_what, file, rule) => {
        expect(inputFileProblem("--catalog", file)).toMatch(rule);
    });
});

describe("--out", () => {
    it("accepts a new path, an empty directory or an earlier plan's directory", () => {
        const dir = tmp();
        expect(outDirProblem(path.join(dir, "new", "deeper"), PROJECT_DIR)).toBeUndefined();
        fs.mkdirSync(path.join(dir, "empty"));
        expect(outDirProblem(path.join(dir, "empty"), PROJECT_DIR)).toBeUndefined();
        fs.mkdirSync(path.join(dir, "earlier"));
        fs.writeFileSync(path.join(dir, "earlier", OUT_MARKER), "");
        fs.writeFileSync(path.join(dir, "earlier", "old.yaml"), "");
        expect(outDirProblem(path.join(dir, "earlier"), PROJECT_DIR)).toBeUndefined();
    });

    it("refuses a file, a symbolic link, a directory with other files, the project and its source folders", () => {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "file"), "");
        expect(outDirProblem(path.join(dir, "file"), PROJECT_DIR)).toMatch(/not a directory/);
        expect(outDirProblem(path.join(dir, "file", "sub"), PROJECT_DIR)).toMatch(/is not a directory/);
        fs.mkdirSync(path.join(dir, "mine"));
        fs.writeFileSync(path.join(dir, "mine", "notes.txt"), "");
        expect(outDirProblem(path.join(dir, "mine"), PROJECT_DIR)).toMatch(/other files in it/);
        fs.symlinkSync(path.join(dir, "mine"), path.join(dir, "link"));
        expect(outDirProblem(path.join(dir, "link"), PROJECT_DIR)).toMatch(/symbolic link/);
        expect(outDirProblem(PROJECT_DIR, PROJECT_DIR)).toMatch(/source folders/);
        expect(outDirProblem(path.join(PROJECT_DIR, "components", "out"), PROJECT_DIR)).toMatch(/source folders/);
        expect(outDirProblem(path.join(PROJECT_DIR, "stacks"), PROJECT_DIR)).toMatch(/source folders/);
        expect(outDirProblem(path.join(PROJECT_DIR, "plan-out", "dev"), PROJECT_DIR)).toBeUndefined();
    });

    testIf(process.getuid?.() !== 0, "run as root, who may write anywhere: the check cannot fail")(
        "refuses a directory it cannot write in",
        () => {
            const dir = tmp();
            fs.chmodSync(dir, 0o555);
            expect(outDirProblem(path.join(dir, "out"), PROJECT_DIR)).toMatch(/permission denied/);
        },
    );

    it("replaces the directory whole: no stale manifest, the marker, no temporary directory left", () => {
        const dir = tmp();
        const out = path.join(dir, "out");
        writeOutDir(out, [{ fileName: "old-object.yaml", yaml: "a: 1\n" }]);
        writeOutDir(out, [{ fileName: "new-object.yaml", yaml: "b: 2\n" }]);
        expect(fs.readdirSync(out).sort()).toEqual([OUT_MARKER, "new-object.yaml"]);
        expect(fs.readdirSync(dir)).toEqual(["out"]);
    });

    it("a failed write leaves the previous output as it was and nothing else", () => {
        const dir = tmp();
        const out = path.join(dir, "out");
        writeOutDir(out, [{ fileName: "kept.yaml", yaml: "a: 1\n" }]);
        // The same name twice: the second write is refused (files are created exclusively).
        expect(() =>
            writeOutDir(out, [
                { fileName: "x.yaml", yaml: "1" },
                { fileName: "x.yaml", yaml: "2" },
            ]),
        ).toThrow(/EEXIST/);
        expect(fs.readdirSync(out).sort()).toEqual([OUT_MARKER, "kept.yaml"]);
        expect(fs.readdirSync(dir)).toEqual(["out"]);
    });

    it("names two objects that would share a file name (case-insensitive file systems too)", () => {
        expect(
            fileNameClashes([
                { fileName: "a.yaml", source: "kubernetes:core/v1:Secret a" },
                { fileName: "b.yaml", source: "kubernetes:core/v1:Secret b" },
                { fileName: "A.yaml", source: "kubernetes:core/v1:ConfigMap A" },
            ]),
        ).toEqual(["A.yaml: both kubernetes:core/v1:Secret a and kubernetes:core/v1:ConfigMap A"]);
    });

    it("a stack's directory is strictly inside --out: never --out itself or its parent", () => {
        const out = path.join(tmp(), "out");
        expect(stackOutDir(out, "site-1")).toBe(path.join(out, "site-1"));
        expect(stackOutDir(out, "..")).toBeUndefined();
        expect(stackOutDir(out, ".")).toBeUndefined();
        expect(stackOutDir(out, "")).toBeUndefined();
        expect(stackOutDir(out, "a/../..")).toBeUndefined();
        expect(stackOutDir(out, "a/b")).toBeUndefined();
    });

    it("file names never leave the directory or hide", () => {
        expect(manifestFileName("spc-aio-default-spc-spc")).toBe("spc-aio-default-spc-spc.yaml");
        expect(manifestFileName("../x")).toBe("%2E.%2Fx.yaml");
        expect(manifestFileName("a/b")).toBe("a%2Fb.yaml");
        expect(manifestFileName(".hidden")).toBe("%2Ehidden.yaml");
        expect(manifestFileName("a\u001bb")).toBe("a%1Bb.yaml");
    });
});

describe("--against reads git and reports git's own error", () => {
    it("reads a file at a revision; undefined where it did not exist", () => {
        expect(readAtRevision(PROJECT_DIR, "HEAD", "./Pulumi.yaml")).toContain("name: aio-secrets");
        expect(readAtRevision(PROJECT_DIR, "HEAD", "./no-such-file.yaml")).toBeUndefined();
    });

    it.each([
        [
            "an unknown revision",
            "no-such-revision-xyz",
            "./Pulumi.yaml",
            PROJECT_DIR,
            /not a git revision.*git says: fatal: bad revision 'no-such-revision-xyz'/,
        ],
        [
            "an option in disguise",
            "--output=/tmp/x",
            "./Pulumi.yaml",
            PROJECT_DIR,
            /"--output=\/tmp\/x": not a git revision$/,
        ],
        [
            "a path outside the repository",
            "HEAD",
            "./../outside.yaml",
            PROJECT_DIR,
            /git says: fatal: .*outside repository/,
        ],
        ["a directory that is no repository", "HEAD", "./x.yaml", os.tmpdir(), /git says: fatal: not a git repository/],
    ])("%s", (_what, revision, file, dir, message) => {
        expect(() => readAtRevision(dir, revision, file)).toThrow(message);
    });
});

/** A recorded resource with the options a plain custom resource has. */
function recorded(r: Partial<RecordedResource> & { urn: string; type: string; name: string }): RecordedResource {
    return {
        custom: true,
        inputs: {},
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        replaceOnChanges: [],
        dependsOn: [],
        ...r,
    };
}

describe("the plan as the engine and the CLI show it", () => {
    const res = recorded;
    // URNs as Pulumi's mock monitor forms them: the stack type kept, only the parent's own type.
    const outer = res({
        urn: "urn:pulumi:dev::aio-secrets::pulumi:pulumi:Stack$a:b:Outer::o",
        type: "a:b:Outer",
        name: "o",
        custom: false,
    });
    const inner = res({
        urn: "urn:pulumi:dev::aio-secrets::a:b:Outer$a:b:Inner::i",
        type: "a:b:Inner",
        name: "i",
        custom: false,
        parent: outer.urn,
    });
    const provider = res({
        urn: "urn:pulumi:dev::aio-secrets::pulumi:pulumi:Stack$pulumi:providers:kubernetes::k",
        type: "pulumi:providers:kubernetes",
        name: "k",
    });
    const leaf = res({
        urn: "urn:pulumi:dev::aio-secrets::a:b:Inner$kubernetes:core/v1:Secret::s",
        type: "kubernetes:core/v1:Secret",
        name: "s",
        parent: inner.urn,
        dependsOn: [provider.urn, outer.urn, outer.urn],
        provider: `${provider.urn}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`,
        inputs: { ref: { "4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", urn: outer.urn } },
    });
    const run: RunResult = {
        stack: "dev",
        project: "aio-secrets",
        resources: [outer, inner, provider, leaf],
        outputs: {},
        warnings: ["Undefined value (passwordExpiresAt) will not show as a stack output.", "a real warning"],
    };

    it("URNs chain every ancestor type and leave the root stack type out, everywhere they appear", () => {
        const view = engineView(run);
        const urns = view.resources.map((r) => r.urn);
        expect(urns).toEqual([
            "urn:pulumi:dev::aio-secrets::a:b:Outer::o",
            "urn:pulumi:dev::aio-secrets::a:b:Outer$a:b:Inner::i",
            "urn:pulumi:dev::aio-secrets::pulumi:providers:kubernetes::k",
            "urn:pulumi:dev::aio-secrets::a:b:Outer$a:b:Inner$kubernetes:core/v1:Secret::s",
        ]);
        const s = view.resources[3];
        expect(s.parent).toBe(urns[1]);
        expect(s.dependsOn).toEqual([urns[2], urns[0]]);
        expect(s.provider).toBe(`${urns[2]}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`);
        expect(JSON.stringify(s.inputs)).toContain(`"urn":"${urns[0]}"`);
        expect(JSON.stringify(view)).not.toContain("pulumi:pulumi:Stack$");
        expect(engineView(view)).toEqual(view);
    });

    it("the JSON carries dependsOn and the provider per resource, and no SDK noise", () => {
        const json = planJson(run);
        const s = json.resources.find((r) => r.name === "s")!;
        expect(s.dependsOn).toEqual([
            "urn:pulumi:dev::aio-secrets::pulumi:providers:kubernetes::k",
            "urn:pulumi:dev::aio-secrets::a:b:Outer::o",
        ]);
        expect(s.provider).toBe("urn:pulumi:dev::aio-secrets::pulumi:providers:kubernetes::k");
        expect(json.warnings).toEqual(["a real warning"]);
    });

    it.each([
        ["azuread:index/application:Application", "azuread:index:Application"],
        ["random:index/randomPassword:RandomPassword", "random:index:RandomPassword"],
        ["time:index/rotating:Rotating", "time:index:Rotating"],
        ["kubernetes:core/v1:Secret", "kubernetes:core/v1:Secret"],
        ["azure-native:keyvault:Vault", "azure-native:keyvault:Vault"],
        ["aio-secrets:spc:SecretProviderClass", "aio-secrets:spc:SecretProviderClass"],
    ])("type %s shows as %s (pulumi's display)", (type, shown) => {
        expect(displayType(type)).toBe(shown);
    });
});

describe("permissions are derived from the declared types", () => {
    const base = { stack: "dev", project: "aio-secrets", outputs: {}, warnings: [] };
    const r = (type: string, name: string, extra: Partial<RecordedResource> = {}): RecordedResource =>
        recorded({ urn: `urn:pulumi:dev::aio-secrets::${type}::${name}`, type, name, ...extra });

    it("maps Azure, Graph and Kubernetes types to what their providers call; delete only where not retained", () => {
        const needs = permissionNeeds({
            ...base,
            resources: [
                r("azure-native:keyvault:Secret", "kept", { retainOnDelete: true }),
                r("azure-native:keyvault:Secret", "deleted"),
                r("azure-native:authorization:RoleAssignment", "grant"),
                r("azuread:index/applicationPassword:ApplicationPassword", "password"),
                r("kubernetes:core/v1:Namespace", "ns", {
                    retainOnDelete: true,
                    inputs: { metadata: { name: "aio" } },
                }),
                r("kubernetes:core/v1:Secret", "sp", { inputs: { metadata: { namespace: "aio" } } }),
                r("kubernetes:apps/v1:StatefulSetPatch", "restart", { inputs: { metadata: { namespace: "aio" } } }),
                r("kubernetes:mqttbroker.iotoperations.azure.com/v1:BrokerAuthentication", "mq", {
                    inputs: {
                        apiVersion: "mqttbroker.iotoperations.azure.com/v1",
                        kind: "BrokerAuthentication",
                        metadata: { namespace: "aio" },
                    },
                }),
                r("random:index/randomPassword:RandomPassword", "value"),
                r("azure-native:network:VirtualNetwork", "vnet"),
            ],
        });
        expect(needs.azure).toEqual(
            expect.arrayContaining([
                expect.objectContaining({
                    resourceType: "Microsoft.KeyVault/vaults/secrets",
                    plane: "control",
                    operations: ["read", "write"],
                    resources: ["kept", "deleted"],
                }),
                expect.objectContaining({
                    resourceType: "Microsoft.KeyVault/vaults/secrets",
                    plane: "data",
                    operations: ["delete"],
                    resources: ["deleted"],
                }),
                expect.objectContaining({
                    resourceType: "Microsoft.Authorization/roleAssignments",
                    operations: ["read", "write", "delete"],
                }),
            ]),
        );
        expect(needs.graph).toEqual([
            expect.objectContaining({ permission: "Application.ReadWrite.OwnedBy", resources: ["password"] }),
        ]);
        expect(needs.kubernetes).toEqual([
            {
                resource: "brokerauthentications.mqttbroker.iotoperations.azure.com",
                namespace: "aio",
                verbs: ["get", "create", "patch", "delete"],
                resources: ["mq"],
            },
            { resource: "namespaces", namespace: null, verbs: ["get", "create", "patch"], resources: ["ns"] },
            { resource: "secrets", namespace: "aio", verbs: ["get", "create", "patch", "delete"], resources: ["sp"] },
            { resource: "statefulsets.apps", namespace: "aio", verbs: ["get", "patch"], resources: ["restart"] },
        ]);
        expect(needs.unknownTypes).toEqual(["azure-native:network:VirtualNetwork"]);
    });

    it("a stack that declares no role assignment and no app needs no right to write one", () => {
        const needs = permissionNeeds({ ...base, resources: [r("azure-native:keyvault:AccessPolicy", "reader")] }, [
            "kv-existing",
        ]);
        expect(needs.azure.map((n) => n.resourceType)).toEqual([
            "Microsoft.KeyVault/vaults",
            "Microsoft.KeyVault/vaults/accessPolicies",
        ]);
        expect(needs.azure[0]).toMatchObject({ operations: ["read"], resources: ["kv-existing", "reader"] });
        expect(needs.graph).toEqual([]);
        expect(needs.kubernetes).toEqual([]);
    });
});

describe("runAsCommand: every tool's runner (plan, check, access, rollout, expiry, promote)", () => {
    const run = async (main: () => number | Promise<number>): Promise<{ code: unknown; stderr: string }> => {
        const saved = process.exitCode;
        const writes: string[] = [];
        const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
            writes.push(String(chunk));
            return true;
        });
        try {
            runAsCommand("demo", main);
            await new Promise((resolve) => setImmediate(resolve));
            return { code: process.exitCode, stderr: writes.join("") };
        } finally {
            spy.mockRestore();
            process.exitCode = saved;
        }
    };

    it("sets the exit code an async main resolves to, writing nothing", async () => {
        expect(await run(() => Promise.resolve(1))).toEqual({ code: 1, stderr: "" });
    });

    it("a rejected async main is one internal-error line, exit 3, no stack trace", async () => {
        const debug = process.env.AIO_SECRETS_DEBUG;
        delete process.env.AIO_SECRETS_DEBUG;
        try {
            const { code, stderr } = await run(() => Promise.reject(new Error("boom\u001b[2J")));
            expect(code).toBe(3);
            expect(stderr).toBe("aio-secrets demo: internal error: boom\\u{1b}[2J\n");
        } finally {
            if (debug !== undefined) process.env.AIO_SECRETS_DEBUG = debug;
        }
    });

    it("runTool (import, drift): a ConfigError is its message and exit 1; another error exit 3", async () => {
        const bad = await run(() => {
            runTool("demo", () => Promise.reject(new ConfigError([{ file: "f.yaml", path: "a.b", rule: "is bad" }])));
            return Promise.resolve(7);
        });
        // The outer run's code is replaced once runTool's settles.
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/^aio-secrets demo: f\.yaml.*a\.b.*is bad/s);
        expect(bad.stderr).not.toMatch(/internal error/);
        const defect = await run(() => {
            runTool("demo", () => Promise.reject(new TypeError("nope")));
            return Promise.resolve(7);
        });
        expect(defect.code).toBe(3);
        expect(defect.stderr).toMatch(/^aio-secrets demo: internal error: (TypeError: )?nope\n/);
    });

    it("a throwing synchronous main is the same line", async () => {
        const { code, stderr } = await run(() => {
            throw new Error("sync");
        });
        expect(code).toBe(3);
        expect(stderr).toMatch(/^aio-secrets demo: internal error: sync\n$/);
    });
});

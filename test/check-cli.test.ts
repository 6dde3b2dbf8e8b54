import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { CONSUMER_CONTRACTS } from "../model/consumers";
import { PROJECT_DIR } from "./helpers";

/**
 * `check` as users and CI run it (issue 18): separate processes, exit codes, stdout and stderr.
 * `--kinds [--json]`, and `--stack S --live FILE [--json]` on the fixtures of test/fixtures/live/
 * (exports shaped like `az resource list` and `kubectl get -o json`).
 */

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

const TSX = pathToFileURL(require.resolve("tsx")).href;

function run(args: string[], entry = path.join("tools", "check.ts")): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["--import", TSX, entry, ...args], {
            cwd: PROJECT_DIR,
            timeout: 60000,
            env: { ...process.env, INIT_CWD: PROJECT_DIR },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

const live = (name: string) => path.join("test", "fixtures", "live", name);

describe("check", () => {
    test("--kinds --json prints the contract table: [{kind, auth, requiredKeys, secretType, source, onValueChange}]", async () => {
        const r = await run(["--kinds", "--json"]);
        expect(r.code).toBe(0);
        const table = JSON.parse(r.stdout) as Record<string, unknown>[];
        expect(table).toHaveLength(CONSUMER_CONTRACTS.length);
        expect(table[0]).toEqual({
            kind: "dataflowEndpoint",
            auth: "sasl",
            requiredKeys: ["username", "password"],
            secretType: "Opaque",
            source: expect.stringContaining("howto-configure-kafka-endpoint"),
            onValueChange: "outage",
        });
    });

    test("--live on an export that resolves exits 0; on one with an unresolved reference exits 1 naming it", async () => {
        const [good, bad, kube, json] = await Promise.all([
            run(["--stack", "ga", "--live", live("arm-resources.json")]),
            run(["--stack", "ga", "--live", live("arm-unresolved.json")]),
            run(["--stack", "ga", "--live", live("kubectl-resources.json")]),
            run(["--stack", "ga", "--live", live("arm-unresolved.json"), "--json"]),
        ]);
        // stdout: one line per unresolved reference (none here); the count on stderr.
        expect([good.code, good.stdout]).toEqual([0, ""]);
        expect(good.stderr).toBe(`5 references in ${live("arm-resources.json")}, 0 unresolved (stack ga)\n`);
        expect(bad.code).toBe(1);
        const lines = bad.stdout.trimEnd().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(
            "[0]: dataflow endpoint kafka-out kafkaSettings.authentication.saslSettings.secretRef -> kafka-sasl-creds: Secret kafka-sasl-creds is not synced or written by stack ga",
        );
        expect(bad.stderr).toContain("1 unresolved");
        expect(bad.stderr).toContain(
            "note: the catalog says dataflow endpoint kafka-out reads Secret kafka-sasl (auth sasl); in the export it reads kafka-sasl-creds\n",
        );
        expect([kube.code, kube.stdout, kube.stderr]).toEqual([
            0,
            "",
            `3 references in ${live("kubectl-resources.json")}, 0 unresolved (stack ga)\n`,
        ]);
        expect(json.code).toBe(1);
        const report = JSON.parse(json.stdout) as {
            unresolved: { name: string; field: string }[];
            references: unknown[];
        };
        expect(report.references).toHaveLength(5);
        expect(report.unresolved.map((u) => u.name)).toEqual(["kafka-sasl-creds"]);
        expect((report as unknown as { notes: string[] }).notes).toHaveLength(1);
        expect((report as unknown as { unchecked: unknown[] }).unchecked).toEqual([]);
    });

    test("--live on an az resource list export (properties null) exits 1: its references were never read", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-list-"));
        const file = path.join(dir, "list.json");
        const id =
            "/subscriptions/x/resourceGroups/g/providers/Microsoft.IoTOperations/instances/i/dataflowEndpoints/kafka-out";
        fs.writeFileSync(
            file,
            JSON.stringify([
                {
                    id,
                    name: "i/kafka-out",
                    type: "Microsoft.IoTOperations/instances/dataflowEndpoints",
                    properties: null,
                },
            ]),
        );
        const [r, none] = await Promise.all([
            run(["--stack", "ga", "--live", file]),
            run(["--stack", "ga", "--live", live("ga-cli.json")]),
        ]);
        fs.rmSync(dir, { recursive: true, force: true });
        // An export without any consumer (SPCs and SecretSyncs only) resolves vacuously: said on stderr.
        expect([none.code, none.stdout]).toEqual([0, ""]);
        expect(none.stderr).toContain("note: the export holds no AIO resource that reads Secrets");
        expect(r.code).toBe(1);
        expect(r.stdout).toBe(
            `${file} [0]: microsoft.iotoperations/instances/dataflowendpoints i/kafka-out has no properties (az resource list leaves them out): export it with az resource show --ids ${id}\n`,
        );
    });

    test("a bad command line: one line and the --help hint, exit 2; an export that is not JSON: exit 1; the bin reaches it", async () => {
        const [flag, missing, notJson, bin, kindsWith] = await Promise.all([
            run(["--kindz"]),
            run(["--stack", "ga"]),
            run(["--stack", "ga", "--live", "package.json"]),
            run(["check", "--kinds"], path.join("tools", "aio-secrets.cjs")),
            run(["--kinds", "--managed", "x", "--catalog", "stacks/secrets.yaml"]),
        ]);
        // A flag of the export check beside --kinds is refused, not ignored.
        expect([kindsWith.code, kindsWith.stdout, kindsWith.stderr.split("\n")[0]]).toEqual([
            2,
            "",
            "aio-secrets check: --kinds prints the contracts; --managed, --catalog are for checking an export (--stack with --live): give one or the other",
        ]);
        expect(flag.code).toBe(2);
        expect(flag.stderr).toMatch(
            /^aio-secrets check: Unknown option '--kindz'\nRun 'npx aio-secrets check --help' for the flags\.\n$/,
        );
        expect([missing.code, missing.stderr.split("\n")[0]]).toEqual([
            2,
            "aio-secrets check: give --kinds, or --stack <name> with --live <file>",
        ]);
        expect(notJson.code).toBe(1);
        expect(notJson.stderr).toContain("package.json");
        expect(bin.code).toBe(0);
        expect(bin.stdout).toContain("dataflowEndpoint sasl: keys username, password; Opaque");
    });
});

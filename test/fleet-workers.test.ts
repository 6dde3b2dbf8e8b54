import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { workerExecArgv } from "../tools/fleetWorkers";
import { workerCount } from "../tools/planFleet";
import { FLEET, PROJECT_DIR, scratch } from "./helpers";

/**
 * `plan --all` over worker processes (issue 21 item 6): the same stacks planned by 2 workers and
 * in one process give byte-identical output (JSON, text, --out), in stack order, invalid stacks
 * and cross-stack checks included. Through the bin, as `npx aio-secrets plan --all` runs.
 */

const BIN = path.join(PROJECT_DIR, "tools", "aio-secrets.cjs");
const { catalog: CATALOG, project: PROJECT, edge: EDGE, site } = FLEET;

function fleetDir(): string {
    const files: Record<string, string> = {
        "Pulumi.yaml": PROJECT,
        "environments/aio-secrets/edge.yaml": EDGE,
        "secrets.yaml": CATALOG,
        // Invalid: a vault name with a double hyphen (in the middle, so a worker reports it).
        "Pulumi.site-07.yaml":
            "environment: [aio-secrets/edge]\nconfig:\n  aio-secrets:keyVault: { name: kv--bad, resourceGroupName: rg-7 }\n",
        "Pulumi.lab.yaml":
            "config:\n  aio-secrets:environment: dev\n  aio-secrets:keyVault: { name: kv-lab-1, resourceGroupName: rg-lab }\n",
    };
    for (let i = 0; i < 18; i++) if (i !== 7) files[`Pulumi.site-${String(i).padStart(2, "0")}.yaml`] = site(String(i));
    return scratch(files);
}

function plan(workers: number, args: string[]): { code: number | null; stdout: string; stderr: string } {
    const run = spawnSync(process.execPath, [BIN, "plan", ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        timeout: 120000,
        env: { ...process.env, INIT_CWD: PROJECT_DIR, AIO_SECRETS_PLAN_WORKERS: String(workers) },
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every file under `dir`, relative path -> content. */
function tree(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
        if (entry.isFile()) {
            const file = path.join(entry.parentPath, entry.name);
            out[path.relative(dir, file)] = fs.readFileSync(file, "utf8");
        }
    return out;
}

test("workerCount: none for a small fleet, at most the cores, at least 8 stacks each", () => {
    expect(workerCount(8, 2)).toBe(1);
    expect(workerCount(15, 2)).toBe(1);
    expect(workerCount(16, 2)).toBe(2);
    expect(workerCount(200, 2)).toBe(2);
    expect(workerCount(200, 1)).toBe(1);
    expect(workerCount(24, 8)).toBe(3);
    expect(workerCount(0, 2)).toBe(1);
});

test("a worker gets the parent's node flags with its own young generation", () => {
    const loader = ["--require", "/x/preflight.cjs", "--import", "file:///x/loader.mjs"];
    expect(workerExecArgv([...loader, "--max-semi-space-size=64"])).toEqual([...loader, "--max-semi-space-size=128"]);
    expect(workerExecArgv(["--max-semi-space-size", "16", ...loader])).toEqual([
        ...loader,
        "--max-semi-space-size=128",
    ]);
    expect(workerExecArgv([])).toEqual(["--max-semi-space-size=128"]);
});

test("2 workers and one process: the same JSON, text and --out, in stack order", () => {
    const dir = fleetDir();
    const catalog = path.join(dir, "secrets.yaml");
    const outs = [path.join(dir, "out-1"), path.join(dir, "out-2")];
    const common = ["--all", "--dir", dir, "--catalog", catalog];
    const [one, two] = [1, 2].map((w) => plan(w, [...common, "--json", "--out", outs[w - 1]]));
    expect(one.code).toBe(1); // site-07 is invalid
    expect(two.code).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    const stacks = (JSON.parse(two.stdout) as { stacks: { stack: string; errors: string[] }[] }).stacks;
    expect(stacks.map((s) => s.stack)).toEqual([
        "lab",
        ...Array.from({ length: 18 }, (_, i) => `site-${String(i).padStart(2, "0")}`),
    ]);
    expect(stacks.filter((s) => s.errors.length > 0).map((s) => s.stack)).toEqual(["site-07"]);
    expect(Object.keys(tree(outs[1])).length).toBeGreaterThan(18);
    expect(tree(outs[1])).toEqual(tree(outs[0]));
    const text = (w: number) =>
        plan(w, [...common, "--verbose"]).stdout.replace(/planned in [\d.]+ s/, "planned in X s");
    expect(text(2)).toBe(text(1));
});

test("one process, several catalogs: each run reads its own (the parsed catalog is kept only for the same text)", async () => {
    const { runProgram } = await import("../tools/harness");
    const dir = scratch({
        "Pulumi.yaml": PROJECT,
        "environments/aio-secrets/edge.yaml": EDGE,
        "one.yaml": CATALOG.replace(/\n {2}- \{ name: dev-token.*\n/, "\n"),
        "two.yaml": CATALOG,
        "Pulumi.lab.yaml":
            "config:\n  aio-secrets:environment: dev\n  aio-secrets:keyVault: { name: kv-lab-1, resourceGroupName: rg-lab }\n",
    });
    const count = async (catalog: string) =>
        (
            await runProgram({
                stack: "lab",
                projectDir: PROJECT_DIR,
                configDir: dir,
                catalogFile: path.join(dir, catalog),
            })
        ).resources.length;
    const [one, two, again] = [await count("one.yaml"), await count("two.yaml"), await count("one.yaml")];
    expect(two).toBe(one + 2); // dev-token: a vault secret and its generator
    expect(again).toBe(one);
});

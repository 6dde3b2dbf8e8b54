import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { listStacks, planFleet } from "../fleet";
import { catalogYaml, makeSpec } from "./catalog";
import { fullGc, median } from "./measure";

/**
 * `npm run bench -- --fleet`: a generated fleet (N five-line stack files sharing Pulumi.yaml
 * config, one ESC environment stand-in and one catalog of 100 secrets) in a temporary
 * directory. Measures, as a user runs them (separate processes, start-up included):
 * `plan --all` once, `plan --stack` for a sample of the stacks (extrapolated to N), both with
 * the node flags of package.json's "plan" script, and
 * `promote --status`; and, in this process, the resident memory after 50, 100, ... stacks of
 * the same `plan --all` loop.
 */

const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const TSX = pathToFileURL(require.resolve("tsx")).href;

export interface FleetBenchOptions {
    stacks: number;
    /** Separate `plan --stack` processes to time (the rest is extrapolated). */
    sample: number;
    secrets: number;
    keep: boolean;
    log: (message: string) => void;
}

export interface FleetBenchResult {
    stacks: number;
    secrets: number;
    resourcesPerStack: number;
    /** Wall-clock seconds of one `plan --all` process over every stack. */
    planAllSeconds: number;
    /** Seconds of each sampled `plan --stack` process. */
    separateSampleSeconds: number[];
    /** Mean of the sample times N: what N separate runs would take. */
    separateExtrapolatedSeconds: number;
    /** planAllSeconds / separateExtrapolatedSeconds (target: at most 0.2). */
    ratio: number;
    /** `promote --status` over every stack, one process, seconds. */
    promoteSeconds: number;
    /** In-process `plan --all` loop: resident set and V8 heap (after a full GC) after k stacks. */
    memory: { after: number; rssMb: number; heapMb: number }[];
    inProcessSeconds: number;
    dir?: string;
}

/** Writes the fleet: Pulumi.yaml, environments/aio-secrets/fleet.yaml, secrets.yaml, N stack files. */
export function writeFleet(dir: string, stacks: number, secrets: number): void {
    const spec = makeSpec(secrets, 10);
    fs.writeFileSync(path.join(dir, "secrets.yaml"), catalogYaml(spec));
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        "name: aio-secrets\nruntime: nodejs\nconfig:\n  azure-native:location: westeurope\n  aio-secrets:tenantId: 0f0e0d0c-0b0a-4909-8807-060504030201\n",
    );
    // Every config secret enabled in prod gets its (fleet-wide) value from the environment.
    const values = spec.entries.filter(
        (s) => s.source === "config" && (!s.environments || s.environments.includes("prod")),
    );
    const env = [
        "values:",
        "  pulumiConfig:",
        "    aio-secrets:environment: prod",
        "    aio-secrets:keyVault: { permissionModel: rbac, softDeleteRetentionDays: 90, purgeProtection: true }",
        "    aio-secrets:deployers: [{ objectId: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d, type: ServicePrincipal }]",
        "    aio-secrets:cluster: { namespace: azure-iot-operations, csiDriver: { version: 1.5.3, rotationPollInterval: 1h } }",
        "    aio-secrets:secretValues:",
        ...values.map((s) => `      ${s.name}: { fn::secret: { ciphertext: ZXNjeAAAAAE${s.name.replace(/-/g, "")} } }`),
    ];
    fs.mkdirSync(path.join(dir, "environments", "aio-secrets"), { recursive: true });
    fs.writeFileSync(path.join(dir, "environments", "aio-secrets", "fleet.yaml"), `${env.join("\n")}\n`);
    for (let i = 0; i < stacks; i++) {
        const n = String(i).padStart(3, "0");
        fs.writeFileSync(
            path.join(dir, `Pulumi.site-${n}.yaml`),
            `environment: [aio-secrets/fleet]\nconfig:\n  aio-secrets:keyVault: { name: kv-aio-site-${n}, resourceGroupName: rg-aio-site-${n} }\n` +
                `  aio-secrets:cluster: { arcClusterName: arc-site-${n}, arcResourceGroupName: rg-arc-site-${n} }\n`,
        );
    }
}

/** Runs a project command in its own process, as `npm run` would (tsx as a loader), and times it. */
function timedCommand(
    tool: string,
    args: string[],
): Promise<{ seconds: number; code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const start = process.hrtime.bigint();
        // As package.json's scripts start them (plan with a larger young generation).
        const heap = tool === "plan" ? ["--max-semi-space-size=64"] : [];
        const child = spawn(
            process.execPath,
            [...heap, "--import", TSX, path.join(PROJECT_DIR, "tools", `${tool}.ts`), ...args],
            {
                cwd: PROJECT_DIR,
                env: { ...process.env, INIT_CWD: PROJECT_DIR },
            },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) =>
            resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, code, stdout, stderr }),
        );
    });
}

export async function runFleetBench(o: FleetBenchOptions): Promise<FleetBenchResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-secrets-fleet-"));
    try {
        writeFleet(dir, o.stacks, o.secrets);
        const catalog = path.join(dir, "secrets.yaml");
        const stacks = listStacks(dir);

        o.log(`plan --all over ${stacks.length} stacks (one command; worker processes from 16 stacks on)...`);
        const all = await timedCommand("plan", ["--all", "--dir", dir, "--catalog", catalog, "--json"]);
        if (all.code !== 0)
            throw new Error(`plan --all failed (a defect of tools/bench):\n${all.stderr}${all.stdout.slice(0, 2000)}`);
        const summaries = (JSON.parse(all.stdout) as { stacks: { resources: number }[] }).stacks;
        if (summaries.length !== stacks.length)
            throw new Error(`plan --all planned ${summaries.length} of ${stacks.length} stacks`);

        const sample: number[] = [];
        const step = Math.max(1, Math.floor(stacks.length / o.sample));
        for (let i = 0; i < o.sample && i * step < stacks.length; i++) {
            const stack = stacks[i * step];
            const run = await timedCommand("plan", ["--stack", stack, "--dir", dir, "--catalog", catalog, "--json"]);
            if (run.code !== 0) throw new Error(`plan --stack ${stack} failed:\n${run.stderr}`);
            sample.push(run.seconds);
            o.log(`plan --stack ${stack} (separate process ${i + 1}/${o.sample}): ${run.seconds.toFixed(2)} s`);
        }
        const mean = sample.reduce((a, b) => a + b, 0) / sample.length;

        o.log("promote --status over every stack (one process)...");
        const promote = await timedCommand("promote", ["--status", "--dir", dir, "--catalog", catalog]);
        if (promote.code !== 0) throw new Error(`promote --status failed:\n${promote.stderr}`);

        // Memory across the same loop, in this process: after a full GC at each checkpoint.
        o.log("plan --all loop in this process, memory after every 50 stacks...");
        const memory: FleetBenchResult["memory"] = [];
        const started = process.hrtime.bigint();
        await planFleet({
            projectDir: PROJECT_DIR,
            dir,
            catalogFile: catalog,
            stacks,
            onStack: (_s, _run, index) => {
                const done = index + 1;
                if (done % 50 !== 0 && done !== stacks.length) return;
                fullGc();
                const m = process.memoryUsage();
                memory.push({ after: done, rssMb: m.rss / 1048576, heapMb: m.heapUsed / 1048576 });
                o.log(
                    `  after ${done} stacks: RSS ${(m.rss / 1048576).toFixed(0)} MB, heap ${(m.heapUsed / 1048576).toFixed(0)} MB`,
                );
            },
        });
        const inProcessSeconds = Number(process.hrtime.bigint() - started) / 1e9;
        const separateExtrapolatedSeconds = mean * stacks.length;
        return {
            stacks: stacks.length,
            secrets: o.secrets,
            resourcesPerStack: median(summaries.map((s) => s.resources)),
            planAllSeconds: all.seconds,
            separateSampleSeconds: sample,
            separateExtrapolatedSeconds,
            ratio: all.seconds / separateExtrapolatedSeconds,
            promoteSeconds: promote.seconds,
            memory,
            inProcessSeconds,
            dir: o.keep ? dir : undefined,
        };
    } finally {
        if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
    }
}

export function fleetMarkdown(
    r: FleetBenchResult,
    env: { node: string; cpus: number; loadStart: string; loadEnd: string },
): string {
    const f = (n: number, d = 1) => n.toFixed(d);
    const ok = (b: boolean) => (b ? "met" : "NOT met");
    const lines = [
        `Fleet: ${r.stacks} generated stack files (five lines each, on Pulumi.yaml config and one ESC environment stand-in), one catalog of ${r.secrets} secrets; ` +
            `${r.resourcesPerStack} resources per stack. node ${env.node}, ${env.cpus} cores, load average ${env.loadStart} at start, ${env.loadEnd} at end.`,
        "",
        "| measure | value | target |",
        "| --- | ---: | --- |",
        `| \`plan --all\`, one command, ${r.stacks} stacks | ${f(r.planAllSeconds)} s | < 60 s: ${ok(r.planAllSeconds < 60)} |`,
        `| ${r.stacks} separate \`plan --stack\` processes (extrapolated from ${r.separateSampleSeconds.length}: mean ${f(r.separateExtrapolatedSeconds / r.stacks, 2)} s each) | ${f(r.separateExtrapolatedSeconds)} s | |`,
        `| ratio plan --all / separate | **${f(r.ratio, 3)}** | <= 0.05 (issue 21): ${ok(r.ratio <= 0.05)} |`,
        `| \`promote --status\`, one process, ${r.stacks} stacks | ${f(r.promoteSeconds, 2)} s | < 5 s: ${ok(r.promoteSeconds < 5)} |`,
        "",
        "Memory of the same loop run in the benchmark's own process (after a full GC at each point):",
        "",
        "| stacks planned | RSS MB | V8 heap MB |",
        "| ---: | ---: | ---: |",
        ...r.memory.map((m) => `| ${m.after} | ${f(m.rssMb, 0)} | ${f(m.heapMb, 0)} |`),
        "",
        `The in-process loop took ${f(r.inProcessSeconds)} s. The separate runs are a sample of ${r.separateSampleSeconds.length} processes ` +
            `(${r.separateSampleSeconds.map((s) => f(s, 2)).join(", ")} s) spread over the fleet, times ${r.stacks}.`,
    ];
    return `${lines.join("\n")}\n`;
}

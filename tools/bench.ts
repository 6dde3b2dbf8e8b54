import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCommandLine, resolveUserPath, usageError } from "./cli";
import { stackFilesDir } from "../stacks/stackDir";
import { runProgram, RecordedResource } from "./harness";
import { runBaseline } from "./bench/baseline";
import { BenchFiles, BenchSpec, makeSpec, writeBenchFiles } from "./bench/catalog";
import { fullGc, maxRssMb, median, timed } from "./bench/measure";
import { formatSummary, profiled, ProfileSummary, summarize, writeProfile } from "./bench/profile";
import { fleetMarkdown, runFleetBench } from "./bench/fleet";

/**
 * `npm run bench [-- --quick] [-- --json]`: the offline plan against a bare-SDK baseline.
 *
 * For catalogs of 10, 100 and 1000 secrets over 1, 10 and 50 SecretProviderClasses it runs
 * the real program (`runProgram`, preview mocks) and, in the same process, a baseline that
 * registers the same vault secrets, value generators, SPCs and restart patches directly with
 * the SDK under the same mocks, config and recorder. Runs alternate (plan first, then baseline
 * first) after a full GC each; timings are medians. The ratio plan/baseline is the figure
 * that matters: targets are 1.3x and 30 s at 1000 secrets over 50 SPCs, and cost growing
 * linearly with the catalog. Nothing is asserted: the numbers are printed. `--profile` adds a
 * CPU profile of the largest case with the time charged to project functions.
 */

const TARGET_RATIO = 1.3;
const TARGET_SECONDS = 30;

export const USAGE = `usage: npx aio-secrets bench [--quick] [--json] [--runs <k>] [--case <N>x<S> ...] [--profile <dir>] [--keep]
   or: npm run -s bench -- [flags]

Times the offline plan against a bare-SDK baseline that registers the same resources, for
catalogs of 10, 100 and 1000 secrets over 1, 10 and 50 SecretProviderClasses, and prints the
medians and the plan/baseline ratio (target: at most ${TARGET_RATIO}x, and ${TARGET_SECONDS} s at 1000x50).
Progress goes to stderr, results to stdout. Takes a few minutes; --quick about 30 s.

  --quick           10x1, 100x10 and 1000x50 only, fewer runs (about 30 s)
  --json            print the results as JSON instead of a markdown table
  --runs <k>        runs of each side per case (default 5 up to 100 secrets, 3 for 1000; quick 3 and 1)
  --case <N>x<S>    measure only these sizes (repeatable), e.g. --case 1000x50
  --profile <dir>   then CPU-profile one plan and one baseline run of the largest case: write
                    .cpuprofile files to <dir> (relative to the directory you ran the command
                    in) and print where the time goes
  --keep            keep the generated stack files and catalogs (their directory is printed)
  --fleet           instead: a fleet of generated stack files sharing one catalog of 100 secrets:
                    plan --all (one command) against separate plan runs (a sample, extrapolated),
                    memory after every 50 stacks, promote --status (about 2 minutes)
  --fleet-stacks <n>  stacks in the fleet (default 200)
  --sample <k>      separate plan processes timed for the fleet (default 10)
  -h, --help        this text`;

const PROJECT_DIR = path.resolve(__dirname, "..");

export const OPTIONS = {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    runs: { type: "string" },
    case: { type: "string", multiple: true },
    profile: { type: "string" },
    keep: { type: "boolean", default: false },
    fleet: { type: "boolean", default: false },
    "fleet-stacks": { type: "string" },
    sample: { type: "string" },
} as const;

interface CaseSize {
    secrets: number;
    spcs: number;
    runs: number;
}

interface SideResult {
    /** Wall-clock seconds of every run. */
    seconds: number[];
    median: number;
    /** CPU seconds of every run (all threads). */
    cpuSeconds: number[];
    cpuMedian: number;
    resources: number;
    /** Highest V8 heap in use during any run of this side (each run starts after a full GC), MB. */
    peakHeapMb: number;
}

interface CaseResult {
    secrets: number;
    spcs: number;
    runs: number;
    plan: SideResult;
    baseline: SideResult;
    /** median(plan) / median(baseline), wall clock: the figure that matters. */
    ratio: number;
    /** The same on CPU time: steadier when other processes load the machine. */
    cpuRatio: number;
    /** Median of the per-iteration wall-clock ratios (each pair ran back to back). */
    pairedRatio: number;
    /** Process peak resident set size once the case was done (a high-water mark), MB. */
    peakRssMb: number;
    /** Plan milliseconds per catalog secret. */
    planMsPerSecret: number;
    baselineMsPerSecret: number;
    /** Types the baseline registers whose counts differ in the plan (should be none). */
    mismatches: string[];
}

function defaultSizes(quick: boolean): CaseSize[] {
    if (quick) {
        return [
            { secrets: 10, spcs: 1, runs: 3 },
            { secrets: 100, spcs: 10, runs: 3 },
            { secrets: 1000, spcs: 50, runs: 1 },
        ];
    }
    const sizes: CaseSize[] = [];
    for (const secrets of [10, 100, 1000]) {
        for (const spcs of [1, 10, 50]) sizes.push({ secrets, spcs, runs: secrets >= 1000 ? 3 : 5 });
    }
    return sizes;
}

function countByType(resources: readonly RecordedResource[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return counts;
}

/** The baseline must register what the plan registers for the catalog: same types, same counts. */
function mismatchesOf(plan: readonly RecordedResource[], baseline: readonly RecordedResource[]): string[] {
    const p = countByType(plan);
    const out: string[] = [];
    for (const [type, n] of countByType(baseline)) {
        if (p.get(type) !== n) out.push(`${type}: plan ${p.get(type) ?? 0}, baseline ${n}`);
    }
    return out;
}

function log(message: string): void {
    process.stderr.write(`${message}\n`);
}

async function planOnce(files: BenchFiles): Promise<RecordedResource[]> {
    const run = await runProgram({ stack: "dev", projectDir: PROJECT_DIR, ...files, mode: "preview" });
    if (run.error) throw new Error(`the generated catalog is invalid (a defect of tools/bench):\n${run.error}`);
    return run.resources;
}

async function measureCase(size: CaseSize, dir: string, devStack: string, label: string): Promise<CaseResult> {
    const spec = makeSpec(size.secrets, size.spcs);
    const files = writeBenchFiles(spec, dir, devStack);
    type Run = { seconds: number; cpu: number; heap: number; resources: number };
    const plan: Run[] = [];
    const base: Run[] = [];
    const pairs: number[] = [];
    let mismatches: string[] = [];
    for (let i = 0; i < size.runs; i++) {
        // Alternate which side goes first, so drift (JIT, other load) hits both alike.
        const order: ("plan" | "baseline")[] = i % 2 === 0 ? ["plan", "baseline"] : ["baseline", "plan"];
        let planRecorded: RecordedResource[] = [];
        let baseRecorded: RecordedResource[] = [];
        for (const side of order) {
            if (side === "plan") {
                const t = await timed(() => planOnce(files));
                plan.push({ seconds: t.seconds, cpu: t.cpuSeconds, heap: t.peakHeapMb, resources: t.value.length });
                planRecorded = t.value;
            } else {
                const t = await timed(async () => (await runBaseline(spec, files.stackFile)).resources);
                base.push({ seconds: t.seconds, cpu: t.cpuSeconds, heap: t.peakHeapMb, resources: t.value.length });
                baseRecorded = t.value;
            }
        }
        if (i === 0) mismatches = mismatchesOf(planRecorded, baseRecorded);
        const p = plan[plan.length - 1].seconds;
        const b = base[base.length - 1].seconds;
        pairs.push(p / b);
        log(
            `${label} ${size.secrets} secrets x ${size.spcs} SPCs, run ${i + 1}/${size.runs}: plan ${p.toFixed(2)} s, baseline ${b.toFixed(2)} s`,
        );
    }
    const side = (runs: readonly Run[]): SideResult => ({
        seconds: runs.map((r) => r.seconds),
        median: median(runs.map((r) => r.seconds)),
        cpuSeconds: runs.map((r) => r.cpu),
        cpuMedian: median(runs.map((r) => r.cpu)),
        resources: runs[0].resources,
        peakHeapMb: Math.max(...runs.map((r) => r.heap)),
    });
    const planSide = side(plan);
    const baseSide = side(base);
    return {
        secrets: size.secrets,
        spcs: size.spcs,
        runs: size.runs,
        plan: planSide,
        baseline: baseSide,
        ratio: planSide.median / baseSide.median,
        cpuRatio: planSide.cpuMedian / baseSide.cpuMedian,
        pairedRatio: median(pairs),
        peakRssMb: maxRssMb(),
        planMsPerSecret: (planSide.median * 1000) / size.secrets,
        baselineMsPerSecret: (baseSide.median * 1000) / size.secrets,
        mismatches,
    };
}

interface Growth {
    spcs: number;
    from: number;
    to: number;
    /** Marginal milliseconds per added secret between the two sizes. */
    planMarginalMs: number;
    baselineMarginalMs: number;
}

/** Marginal cost per added secret between consecutive sizes with the same SPC count. */
function growthOf(results: readonly CaseResult[]): Growth[] {
    const out: Growth[] = [];
    const bySpcs = new Map<number, CaseResult[]>();
    for (const r of results) bySpcs.set(r.spcs, [...(bySpcs.get(r.spcs) ?? []), r]);
    for (const [spcs, rows] of bySpcs) {
        const sorted = [...rows].sort((a, b) => a.secrets - b.secrets);
        for (let i = 1; i < sorted.length; i++) {
            const a = sorted[i - 1];
            const b = sorted[i];
            out.push({
                spcs,
                from: a.secrets,
                to: b.secrets,
                planMarginalMs: ((b.plan.median - a.plan.median) * 1000) / (b.secrets - a.secrets),
                baselineMarginalMs: ((b.baseline.median - a.baseline.median) * 1000) / (b.secrets - a.secrets),
            });
        }
    }
    return out.sort((x, y) => x.spcs - y.spcs || x.from - y.from);
}

/**
 * Linear growth: the marginal cost per added secret does not rise with the catalog (last step
 * over first step, per SPC count; 1 = perfectly linear, timing noise is about +-0.2 here).
 */
function linearity(growth: readonly Growth[]): { spcs: number; plan: number; baseline: number }[] {
    const out: { spcs: number; plan: number; baseline: number }[] = [];
    for (const spcs of [...new Set(growth.map((g) => g.spcs))]) {
        const steps = growth.filter((g) => g.spcs === spcs);
        if (steps.length < 2) continue;
        const first = steps[0];
        const last = steps[steps.length - 1];
        out.push({
            spcs,
            plan: last.planMarginalMs / first.planMarginalMs,
            baseline: last.baselineMarginalMs / first.baselineMarginalMs,
        });
    }
    return out;
}

function markdown(results: readonly CaseResult[], growth: readonly Growth[], env: Record<string, unknown>): string {
    const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-");
    const lines: string[] = [];
    lines.push(
        `Offline plan vs bare-SDK baseline: node ${String(env.node)}, ${String(env.cpus)} cores, load average ${String(env.loadStart)} at start, ${String(env.loadEnd)} at end; ` +
            "medians; a full GC before every run; plan and baseline alternate.",
        "",
        "| secrets | SPCs | resources plan / baseline | plan s | baseline s | ratio | CPU ratio | plan ms/secret | baseline ms/secret | peak heap MB plan / baseline | peak RSS MB | runs |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const r of results) {
        lines.push(
            `| ${r.secrets} | ${r.spcs} | ${r.plan.resources} / ${r.baseline.resources} | ${f(r.plan.median)} | ${f(r.baseline.median)} | **${f(r.ratio)}** | ${f(r.cpuRatio)} | ` +
                `${f(r.planMsPerSecret, 1)} | ${f(r.baselineMsPerSecret, 1)} | ${f(r.plan.peakHeapMb, 0)} / ${f(r.baseline.peakHeapMb, 0)} | ${f(r.peakRssMb, 0)} | ${r.runs} |`,
        );
    }
    if (growth.length > 0) {
        lines.push(
            "",
            "Growth: marginal cost per added secret (linear growth keeps it flat as the catalog grows):",
            "",
            "| SPCs | secrets | plan ms/added secret | baseline ms/added secret |",
            "| ---: | ---: | ---: | ---: |",
        );
        for (const g of growth)
            lines.push(
                `| ${g.spcs} | ${g.from} -> ${g.to} | ${f(g.planMarginalMs, 1)} | ${f(g.baselineMarginalMs, 1)} |`,
            );
        const lin = linearity(growth);
        if (lin.length > 0) {
            lines.push(
                "",
                `Marginal cost, largest step over smallest (1 = linear): ${lin.map((l) => `${l.spcs} SPCs: plan ${f(l.plan)}, baseline ${f(l.baseline)}`).join("; ")}.`,
            );
        }
    }
    lines.push(
        "",
        "ratio: plan / baseline wall-clock medians; CPU ratio: the same on CPU time (all threads), steadier when other processes share the cores. " +
            "Peak heap: the most V8 heap in use during a run (every run starts after a full GC); peak RSS: the process high-water mark once the case was done (it never falls).",
    );
    lines.push(
        "",
        "The baseline registers only the catalog's objects (vault secrets, value generators, the SPCs with their restart patches); " +
            "the plan also declares the vault, identity, access, namespace, credential Secret, CSI extension and the components: " +
            "a fixed cost that dominates the ratio of the small catalogs.",
    );
    const headline = results.find((r) => r.secrets === 1000 && r.spcs === 50);
    if (headline) {
        const ok = (b: boolean) => (b ? "met" : "NOT met");
        lines.push(
            "",
            `1000 secrets x 50 SPCs: ratio ${f(headline.ratio)} (CPU ${f(headline.cpuRatio)}; target <= ${TARGET_RATIO}: ${ok(headline.ratio <= TARGET_RATIO)}), ` +
                `plan ${f(headline.plan.median, 1)} s (target < ${TARGET_SECONDS} s: ${ok(headline.plan.median < TARGET_SECONDS)}).`,
        );
    }
    for (const r of results) {
        if (r.mismatches.length > 0)
            lines.push(
                `warning: ${r.secrets}x${r.spcs}: the baseline does not match the plan: ${r.mismatches.join("; ")}`,
            );
    }
    lines.push(`${String(env.wallSeconds)} s in all; process peak RSS ${f(Number(env.maxRssMb), 0)} MB.`);
    return `${lines.join("\n")}\n`;
}

function parseCase(text: string): { secrets: number; spcs: number } {
    const m = /^(\d+)x(\d+)$/.exec(text);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
        throw new Error(`--case ${text}: expected <secrets>x<spcs>, e.g. 1000x50`);
    return { secrets: Number(m[1]), spcs: Number(m[2]) };
}

async function main(): Promise<number> {
    const parsed = parseCommandLine(OPTIONS, USAGE);
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    if (values.fleet) return fleetBench(values);
    let sizes: CaseSize[];
    try {
        const runs = values.runs !== undefined ? Number(values.runs) : undefined;
        if (runs !== undefined && (!Number.isInteger(runs) || runs < 1))
            throw new Error(`--runs ${values.runs}: expected a whole number >= 1`);
        sizes = values.case?.length
            ? values.case.map(parseCase).map((c) => ({ ...c, runs: runs ?? (c.secrets >= 1000 ? 3 : 5) }))
            : defaultSizes(values.quick).map((s) => ({ ...s, runs: runs ?? s.runs }));
    } catch (e) {
        return usageError(USAGE, (e as Error).message);
    }

    const started = Date.now();
    const load = () => os.loadavg()[0].toFixed(1);
    const loadStart = load();
    const devStack = fs.readFileSync(path.join(stackFilesDir(PROJECT_DIR), "Pulumi.dev.yaml"), "utf8");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-secrets-bench-"));
    const results: CaseResult[] = [];
    let profiles: { plan: ProfileSummary; baseline: ProfileSummary; files: string[]; size: string } | undefined;
    try {
        if (!fullGc())
            log("note: no full GC between runs (could not expose gc); runs may pay for each other's garbage");
        // Warm-up, untimed: loads the SDKs and providers and compiles the project once.
        log("warm-up (loading the SDKs and the program)...");
        const warm: BenchSpec = makeSpec(10, 1);
        const warmFiles = writeBenchFiles(warm, dir, devStack);
        await planOnce(warmFiles);
        await runBaseline(warm, warmFiles.stackFile);

        for (const [i, size] of sizes.entries())
            results.push(await measureCase(size, dir, devStack, `[${i + 1}/${sizes.length}]`));

        if (values.profile) {
            const largest = [...sizes].sort(
                (a, b) => b.secrets * b.spcs - a.secrets * a.spcs || b.secrets - a.secrets,
            )[0];
            const spec = makeSpec(largest.secrets, largest.spcs);
            const files = writeBenchFiles(spec, dir, devStack);
            const tag = `${largest.secrets}x${largest.spcs}`;
            log(`profiling ${tag}: one plan run, one baseline run...`);
            fullGc();
            const p = await profiled(() => planOnce(files));
            fullGc();
            const b = await profiled(() => runBaseline(spec, files.stackFile));
            const planFile = path.join(resolveUserPath(values.profile), `plan-${tag}.cpuprofile`);
            const baseFile = path.join(resolveUserPath(values.profile), `baseline-${tag}.cpuprofile`);
            writeProfile(planFile, p.profile);
            writeProfile(baseFile, b.profile);
            profiles = {
                size: tag,
                plan: summarize(p.profile, PROJECT_DIR),
                baseline: summarize(b.profile, PROJECT_DIR),
                files: [planFile, baseFile],
            };
        }
    } finally {
        if (values.keep) log(`generated files kept in ${dir}`);
        else fs.rmSync(dir, { recursive: true, force: true });
    }

    const growth = growthOf(results);
    const env = {
        node: process.version,
        cpus: os.cpus().length,
        loadStart,
        loadEnd: load(),
        maxRssMb: maxRssMb(),
        wallSeconds: ((Date.now() - started) / 1000).toFixed(0),
    };
    if (values.json) {
        const targets = { ratio: TARGET_RATIO, seconds: TARGET_SECONDS };
        process.stdout.write(
            `${JSON.stringify({ env, targets, results, growth, linearity: linearity(growth), profiles }, null, 2)}\n`,
        );
    } else {
        process.stdout.write(markdown(results, growth, env));
        if (profiles) {
            process.stdout.write(`\nProfiles of ${profiles.size} (${profiles.files.join(", ")}):\n\n`);
            process.stdout.write(formatSummary("plan", profiles.plan));
            process.stdout.write(formatSummary("baseline", profiles.baseline));
        }
    }
    return 0;
}

async function fleetBench(values: {
    json: boolean;
    keep: boolean;
    "fleet-stacks"?: string;
    sample?: string;
}): Promise<number> {
    const whole = (flag: string, text: string | undefined, fallback: number) => {
        const n = text === undefined ? fallback : Number(text);
        if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} ${text}: expected a whole number >= 1`);
        return n;
    };
    let stacks: number;
    let sample: number;
    try {
        stacks = whole("--fleet-stacks", values["fleet-stacks"], 200);
        sample = whole("--sample", values.sample, 10);
    } catch (e) {
        return usageError(USAGE, (e as Error).message);
    }
    const load = () => os.loadavg()[0].toFixed(1);
    const env = { node: process.version, cpus: os.cpus().length, loadStart: load(), loadEnd: "" };
    const result = await runFleetBench({ stacks, sample, secrets: 100, keep: values.keep, log });
    env.loadEnd = load();
    if (result.dir) log(`generated files kept in ${result.dir}`);
    process.stdout.write(values.json ? `${JSON.stringify({ env, result }, null, 2)}\n` : fleetMarkdown(result, env));
    return 0;
}

// Run as a command (not when a test imports USAGE and OPTIONS).
if (require.main === module) {
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            process.stderr.write(`aio-secrets bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
            process.exitCode = 3;
        },
    );
}

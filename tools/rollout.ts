import * as fs from "node:fs";
import * as path from "node:path";
import { fail, parseCommandLine, resolveUserPath, runAsCommand, sanitize } from "./cli";
import { MAX_RING, RINGS } from "../stacks/ring";

/**
 * A fleet rollout ring by ring on the CI engine (issue 21, `.github/workflows/deploy-fleet.yml`,
 * docs/fleets.md): the CI matrix of the stacks to deploy, split into rings; the failure budget
 * that stops the rollout after a ring; the summary of stacks done, failed and not started. The
 * functions are pure; the command (`npx tsx tools/rollout.ts gate|summary`) is what the
 * workflow's gate and summary jobs run over the result files the stack jobs upload.
 */

/** One entry of the CI matrix: `plan --changed <rev> --matrix` prints `{"include": [...]}` of these. */
export interface MatrixEntry {
    /** Stack name (`Pulumi.<stack>.yaml`). */
    stack: string;
    /** Deployment ring, 0 (canary) to MAX_RING: stacks/ring.ts. */
    ring: number;
    /** The stack's catalog environment: the GitHub environment its deploy job is bound to. */
    environment: string;
}

/**
 * The CI matrix (GitHub Actions `strategy.matrix` as JSON): `include` only, no other key (another key would be a matrix
 * dimension).
 */
export interface Matrix {
    include: MatrixEntry[];
}

/** The matrix of the given stacks, in rollout order: by ring, then by name. `ring`: only that ring's stacks. */
export function ringMatrix(entries: readonly MatrixEntry[], ring?: number): Matrix {
    const ordered = [...entries].sort(
        (a, b) => a.ring - b.ring || (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0),
    );
    return { include: ring === undefined ? ordered : ordered.filter((e) => e.ring === ring) };
}

/**
 * The matrix split into rings, in the order they deploy: one list per ring 0..MAX_RING (empty when a ring has no
 * stack).
 */
export function splitRings(matrix: Matrix): MatrixEntry[][] {
    const rings: MatrixEntry[][] = RINGS.map(() => []);
    for (const entry of ringMatrix(matrix.include).include) {
        if (!Number.isInteger(entry.ring) || entry.ring < 0 || entry.ring > MAX_RING)
            throw new Error(`matrix entry ${entry.stack}: ring ${entry.ring} is not 0..${MAX_RING}`);
        rings[entry.ring].push(entry);
    }
    return rings;
}

/** What a stack job reported (the file it uploads): GitHub's `job.status` of its deploy. */
export interface StackResult {
    /** Stack name, as in the matrix. */
    stack: string;
    /** `job.status` at the end of the stack's job: only `success` counts as done. */
    status: "success" | "failure" | "cancelled";
}

/** One ring's outcome: stacks done (deployed), failed (failed or cancelled), not started (no result). */
export interface RingOutcome {
    /** The ring, 0 (canary) to MAX_RING. */
    ring: number;
    /** Stacks whose job succeeded. */
    done: string[];
    /** Stacks whose job failed or was cancelled. */
    failed: string[];
    /** Planned stacks with no result: the job never ran (or ended before reporting). */
    notStarted: string[];
}

/** A ring's outcome from its planned entries and the results found. */
export function ringOutcome(
    ring: number,
    planned: readonly MatrixEntry[],
    results: readonly StackResult[],
): RingOutcome {
    const byStack = new Map(results.map((r) => [r.stack, r.status]));
    const outcome: RingOutcome = { ring, done: [], failed: [], notStarted: [] };
    for (const { stack } of planned) {
        const status = byStack.get(stack);
        if (status === undefined) outcome.notStarted.push(stack);
        else if (status === "success") outcome.done.push(stack);
        else outcome.failed.push(stack);
    }
    return outcome;
}

/**
 * The failure budget: whether the rollout goes on after this ring. The share of the ring's
 * stacks that are not done (failed, cancelled or never started) must be at most
 * `budgetPercent` (0..100); 0 stops at the first failure. An empty ring passes.
 */
export function withinBudget(outcome: RingOutcome, budgetPercent: number): boolean {
    const total = outcome.done.length + outcome.failed.length + outcome.notStarted.length;
    if (total === 0) return true;
    return ((outcome.failed.length + outcome.notStarted.length) / total) * 100 <= budgetPercent;
}

/** The rollout's summary (Markdown, for the job summary): per ring, the stacks done, failed and not started. */
export function rolloutSummary(matrix: Matrix, results: readonly StackResult[], budgetPercent: number): string {
    const lines = [
        `### Fleet rollout: ${matrix.include.length} stacks in rings 0 (canary) to ${MAX_RING}, failure budget ${budgetPercent}% per ring`,
        "",
    ];
    lines.push("| ring | done | failed | not started |", "| --- | --- | --- | --- |");
    const list = (stacks: string[]) => (stacks.length === 0 ? "-" : `${stacks.length}: ${stacks.join(", ")}`);
    let stopped: number | undefined;
    for (const [ring, planned] of splitRings(matrix).entries()) {
        if (planned.length === 0) continue;
        const outcome = ringOutcome(ring, planned, results);
        lines.push(
            `| ${ring === 0 ? "0 (canary)" : ring} | ${list(outcome.done)} | ${list(outcome.failed)} | ${list(outcome.notStarted)} |`,
        );
        if (stopped === undefined && !withinBudget(outcome, budgetPercent)) stopped = ring;
    }
    lines.push(
        "",
        stopped === undefined
            ? "Every ring stayed within the failure budget."
            : `Ring ${stopped} went over the failure budget: the rollout stopped after it.`,
    );
    return `${lines.join("\n")}\n`;
}

/** Reads the result files (`<stack>.json`, `{stack, status}`) in `dir`; a missing dir is no result. */
export function readResults(dir: string): StackResult[] {
    if (!fs.existsSync(dir)) return [];
    const results: StackResult[] = [];
    for (const file of fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()) {
        const value = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Partial<StackResult>;
        if (typeof value.stack !== "string" || !["success", "failure", "cancelled"].includes(String(value.status))) {
            throw new Error(`${file}: expected {"stack": <name>, "status": success | failure | cancelled}`);
        }
        results.push({ stack: value.stack, status: value.status as StackResult["status"] });
    }
    return results;
}

export const USAGE = `usage: npx tsx tools/rollout.ts gate --matrix <file> --results <dir> --ring <n> --budget <percent>
   or: npx tsx tools/rollout.ts summary --matrix <file> --results <dir> --budget <percent>

The gate and summary of deploy-fleet.yml (docs/fleets.md). <file> holds the matrix that
\`plan --changed <rev> --matrix\` printed; <dir> the result files the stack jobs uploaded.

  gate      print ring <n>'s stacks done, failed and not started; exit 1 when the share not
            done is over --budget percent (the rollout stops)
  summary   print the whole rollout per ring as Markdown (for the job summary)`;

export const OPTIONS = {
    matrix: { type: "string" },
    results: { type: "string" },
    ring: { type: "string" },
    budget: { type: "string", default: "0" },
} as const;

const TOOL = "rollout";

const HINT = "Run 'npx tsx tools/rollout.ts --help' for the flags.";

/** The command: exported for the tests (the workflow runs it as `npx tsx tools/rollout.ts`). */
export function main(argv: string[]): number {
    const [command, ...rest] = argv;
    const known = command === "gate" || command === "summary";
    // `--help` before the subcommand too; a bad first word is one line and the hint, not the usage.
    const parsed = parseCommandLine(OPTIONS, USAGE, known ? rest : argv);
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    if (!known) return fail(TOOL, `expected gate or summary first\n${HINT}`, 2);
    if (values.matrix === undefined || values.results === undefined)
        return fail(TOOL, `--matrix and --results are required\n${HINT}`, 2);
    // Decimal digits only: Number() would take "", " 5", "0x10" and "1e1".
    const budget = /^[0-9]{1,3}(\.[0-9]+)?$/.test(values.budget) ? Number(values.budget) : NaN;
    if (!(budget >= 0 && budget <= 100))
        return fail(TOOL, `--budget ${values.budget}: expected a percentage from 0 to 100\n${HINT}`, 2);
    const matrix = JSON.parse(fs.readFileSync(resolveUserPath(values.matrix), "utf8")) as Matrix;
    const results = readResults(resolveUserPath(values.results));
    if (command === "summary") {
        process.stdout.write(sanitize(rolloutSummary(matrix, results, budget)));
        return 0;
    }
    const ring = values.ring !== undefined && /^[0-9]$/.test(values.ring) ? Number(values.ring) : NaN;
    if (!RINGS.includes(ring))
        return fail(TOOL, `--ring ${values.ring ?? "missing"}: expected 0 to ${MAX_RING}\n${HINT}`, 2);
    const outcome = ringOutcome(ring, splitRings(matrix)[ring], results);
    const ok = withinBudget(outcome, budget);
    process.stdout.write(
        sanitize(
            `ring ${ring}: ${outcome.done.length} done, ${outcome.failed.length} failed (${outcome.failed.join(", ") || "none"}), ` +
                `${outcome.notStarted.length} not started (${outcome.notStarted.join(", ") || "none"}): ` +
                `${ok ? "within" : "over"} the failure budget of ${budget}%${ok ? "" : "; the rollout stops"}\n`,
        ),
    );
    return ok ? 0 : 1;
}

// Run as a command (not when a test imports the functions).
if (require.main === module) runAsCommand(TOOL, () => main(process.argv.slice(2)));

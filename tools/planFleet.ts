import * as fs from "node:fs";
import * as path from "node:path";
import { fail, flagError, inputFileProblem, quote, resolveUserPath, sanitize, userDirectory } from "./cli";
import { changedStacks, fleetText, listStacks, matrixEntries, planFleet, stackFilter, StackSummary } from "./fleet";
import { stackFilesDirOrError } from "../stacks/stackDir";
import { ringOf, ringRule } from "../stacks/ring";
import { ConfigError } from "../stacks/errors";
import { ringMatrix } from "./rollout";
import { fileNameClashes, OUT_MARKER, outDirProblem, stackOutDir, writeOutDir } from "./outDir";

/**
 * `plan --all [--stacks <glob>] [--changed <rev>] [--json] [--out <dir>] [--verbose]`: every
 * stack file planned in this one process. Exit 0 when every planned stack is valid, 1 when one
 * is not, 2 for a bad command line.
 */

const TOOL = "plan";

export interface FleetFlags {
    json: boolean;
    out?: string;
    catalog?: string;
    dir?: string;
    stacks?: string[];
    /** Leave out the stacks that match (globs as `stacks`): e.g. the ones deploy.yml deploys. */
    exclude?: string[];
    changed?: string;
    verbose: boolean;
    /** Print the CI matrix of the selected stacks instead of planning them. */
    matrix?: boolean;
    /** With `matrix`: only this ring (0..MAX_RING, or `canary`). */
    ring?: string;
    /**
     * At most this many worker processes plan the stacks (`npm run plan` passes the core count), each
     * given at least {@link STACKS_PER_WORKER} stacks; default 1: all in this process (it must run
     * under tsx to start workers).
     */
    workers?: number;
}

/** Fewer stacks than this per worker do not repay a worker's start (loading the SDK, ~1.5 s). */
export const STACKS_PER_WORKER = 8;

/** How many worker processes plan `stacks` stacks: 1 (this process) for a small fleet. */
export function workerCount(stacks: number, most: number): number {
    return Math.max(1, Math.min(most, Math.floor(stacks / STACKS_PER_WORKER)));
}

export async function fleetMain(values: FleetFlags): Promise<number> {
    const projectDir = path.resolve(__dirname, "..");
    const dir = values.dir !== undefined ? resolveUserPath(values.dir) : projectDir;
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
        return flagError(TOOL, `--dir ${quote(dir)}: no such directory`);
    const catalogFile =
        values.catalog !== undefined
            ? resolveUserPath(values.catalog)
            : path.join(projectDir, "stacks", "secrets.yaml");
    const catalogProblem = inputFileProblem("--catalog", catalogFile);
    if (catalogProblem) return flagError(TOOL, catalogProblem);
    const filter = stackFilter(values.stacks);
    if ("error" in filter) return flagError(TOOL, filter.error);
    const excluded = values.exclude === undefined ? undefined : stackFilter(values.exclude);
    if (excluded !== undefined && "error" in excluded)
        return flagError(TOOL, excluded.error.replace(/^--stacks/, "--exclude"));
    const found = stackFilesDirOrError(dir);
    if ("error" in found) return fail(TOOL, found.error, 1);
    const stackDir = found.dir;
    const all = listStacks(stackDir);
    let stacks = all.filter((s) => filter(s) && !excluded?.(s));
    if (values.stacks !== undefined && stacks.length === 0) {
        return fail(
            TOOL,
            `--stacks ${values.stacks.map(quote).join(" ")}: matches none of the ${all.length} stacks (${all.slice(0, 5).join(", ")}${all.length > 5 ? ", ..." : ""})`,
            2,
        );
    }
    for (const stack of stacks) {
        const problem = inputFileProblem("stack file", path.join(stackDir, `Pulumi.${stack}.yaml`));
        if (problem) return fail(TOOL, problem, 1);
    }
    let ring: number | undefined;
    if (values.ring !== undefined) {
        if (!values.matrix) return flagError(TOOL, "--ring goes with --matrix");
        const problem = ringRule(values.ring);
        if (problem) return flagError(TOOL, `--ring ${quote(values.ring)}: ${problem}`);
        ring = ringOf(values.ring, "", "--ring");
    }
    if (values.matrix && (values.json || values.out !== undefined || values.verbose))
        return flagError(TOOL, "--matrix prints the matrix only: it does not go with --json, --out or --verbose");
    const out = values.out !== undefined ? resolveUserPath(values.out) : undefined;
    if (out !== undefined) {
        const problem = outDirProblem(out, projectDir);
        if (problem) return flagError(TOOL, problem);
    }

    let note: string | undefined;
    if (values.changed !== undefined) {
        let changed;
        try {
            changed = changedStacks({ dir, catalogFile, stacks, rev: values.changed, projectDir });
        } catch (e) {
            return flagError(TOOL, (e as Error).message.replace(/^--against/, "--changed"));
        }
        note = `changed since ${values.changed}: ${changed.length} of ${stacks.length} stacks`;
        // Why each one is planned: stderr, so --json stays one document.
        process.stderr.write(`${sanitize(note)}\n`);
        for (const c of changed) process.stderr.write(`  ${sanitize(c.stack)}: ${sanitize(c.reasons.join("; "))}\n`);
        stacks = changed.map((c) => c.stack);
    }

    if (values.matrix) return printMatrix(dir, stacks, ring);

    const { engineView, outputFiles } = await import("./planRender");
    const written: string[] = [];
    if (out !== undefined) {
        fs.mkdirSync(out, { recursive: true });
        fs.writeFileSync(
            path.join(out, OUT_MARKER),
            "Written by `npm run plan -- --all --out`: one directory per stack.\n",
        );
    }
    const started = Date.now();
    let clash: string | undefined;
    const summaries: StackSummary[] = await planFleet({
        projectDir,
        dir,
        catalogFile,
        stacks,
        workers: workerCount(stacks.length, values.workers ?? 1),
        needRuns: out !== undefined,
        // Each stack's manifests are written as soon as it is planned: no run is kept.
        onStack: (summary, run) => {
            if (out === undefined || summary.errors.length > 0 || clash !== undefined) return;
            const files = outputFiles(engineView(run));
            const clashes = fileNameClashes(files);
            if (clashes.length > 0) {
                clash = `--out, stack ${summary.stack}: two objects would share a file name:\n  ${clashes.join("\n  ")}`;
                return;
            }
            const stackDir = stackOutDir(out, summary.stack);
            if (stackDir === undefined) {
                clash = `--out, stack ${summary.stack}: the name is not a directory inside --out; nothing written for it`;
                return;
            }
            writeOutDir(stackDir, files);
            written.push(summary.stack);
        },
    });
    if (clash !== undefined) return fail(TOOL, clash, 1);
    const seconds = (Date.now() - started) / 1000;
    if (values.json) {
        process.stdout.write(`${JSON.stringify({ stacks: summaries }, null, 2)}\n`);
    } else {
        process.stdout.write(sanitize(fleetText(summaries, seconds, { verbose: values.verbose, note })));
    }
    if (out !== undefined) {
        const display = path.relative(userDirectory(), out) || out;
        process.stderr.write(`wrote the manifests of ${written.length} stacks to ${sanitize(display)}/<stack>/\n`);
    }
    return summaries.some((s) => s.errors.length > 0) ? 1 : 0;
}

/**
 * `--matrix`: the CI matrix of `stacks` (one line of JSON on stdout, for `$GITHUB_OUTPUT`), in
 * rollout order, or only `ring`'s. The stacks are not planned: pull-request.yml's plan-diff
 * plans them before the merge. Exit 1 when a stack's ring (or its settings) cannot be read.
 */
function printMatrix(dir: string, stacks: readonly string[], ring: number | undefined): number {
    let entries;
    try {
        entries = matrixEntries(dir, stacks);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return fail(TOOL, e.message, 1);
    }
    process.stdout.write(`${JSON.stringify(ringMatrix(entries, ring))}\n`);
    return 0;
}

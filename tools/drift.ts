import * as path from "node:path";
import { parseCommandLine, sanitize, userDirectory } from "./cli";
import type { RunResult } from "./harness";
import type { Drift } from "./ownership";
import { removedByNextUp } from "./ownership";
import {
    LiveReview,
    outOfBandModeOf,
    planOf,
    reviewLive,
    runTool,
    STACK_OPTIONS,
    StackFiles,
    stackFilesOf,
} from "./liveStack";
import type { OutOfBandMode } from "../stacks/outOfBand";
import { TEXT_WIDTH, wrapProse } from "./textWidth";

/**
 * `npm run -s drift -- --stack <name> --live <file> [--json]`: what differs between a live export
 * and the stack's plan (issue 19). Exit 0 when nothing differs, 1 on drift or bad input, 2 on a
 * bad command line.
 */

export const USAGE = `usage: npx aio-secrets drift --stack <name> --live <file> [--json]
   or: npm run -s drift -- --stack <name> --live <file> [--json]

Compares an export of what the cluster and the vault hold with what the stack declares, and
lists each difference with the catalog entry that would adopt it: SPC objects, SecretSyncs and
mappings added beside the stack (the CLI, the portal, a hand edit), ones changed or removed by
hand, and vault secrets in use that the catalog lacks. Exit 1 on drift.

  --stack <name>       the stack: Pulumi.<name>.yaml is read (required)
  --live <file>        the export (required): az resource list / show of the custom location's
                       Microsoft.SecretSyncController resources, kubectl get secretproviderclass
                       -o json, az keyvault secret list (one file; a JSON array may mix them)
  --json               print {stack, live, outOfBand, differences: [{kind, in, name, detail,
                       removedByUp, adopt}]} on stdout
  --stack-file <path>  read the stack settings from this file instead of Pulumi.<name>.yaml
  --catalog <path>     read this catalog instead of stacks/secrets.yaml
  -h, --help           this text

Exit codes: 0 no drift, 1 drift or invalid input, 2 bad command line, 3 internal error.`;

const TOOL = "drift";

export const OPTIONS = { ...STACK_OPTIONS, live: { type: "string" } } as const;

/** The text of one difference: kind, where, what, then the catalog entry that adopts it. */
export function driftLine(d: Drift): string {
    const removes = d.removedByUp ? " (the next up removes it)" : "";
    // `spc x` and `secretSync x` name the object itself: not `spc x: x`.
    const where = d.in.endsWith(` ${d.name}`) ? d.in : `${d.in}: ${d.name}`;
    const text = wrapProse(`${d.kind}: ${where}: ${d.detail}${removes}`, TEXT_WIDTH, "  ", "      ");
    return [...text, ...adoptLines(d.adopt)].join("\n");
}

/** The catalog entries that adopt a difference, each a whole line of YAML to paste (never wrapped). */
function adoptLines(adopt: string | undefined): string[] {
    return adopt === undefined ? [] : ["      adopt with:", ...adopt.split("\n").map((l) => `        ${l}`)];
}

/** The drift report as text. */
export function driftText(stack: string, live: string, review: LiveReview, mode: OutOfBandMode): string {
    const n = review.drift.length;
    const head = `aio-secrets drift: stack ${stack} against ${live}: ${n === 0 ? "no differences" : `${n} difference${n === 1 ? "" : "s"}`} (outOfBand: ${mode})\n`;
    const settings = Object.entries(review.adoption.settings).map(
        ([k, v]) => `  setting to adopt: ${k}: ${JSON.stringify(v)}\n`,
    );
    return head + review.drift.map((d) => `${driftLine(d)}\n`).join("") + (n > 0 ? settings.join("") : "");
}

/**
 * What the plan says when given a live export (`plan --live`): the out-of-band entries the next
 * `up` removes, by name, and whether that is refused (`fail`), a warning (`warn`) or stated
 * (`remove`). Undefined when it removes none.
 */
export function removalNotice(review: LiveReview, mode: OutOfBandMode): { refused: boolean; text: string } | undefined {
    const removed = removedByNextUp(review.drift);
    if (removed.length === 0) return undefined;
    const names = removed.flatMap((d) => [`  ${d.in}: ${d.name}`, ...adoptLines(d.adopt)]);
    const lead =
        mode === "fail"
            ? "refused: the next up would remove entries added beside the stack (aio-secrets:outOfBand: fail); adopt them in the catalog, remove them by hand, or set outOfBand to warn or remove"
            : mode === "warn"
              ? "warning: the next up removes entries added beside the stack (aio-secrets:outOfBand: warn)"
              : "the next up removes entries added beside the stack (aio-secrets:outOfBand: remove)";
    const head = wrapProse(`${lead}:`, TEXT_WIDTH, "", "  ");
    return { refused: mode === "fail", text: `${[...head, ...names].join("\n")}\n` };
}

/**
 * `plan --live`: the plan's part about the live export. `refused` (exit 1) under `fail` when the
 * next up removes entries; otherwise the JSON part and the text to add (a warning under `warn`,
 * a statement under `remove`, nothing when it removes none).
 */
export function liveNotice(
    run: RunResult,
    given: Omit<StackFiles, "liveShown">,
): { refused: string } | { json: Record<string, unknown>; text: string; warning?: string } {
    const files: StackFiles = { ...given, liveShown: path.relative(userDirectory(), given.live) || given.live };
    const review = reviewLive(files, run);
    const mode = outOfBandModeOf(files, run);
    const notice = removalNotice(review, mode);
    if (notice?.refused) return { refused: notice.text };
    const removes = removedByNextUp(review.drift).map((d) => ({
        in: d.in,
        name: d.name,
        ...(d.adopt !== undefined ? { adopt: d.adopt } : {}),
    }));
    const json = { file: files.liveShown, outOfBand: mode, removes };
    // Under warn the removal is a warning (stderr); under remove a statement of the plan (stdout).
    if (notice && mode === "warn") return { json, text: "", warning: notice.text };
    return {
        json,
        text: `\nLive export ${files.liveShown}: ${notice ? notice.text : "the next up removes nothing added beside the stack\n"}`,
    };
}

async function main(): Promise<number> {
    const parsed = parseCommandLine(OPTIONS, USAGE);
    if ("exit" in parsed) return parsed.exit;
    const files = stackFilesOf(TOOL, parsed.values, { flag: "--live", value: parsed.values.live });
    if ("exit" in files) return files.exit;
    const run = await planOf(files);
    if (run.error) {
        process.stderr.write(`aio-secrets drift: stack ${files.stack}: invalid input\n${sanitize(run.error)}\n`);
        return 1;
    }
    const review = reviewLive(files, run);
    const mode = outOfBandModeOf(files, run);
    if (parsed.values.json)
        process.stdout.write(
            `${JSON.stringify({ stack: files.stack, live: files.liveShown, outOfBand: mode, settings: review.adoption.settings, differences: review.drift }, null, 2)}\n`,
        );
    else process.stdout.write(sanitize(driftText(files.stack, files.liveShown, review, mode)));
    return review.drift.length > 0 ? 1 : 0;
}

if (require.main === module) runTool(TOOL, main);

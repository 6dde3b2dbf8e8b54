import * as fs from "node:fs";
import * as path from "node:path";
import { fail, flagError, runAsCommand, parseCommandLine, resolveUserPath, sanitize } from "./cli";
import { ConfigError } from "../stacks/errors";
import { loadProgramInputs } from "../stacks/load";
import { readUtf8File } from "../stacks/text";
import { stackFilesDirOrError } from "../stacks/stackDir";
import { listStacks, stackFilter } from "./fleet";
import { projectSources, readStackConfig, SharedSources } from "./stackfile";
import {
    dueWithin,
    ExpiryItem,
    expiryText,
    parseWindow,
    sortItems,
    stackExpiryItems,
    withStackOutputs,
} from "../model/expiryReport";

/**
 * `npx aio-secrets expiry [--within 30d] [--json]` (issue 20): for every `Pulumi.<stack>.yaml`,
 * what falls due (service principal password slots, the CA, generated-secret rotations,
 * configured vault expiries), sorted by due date. Reads files only, like `promote --status`: the
 * settings and the catalog, validated, without running the program.
 */

export const USAGE = `usage: npx aio-secrets expiry [--within <N>d] [--json] [--outputs <dir>] [--stacks <glob>] [--dir <dir>]
   or: npm run -s expiry -- [--within <N>d] [--json] [--outputs <dir>] [--stacks <glob>] [--dir <dir>]

For every Pulumi.<stack>.yaml: the service principal's password slots, the CA's validity,
the generated secrets' rotations and the vault secrets' configured expiries, sorted by due
date. Without the stacks' state each period is counted from now (a fresh up, or the scheduled
up --refresh that renews it); --outputs gives the dates the state knows. Reads files only: no
cloud, no Pulumi CLI.

  --within <N>d       exit 1 when anything falls due within N days (the CI gate)
  --json              print {"items": [{stack, kind, name, dueAt}]} on stdout
  --outputs <dir>     <dir>/<stack>.json is the stack's \`pulumi stack output --json\`: the
                      password, CA and rotation dates come from it (a stack without one is
                      counted from now)
  --stacks <glob>     only the stacks whose name matches: * ? [a-z], several as a,b
  --dir <dir>         read Pulumi.yaml, the stack files and environments/ from <dir>
  -h, --help          this text

Exit codes: 0 done (nothing due within the window), 1 something falls due within the window or
invalid input, 2 bad command line, 3 internal error.`;

const TOOL = "expiry";

export const OPTIONS = {
    within: { type: "string" },
    json: { type: "boolean", default: false },
    stacks: { type: "string", multiple: true },
    dir: { type: "string" },
    outputs: { type: "string" },
} as const;

/** The stack's `pulumi stack output --json` in `outputsDir`, or undefined when it has none there. */
function stackOutputs(outputsDir: string, stack: string): unknown {
    const file = path.join(outputsDir, `${stack}.json`);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return undefined;
    const text = readUtf8File(file, `${stack}.json`);
    try {
        return JSON.parse(text) as unknown;
    } catch (e) {
        throw new ConfigError([
            {
                file: path.basename(file),
                path: "",
                rule: `is not JSON (${(e as Error).message}): write it with pulumi stack output --json --stack ${stack}`,
            },
        ]);
    }
}

/**
 * Every stack's items, sorted; throws the first stack's ConfigError. With `outputsDir`, each
 * stack that has `<stack>.json` there takes the dates its state knows ({@link withStackOutputs}).
 */
export function fleetExpiryItems(
    dir: string,
    stacks: readonly string[],
    stackDir: string,
    now: string,
    outputsDir?: string,
): ExpiryItem[] {
    const shared: SharedSources = projectSources(dir, "aio-secrets");
    const items: ExpiryItem[] = [];
    for (const stack of stacks) {
        const file = `Pulumi.${stack}.yaml`;
        const stackFilePath = path.join(stackDir, file);
        const config = readStackConfig(readUtf8File(stackFilePath, file), file, "aio-secrets", {}, shared);
        const inputs = loadProgramInputs(
            { project: "aio-secrets", stack, config: config.config, secretKeys: config.secretKeys },
            { projectDir: dir, stackFilePath },
        );
        const own = stackExpiryItems(stack, inputs, now);
        const outputs = outputsDir !== undefined ? stackOutputs(outputsDir, stack) : undefined;
        items.push(...(outputs !== undefined ? withStackOutputs(own, outputs) : own));
    }
    return sortItems(items);
}

function main(): number {
    const parsed = parseCommandLine(OPTIONS, USAGE);
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    let within: number | undefined;
    if (values.within !== undefined) {
        within = parseWindow(values.within);
        if (within === undefined)
            return flagError(TOOL, `--within "${sanitize(values.within)}": must be whole days, e.g. 30d`);
    }
    const dir = values.dir !== undefined ? resolveUserPath(values.dir) : path.resolve(__dirname, "..");
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
        return flagError(TOOL, `--dir "${sanitize(dir)}": no such directory`);
    const outputsDir = values.outputs !== undefined ? resolveUserPath(values.outputs) : undefined;
    if (outputsDir !== undefined && !fs.statSync(outputsDir, { throwIfNoEntry: false })?.isDirectory())
        return flagError(TOOL, `--outputs "${sanitize(outputsDir)}": no such directory`);
    const filter = stackFilter(values.stacks);
    if ("error" in filter) return flagError(TOOL, filter.error);
    const found = stackFilesDirOrError(dir);
    if ("error" in found) return fail(TOOL, found.error, 1);
    const names = listStacks(found.dir).filter(filter);
    if (values.stacks !== undefined && names.length === 0)
        return flagError(TOOL, `--stacks: matches no stack in ${dir}`);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    let items: ExpiryItem[];
    try {
        items = fleetExpiryItems(dir, names, found.dir, now, outputsDir);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`${sanitize(e.message)}\n`);
        return 1;
    }
    process.stdout.write(
        values.json
            ? `${JSON.stringify({ items }, null, 2)}\n`
            : sanitize(expiryText(items, now, within, outputsDir !== undefined)),
    );
    if (within === undefined) return 0;
    const due = dueWithin(items, now, within);
    if (values.json && due.length > 0)
        process.stderr.write(`expiry --within ${within}d: ${due.length} item(s) fall due within ${within} days\n`);
    return due.length > 0 ? 1 : 0;
}

// Run as a command (not when a test imports USAGE and OPTIONS).
if (require.main === module) runAsCommand(TOOL, main);

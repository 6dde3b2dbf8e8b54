import * as fs from "node:fs";
import * as path from "node:path";
import {
    fail,
    flagError,
    runAsCommand,
    inputFileProblem,
    parseCommandLine,
    resolveUserPath,
    sanitize,
    usageError,
} from "./cli";
import { parseCatalog } from "../stacks/catalog";
import { ConfigError, formatProblem } from "../stacks/errors";
import { decodeUtf8, NOT_UTF8, readUtf8File } from "../stacks/text";
import { stackFilesDirOrError } from "../stacks/stackDir";
import { listStacks, stackFilter } from "./fleet";
import {
    fleetStatusText,
    promotionComplete,
    promotionStatus,
    PromotionStatus,
    StackInfo,
    statusText,
} from "./promotion";
import { environmentNameOf, projectSources, readStackConfig, SharedSources } from "./stackfile";

/**
 * `npx aio-secrets promote --status [--check] [--json]`: for every catalog secret and every
 * `Pulumi.<stack>.yaml`, whether it is enabled there and whether its value is present, with
 * the command that fixes what is missing. `--check` exits 1 when anything is missing.
 */

export const USAGE = `usage: npx aio-secrets promote --status [--check] [--json] [--verbose] [--stacks <glob>] [--catalog <path>]
   or: npm run -s promote -- --status [--check] [--json] [--verbose] [--stacks <glob>] [--catalog <path>]

For every secret of the catalog and every Pulumi.<stack>.yaml: whether the secret is enabled in
that stack's environment and whether its value is there (in the stack file, or from an ESC
environment it imports), with the command that fixes what is missing. Reads files only: no
cloud, no Pulumi CLI.

  --status            print the status grouped by environment: what is missing or in plaintext,
                      in which stacks, and the commands that fix it
  --verbose           also print each environment's table (secrets x stacks) and every
                      placeholder to replace
  --stacks <glob>     only the stacks whose name matches: * ? [a-z], several as a,b
  --dir <dir>         read Pulumi.yaml, the stack files and environments/ from <dir>
  --check             the same, then a one-line verdict; exit 1 when a value is missing or in
                      plaintext (the CI gate)
  --json              print the status as JSON on stdout (the verdict of --check goes to stderr)
  --catalog <path>    read this catalog instead of stacks/secrets.yaml (relative paths are taken
                      from the directory you ran the command in)
  -h, --help          this text

Exit codes: 0 done (and, with --check, complete), 1 incomplete or invalid input, 2 bad command
line, 3 internal error.`;

const TOOL = "promote";

export const OPTIONS = {
    status: { type: "boolean", default: false },
    check: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    catalog: { type: "string" },
    verbose: { type: "boolean", default: false },
    stacks: { type: "string", multiple: true },
    dir: { type: "string" },
} as const;

/** The last line of `--check`: what was checked and whether it passed. */
function verdict(status: PromotionStatus): string {
    const counts = `${status.rows.length} secrets x ${status.stacks.length} stacks`;
    if (promotionComplete(status)) return `promote --check: OK: every enabled secret has its value (${counts})`;
    const missing = status.fixes.length;
    return `promote --check: FAILED: ${missing} value${missing === 1 ? "" : "s"} missing or in plaintext (${counts}); run the commands under "To fix"`;
}

function main(): number {
    const parsed = parseCommandLine(OPTIONS, USAGE);
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    if (!values.status && !values.check) {
        return usageError(USAGE, "--status or --check is required");
    }
    const projectDir = path.resolve(__dirname, "..");
    const catalogPath =
        values.catalog !== undefined
            ? resolveUserPath(values.catalog)
            : path.join(projectDir, "stacks", "secrets.yaml");
    const problem = inputFileProblem("--catalog", catalogPath);
    if (problem) return flagError(TOOL, problem);
    const catalogLabel = path.relative(projectDir, catalogPath) || catalogPath;
    const catalogText = decodeUtf8(fs.readFileSync(catalogPath));
    if (catalogText === undefined) return fail(TOOL, `${catalogLabel}: ${NOT_UTF8}`, 1);
    const { catalog, problems } = parseCatalog(catalogText, catalogLabel);
    if (!catalog) {
        process.stderr.write(`${sanitize(problems.map(formatProblem).join("\n"))}\n`);
        return 1;
    }
    const dir = values.dir !== undefined ? resolveUserPath(values.dir) : projectDir;
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
        return flagError(TOOL, `--dir "${sanitize(dir)}": no such directory`);
    const filter = stackFilter(values.stacks);
    if ("error" in filter) return flagError(TOOL, filter.error);
    const found = stackFilesDirOrError(dir);
    if ("error" in found) return fail(TOOL, found.error, 1);
    const stackDir = found.dir;
    const names = listStacks(stackDir).filter(filter);
    if (values.stacks !== undefined && names.length === 0)
        return flagError(TOOL, `--stacks: matches no stack in ${dir}`);
    const stacks: StackInfo[] = [];
    let shared: SharedSources;
    try {
        shared = projectSources(dir, "aio-secrets");
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`${sanitize(e.message)}\n`);
        return 1;
    }
    for (const stack of names) {
        const file = `Pulumi.${stack}.yaml`;
        const stackProblem = inputFileProblem("stack file", path.join(stackDir, file));
        if (stackProblem) return fail(TOOL, stackProblem, 1);
        try {
            const config = readStackConfig(
                readUtf8File(path.join(stackDir, file), file),
                file,
                "aio-secrets",
                {},
                shared,
            );
            stacks.push({ stack, environment: environmentNameOf(config, stack), config });
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            process.stderr.write(`${sanitize(e.message)}\n`);
            return 1;
        }
    }
    const status = promotionStatus(catalog, stacks);
    const tables = (environment: string) =>
        statusText(
            promotionStatus(
                catalog,
                stacks.filter((s) => s.environment === environment),
            ),
        );
    process.stdout.write(
        values.json
            ? `${JSON.stringify(status, null, 2)}\n`
            : sanitize(fleetStatusText(status, { verbose: values.verbose, tables, order: catalog.environments })),
    );
    if (values.check) {
        // Last line of the output: in the text, or on stderr when stdout is JSON.
        (values.json ? process.stderr : process.stdout).write(`${verdict(status)}\n`);
        return promotionComplete(status) ? 0 : 1;
    }
    return 0;
}

// Run as a command (not when a test imports USAGE and OPTIONS).
if (require.main === module) runAsCommand(TOOL, main);

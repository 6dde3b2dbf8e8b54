import * as fs from "node:fs";
import * as path from "node:path";
import { fail, inputFileProblem, parseCommandLine, resolveUserPath, sanitize } from "./cli";
import { parseCatalog } from "../stacks/catalog";
import { ConfigError, formatProblem } from "../stacks/errors";
import { promotionComplete, promotionStatus, PromotionStatus, StackInfo, statusText } from "./promotion";
import { readStackConfig } from "./stackfile";

/**
 * `npx aio-secrets promote --status [--check] [--json]`: for every catalog secret and every
 * `Pulumi.<stack>.yaml`, whether it is enabled there and whether its value is present, with
 * the command that fixes what is missing. `--check` exits 1 when anything is missing.
 */

export const USAGE = `usage: npx aio-secrets promote --status [--check] [--json] [--catalog <path>]
   or: npm run -s promote -- --status [--check] [--json] [--catalog <path>]

For every secret of the catalog and every Pulumi.<stack>.yaml: whether the secret is enabled in
that stack's environment and whether its value is there, with the command that fixes what is
missing. Reads files only: no cloud, no Pulumi CLI.

  --status            print the table (secrets x stacks) and the fixes
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
        process.stderr.write(`--status or --check is required\n${USAGE}\n`);
        return 2;
    }
    const projectDir = path.resolve(__dirname, "..");
    const catalogPath = values.catalog !== undefined ? resolveUserPath(values.catalog) : path.join(projectDir, "stacks", "secrets.yaml");
    const problem = inputFileProblem("--catalog", catalogPath);
    if (problem) return fail(TOOL, problem, 2);
    const { catalog, problems } = parseCatalog(fs.readFileSync(catalogPath, "utf8"), path.relative(projectDir, catalogPath) || catalogPath);
    if (!catalog) {
        process.stderr.write(`${sanitize(problems.map(formatProblem).join("\n"))}\n`);
        return 1;
    }
    const stacks: StackInfo[] = [];
    for (const file of fs.readdirSync(projectDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).sort()) {
        const stack = file.slice("Pulumi.".length, -".yaml".length);
        const stackProblem = inputFileProblem("stack file", path.join(projectDir, file));
        if (stackProblem) return fail(TOOL, stackProblem, 1);
        try {
            const config = readStackConfig(fs.readFileSync(path.join(projectDir, file), "utf8"), file, "aio-secrets");
            stacks.push({ stack, environment: config.config["aio-secrets:environment"] || stack, config });
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            process.stderr.write(`${sanitize(e.message)}\n`);
            return 1;
        }
    }
    const status = promotionStatus(catalog, stacks);
    process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : sanitize(statusText(status)));
    if (values.check) {
        // Last line of the output: in the text, or on stderr when stdout is JSON.
        (values.json ? process.stderr : process.stdout).write(`${verdict(status)}\n`);
        return promotionComplete(status) ? 0 : 1;
    }
    return 0;
}

// Run as a command (not when a test imports USAGE and OPTIONS).
if (require.main === module) {
    try {
        process.exitCode = main();
    } catch (e) {
        // Never a stack trace for a user: one line (AIO_SECRETS_DEBUG=1 shows the trace).
        const detail = e instanceof Error ? (process.env.AIO_SECRETS_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
        process.exitCode = fail(TOOL, `internal error: ${detail}`, 3);
    }
}

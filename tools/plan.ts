import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    fail,
    flagError,
    inputFileProblem,
    parseCommandLine,
    parseStackName,
    quote,
    resolveUserPath,
    runAsCommand,
    sanitize,
    usageError,
    userDirectory,
} from "./cli";
import type { RunResult } from "./harness";
import { fileNameClashes, outDirProblem, writeOutDir } from "./outDir";

/**
 * The offline plan: `npm run -s plan -- --stack <name> [--json] [--out <dir>]`.
 * Runs the real program for `Pulumi.<name>.yaml` under Pulumi's mock runtime (no cloud, no
 * CLI, no credentials) and prints what it would declare. Exit 1 on bad input, 2 on a bad
 * command line, with the message and no stack trace.
 */

export const USAGE = `usage: npx aio-secrets plan --stack <name> [options]
   or: npx aio-secrets plan --all [--stacks <glob>] [--changed <rev>] [--json] [--out <dir>] [--verbose]
   or: npx aio-secrets plan --changed <rev> --matrix [--ring <n>] [--stacks <glob>] [--exclude <glob>]
   or: npm run -s plan -- --stack <name> [options]      (-s keeps npm's banner out of stdout)

Runs the program for Pulumi.<name>.yaml offline (no cloud, no Pulumi CLI, no credentials) and
prints what a first \`pulumi up\` would declare, laid out like \`pulumi preview\`.

  --stack <name>       the stack: Pulumi.<name>.yaml is read (required). Letters, digits, _ . -;
                       project/stack or org/project/stack is accepted, the last part names the file
  --json               print the plan (or, with --against, the diff) as JSON on stdout
  --out <dir>          also write one YAML file per Kubernetes object (Secret data redacted) into
                       <dir>, replaced whole on each run. <dir> must be new, empty or an earlier
                       --out directory, and not the project or one of its source folders
  --permissions        add the Azure, Microsoft Graph and Kubernetes rights the stack needs
  --against <rev>      plan the stack file and catalog as of git revision <rev> as well and print
                       what changes: added, removed and changed resources with their fields
  --stack-file <path>  read the stack settings from this file instead of Pulumi.<name>.yaml
  --catalog <path>     read this catalog instead of stacks/secrets.yaml
  --dir <dir>          read Pulumi.yaml, the stack files and environments/ from <dir> (the program
                       stays this repository's)
  --live <file>        compare with an export of the cluster and vault (as drift --live reads) and
                       say by name which entries added beside the stack the next up removes:
                       refused (exit 1) under aio-secrets:outOfBand fail, a warning under warn,
                       stated under remove; --json adds {"live": {file, outOfBand, removes}}

Many stacks in one process (a fleet):
  --all                plan every Pulumi.<stack>.yaml: one line per stack (resources, warnings,
                       errors) and a summary; exit 1 if any stack is invalid. With --json:
                       {"stacks": [{stack, environment, resources, warnings, errors}]}; with
                       --out <dir>: each stack's manifests in <dir>/<stack>/
  --stacks <glob>      only the stacks whose name matches: * ? [a-z], several as a,b (implies --all)
  --exclude <glob>     leave out the stacks whose name matches (same patterns as --stacks)
  --changed <rev>      only the stacks whose inputs differ from git revision <rev>: stack file,
                       its config from Pulumi.yaml, an imported environment stand-in, the catalog
                       entries enabled in its environment; a change to the program counts for all
  --verbose            also print every stack's warnings
  --matrix             print the CI matrix of the selected stacks instead of planning them, one line
                       of JSON: {"include": [{"stack", "ring", "environment"}]} in rollout order
                       (ring from aio-secrets:ring, default by environment: dev 0 (canary),
                       staging 1, prod 2, others 3; docs/fleets.md)
  --ring <n>           with --matrix: only ring <n> (0..3; canary is 0)
  -h, --help           this text

Relative paths are taken from the directory you ran the command in (npm run keeps it in
INIT_CWD). Exit codes: 0 done, 1 invalid stack settings or catalog, 2 bad command line,
3 internal error.`;

const TOOL = "plan";

export const OPTIONS = {
    stack: { type: "string" },
    json: { type: "boolean", default: false },
    out: { type: "string" },
    permissions: { type: "boolean", default: false },
    "stack-file": { type: "string" },
    catalog: { type: "string" },
    against: { type: "string" },
    dir: { type: "string" },
    all: { type: "boolean", default: false },
    stacks: { type: "string", multiple: true },
    changed: { type: "string" },
    verbose: { type: "boolean", default: false },
    exclude: { type: "string", multiple: true },
    matrix: { type: "boolean", default: false },
    ring: { type: "string" },
    live: { type: "string" },
} as const;

async function main(): Promise<number> {
    const parsed = parseCommandLine(OPTIONS, USAGE);
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    const fleet =
        values.all || values.stacks !== undefined || values.changed !== undefined || values.exclude !== undefined;
    if (fleet) {
        if (values.stack !== undefined)
            return flagError(
                TOOL,
                "--stack plans one stack; --all, --stacks and --changed plan many: give one or the other",
            );
        for (const flag of ["stack-file", "against", "permissions", "live"] as const) {
            if (values[flag] !== undefined && values[flag] !== false)
                return flagError(TOOL, `--${flag} goes with --stack, not with --all`);
        }
        const { fleetMain } = await import("./planFleet");
        // The command uses the cores (AIO_SECRETS_PLAN_WORKERS: at most that many worker processes;
        // 1: none); fleetMain called in-process (tests) plans in its own process.
        const most = Number(process.env.AIO_SECRETS_PLAN_WORKERS ?? os.availableParallelism());
        return fleetMain({ ...values, workers: Number.isSafeInteger(most) && most > 0 ? most : 1 });
    }
    if (values.verbose) return flagError(TOOL, "--verbose goes with --all");
    if (values.matrix || values.ring !== undefined)
        return flagError(TOOL, "--matrix and --ring go with --changed, --all or --stacks");
    if (values.stack === undefined || values.stack === "") {
        return usageError(USAGE, "--stack (or --all) is required");
    }
    const name = parseStackName(values.stack);
    if ("error" in name) return flagError(TOOL, name.error);
    const stack = name.stack;
    const projectDir = path.resolve(__dirname, "..");
    const configDir = values.dir !== undefined ? resolveUserPath(values.dir) : projectDir;
    if (values.dir !== undefined && !fs.statSync(configDir, { throwIfNoEntry: false })?.isDirectory()) {
        return flagError(TOOL, `--dir ${quote(configDir)}: no such directory`);
    }

    // Every check of the command line comes before the (slow) plan runs.
    let stackFile: string;
    if (values["stack-file"] !== undefined) {
        stackFile = resolveUserPath(values["stack-file"]);
        const problem = inputFileProblem("--stack-file", stackFile);
        if (problem) return flagError(TOOL, problem);
    } else {
        // Where Pulumi.yaml's stackConfigDir puts the stack files (loaded only now: see below).
        const { stackFilesDirOrError } = await import("../stacks/stackDir");
        const found = stackFilesDirOrError(configDir);
        if ("error" in found) return fail(TOOL, found.error, 1);
        const stackDir = found.dir;
        stackFile = path.join(stackDir, `Pulumi.${stack}.yaml`);
        if (!fs.existsSync(stackFile)) {
            const known = fs
                .readdirSync(stackDir)
                .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
                .map((f) => f.slice("Pulumi.".length, -".yaml".length))
                .sort();
            return fail(
                TOOL,
                `Pulumi.${stack}.yaml: cannot be read (no such stack settings file in ${stackDir}); the stacks here are: ${known.join(", ") || "(none)"}. ` +
                    "Create one from Pulumi.dev.yaml, or give --stack-file <path>",
                1,
            );
        }
        const problem = inputFileProblem("--stack", stackFile);
        if (problem) return flagError(TOOL, problem);
    }
    const catalogFile =
        values.catalog !== undefined
            ? resolveUserPath(values.catalog)
            : path.join(projectDir, "stacks", "secrets.yaml");
    const catalogProblem = inputFileProblem("--catalog", catalogFile);
    if (catalogProblem) return flagError(TOOL, catalogProblem);
    if (values.live !== undefined && values.against !== undefined)
        return flagError(TOOL, "--live compares one plan with a live export; it does not go with --against");
    const out = values.out !== undefined ? resolveUserPath(values.out) : undefined;
    if (out !== undefined) {
        if (values.against !== undefined)
            return flagError(TOOL, "--out writes the manifests of one plan; it does not go with --against");
        const problem = outDirProblem(out, projectDir);
        if (problem) return flagError(TOOL, problem);
    }
    // Loaded only now: a mistyped command line fails fast, without loading the program's modules.
    const { readAtRevision } = await import("./planDiff");
    const { runProgram } = await import("./harness");
    const { engineView, outputFiles, planJson, planText } = await import("./planRender");

    // The files as of --against are read first: a bad revision stops before the plan runs.
    let previous: { stack: string | undefined; catalog: string | undefined } | undefined;
    if (values.against !== undefined) {
        const relative = (file: string) => `./${path.relative(projectDir, file).split(path.sep).join("/")}`;
        try {
            previous = {
                stack: readAtRevision(projectDir, values.against, relative(stackFile)),
                catalog: readAtRevision(projectDir, values.against, relative(catalogFile)),
            };
        } catch (e) {
            return flagError(TOOL, (e as Error).message);
        }
    }

    // Shared settings (Pulumi.yaml, environments/) are the project's (or --dir's), also for a
    // --stack-file elsewhere: `pulumi up --config-file` reads the project's Pulumi.yaml too.
    const recorded = await runProgram({ stack, projectDir, configDir, stackFile, catalogFile, mode: "preview" });
    if (recorded.error) {
        process.stderr.write(`aio-secrets plan: stack ${stack}: invalid input\n${sanitize(recorded.error)}\n`);
        return 1;
    }
    const run = engineView(recorded);
    if (values.against !== undefined && previous !== undefined) {
        return planAgainst(run, values.against, previous, {
            projectDir,
            configDir,
            stackFile,
            stack,
            json: values.json,
        });
    }
    const display = (p: string) => sanitize(path.relative(userDirectory(), p) || p);
    const files = out !== undefined ? outputFiles(run) : [];
    const clashes = fileNameClashes(files);
    if (clashes.length > 0)
        return fail(TOOL, `--out: two objects would share a file name:\n  ${clashes.join("\n  ")}`, 1);

    // --live: the entries added beside the stack that the next up removes (issue 19).
    let live: { json: Record<string, unknown>; text: string } | undefined;
    if (values.live !== undefined) {
        const { liveNotice } = await import("./drift");
        const notice = liveNotice(run, {
            stack,
            projectDir,
            stackFile,
            catalogFile,
            live: resolveUserPath(values.live),
        });
        if ("refused" in notice) {
            process.stderr.write(sanitize(`aio-secrets plan: stack ${stack}: ${notice.refused}`));
            return 1;
        }
        live = notice;
        if (notice.warning !== undefined)
            process.stderr.write(sanitize(`aio-secrets plan: stack ${stack}: ${notice.warning}`));
    }
    if (values.json)
        process.stdout.write(
            `${jsonText({ ...planJson(run, { permissions: values.permissions }), ...(live ? { live: live.json } : {}) })}\n`,
        );
    else
        process.stdout.write(
            sanitize(
                planText(
                    run,
                    { stackFile: display(stackFile), catalogFile: display(catalogFile) },
                    { permissions: values.permissions },
                ) + (live?.text ?? ""),
            ),
        );
    if (out !== undefined) {
        try {
            writeOutDir(out, files);
        } catch (e) {
            return fail(TOOL, `--out ${quote(out)}: cannot write the manifests: ${(e as Error).message}`, 1);
        }
        process.stderr.write(`wrote ${files.length} files to ${display(out)}\n`);
    }
    return 0;
}

/**
 * JSON for stdout. JSON.stringify escapes C0 controls but not DEL and C1 (one of which starts
 * a terminal control sequence); they are escaped too, which keeps the JSON equal.
 */
function jsonText(value: unknown): string {
    return JSON.stringify(value, null, 2).replace(
        /[\u007f-\u009f\u2028\u2029]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
}

/** Plans the same stack with its files as of `revision` and prints the difference. */
async function planAgainst(
    current: RunResult,
    revision: string,
    previous: { stack: string | undefined; catalog: string | undefined },
    o: { projectDir: string; configDir: string; stackFile: string; stack: string; json: boolean },
): Promise<number> {
    const { runProgram } = await import("./harness");
    const { engineView } = await import("./planRender");
    const oldStack = previous.stack;
    const oldCatalog = previous.catalog;
    let base: RunResult = { ...current, resources: [], outputs: {}, warnings: [] };
    let note = "";
    if (oldStack === undefined) note = ` (the stack file does not exist at ${revision}: everything is new)`;
    else {
        // The old files live only as long as their plan: removed whatever happens.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-plan-against-"));
        try {
            const stackFile = path.join(dir, path.basename(o.stackFile));
            fs.writeFileSync(stackFile, oldStack);
            const catalogFile = path.join(dir, "secrets.yaml");
            fs.writeFileSync(catalogFile, oldCatalog ?? "secrets: []\n");
            // The shared settings as of the revision too: Pulumi.yaml's config, environment stand-ins.
            const { readAtRevision } = await import("./planDiff");
            const { parseProjectConfig } = await import("../stacks/sharedConfig");
            // A file there that cannot be read as it is (not UTF-8) makes the old inputs invalid.
            const { ConfigError } = await import("../stacks/errors");
            const atRevision = (relative: string) => {
                try {
                    return readAtRevision(o.configDir, revision, relative);
                } catch (e) {
                    throw new ConfigError([
                        { file: relative.replace(/^\.\//, ""), path: "", rule: (e as Error).message },
                    ]);
                }
            };
            let old: Pick<RunResult, "error"> & Partial<RunResult>;
            try {
                const projectText = atRevision("./Pulumi.yaml");
                const projectConfig =
                    projectText === undefined
                        ? []
                        : parseProjectConfig(projectText, "Pulumi.yaml", "aio-secrets").entries;
                const shared = {
                    projectConfig: projectConfig ?? [],
                    readEnvironment: (relative: string) => atRevision(`./${relative}`),
                };
                old =
                    projectConfig === undefined
                        ? { error: `Pulumi.yaml at ${revision} has invalid config` }
                        : await runProgram({
                              stack: o.stack,
                              projectDir: o.projectDir,
                              stackFile,
                              catalogFile,
                              shared,
                              mode: "preview",
                          });
            } catch (e) {
                if (!(e instanceof ConfigError)) throw e;
                old = { error: e.message };
            }
            if (old.error !== undefined)
                note = ` (the inputs at ${revision} are invalid, so everything counts as new: ${old.error.split("\n")[0]})`;
            else base = engineView(old as RunResult);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    const { diffRuns, diffText, migrationReviewOf } = await import("./planDiff");
    // A change that skips a step of the move from CSI to secret sync is refused, with the steps.
    const migration = migrationReviewOf(base, current);
    if (migration?.refused) {
        process.stderr.write(
            sanitize(`aio-secrets plan: stack ${o.stack} against ${revision}: refused: ${migration.refused}\n`),
        );
        return 1;
    }
    const diff = { ...diffRuns(base, current), ...(migration ? { migration: migration.note } : {}) };
    if (o.json)
        process.stdout.write(`${jsonText({ stack: o.stack, against: revision, note: note || undefined, ...diff })}\n`);
    else
        process.stdout.write(
            sanitize(diffText(diff, `aio-secrets plan diff: stack ${o.stack} against ${revision}${note}`)),
        );
    return 0;
}

// Run as a command (not when a test imports USAGE and OPTIONS).
if (require.main === module) runAsCommand(TOOL, main);

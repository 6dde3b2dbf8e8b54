import * as fs from "node:fs";
import * as path from "node:path";
import { parseCommandLine } from "./cli";
import * as os from "node:os";
import { runProgram, RunResult } from "./harness";
import { diffRuns, diffText, readAtRevision } from "./planDiff";
import { outputFiles, planJson, planText } from "./planRender";

/**
 * The offline plan: `npm run plan -- --stack <name> [--json] [--out <dir>]`.
 * Runs the real program for `Pulumi.<name>.yaml` under Pulumi's mock runtime (no cloud, no
 * CLI, no credentials) and prints what it would declare. Exit 1 on bad input, with the
 * message and no stack trace.
 */

const USAGE = `usage: npm run plan -- --stack <name> [--json] [--out <dir>] [--against <git-rev>]
  --stack <name>      plan Pulumi.<name>.yaml (required)
  --json              print the plan (or the diff) as JSON instead of text
  --out <dir>         write one YAML file per Kubernetes object into <dir> (Secret data redacted)
  --against <rev>     also plan the stack file and catalog as of git revision <rev> and print
                      what changes: added, removed and changed resources with their fields
  --stack-file <path> read the stack settings from another file (default Pulumi.<name>.yaml)
  --catalog <path>    read another catalog (default stacks/secrets.yaml)`;

async function main(): Promise<number> {
    const parsed = parseCommandLine(
        {
            stack: { type: "string" },
            json: { type: "boolean", default: false },
            out: { type: "string" },
            "stack-file": { type: "string" },
            catalog: { type: "string" },
            against: { type: "string" },
        },
        USAGE,
    );
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    if (!values.stack) {
        process.stderr.write(`--stack is required\n${USAGE}\n`);
        return 2;
    }
    const projectDir = path.resolve(__dirname, "..");
    const stackFile = values["stack-file"] ?? path.join(projectDir, `Pulumi.${values.stack}.yaml`);
    const catalogFile = values.catalog ?? path.join(projectDir, "stacks", "secrets.yaml");
    const run = await runProgram({ stack: values.stack, projectDir, stackFile, catalogFile, mode: "preview" });
    if (run.error) {
        process.stderr.write(`aio-secrets plan: stack ${values.stack}: invalid input\n${run.error}\n`);
        return 1;
    }
    if (values.against !== undefined) return planAgainst(run, values.against, { projectDir, stackFile, catalogFile, stack: values.stack, json: values.json });
    if (values.json) process.stdout.write(`${JSON.stringify(planJson(run), null, 2)}\n`);
    else {
        const rel = (p: string) => path.relative(process.cwd(), p) || p;
        process.stdout.write(planText(run, { stackFile: rel(stackFile), catalogFile: rel(catalogFile) }));
    }
    if (values.out) {
        fs.mkdirSync(values.out, { recursive: true });
        const files = outputFiles(run);
        for (const f of files) fs.writeFileSync(path.join(values.out, f.fileName), f.yaml);
        process.stderr.write(`wrote ${files.length} files to ${values.out}\n`);
    }
    return 0;
}

/** Plans the same stack with its files as of `revision` and prints the difference. */
async function planAgainst(
    current: RunResult,
    revision: string,
    o: { projectDir: string; stackFile: string; catalogFile: string; stack: string; json: boolean },
): Promise<number> {
    const relative = (file: string) => `./${path.relative(o.projectDir, file).split(path.sep).join("/")}`;
    let oldStack: string | undefined;
    let oldCatalog: string | undefined;
    try {
        oldStack = readAtRevision(o.projectDir, revision, relative(o.stackFile));
        oldCatalog = readAtRevision(o.projectDir, revision, relative(o.catalogFile));
    } catch (e) {
        process.stderr.write(`aio-secrets plan: ${(e as Error).message}\n`);
        return 2;
    }
    let base: RunResult = { ...current, resources: [], outputs: {}, warnings: [] };
    let note = "";
    if (oldStack === undefined) note = ` (the stack file does not exist at ${revision}: everything is new)`;
    else {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-plan-against-"));
        const stackFile = path.join(dir, path.basename(o.stackFile));
        fs.writeFileSync(stackFile, oldStack);
        const catalogFile = path.join(dir, "secrets.yaml");
        fs.writeFileSync(catalogFile, oldCatalog ?? "secrets: []\n");
        const old = await runProgram({ stack: o.stack, projectDir: o.projectDir, stackFile, catalogFile, mode: "preview" });
        if (old.error) note = ` (the inputs at ${revision} are invalid, so everything counts as new: ${old.error.split("\n")[0]})`;
        else base = old;
    }
    const diff = diffRuns(base, current);
    if (o.json) process.stdout.write(`${JSON.stringify({ stack: o.stack, against: revision, note: note || undefined, ...diff }, null, 2)}\n`);
    else process.stdout.write(diffText(diff, `aio-secrets plan diff: stack ${o.stack} against ${revision}${note}`));
    return 0;
}

main().then(
    (code) => process.exit(code),
    (e: unknown) => {
        // Not bad input: a defect in the program or the tool. Show everything.
        process.stderr.write(`aio-secrets plan: internal error\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(3);
    },
);

import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runProgram } from "./harness";
import { kubernetesManifests, planJson, planText } from "./planRender";

/**
 * The offline plan: `npm run plan -- --stack <name> [--json] [--out <dir>]`.
 * Runs the real program for `Pulumi.<name>.yaml` under Pulumi's mock runtime (no cloud, no
 * CLI, no credentials) and prints what it would declare. Exit 1 on bad input, with the
 * message and no stack trace.
 */

const USAGE = `usage: npm run plan -- --stack <name> [--json] [--out <dir>]
  --stack <name>      plan Pulumi.<name>.yaml (required)
  --json              print the plan as JSON instead of text
  --out <dir>         write one YAML file per Kubernetes object into <dir> (Secret data redacted)
  --stack-file <path> read the stack settings from another file (default Pulumi.<name>.yaml)
  --catalog <path>    read another catalog (default stacks/secrets.yaml)`;

async function main(): Promise<number> {
    let values;
    try {
        ({ values } = parseArgs({
            options: {
                stack: { type: "string" },
                json: { type: "boolean", default: false },
                out: { type: "string" },
                "stack-file": { type: "string" },
                catalog: { type: "string" },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
        }));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
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
    if (values.json) process.stdout.write(`${JSON.stringify(planJson(run), null, 2)}\n`);
    else {
        const rel = (p: string) => path.relative(process.cwd(), p) || p;
        process.stdout.write(planText(run, { stackFile: rel(stackFile), catalogFile: rel(catalogFile) }));
    }
    if (values.out) {
        fs.mkdirSync(values.out, { recursive: true });
        const manifests = kubernetesManifests(run);
        for (const m of manifests) fs.writeFileSync(path.join(values.out, m.fileName), m.yaml);
        process.stderr.write(`wrote ${manifests.length} Kubernetes manifests to ${values.out}\n`);
    }
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

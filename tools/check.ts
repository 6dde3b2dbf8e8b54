import * as path from "node:path";
import {
    fail,
    flagError,
    inputFileProblem,
    parseCommandLine,
    parseStackName,
    resolveUserPath,
    runAsCommand,
    sanitize,
    usageError,
} from "./cli";

/**
 * `npm run -s check -- --kinds [--json]`: the consumer contract table (model/consumers.ts).
 * `npm run -s check -- --stack <name> --live <file> [--json]`: checks an export of a cluster's AIO
 * resources (az resource list/show, az iot ops ... show, kubectl get ... -o json) against the
 * stack: every Secret and ConfigMap reference must resolve to a Secret the stack syncs, with the
 * keys its consumer reads, or to a name managed elsewhere. Exit 1 with one line per unresolved
 * reference; 2 on a bad command line; 3 on an internal error.
 */

export const USAGE = `usage: npx aio-secrets check --kinds [--json]
   or: npx aio-secrets check --stack <name> --live <file> [--json] [--managed <name>]...
   or: npm run -s check -- <flags>      (-s keeps npm's banner out of stdout)

Who reads a synced Secret, and whether a cluster's AIO resources can read what the stack syncs.

  --kinds              print the consumer contracts: per kind and auth the keys read, the Secret
                       type and the source (with --json: [{kind, auth, requiredKeys, secretType,
                       source, onValueChange}])
  --stack <name>       the stack whose synced Secrets the references must resolve to
                       (Pulumi.<name>.yaml, planned offline)
  --live <file>        an export of the cluster's AIO resources: az resource list / show, az iot ops
                       ... show (ARM JSON), or kubectl get ... -o json (custom resources; ConfigMaps
                       in it resolve ConfigMap references)
  --managed <name>     a Secret or ConfigMap written by something else (repeat the flag)
  --stack-file <path>  read the stack settings from this file instead of Pulumi.<name>.yaml
  --catalog <path>     read this catalog instead of stacks/secrets.yaml
  --json               print JSON: {stack, live, references: [...], unresolved: [...], unchecked:
                       [...], notes: [...]}
  -h, --help           this text

Exit codes: 0 every reference resolves, 1 an unresolved reference or a resource exported without
its properties (one line each) or invalid input, 2 bad command line, 3 internal error.`;

const TOOL = "check";

export const OPTIONS = {
    kinds: { type: "boolean", default: false },
    stack: { type: "string" },
    live: { type: "string" },
    managed: { type: "string", multiple: true },
    "stack-file": { type: "string" },
    catalog: { type: "string" },
    json: { type: "boolean", default: false },
} as const;

/** The contract table as text: one line per kind and auth, then its field and source (at most 120 columns). */
export function kindsText(): string {
    // Loaded here: `--help` and a bad flag never load the model.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { CONSUMER_CONTRACTS } = require("../model/consumers") as typeof import("../model/consumers");
    const { TEXT_WIDTH, wrapProse } = require("./textWidth") as typeof import("./textWidth");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const lines: string[] = [];
    for (const r of CONSUMER_CONTRACTS) {
        const keys = r.requiredKeys.length > 0 ? r.requiredKeys.join(", ") : "(named by the reference, or any)";
        const optional = r.optionalKeys.length > 0 ? ` (optional: ${r.optionalKeys.join(", ")})` : "";
        const head = `${r.kind} ${r.auth}: keys ${keys}${optional}; ${r.secretType}; on a changed value: ${r.onValueChange}`;
        lines.push(...wrapProse(head, TEXT_WIDTH, "", "    "));
        lines.push(...wrapProse(`field: ${r.field}`, TEXT_WIDTH, "  ", "    "));
        lines.push(...wrapProse(`source: ${r.source}`, TEXT_WIDTH, "  ", "    "));
    }
    return `${lines.join("\n")}\n`;
}

async function liveCheck(values: {
    stack: string;
    live: string;
    managed: string[];
    stackFile?: string;
    catalog?: string;
    json: boolean;
}): Promise<number> {
    const name = parseStackName(values.stack);
    if ("error" in name) return flagError(TOOL, name.error);
    const projectDir = path.resolve(__dirname, "..");
    const liveFile = resolveUserPath(values.live);
    const liveProblem = inputFileProblem("--live", liveFile);
    if (liveProblem) return flagError(TOOL, liveProblem);
    const stackFile = values.stackFile !== undefined ? resolveUserPath(values.stackFile) : undefined;
    if (stackFile !== undefined) {
        const problem = inputFileProblem("--stack-file", stackFile);
        if (problem) return flagError(TOOL, problem);
    }
    const catalogFile = values.catalog !== undefined ? resolveUserPath(values.catalog) : undefined;
    if (catalogFile !== undefined) {
        const problem = inputFileProblem("--catalog", catalogFile);
        if (problem) return flagError(TOOL, problem);
    }
    const { readExport } = await import("./liveExport");
    const { ConfigError } = await import("../stacks/errors");
    let objects;
    try {
        objects = readExport(liveFile, values.live);
    } catch (e) {
        if (e instanceof ConfigError) return fail(TOOL, e.message, 1);
        throw e;
    }
    const { runProgram } = await import("./harness");
    const run = await runProgram({ stack: name.stack, projectDir, stackFile, catalogFile, mode: "preview" });
    if (run.error !== undefined) {
        process.stderr.write(`aio-secrets check: stack ${name.stack}: invalid input\n${sanitize(run.error)}\n`);
        return 1;
    }
    const {
        configMapsOf,
        contentlessConsumers,
        declaredConsumerNotes,
        isConsumerObject,
        referencesOf,
        resolveReferences,
        stackConfigMapsOf,
        stackSecretsOf,
    } = await import("./liveRefs");
    const { planConsumers } = await import("./planRender");
    const refs = objects.flatMap(referencesOf);
    const notes = declaredConsumerNotes(planConsumers(run), refs);
    // An export with no consumer at all passes vacuously: most often `az resource list`, which
    // leaves out child resources such as instances/dataflowEndpoints.
    if (!objects.some(isConsumerObject))
        notes.push(
            "the export holds no AIO resource that reads Secrets (az resource list leaves out child resources such as instances/dataflowEndpoints; export them with az iot ops dataflow endpoint list, az iot ops broker listener list, ...)",
        );
    const references = resolveReferences(
        refs,
        stackSecretsOf(run),
        values.managed,
        [...configMapsOf(objects), ...stackConfigMapsOf(run)],
        name.stack,
    );
    const unresolved = references.filter((r) => r.problem !== undefined);
    const unchecked = contentlessConsumers(objects).map(({ object, problem }) => ({
        at: object.at,
        type: object.type,
        name: object.fullName,
        problem,
    }));
    if (values.json) {
        process.stdout.write(
            `${JSON.stringify({ stack: name.stack, live: values.live, references, unresolved, unchecked, notes }, null, 2)}\n`,
        );
    } else {
        // stdout: exactly one line per unresolved reference; notes and the count go to stderr.
        for (const note of notes) process.stderr.write(sanitize(`note: ${note}\n`));
        for (const r of unresolved)
            process.stdout.write(
                sanitize(`${values.live} ${r.at || "(the file)"}: ${r.object} ${r.field} -> ${r.name}: ${r.problem}\n`),
            );
        for (const u of unchecked)
            process.stdout.write(
                sanitize(`${values.live} ${u.at || "(the file)"}: ${u.type} ${u.name} ${u.problem}\n`),
            );
        process.stderr.write(
            sanitize(
                `${references.length} reference${references.length === 1 ? "" : "s"} in ${values.live}, ${unresolved.length} unresolved (stack ${name.stack})\n`,
            ),
        );
    }
    return unresolved.length > 0 || unchecked.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
    const parsed = parseCommandLine(OPTIONS, USAGE);
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    if (values.kinds) {
        // Every flag of the export check is refused here, not silently ignored.
        const given = (["stack", "live", "managed", "stack-file", "catalog"] as const).filter(
            (f) => values[f] !== undefined,
        );
        if (given.length > 0)
            return flagError(
                TOOL,
                `--kinds prints the contracts; ${given.map((f) => `--${f}`).join(", ")} ${given.length === 1 ? "is" : "are"} for checking an export (--stack with --live): give one or the other`,
            );
        if (values.json) {
            const { contractTable } = await import("../model/consumers");
            process.stdout.write(`${JSON.stringify(contractTable(), null, 2)}\n`);
        } else process.stdout.write(kindsText());
        return 0;
    }
    if (values.stack === undefined || values.live === undefined)
        return usageError(USAGE, "give --kinds, or --stack <name> with --live <file>");
    return liveCheck({
        stack: values.stack,
        live: values.live,
        managed: values.managed ?? [],
        stackFile: values["stack-file"],
        catalog: values.catalog,
        json: values.json,
    });
}

// Run as a command (not when a test imports USAGE and OPTIONS).
if (require.main === module) runAsCommand(TOOL, main);

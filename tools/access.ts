import * as fs from "node:fs";
import * as path from "node:path";
import {
    fail,
    flagError,
    parseCommandLine,
    parseStackName,
    resolveUserPath,
    runAsCommand,
    sanitize,
    usageError,
} from "./cli";
import { listStacks, stackFilter } from "./fleet";
import { stackFilesDirOrError } from "../stacks/stackDir";
import { readUtf8File } from "../stacks/text";
import { ConfigError } from "../stacks/errors";
import { projectSources, readStackConfig, type SharedSources } from "./stackfile";
import type { AccessReport } from "./accessReport";

/**
 * `npx aio-secrets access --stack S [--json]` / `--all`: every principal the stack grants a right on its vault, the
 * rights, and the vault objects they reach, from the offline plan (no cloud). For an auditor.
 */

export const USAGE = `usage: npx aio-secrets access (--stack <name> | --all) [--stacks <glob>] [--json] [--dir <dir>]
   or: npm run -s access -- (--stack <name> | --all) [--stacks <glob>] [--json] [--dir <dir>]

Who holds which right on a stack's vault, from the offline plan (the same run as plan: no cloud,
no Pulumi CLI): the cluster's reader, the deployers and every other grant the stack keeps, each
with its access-policy permissions or Key Vault roles and the vault objects those rights reach.

  --stack <name>      the stack (Pulumi.<name>.yaml)
  --all               every Pulumi.<stack>.yaml of the project: one row per stack
  --stacks <glob>     with --all: only the stacks whose name matches: * ? [a-z], several as a,b
  --dir <dir>         read Pulumi.yaml, the stack files and environments/ from <dir>
  --json              print JSON: { principals: [{ objectId, type, source, rights, secrets }] }
                      per stack (with --all: { stacks: [...] })
  -h, --help          this text

Exit codes: 0 done, 1 invalid input, 2 bad command line, 3 internal error.`;

const TOOL = "access";

export const OPTIONS = {
    stack: { type: "string" },
    all: { type: "boolean", default: false },
    stacks: { type: "string", multiple: true },
    dir: { type: "string" },
    json: { type: "boolean", default: false },
} as const;

/** The principal type of each configured deployer (aio-secrets:deployers), by lower-case object id. */
export function deployerTypes(config: Record<string, string>): Map<string, string> {
    const types = new Map<string, string>();
    const text = Object.hasOwn(config, "aio-secrets:deployers") ? config["aio-secrets:deployers"] : undefined;
    if (text === undefined) return types;
    let list: unknown;
    try {
        list = JSON.parse(text);
    } catch {
        return types;
    }
    if (!Array.isArray(list)) return types;
    for (const d of list) {
        if (d === null || typeof d !== "object") continue;
        const { objectId, type } = d as Record<string, unknown>;
        if (typeof objectId === "string" && typeof type === "string") types.set(objectId.toLowerCase(), type);
    }
    return types;
}

async function reportOf(stack: string, dir: string, stackDir: string, shared: SharedSources): Promise<AccessReport> {
    const { runProgram } = await import("./harness");
    const { accessReport } = await import("./accessReport");
    const file = `Pulumi.${stack}.yaml`;
    const stackFile = path.join(stackDir, file);
    const config = readStackConfig(readUtf8File(stackFile, file), file, "aio-secrets", {}, shared).config;
    const run = await runProgram({
        stack,
        projectDir: path.resolve(__dirname, ".."),
        configDir: dir,
        stackFile,
        shared,
        mode: "preview",
    });
    if (run.error) throw new ConfigError([{ file, path: "", rule: `invalid input\n${run.error}` }]);
    return accessReport(run, deployerTypes(config));
}

async function main(): Promise<number> {
    const parsed = parseCommandLine(OPTIONS, USAGE);
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    if ((values.stack === undefined) === !values.all) return usageError(USAGE, "give --stack <name> or --all");
    if (values.stacks !== undefined && !values.all) return flagError(TOOL, "--stacks goes with --all");
    const dir = values.dir !== undefined ? resolveUserPath(values.dir) : path.resolve(__dirname, "..");
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
        return flagError(TOOL, `--dir "${sanitize(dir)}": no such directory`);
    const found = stackFilesDirOrError(dir);
    if ("error" in found) return fail(TOOL, found.error, 1);
    let names: string[];
    if (values.stack !== undefined) {
        const name = parseStackName(values.stack);
        if ("error" in name) return flagError(TOOL, name.error);
        if (!fs.existsSync(path.join(found.dir, `Pulumi.${name.stack}.yaml`)))
            return fail(TOOL, `stack ${name.stack}: no Pulumi.${name.stack}.yaml in ${found.dir}`, 1);
        names = [name.stack];
    } else {
        const filter = stackFilter(values.stacks);
        if ("error" in filter) return flagError(TOOL, filter.error);
        names = listStacks(found.dir).filter(filter);
        if (names.length === 0) return flagError(TOOL, `matches no stack in ${dir}`);
    }
    const { accessText, fleetAccessText } = await import("./accessReport");
    const reports: AccessReport[] = [];
    try {
        const shared = projectSources(dir, "aio-secrets");
        for (const stack of names) reports.push(await reportOf(stack, dir, found.dir, shared));
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`aio-secrets access: ${sanitize(e.message)}\n`);
        return 1;
    }
    if (values.json) {
        const body = values.all ? { stacks: reports } : reports[0];
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else {
        process.stdout.write(sanitize(values.all ? fleetAccessText(reports) : accessText(reports[0])));
    }
    return 0;
}

// Run as a command (not when a test imports USAGE and OPTIONS).
if (require.main === module) runAsCommand(TOOL, main);

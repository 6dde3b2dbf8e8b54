import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../stacks/errors";
import { INIT_DEFAULTS } from "../stacks/defaults";
import { outOfBandOf, OutOfBandMode } from "../stacks/outOfBand";
import { stackFilesDirOrError } from "../stacks/stackDir";
import { readUtf8File } from "../stacks/text";
import {
    fail,
    flagError,
    inputFileProblem,
    parseStackName,
    quote,
    resolveUserPath,
    runAsCommand,
    userDirectory,
} from "./cli";
import type { RunResult } from "./harness";
import { LiveObject, own, ownString, readExport } from "./liveExport";
import { adoptionOf, AdoptionContext, Adoption, entryLine } from "./adopt";
import { driftOf, Drift, LiveSecrets, liveSecrets, PlannedSecrets, plannedSecrets } from "./ownership";
import { parseCatalog } from "../stacks/catalog";
import { projectSources, resolveStackEntries } from "./stackfile";

/**
 * What `import --from`, `drift --live` and `plan --live` share: the stack's files from the command
 * line, its plan, the live export, and the comparison of the two with the catalog entries that
 * would adopt each difference.
 */

const PROJECT = "aio-secrets";

export interface StackFiles {
    stack: string;
    projectDir: string;
    stackFile: string;
    catalogFile: string;
    /** The export, absolute, and as shown in messages. */
    live: string;
    liveShown: string;
}

/** The flags every live command takes. */
export const STACK_OPTIONS = {
    stack: { type: "string" },
    json: { type: "boolean", default: false },
    "stack-file": { type: "string" },
    catalog: { type: "string" },
} as const;

/** The stack's files and the export from the flags, or the exit code of a bad command line. */
export function stackFilesOf(
    tool: string,
    values: { stack?: string; "stack-file"?: string; catalog?: string },
    live: { flag: string; value: string | undefined },
): StackFiles | { exit: number } {
    if (values.stack === undefined || values.stack === "") return { exit: flagError(tool, "--stack is required") };
    if (live.value === undefined || live.value === "")
        return {
            exit: flagError(
                tool,
                `${live.flag} <file> is required: an export of az resource list, kubectl get -o json or az keyvault secret list`,
            ),
        };
    const name = parseStackName(values.stack);
    if ("error" in name) return { exit: flagError(tool, name.error) };
    const projectDir = path.resolve(__dirname, "..");
    let stackFile: string;
    if (values["stack-file"] !== undefined) stackFile = resolveUserPath(values["stack-file"]);
    else {
        const found = stackFilesDirOrError(projectDir);
        if ("error" in found) return { exit: flagError(tool, found.error) };
        stackFile = path.join(found.dir, `Pulumi.${name.stack}.yaml`);
    }
    const catalogFile =
        values.catalog !== undefined
            ? resolveUserPath(values.catalog)
            : path.join(projectDir, "stacks", "secrets.yaml");
    for (const [flag, file] of [
        ["--stack", stackFile],
        ["--catalog", catalogFile],
    ] as const) {
        const problem = inputFileProblem(flag, file);
        if (problem) return { exit: flagError(tool, problem) };
    }
    const liveFile = resolveUserPath(live.value);
    if (!fs.existsSync(liveFile)) return { exit: flagError(tool, `${live.flag} ${quote(live.value)}: no such file`) };
    return {
        stack: name.stack,
        projectDir,
        stackFile,
        catalogFile,
        live: liveFile,
        liveShown: path.relative(userDirectory(), liveFile) || liveFile,
    };
}

/**
 * A resolved `aio-secrets:<key>` of the stack (stack file over its environments, then Pulumi.yaml)
 * and where it came from.
 */
export function stackValue(files: StackFiles, key: string): { value: unknown; file: string } {
    const file = path.basename(files.stackFile);
    const { entries, origins } = resolveStackEntries(
        readUtf8File(files.stackFile, file),
        file,
        PROJECT,
        projectSources(files.projectDir, PROJECT),
    );
    const value = entries.find((e) => e.key === `${PROJECT}:${key}`)?.value;
    return { value, file: origins.get(`${PROJECT}:${key}`) ?? file };
}

/** The plan of the stack (preview mode), with `catalogFile` and config overrides when given. */
export async function planOf(
    files: StackFiles,
    catalogFile = files.catalogFile,
    configOverrides?: Record<string, string>,
): Promise<RunResult> {
    const { runProgram } = await import("./harness");
    const { engineView } = await import("./planRender");
    // The engine's URNs (as `pulumi import` and the state name them), not the mock recorder's.
    const run = await runProgram({
        stack: files.stack,
        projectDir: files.projectDir,
        stackFile: files.stackFile,
        catalogFile,
        mode: "preview",
        ...(configOverrides ? { configOverrides } : {}),
    });
    return run.error !== undefined ? run : engineView(run);
}

/** The adoption context of a stack: its environment, its catalog's names, its default secret. */
export function adoptionContext(files: StackFiles, run: RunResult, catalogText: string): AdoptionContext {
    const parsed = parseCatalog(catalogText, path.basename(files.catalogFile));
    if (!parsed.catalog) throw new ConfigError(parsed.problems);
    const defaults = stackValue(files, "defaultSecret").value;
    const name =
        defaults !== null && typeof defaults === "object" && Object.hasOwn(defaults, "name")
            ? (defaults as { name: unknown }).name
            : undefined;
    return {
        environment: run.environment ?? files.stack,
        catalogNames: new Set(parsed.catalog.secrets.map((s) => s.name)),
        defaultSecret: typeof name === "string" ? name : INIT_DEFAULTS.defaultSecretName,
    };
}

/** The stack's AIO custom location (secret sync), from its settings: name and resource group. */
export function customLocationOf(files: StackFiles): { name: string; resourceGroupName?: string } | undefined {
    const location = own(stackValue(files, "secretSync").value, "customLocation");
    const name = ownString(location, "name");
    if (name === undefined) return undefined;
    const group =
        ownString(location, "resourceGroupName") ??
        ownString(stackValue(files, "cluster").value, "arcResourceGroupName");
    return { name, ...(group !== undefined ? { resourceGroupName: group } : {}) };
}

/**
 * The export without the secret-sync resources of other custom locations: `az resource list -g`
 * over a resource group that holds several Arc clusters (a fleet's sites) returns theirs too, and
 * they are neither the stack's nor out of band. A resource whose custom location the export does
 * not name as a custom location id is kept. ARM ids compare without regard to case.
 */
export function ofThisCustomLocation(
    objects: readonly LiveObject[],
    location: { name: string; resourceGroupName?: string } | undefined,
): LiveObject[] {
    if (location === undefined) return [...objects];
    return objects.filter((o) => {
        if (o.source !== "arm" || !o.type.startsWith("microsoft.secretsynccontroller/") || o.scope === undefined)
            return true;
        const id = CUSTOM_LOCATION_ID.exec(o.scope);
        if (!id) return true;
        const [, group, name] = id;
        return (
            name.toLowerCase() === location.name.toLowerCase() &&
            (location.resourceGroupName === undefined ||
                group.toLowerCase() === location.resourceGroupName.toLowerCase())
        );
    });
}

/** A custom location's ARM id: its resource group and name. */
const CUSTOM_LOCATION_ID =
    /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ExtendedLocation\/customLocations\/([^/]+)$/i;

export interface LiveReview {
    live: LiveSecrets;
    planned: PlannedSecrets;
    adoption: Adoption;
    drift: Drift[];
}

/** The export against the plan: the differences, each with the catalog entry that adopts it. */
export function reviewLive(files: StackFiles, run: RunResult): LiveReview {
    const live = liveSecrets(ofThisCustomLocation(readExport(files.live, files.liveShown), customLocationOf(files)));
    if (live.unread.length > 0)
        throw new ConfigError(
            live.unread.map((u) => ({
                file: files.liveShown,
                path: u.at,
                rule: `${u.name} was exported without properties (az resource list prints none): export with az resource show --ids <ids> -o json`,
            })),
        );
    const planned = plannedSecrets(run);
    const adoption = adoptionOf(
        live,
        planned,
        adoptionContext(files, run, readUtf8File(files.catalogFile, path.basename(files.catalogFile))),
    );
    const lines = new Map(adoption.secrets.map((e) => [e.name, entryLine(e)]));
    const drift = driftOf(live, planned, (name) => lines.get(name));
    return { live, planned, adoption, drift };
}

/** The stack's out-of-band mode (aio-secrets:outOfBand, default by environment). */
export function outOfBandModeOf(files: StackFiles, run: RunResult): OutOfBandMode {
    const { value, file } = stackValue(files, "outOfBand");
    return outOfBandOf(value, run.environment ?? files.stack, file);
}

/** Runs a live command's main ({@link runAsCommand}): bad input (a ConfigError) is exit 1 with its message. */
export function runTool(tool: string, main: () => Promise<number>): void {
    runAsCommand(tool, () =>
        main().catch((e: unknown) => {
            if (!(e instanceof ConfigError)) throw e;
            return fail(tool, e.message, 1);
        }),
    );
}

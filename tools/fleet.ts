import { TEXT_WIDTH, wrapProse } from "./textWidth";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../stacks/errors";
import { parseProjectConfig, ProjectConfigEntry } from "../stacks/sharedConfig";
import { decodeUtf8, readUtf8File } from "../stacks/text";
import { readYaml } from "../stacks/yaml";
import { stackFilesDir } from "../stacks/stackDir";
import { PROJECT } from "../stacks/wellKnown";
import { isStackName } from "./cli";
import { inputAt, RunResult } from "./harness";
import { readAtRevision } from "./planDiff";
import { programFiles } from "./programFiles";
import { environmentNameOf, projectSources, readStackConfig, resolveStackEntries, SharedSources } from "./stackfile";
import { ringOf } from "../stacks/ring";
import type { MatrixEntry } from "./rollout";

/**
 * Many stacks at once: which stack files a directory holds, `--stacks <glob>` filters, which
 * stacks' inputs changed since a git revision, and planning them all in one process (the
 * program's modules and the providers load once; each stack then costs its own run only).
 */

export { PROJECT };

/**
 * Stack names of the `Pulumi.<stack>.yaml` files in `dir`, sorted. Only names Pulumi accepts
 * as stack names: `Pulumi....yaml` is no stack `..` (which `--out <dir>/<stack>` would turn
 * into the parent of the output directory).
 */
export function listStacks(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined && isStackName(s))
        .sort();
}

/** Splits `a,b` at the commas outside `[...]`, so `[a,b]` stays one set. */
function splitPatterns(pattern: string): string[] {
    const parts: string[] = [];
    let current = "";
    let inSet = false;
    for (const c of pattern) {
        if (c === "," && !inSet) {
            parts.push(current);
            current = "";
            continue;
        }
        if (c === "[") inSet = true;
        else if (c === "]") inSet = false;
        current += c;
    }
    parts.push(current);
    return parts;
}

/** One element of a parsed glob: a character, any one character, any run, or a set. */
type GlobPart =
    | { kind: "char"; c: string }
    | { kind: "one" }
    | { kind: "star" }
    | { kind: "set"; negated: boolean; ranges: [string, string][] };

/** Parses one glob, or says what is wrong with it. */
function parseGlob(glob: string): GlobPart[] | { error: string } {
    const parts: GlobPart[] = [];
    for (let i = 0; i < glob.length; i++) {
        const c = glob[i];
        if (c === "*") {
            // `**` matches what `*` does: one star part keeps the matcher's work linear.
            if (parts.at(-1)?.kind !== "star") parts.push({ kind: "star" });
        } else if (c === "?") parts.push({ kind: "one" });
        else if (c === "[") {
            const end = glob.indexOf("]", i + 1);
            if (end < 0) return { error: `--stacks "${glob}": an opening [ has no closing ]` };
            let set = glob.slice(i + 1, end);
            const negated = set.startsWith("!");
            if (negated) set = set.slice(1);
            // `[]` would match nothing and `[!]` any character: neither is meant.
            if (set === "")
                return {
                    error: `--stacks "${glob}": [${negated ? "!" : ""}] is an empty set; list the characters, e.g. [abc] or [!a]`,
                };
            const ranges: [string, string][] = [];
            for (let j = 0; j < set.length; j++) {
                if (set[j + 1] === "-" && j + 2 < set.length) {
                    if (set[j] > set[j + 2])
                        return {
                            error: `--stacks "${glob}": not a valid pattern (a range such as [z-a] must go from low to high)`,
                        };
                    ranges.push([set[j], set[j + 2]]);
                    j += 2;
                } else ranges.push([set[j], set[j]]);
            }
            parts.push({ kind: "set", negated, ranges });
            i = end;
        } else if (c === "]") {
            return { error: `--stacks "${glob}": a ] without its opening [` };
        } else parts.push({ kind: "char", c });
    }
    return parts;
}

function partMatches(part: Exclude<GlobPart, { kind: "star" }>, c: string): boolean {
    if (part.kind === "char") return part.c === c;
    if (part.kind === "one") return true;
    return part.ranges.some(([lo, hi]) => lo <= c && c <= hi) !== part.negated;
}

/**
 * Whether `name` matches the whole glob. Iterative, without backtracking into earlier stars:
 * only the last `*` is retried, so the work is at most (pattern length x name length) for any
 * pattern (a regular expression of `*a*a*a*b` backtracks exponentially on a long name).
 */
function globMatches(parts: readonly GlobPart[], name: string): boolean {
    let p = 0;
    let n = 0;
    let star = -1;
    let resume = 0;
    while (n < name.length) {
        const part = parts[p];
        if (part !== undefined && part.kind === "star") {
            star = p++;
            resume = n;
        } else if (part !== undefined && partMatches(part, name[n])) {
            p++;
            n++;
        } else if (star >= 0) {
            p = star + 1;
            n = ++resume;
        } else return false;
    }
    while (parts[p]?.kind === "star") p++;
    return p === parts.length;
}

/**
 * A `--stacks` pattern as a test: shell-style globs (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`), several
 * separated by commas (outside `[...]`), matched against the whole stack name. Undefined
 * pattern: every stack. A pattern that cannot match as meant (`[]`, `[!]`, `[z-a]`) is an error.
 */
export function stackFilter(patterns: readonly string[] | undefined): ((stack: string) => boolean) | { error: string } {
    if (patterns === undefined || patterns.length === 0) return () => true;
    const globs = patterns.flatMap(splitPatterns).map((p) => p.trim());
    const parsed: GlobPart[][] = [];
    for (const glob of globs) {
        if (glob === "" || !/^[A-Za-z0-9_.*?[\]!,-]+$/.test(glob)) {
            return {
                error: `--stacks "${glob}": a pattern is letters, digits, _ . - and the wildcards * ? [...] (several: a,b)`,
            };
        }
        const parts = parseGlob(glob);
        if ("error" in parts) return parts;
        parsed.push(parts);
    }
    return (stack) => parsed.some((parts) => globMatches(parts, stack));
}

/** One stack's line of `plan --all`. */
export interface StackSummary {
    stack: string;
    /** The catalog environment the stack belongs to (`aio-secrets:environment`, default the stack name). */
    environment: string;
    /** Resources the stack declares (0 when invalid). */
    resources: number;
    warnings: string[];
    /** One entry per problem; empty when the stack is valid. */
    errors: string[];
}

export interface FleetOptions {
    /** Project root (index.ts). */
    projectDir: string;
    /** Where Pulumi.yaml, the stack files and environments/ are read; default `projectDir`. */
    dir?: string;
    catalogFile: string;
    stacks: readonly string[];
    /**
     * Child processes that plan the stacks (default 1: all in this process). The program must run
     * under tsx (as `npm run plan` does): the workers are TypeScript, started with this process's
     * node flags.
     */
    workers?: number;
    /** With `workers`: whether `onStack` needs each stack's run (sent from the worker; else an empty run). */
    needRuns?: boolean;
    /** Called after each stack with its run (in stack order; nothing of it is kept). */
    onStack?: (summary: StackSummary, run: RunResult, index: number) => void | Promise<void>;
}

/** The problems of an error message, one per line (a ConfigError lists them as `  - ...`). */
function problemLines(error: string): string[] {
    const lines = error.split("\n");
    if (lines.length > 1 && /^\d+ problems in /.test(lines[0]))
        return lines.slice(1).map((l) => l.replace(/^\s+- /, ""));
    return lines;
}

/** The environment a stack belongs to, from its resolved config (also for an invalid stack). */
function environmentOf(stack: string, stackFile: string, shared: SharedSources): string {
    try {
        return environmentNameOf(
            readStackConfig(
                readUtf8File(stackFile, path.basename(stackFile)),
                path.basename(stackFile),
                PROJECT,
                {},
                shared,
            ),
            stack,
        );
    } catch {
        return stack;
    }
}

/** One stack planned: its summary, its run, and the names it claims (none when invalid). */
export interface PlannedStack {
    summary: StackSummary;
    run: RunResult;
    claims: ArmNameClaim[];
}

/** What planning a stack needs besides its name: the shared settings, read once per process. */
export interface StackPlanner {
    plan: (stack: string) => Promise<PlannedStack>;
}

/** Reads the shared settings (Pulumi.yaml) once; a bad Pulumi.yaml makes every stack invalid. */
export async function stackPlanner(
    opts: Pick<FleetOptions, "projectDir" | "dir" | "catalogFile">,
): Promise<StackPlanner> {
    const { runProgram } = await import("./harness");
    const dir = opts.dir ?? opts.projectDir;
    let shared: SharedSources | undefined;
    let sharedError: string | undefined;
    let stackDir = dir;
    try {
        stackDir = stackFilesDir(dir);
        shared = projectSources(dir, PROJECT);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        sharedError = e.message;
    }
    return {
        plan: async (stack) => {
            const stackFile = path.join(stackDir, `Pulumi.${stack}.yaml`);
            const run: RunResult =
                shared === undefined
                    ? { stack, project: PROJECT, resources: [], outputs: {}, warnings: [], error: sharedError }
                    : await runProgram({
                          stack,
                          projectDir: opts.projectDir,
                          stackFile,
                          catalogFile: opts.catalogFile,
                          shared,
                          mode: "preview",
                      });
            if (run.error !== undefined) {
                const summary = {
                    stack,
                    environment: shared ? environmentOf(stack, stackFile, shared) : stack,
                    resources: 0,
                    warnings: run.warnings,
                    errors: problemLines(run.error),
                };
                return { summary, run, claims: [] };
            }
            const summary = {
                stack,
                environment: run.environment ?? stack,
                resources: run.resources.length,
                warnings: run.warnings,
                errors: [],
            };
            return { summary, run, claims: armNameClaims(run) };
        },
    };
}

/**
 * Plans every given stack and summarizes each, in stack order. `workers` above 1 (and more than
 * one stack): that many child processes (tools/fleetWorker.ts, each with its own mock runtime)
 * take the next stack as they finish one; their results come back in stack order, so the
 * summaries, `onStack`'s calls and the output are those of one process. Else in this process.
 */
export async function planFleet(opts: FleetOptions): Promise<StackSummary[]> {
    const out: StackSummary[] = [];
    const claims = new Map<string, ArmNameClaim[]>();
    const take = async (planned: PlannedStack, index: number) => {
        out.push(planned.summary);
        if (planned.summary.errors.length === 0) claims.set(planned.summary.stack, planned.claims);
        await opts.onStack?.(planned.summary, planned.run, index);
    };
    const workers = Math.min(opts.workers ?? 1, opts.stacks.length);
    if (workers > 1) {
        const { planInWorkers } = await import("./fleetWorkers");
        await planInWorkers(opts, workers, take);
    } else {
        const planner = await stackPlanner(opts);
        for (const [i, stack] of opts.stacks.entries()) await take(await planner.plan(stack), i);
    }
    // Names ARM scopes to a resource group, compared across the stacks planned together.
    for (const [stack, problems] of nameClashes(claims)) out.find((s) => s.stack === stack)!.errors.push(...problems);
    return out;
}

/** A name ARM gives per resource group, not per custom location: an SPC or a SecretSync a stack creates. */
export interface ArmNameClaim {
    kind: "SecretProviderClass" | "SecretSync";
    resourceGroup: string;
    name: string;
}

/** The secret-sync resources named per resource group, and the input that holds the name. */
const NAMED_PER_GROUP: Readonly<Record<string, { kind: ArmNameClaim["kind"]; nameInput: string }>> = {
    "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass": {
        kind: "SecretProviderClass",
        nameInput: "azureKeyVaultSecretProviderClassName",
    },
    "azure-native:secretsynccontroller:SecretSync": { kind: "SecretSync", nameInput: "secretSyncName" },
};

/** The SPC and SecretSync names a run creates, with their resource groups. */
export function armNameClaims(run: RunResult): ArmNameClaim[] {
    const claims: ArmNameClaim[] = [];
    for (const r of run.resources) {
        const named = Object.hasOwn(NAMED_PER_GROUP, r.type) ? NAMED_PER_GROUP[r.type] : undefined;
        const name = named ? inputAt(r.inputs, named.nameInput) : undefined;
        const resourceGroup = inputAt(r.inputs, "resourceGroupName");
        if (named && typeof name === "string" && typeof resourceGroup === "string")
            claims.push({ kind: named.kind, resourceGroup, name });
    }
    const key = (c: ArmNameClaim) => `${c.kind}\u0000${c.resourceGroup}\u0000${c.name}`;
    return claims.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Two stacks that would create the same SPC or SecretSync name in one resource group: the
 * second `up` fails (or both fight over one resource). ARM compares resource group names
 * without case. The subscription is not known offline, so stacks are compared by resource group
 * name only. Returns, by stack, one problem per clash, each naming the other stack.
 */
export function nameClashes(claims: ReadonlyMap<string, readonly ArmNameClaim[]>): Map<string, string[]> {
    const owners = new Map<string, { stack: string; claim: ArmNameClaim }[]>();
    for (const [stack, list] of claims) {
        for (const claim of list) {
            const key = `${claim.kind}\u0000${claim.resourceGroup.toLowerCase()}\u0000${claim.name.toLowerCase()}`;
            owners.set(key, [...(owners.get(key) ?? []), { stack, claim }]);
        }
    }
    const problems = new Map<string, string[]>();
    for (const list of owners.values()) {
        const stacks = [...new Set(list.map((o) => o.stack))];
        if (stacks.length < 2) continue;
        for (const { stack, claim } of list) {
            const others = stacks.filter((s) => s !== stack).join(", ");
            const fix =
                claim.kind === "SecretProviderClass"
                    ? "set aio-secrets:secretSync.spcName to another name in one of them"
                    : "two clusters whose custom locations share a resource group cannot both sync a Kubernetes Secret of this name: rename it in the catalog for one environment, or keep each cluster's custom location in its own resource group";
            problems.set(stack, [
                ...(problems.get(stack) ?? []),
                `Pulumi.${stack}.yaml: ${claim.kind} ${claim.name} in resource group ${claim.resourceGroup}: stack ${others} creates it too. ` +
                    `ARM names ${claim.kind}s per resource group, not per custom location, so the second up fails; ${fix}. ` +
                    "(Offline the subscriptions are unknown: stacks are compared by resource group name; stacks in different subscriptions are planned apart with --stacks)",
            ]);
        }
    }
    return problems;
}

/**
 * Each stack's deployment ring and environment, from its resolved config (stack file over its
 * ESC environments, then Pulumi.yaml): `aio-secrets:ring`, else the environment's default
 * (stacks/ring.ts). Throws a ConfigError naming the file the bad value came from.
 */
export function matrixEntries(dir: string, stacks: readonly string[]): MatrixEntry[] {
    const stackDir = stackFilesDir(dir);
    const sources = projectSources(dir, PROJECT);
    return stacks.map((stack) => {
        const file = `Pulumi.${stack}.yaml`;
        const { entries, origins } = resolveStackEntries(
            readUtf8File(path.join(stackDir, file), file),
            file,
            PROJECT,
            sources,
        );
        const valueOf = (key: string) => entries.find((e) => e.key === `${PROJECT}:${key}`)?.value;
        const env = valueOf("environment");
        const environment = typeof env === "string" && env !== "" ? env : stack;
        const ring = ringOf(valueOf("ring"), environment, origins.get(`${PROJECT}:ring`) ?? file);
        return { stack, ring, environment };
    });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * A warning as said of any stack: without the stack file's name in front (`Pulumi.<stack>.yaml: `)
 * and with `--stack <stack>` as a placeholder, so that the same warning of two stacks is one text.
 */
export function warningPattern(stack: string, warning: string): string {
    const prefix = `Pulumi.${stack}.yaml: `;
    const text = warning.startsWith(prefix) ? warning.slice(prefix.length) : warning;
    return text.split(`--stack ${stack}`).join("--stack <stack>");
}

/** The stacks a warning shared by several is said of: all of them up to 5, else the first 3 and a count. */
function stackList(stacks: readonly string[]): string {
    return stacks.length <= 5 ? stacks.join(", ") : `${stacks.slice(0, 3).join(", ")} and ${stacks.length - 3} more`;
}

/**
 * The text of `plan --all`: one line per stack, the problems of invalid ones under it, a summary.
 * `verbose`: the warnings too; one said of several stacks once, after the stacks ("... in 200
 * stacks (site-000, site-001, site-002 and 197 more): aio-secrets:deployers is not set, ..."), in
 * the order it first appears; the others under their stack.
 */
export function fleetText(
    summaries: readonly StackSummary[],
    seconds: number,
    options: { verbose?: boolean; note?: string } = {},
): string {
    const w = (f: (s: StackSummary) => string) => Math.max(0, ...summaries.map((s) => f(s).length));
    const stackWidth = w((s) => s.stack);
    const envWidth = w((s) => s.environment);
    const lines: string[] = [];
    if (options.note) lines.push(options.note);
    // Each distinct warning and the stacks it is said of (a stack once, however often it says it).
    const shared = new Map<string, string[]>();
    if (options.verbose)
        for (const s of summaries)
            for (const warning of s.warnings) {
                const stacks = shared.get(warningPattern(s.stack, warning)) ?? [];
                if (stacks.at(-1) !== s.stack) stacks.push(s.stack);
                shared.set(warningPattern(s.stack, warning), stacks);
            }
    const isShared = (stack: string, warning: string) => (shared.get(warningPattern(stack, warning))?.length ?? 0) > 1;
    for (const s of summaries) {
        const status = s.errors.length > 0 ? "INVALID" : "ok";
        const counts = [
            plural(s.resources, "resource").padStart(13),
            plural(s.warnings.length, "warning").padStart(11),
        ];
        if (s.errors.length > 0) counts.push(plural(s.errors.length, "error"));
        lines.push(
            `${status.padEnd(7)}  ${s.stack.padEnd(stackWidth)}  ${s.environment.padEnd(envWidth)}  ${counts.join("  ")}`.trimEnd(),
        );
        for (const e of s.errors) lines.push(`    error: ${e}`);
        if (options.verbose)
            for (const warning of s.warnings)
                if (!isShared(s.stack, warning))
                    lines.push(...wrapProse(warning, TEXT_WIDTH, "    warning: ", "      "));
    }
    for (const [warning, stacks] of shared) {
        if (stacks.length < 2) continue;
        const head = `warning in ${plural(stacks.length, "stack")} (${stackList(stacks)}): `;
        lines.push(...wrapProse(`${head}${warning}`, TEXT_WIDTH, "", "  "));
    }
    const invalid = summaries.filter((s) => s.errors.length > 0).length;
    const resources = summaries.reduce((n, s) => n + s.resources, 0);
    const warnings = summaries.reduce((n, s) => n + s.warnings.length, 0);
    lines.push(
        `${plural(summaries.length, "stack")} planned in ${seconds.toFixed(1)} s: ${summaries.length - invalid} ok, ${invalid} invalid; ` +
            `${plural(resources, "resource")}, ${plural(warnings, "warning")}${options.verbose || warnings === 0 ? "" : " (--verbose shows them)"}`,
    );
    return `${lines.join("\n")}\n`;
}

function git(dir: string, args: string[]): string {
    return execFileSync("git", args, {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
}

/**
 * The catalog as one environment sees it: every part but the secrets, plus the secrets enabled
 * in that environment (no `environments:`, or one that lists it), without their `environments:`
 * list. Raw YAML, so a catalog that no
 * longer parses still compares. Undefined when the text does not read as YAML.
 */
function catalogView(text: string | undefined, environment: string): string | undefined {
    if (text === undefined) return undefined;
    const read = readYaml(text, "catalog");
    if (read.problems.length > 0) return `unreadable:${text}`;
    const root = read.value;
    if (root === null || typeof root !== "object" || Array.isArray(root)) return JSON.stringify(root);
    const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
    if (Array.isArray(copy.secrets)) {
        copy.secrets = copy.secrets
            .filter((s: unknown) => {
                const envs =
                    s !== null && typeof s === "object" ? (s as Record<string, unknown>).environments : undefined;
                return !Array.isArray(envs) || envs.includes(environment);
            })
            .map((s: unknown) => {
                // Enabled here is all the list says to this environment: promoting the entry
                // to another one (adding to its list) changes nothing for this one.
                if (s === null || typeof s !== "object" || Array.isArray(s) || !Object.hasOwn(s, "environments"))
                    return s;
                const entry: Record<string, unknown> = { ...(s as Record<string, unknown>) };
                delete entry.environments;
                return entry;
            });
    }
    return JSON.stringify(copy);
}

/** `trustBundleFile` of a resolved `aio-secrets:ca` value (a map, or its JSON), when it names a project file. */
function trustBundleFile(ca: unknown): string | undefined {
    let value = ca;
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, "trustBundleFile"))
        return undefined;
    const file = (value as Record<string, unknown>).trustBundleFile;
    return typeof file === "string" && file !== "" && !path.isAbsolute(file) ? file : undefined;
}

export interface ChangedStack {
    stack: string;
    /** Why it counts as changed: which of its inputs differ. */
    reasons: string[];
}

/**
 * The stacks whose inputs differ from git revision `rev`: the stack file, the Pulumi.yaml
 * config it ends up with, an environment stand-in it imports, or the catalog entries enabled in
 * its environment (and the catalog's shared parts), the CA trust bundle file it names
 * (`aio-secrets:ca.trustBundleFile`, relative to `projectDir`, default `dir`). A change to the program itself
 * (`projectDir`'s index.ts and every file it imports, package.json, package-lock.json: programFiles) counts for every
 * stack.
 * Uncommitted edits count: the working tree is compared with `rev`. Throws on a bad revision.
 */
export function changedStacks(opts: {
    dir: string;
    catalogFile: string;
    stacks: readonly string[];
    rev: string;
    projectDir?: string;
}): ChangedStack[] {
    const { dir, rev } = opts;
    const rel = (file: string) => path.relative(dir, file).split(path.sep).join("/");
    // Verifies the revision (with a message naming it) and reads the old Pulumi.yaml at once.
    const oldProjectText = readAtRevision(dir, rev, "./Pulumi.yaml");
    // -z: names as they are, NUL-separated (without it git quotes a non-ASCII name: "\303\251...").
    const changed = new Set(
        git(dir, ["diff", "--name-only", "-z", "--no-renames", "--relative", "--end-of-options", rev, "--"])
            .split("\0")
            .filter((l) => l !== ""),
    );
    for (const f of git(dir, ["ls-files", "-z", "--others", "--exclude-standard"]).split("\0"))
        if (f !== "") changed.add(f);
    // The program itself (index.ts and what it imports, package.json, package-lock.json), as git names them.
    const programRoot = opts.projectDir ?? dir;
    const programPaths = new Set(programFiles(programRoot).map((f) => rel(path.join(programRoot, f))));
    const program = [...changed].filter((f) => programPaths.has(f));

    let sources: SharedSources;
    let stackDir: string;
    try {
        stackDir = stackFilesDir(dir);
        sources = projectSources(dir, PROJECT);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        // Every stack reads it: plan them all, so the problem shows as it does without --changed.
        return opts.stacks.map((stack) => ({ stack, reasons: ["Pulumi.yaml is invalid"] }));
    }
    let oldProject: ProjectConfigEntry[] | undefined = [];
    if (oldProjectText !== undefined) {
        const parsed = parseProjectConfig(oldProjectText, "Pulumi.yaml", PROJECT);
        oldProject = parsed.entries;
    }
    const projectChanged = changed.has("Pulumi.yaml");
    const catalogRel = rel(opts.catalogFile);
    const catalogChanged = changed.has(catalogRel);
    const oldCatalog = catalogChanged ? readAtRevision(dir, rev, `./${catalogRel}`) : undefined;
    const newCatalog = catalogChanged ? decodeUtf8(fs.readFileSync(opts.catalogFile)) : undefined;

    const out: ChangedStack[] = [];
    for (const stack of opts.stacks) {
        const file = `Pulumi.${stack}.yaml`;
        // As git names it (relative to `dir`): under Pulumi.yaml's stackConfigDir, if any.
        const fileRel = rel(path.join(stackDir, file));
        const reasons: string[] = [];
        if (program.length > 0)
            reasons.push(`the program changed (${program.slice(0, 3).join(", ")}${program.length > 3 ? ", ..." : ""})`);
        if (changed.has(fileRel)) reasons.push(`${fileRel} changed`);
        let environment = stack;
        try {
            const text = readUtf8File(path.join(stackDir, file), file);
            const now = resolveStackEntries(text, file, PROJECT, sources);
            const env = now.entries.find((e) => e.key === `${PROJECT}:environment`)?.value;
            if (typeof env === "string" && env !== "") environment = env;
            for (const f of now.sharedFiles) if (f !== "Pulumi.yaml" && changed.has(f)) reasons.push(`${f} changed`);
            const bundle = trustBundleFile(now.entries.find((e) => e.key === `${PROJECT}:ca`)?.value);
            if (bundle !== undefined) {
                // The program reads it relative to its project root; git names files relative to `dir`.
                const f = rel(path.join(opts.projectDir ?? dir, bundle));
                if (changed.has(f)) reasons.push(`${f} changed (aio-secrets:ca.trustBundleFile)`);
            }
            if (projectChanged && !changed.has(fileRel)) {
                // Only the config this stack ends up with counts, not Pulumi.yaml's other lines.
                let before: string | undefined;
                try {
                    before = oldProject
                        ? JSON.stringify(
                              resolveStackEntries(text, file, PROJECT, { ...sources, projectConfig: oldProject })
                                  .entries,
                          )
                        : undefined;
                } catch {
                    before = undefined;
                }
                if (before !== JSON.stringify(now.entries)) reasons.push("its config from Pulumi.yaml changed");
            }
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            // Invalid now: plan it, so the problem shows.
            if (reasons.length === 0) reasons.push("its settings do not resolve");
        }
        if (catalogChanged && catalogView(oldCatalog, environment) !== catalogView(newCatalog, environment)) {
            reasons.push(`catalog entries enabled in ${environment} changed`);
        }
        if (reasons.length > 0) out.push({ stack, reasons });
    }
    return out;
}

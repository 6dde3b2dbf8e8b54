import { createHmac, randomBytes } from "node:crypto";
import * as path from "node:path";
import { ConfigError, Problem } from "../stacks/errors";
import {
    composePatch,
    ConfigOrigins,
    environmentFile,
    fullConfigKey,
    mergeOrigins,
    originOf,
    recordOrigins,
    EscDocument,
    mergeConfigValue,
    mergePatch,
    namespacedConfig,
    parseEscDocument,
    parseProjectConfig,
    ProjectConfigEntry,
    projectConfigProblems,
    stackEnvironments,
} from "../stacks/sharedConfig";
import { isPlaceholderCiphertext, parseStackFile, SecureValue, StackFileEntry } from "../stacks/stackFile";
import { readUtf8File } from "../stacks/text";
import { readYaml, setOwn } from "../stacks/yaml";
import { fileProblem } from "./cli";

/**
 * Reads a `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program: every config
 * key as a string (objects as JSON), plus the list of keys that hold `secure:` values.
 * Without the CLI there is no decryption, so each secure value becomes a placeholder (or a
 * value a test supplies), which the program receives as a secret.
 */

export interface StackConfig {
    config: Record<string, string>;
    secretKeys: string[];
    /** `ns:key` or `ns:key.path.to.leaf` of every secure value. */
    securePaths: string[];
    /** The secure values whose ciphertext is an example file's placeholder (`v1:placeholder-...`). */
    placeholderPaths: string[];
    /**
     * The config as resolved (stack file over its environments, then project config), for callers that need more than
     * strings.
     */
    entries: StackFileEntry[];
    /** The ESC environments the stack file imports, in order. */
    environments: string[];
    /** The files read besides the stack file (Pulumi.yaml, environment stand-ins), relative to the project. */
    sharedFiles: string[];
    /** Which file each value came from (the stack file, Pulumi.yaml, an ESC stand-in), by full path. */
    origins: ConfigOrigins;
}

/**
 * Where the settings shared between stacks come from: the project's `config:` (Pulumi.yaml)
 * and the stand-ins of ESC environments. Without it only the stack file is read.
 */
export interface SharedSources {
    /** Project config entries of Pulumi.yaml (parsed once for many stacks). */
    projectConfig?: readonly ProjectConfigEntry[];
    /**
     * Reads an environment stand-in by its project-relative path (`environments/x/y.yaml`); undefined when there is
     * none.
     */
    readEnvironment?: (relative: string) => string | undefined;
}

/** What to do about an environment the offline tools cannot open. */
function missingEnvironment(file: string, at: string, name: string, relative: string): Problem {
    return {
        file,
        path: at,
        value: JSON.stringify(name),
        rule:
            `is a Pulumi ESC environment, which the offline tools cannot open. Write its resolved values to ${relative} ` +
            "(the shape of the ESC definition: values.pulumiConfig, secrets as fn::secret), or remove the import to plan without it",
    };
}

/**
 * The config the stack's environments contribute, merged in import order (an environment's
 * own imports first, later over earlier), with the files read. Problems name the stand-in.
 */
export function environmentConfig(
    names: readonly string[],
    stackFile: string,
    project: string,
    read: (relative: string) => string | undefined,
): { config: Map<string, unknown>; origins: ConfigOrigins; files: string[]; problems: Problem[] } {
    const files: string[] = [];
    const problems: Problem[] = [];
    // Each environment is resolved once per run (its imports, then its own values), however
    // often it is imported: a diamond of imports costs one visit per environment, not 2^depth.
    const resolved = new Map<string, { config: Record<string, unknown>; origins: ConfigOrigins }>();
    const none = () => ({ config: {}, origins: new Map<string, string>() });
    const visit = (
        name: string,
        from: string,
        trail: string[],
    ): { config: Record<string, unknown>; origins: ConfigOrigins } => {
        const relative = environmentFile(name);
        if (relative === undefined) {
            problems.push({
                file: from,
                path: "imports",
                value: JSON.stringify(name),
                rule: "is not an environment name",
            });
            return none();
        }
        if (trail.includes(relative)) {
            problems.push({
                file: from,
                path: "imports",
                value: JSON.stringify(name),
                rule: `imports itself (${[...trail, relative].join(" -> ")})`,
            });
            return none();
        }
        const done = resolved.get(relative);
        if (done !== undefined) return done;
        const own = none();
        const text = read(relative);
        if (text === undefined)
            problems.push(missingEnvironment(from, trail.length === 0 ? "environment" : "imports", name, relative));
        else {
            if (!files.includes(relative)) files.push(relative);
            const parsed = parseEscDocument(text, relative);
            if (!parsed.doc) problems.push(...parsed.problems);
            else {
                const doc: EscDocument = parsed.doc;
                for (const imported of doc.imports) {
                    const sub = visit(imported, relative, [...trail, relative]);
                    own.config = composePatch(own.config, sub.config) as Record<string, unknown>;
                    mergeOrigins(own.origins, sub.origins);
                }
                if (doc.pulumiConfig) {
                    own.config = composePatch(own.config, doc.pulumiConfig) as Record<string, unknown>;
                    for (const k of Object.keys(doc.pulumiConfig))
                        recordOrigins(own.origins, doc.pulumiConfig[k], fullConfigKey(k, project), relative);
                }
            }
        }
        resolved.set(relative, own);
        return own;
    };
    let merged: Record<string, unknown> = {};
    const origins: ConfigOrigins = new Map();
    for (const name of names) {
        const env = visit(name, stackFile, []);
        merged = mergePatch(merged, env.config) as Record<string, unknown>;
        mergeOrigins(origins, env.origins);
    }
    return { config: namespacedConfig(merged, project), origins, files, problems };
}

/** Key of this run's change detector: random per process, so no digest it yields means anything later. */
const RUN_SALT = randomBytes(32);

/**
 * Placeholder the offline plan uses for a secure value it cannot decrypt. It carries a keyed
 * digest of the ciphertext (HMAC with a random key of this run), so within one run (`plan
 * --against` plans both sides in one process) a value changed with `pulumi config set
 * --secret` shows up as a changed secret, while no printed digest can be looked up in a
 * dictionary of values, in this run or any other.
 */
export function securePlaceholder(path: string, ciphertext: string): string {
    return `placeholder-for-${path}#${createHmac("sha256", RUN_SALT).update(ciphertext).digest("hex").slice(0, 12)}`;
}

/** What the fleet views show for a value that is secret: a marker, nothing derived from it. */
export const SECRET_MARKER = "[secret]";

/**
 * The catalog environment a stack belongs to, for the fleet views (`promote`, `plan --all`):
 * `aio-secrets:environment`, default the stack name. A secret value (which the program refuses
 * for this key) is shown as {@link SECRET_MARKER}, never as its placeholder.
 */
export function environmentNameOf(config: StackConfig, stack: string): string {
    const key = "aio-secrets:environment";
    if (config.secretKeys.includes(key)) return SECRET_MARKER;
    const env = Object.hasOwn(config.config, key) ? config.config[key] : undefined;
    return env !== undefined && env !== "" ? env : stack;
}

/**
 * The stack's config as Pulumi hands it to the program: the stack file over its ESC
 * environments (merge patch), then the project's config for keys still unset.
 */
export function resolveStackEntries(
    text: string,
    file: string,
    project: string,
    shared: SharedSources = {},
): { entries: StackFileEntry[]; environments: string[]; sharedFiles: string[]; origins: ConfigOrigins } {
    const parsed = parseStackFile(text, file, project);
    if (!parsed.entries) throw new ConfigError(parsed.problems);
    // The stack file parsed fine, so its YAML reads; only `environment:` is needed from it here.
    const envs = stackEnvironments(readYaml(text, file, { merge: true }).value, file);
    if (envs.problems.length > 0) throw new ConfigError(envs.problems);
    const sharedFiles: string[] = [];
    const config = new Map<string, unknown>();
    const origins: ConfigOrigins = new Map();
    if (envs.names.length > 0) {
        const read = shared.readEnvironment ?? (() => undefined);
        const fromEnv = environmentConfig(envs.names, file, project, read);
        if (fromEnv.problems.length > 0) throw new ConfigError(fromEnv.problems);
        sharedFiles.push(...fromEnv.files);
        for (const [key, value] of fromEnv.config) config.set(key, value);
        mergeOrigins(origins, fromEnv.origins);
    }
    for (const { key, value } of parsed.entries) {
        config.set(key, config.has(key) ? mergeConfigValue(config.get(key), value) : value);
        recordOrigins(origins, value, key, file);
    }
    const stackName = /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1] ?? file;
    if (shared.projectConfig && shared.projectConfig.length > 0) {
        sharedFiles.unshift("Pulumi.yaml");
        for (const entry of shared.projectConfig) {
            if (!config.has(entry.key) && entry.value !== undefined) {
                config.set(entry.key, entry.value);
                recordOrigins(origins, entry.value, entry.key, "Pulumi.yaml");
            }
        }
        const problems = projectConfigProblems(shared.projectConfig, config, file, stackName);
        // A value from an environment or Pulumi.yaml is fixed there: name that file.
        if (problems.length > 0)
            throw new ConfigError(problems.map((p) => ({ ...p, file: originOf(origins, p.path) ?? p.file })));
    }
    const entries = [...config].map(([key, value]) => ({ key, value }));
    return { entries, environments: envs.names, sharedFiles, origins };
}

export function readStackConfig(
    text: string,
    file: string,
    project: string,
    secureValues: Readonly<Record<string, string>> = {},
    shared: SharedSources = {},
): StackConfig {
    const parsed = resolveStackEntries(text, file, project, shared);

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const securePaths: string[] = [];
    const placeholderPaths: string[] = [];
    for (const { key, value } of parsed.entries) {
        let secret = false;
        // Secure leaves become their test value or a placeholder; `__proto__` stays an own key.
        const materialize = (node: unknown, at: string): unknown => {
            if (node instanceof SecureValue) {
                secret = true;
                securePaths.push(at);
                if (isPlaceholderCiphertext(node.ciphertext)) placeholderPaths.push(at);
                return Object.hasOwn(secureValues, at) ? secureValues[at] : securePlaceholder(at, node.ciphertext);
            }
            if (Array.isArray(node)) return node.map((item, i) => materialize(item, `${at}[${i}]`));
            if (node !== null && typeof node === "object") {
                const out: Record<string, unknown> = {};
                for (const k of Object.keys(node))
                    setOwn(out, k, materialize((node as Record<string, unknown>)[k], `${at}.${k}`));
                return out;
            }
            return node;
        };
        const plain = materialize(value, key);
        setOwn(
            config,
            key,
            typeof plain === "string"
                ? plain
                : plain !== null && typeof plain === "object"
                  ? JSON.stringify(plain)
                  : String(plain),
        );
        if (secret) secretKeys.push(key);
    }
    return {
        config,
        secretKeys,
        securePaths,
        placeholderPaths,
        entries: parsed.entries,
        environments: parsed.environments,
        sharedFiles: parsed.sharedFiles,
        origins: parsed.origins,
    };
}

/**
 * The text of a shared file (Pulumi.yaml, an environment stand-in), undefined when there is
 * none. Held to the limits of a stack file: a FIFO, a device or a huge file is a problem naming
 * the file (`shown`), never a read that blocks or never ends.
 */
function readSharedFile(file: string, shown: string): string | undefined {
    const problem = fileProblem(file);
    if (problem === "no such file") return undefined;
    if (problem !== undefined)
        throw new ConfigError([
            {
                file: shown,
                path: "",
                rule: `${problem}; it is read as ${shown === "Pulumi.yaml" ? "the project file" : "an environment stand-in"}`,
            },
        ]);
    return readUtf8File(file, shown);
}

/** Project config of `<projectDir>/Pulumi.yaml` (none when the file has no `config:`). */
export function readProjectConfig(projectFile: string, project: string): ProjectConfigEntry[] {
    const text = readSharedFile(projectFile, path.basename(projectFile));
    if (text === undefined) return [];
    const parsed = parseProjectConfig(text, path.basename(projectFile), project);
    if (!parsed.entries) throw new ConfigError(parsed.problems);
    return parsed.entries;
}

/** The shared sources of a project directory: its Pulumi.yaml and its `environments/` stand-ins. */
export function projectSources(
    projectDir: string,
    project: string,
    projectFile = path.join(projectDir, "Pulumi.yaml"),
): SharedSources {
    return {
        projectConfig: readProjectConfig(projectFile, project),
        readEnvironment: (relative) => readSharedFile(path.join(projectDir, relative), relative),
    };
}

import { createHmac, randomBytes } from "node:crypto";
import type { Problem } from "./errors";
import { plaintextSecretPaths } from "./settings";
import { SecureValue } from "./stackFile";
import { readYaml, setOwn } from "./yaml";

/**
 * Settings shared by many stacks, resolved the way the Pulumi CLI does before it starts a
 * program (pulumi/pulumi sdk/go/common/workspace/config.go, `mergeConfig`), pure:
 *
 * 1. the Pulumi ESC environments a stack file imports (`environment: [name, ...]`): their
 *    `values.pulumiConfig`, later environments over earlier ones;
 * 2. merged with the stack file's `config:` as a JSON merge patch (RFC 7386): the stack file
 *    wins, maps merge key by key;
 * 3. then project-level `config:` of `Pulumi.yaml`, only for keys still unset: a stack (or
 *    environment) value replaces the project value whole, objects are not merged.
 *
 * At a real `pulumi up` the CLI has done all this; the offline tools (plan, promote) do it here.
 * ESC cannot be opened offline: an environment is read from a local stand-in file with the
 * shape of its ESC definition (see `environmentFile`). Secret values stay `SecureValue`s.
 */

/** The attributes a project config entry may have (Pulumi's project schema, `configTypeDeclaration`). */
const PROJECT_CONFIG_ATTRIBUTES = ["type", "description", "items", "default", "value", "secret"] as const;
const PROJECT_CONFIG_TYPES = ["string", "integer", "boolean", "array"] as const;

export interface ProjectConfigEntry {
    /** Full key, `aio-secrets:cluster` or `azure-native:location`. */
    key: string;
    /** The project value (`value:` or `default:`, or the short form); undefined when none is given. */
    value?: unknown;
    /** Whether a stack must set the key (a project key declared without value or default). */
    required: boolean;
    /** `secret: true`: a stack's value must be secure. */
    secret: boolean;
    /** Declared type, checked against the project value and the stack's value. */
    type?: (typeof PROJECT_CONFIG_TYPES)[number];
    /** Item type of an array. */
    items?: string;
}

function isMap(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof SecureValue);
}

/** Whether a config key belongs to the project (no namespace, or the project's). */
function ownKey(project: string, key: string): boolean {
    return !key.includes(":") || key.startsWith(`${project}:`);
}

/** Whether a value fits a declared project config type (Pulumi's `ValidateConfigValue`). */
function fitsType(type: string, items: string | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
        case "integer":
            return (
                (typeof value === "number" && Number.isInteger(value)) ||
                (typeof value === "string" && /^[-+]?\d+$/.test(value))
            );
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "array":
            return Array.isArray(value) && (items === undefined || value.every((v) => fitsType(items, undefined, v)));
        default:
            return false;
    }
}

/** The path of the first `{ secure: ... }` map inside a value (`at` itself included), or undefined. */
function securePathIn(value: unknown, at: string): string | undefined {
    if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) {
            const found = securePathIn(item, `${at}[${i}]`);
            if (found !== undefined) return found;
        }
        return undefined;
    }
    if (!isMap(value)) return undefined;
    if (Object.keys(value).length === 1 && Object.hasOwn(value, "secure")) return at;
    for (const k of Object.keys(value)) {
        const found = securePathIn(value[k], `${at}.${k}`);
        if (found !== undefined) return found;
    }
    return undefined;
}

/**
 * A plaintext value of a key that is always secret (a catalog secret's value, a service
 * principal's password) in Pulumi.yaml, or of a key the project declares `secret: true`:
 * Pulumi.yaml is committed plaintext, so the secret is out, whatever a stack file sets over it.
 */
function plaintextSecretProblems(
    file: string,
    project: string,
    key: string,
    at: string,
    value: unknown,
    declaredSecret: boolean,
): Problem[] {
    const rule = (where: string) =>
        `is a secret (${where}) written in plaintext in ${file}, which is committed: remove it from ${file}, rotate the value, ` +
        "and set it per stack with pulumi config set --secret (or in an ESC environment with fn::secret)";
    if (declaredSecret && value !== undefined) return [{ file, path: at, rule: rule("declared secret: true") }];
    if (!key.startsWith(`${project}:`)) return [];
    const below = key.slice(project.length + 1);
    return plaintextSecretPaths(below, value).map((p) => ({
        file,
        path: `${at}${p.slice(below.length)}`,
        rule: rule("always secret"),
    }));
}

const SECURE_IN_PROJECT =
    "project config cannot hold secure values (Pulumi.yaml is plaintext); set the secret per stack with pulumi config set --secret, or in an ESC environment with fn::secret";

/**
 * The `config:` block of `Pulumi.yaml`. Short form `key: value` for a string, number, boolean
 * or list (a default for project keys, a value for others such as `azure-native:location`);
 * a map is a declaration with `value:` or `default:` (and optionally `type`, `description`,
 * `items`, `secret`), so an object value is written under `value:` or `default:`.
 */
export function parseProjectConfig(
    text: string,
    file: string,
    project: string,
): { entries?: ProjectConfigEntry[]; problems: Problem[] } {
    const read = readYaml(text, file, { merge: true });
    if (read.problems.length > 0) return { problems: read.problems };
    const root = read.value;
    if (!isMap(root)) return { problems: [{ file, path: "", rule: "must be a map (name, runtime, config, ...)" }] };
    const config = Object.hasOwn(root, "config") ? root.config : undefined;
    if (config === undefined || config === null || typeof config === "string") return { entries: [], problems: [] };
    if (!isMap(config)) return { problems: [{ file, path: "config", rule: "must be a map of config keys" }] };

    const problems: Problem[] = [];
    const entries: ProjectConfigEntry[] = [];
    for (const rawKey of Object.keys(config)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        const at = `config.${rawKey}`;
        const raw = config[rawKey];
        const own = ownKey(project, rawKey);
        if (!isMap(raw)) {
            // Short form (Pulumi's RewriteShorthandConfigValues): a default, or a value.
            if (raw === null || raw === undefined) {
                problems.push({
                    file,
                    path: at,
                    rule: "has no value; write a value, or declare it with value: or default:",
                });
                continue;
            }
            const secure = securePathIn(raw, at);
            if (secure !== undefined) {
                problems.push({ file, path: secure, rule: SECURE_IN_PROJECT });
                continue;
            }
            const plainSecrets = plaintextSecretProblems(file, project, key, at, raw, false);
            if (plainSecrets.length > 0) {
                problems.push(...plainSecrets);
                continue;
            }
            entries.push({ key, value: raw, required: false, secret: false });
            continue;
        }
        if (Object.keys(raw).length === 1 && Object.hasOwn(raw, "secure")) {
            problems.push({ file, path: at, rule: SECURE_IN_PROJECT });
            continue;
        }
        const unknown = Object.keys(raw).filter((k) => !(PROJECT_CONFIG_ATTRIBUTES as readonly string[]).includes(k));
        // A map written as the value itself: a plaintext secret in it is the first thing to say.
        const secretsInMap = unknown.length > 0 ? plaintextSecretProblems(file, project, key, at, raw, false) : [];
        if (secretsInMap.length > 0) {
            problems.push(...secretsInMap);
            continue;
        }
        if (unknown.length > 0) {
            problems.push({
                file,
                path: at,
                rule:
                    `${unknown.map((k) => `'${k}'`).join(", ")} is not a project config attribute (${PROJECT_CONFIG_ATTRIBUTES.join(", ")}); ` +
                    `a map value goes under value: or default:, e.g. ${rawKey}: { default: { ${unknown[0]}: ... } }`,
            });
            continue;
        }
        const hasValue = Object.hasOwn(raw, "value") && raw.value !== null;
        const hasDefault = Object.hasOwn(raw, "default") && raw.default !== null;
        if (hasValue && hasDefault) {
            problems.push({ file, path: at, rule: "cannot have both a default and a value attribute" });
            continue;
        }
        const type = raw.type;
        if (type !== undefined && !(PROJECT_CONFIG_TYPES as readonly unknown[]).includes(type)) {
            problems.push({ file, path: `${at}.type`, rule: `must be one of ${PROJECT_CONFIG_TYPES.join(", ")}` });
            continue;
        }
        const itemsRaw = raw.items;
        const items = isMap(itemsRaw) && typeof itemsRaw.type === "string" ? itemsRaw.type : undefined;
        if (type === "array" && items === undefined) {
            problems.push({
                file,
                path: at,
                rule: "declares an array but not its item type (items: { type: string })",
            });
            continue;
        }
        if (!own) {
            // Another namespace (a provider's): a value only, no type, no default.
            if (type !== undefined || hasDefault || !hasValue) {
                problems.push({
                    file,
                    path: at,
                    rule: "is not namespaced by the project: give it a value: (no type, no default)",
                });
                continue;
            }
        }
        const value = hasValue ? raw.value : hasDefault ? raw.default : undefined;
        // A secure map anywhere inside: Pulumi refuses it, it never reads as a plain map.
        const secure = securePathIn(value, `${at}.${hasValue ? "value" : "default"}`);
        if (secure !== undefined) {
            problems.push({ file, path: secure, rule: SECURE_IN_PROJECT });
            continue;
        }
        const plainSecrets = plaintextSecretProblems(
            file,
            project,
            key,
            `${at}.${hasValue ? "value" : "default"}`,
            value,
            raw.secret === true,
        );
        if (plainSecrets.length > 0) {
            problems.push(...plainSecrets);
            continue;
        }
        if (type !== undefined && value !== undefined && !fitsType(type as string, items, value)) {
            problems.push({
                file,
                path: at,
                rule: `its ${hasValue ? "value" : "default"} is not of the declared type ${type === "array" ? `array<${items}>` : String(type)}`,
            });
            continue;
        }
        entries.push({
            key,
            value,
            required: value === undefined,
            secret: raw.secret === true,
            type: type as ProjectConfigEntry["type"],
            items,
        });
    }
    return problems.length > 0 ? { problems } : { entries, problems };
}

/** An environment name as a stack file writes it: `project/name` or `name`, optionally `@version`. */
const ENV_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?(@[A-Za-z0-9_.-]+)?$/;

/**
 * The stand-in file of an environment, relative to the project: `environments/<project>/<name>.yaml`
 * (or `environments/<name>.yaml` for a name without project). A version suffix reads the same file.
 * Undefined for a name that is not an environment name.
 */
export function environmentFile(name: string): string | undefined {
    if (!ENV_NAME.test(name)) return undefined;
    const bare = name.split("@")[0];
    if (bare.split("/").some((part) => part === "." || part === "..")) return undefined;
    return `environments/${bare}.yaml`;
}

/** The `environment:` of a stack file: the environments it imports, in order. */
export function stackEnvironments(root: unknown, file: string): { names: string[]; problems: Problem[] } {
    if (!isMap(root) || !Object.hasOwn(root, "environment")) return { names: [], problems: [] };
    const env = root.environment;
    if (env === null || env === undefined) return { names: [], problems: [] };
    // `environment: [a, b]`, or the long form `environment: { imports: [a, b] }`.
    const list = Array.isArray(env) ? env : isMap(env) ? env.imports : undefined;
    if (isMap(env) && Object.keys(env).some((k) => k !== "imports")) {
        return {
            names: [],
            problems: [
                {
                    file,
                    path: "environment",
                    rule: "only imports: is read offline; put values in an environment and import it",
                },
            ],
        };
    }
    if (!Array.isArray(list))
        return {
            names: [],
            problems: [{ file, path: "environment", rule: "must be a list of ESC environment names" }],
        };
    const names: string[] = [];
    const problems: Problem[] = [];
    list.forEach((item, i) => {
        if (typeof item !== "string" || environmentFile(item) === undefined) {
            problems.push({
                file,
                path: `environment[${i}]`,
                rule: "must be an ESC environment name: <project>/<environment> (letters, digits, _ . -)",
            });
        } else names.push(item);
    });
    return { names, problems };
}

/** What an ESC environment definition contributes offline. */
export interface EscDocument {
    /** Environments it imports, in order (merged before its own values). */
    imports: string[];
    /** `values.pulumiConfig`, with `SecureValue` at each `fn::secret`; undefined when it has none. */
    pulumiConfig?: Record<string, unknown>;
}

/**
 * Reads a stand-in of an ESC environment definition (`imports:`, `values:`). Literal values
 * and `fn::secret` (a plaintext or `{ ciphertext: ... }`) are understood; anything only ESC
 * can evaluate (`${...}` interpolation, `fn::open::*` providers, other `fn::` functions) is a
 * problem that says to write the resolved value in the stand-in.
 */
export function parseEscDocument(text: string, file: string): { doc?: EscDocument; problems: Problem[] } {
    const read = readYaml(text, file);
    if (read.problems.length > 0) return { problems: read.problems };
    const root = read.value ?? {};
    if (!isMap(root))
        return {
            problems: [
                { file, path: "", rule: "must be a map with values: (the shape of the ESC environment definition)" },
            ],
        };
    const problems: Problem[] = [];
    const imports: string[] = [];
    const rawImports = Object.hasOwn(root, "imports") ? root.imports : undefined;
    if (rawImports !== undefined && rawImports !== null) {
        if (!Array.isArray(rawImports))
            problems.push({ file, path: "imports", rule: "must be a list of environment names" });
        else {
            rawImports.forEach((item, i) => {
                if (typeof item === "string" && environmentFile(item) !== undefined) imports.push(item);
                else
                    problems.push({
                        file,
                        path: `imports[${i}]`,
                        rule: "must be an environment name (<project>/<environment>)",
                    });
            });
        }
    }
    const values = Object.hasOwn(root, "values") ? root.values : undefined;
    if (values !== undefined && values !== null && !isMap(values))
        problems.push({ file, path: "values", rule: "must be a map" });
    const pc = isMap(values) && Object.hasOwn(values, "pulumiConfig") ? values.pulumiConfig : undefined;
    let pulumiConfig: Record<string, unknown> | undefined;
    if (pc !== undefined && pc !== null) {
        if (!isMap(pc)) problems.push({ file, path: "values.pulumiConfig", rule: "must be a map of config keys" });
        else pulumiConfig = escValue(pc, "values.pulumiConfig", file, problems) as Record<string, unknown>;
    }
    return problems.length > 0 ? { problems } : { doc: { imports, pulumiConfig }, problems };
}

/** Random key of this run for the digests of plaintext stand-in secrets. */
const ESC_SALT = randomBytes(32);

function escValue(value: unknown, at: string, file: string, problems: Problem[]): unknown {
    const unresolved = (what: string) =>
        problems.push({
            file,
            path: at,
            rule: `${what} is evaluated by Pulumi ESC, which the offline tools cannot open; write the resolved value in this stand-in (a secret as fn::secret: <value>)`,
        });
    if (typeof value === "string") {
        if (/\$\{[^}]*\}/.test(value)) unresolved("an interpolation ${...}");
        return value;
    }
    if (Array.isArray(value)) return value.map((v, i) => escValue(v, `${at}[${i}]`, file, problems));
    if (!isMap(value)) return value;
    const fnKeys = Object.keys(value).filter((k) => k.startsWith("fn::"));
    if (fnKeys.length > 0) {
        if (fnKeys.length === 1 && Object.keys(value).length === 1 && fnKeys[0] === "fn::secret") {
            const inner = value["fn::secret"];
            if (typeof inner === "string") {
                // A plaintext stand-in value: kept only as a digest keyed with this run's random
                // key, so nothing can show it and no digest can be reversed with a dictionary.
                return new SecureValue(
                    `esc-plaintext:${createHmac("sha256", ESC_SALT).update(inner).digest("hex")}${/placeholder/i.test(inner) ? ":placeholder" : ""}`,
                );
            }
            if (isMap(inner) && typeof inner.ciphertext === "string" && inner.ciphertext !== "")
                return new SecureValue(inner.ciphertext);
            problems.push({
                file,
                path: `${at}.fn::secret`,
                rule: "must be a string, or { ciphertext: ... } as ESC stores it",
            });
            return new SecureValue("");
        }
        unresolved(fnKeys[0]);
        return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) setOwn(out, k, escValue(value[k], `${at}.${k}`, file, problems));
    return out;
}

/**
 * JSON merge patch (RFC 7386) of `patch` over `target`: maps merge key by key, anything else
 * replaces, a null in the patch removes the key. How the stand-ins of ESC imports merge here.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
    if (!isMap(patch)) return patch;
    const out: Record<string, unknown> = {};
    if (isMap(target)) for (const k of Object.keys(target)) setOwn(out, k, target[k]);
    for (const k of Object.keys(patch)) {
        const v = patch[k];
        if (v === null) delete out[k];
        else setOwn(out, k, mergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v));
    }
    return out;
}

/**
 * Two merge patches as one: applying the result equals applying `first`, then `second`. Nulls
 * stay (they remove the key where the patch is applied), so an environment resolved once can be
 * applied wherever it is imported with the effect of its imports and values in order.
 */
export function composePatch(first: unknown, second: unknown): unknown {
    if (!isMap(second) || !isMap(first)) return second;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first)) setOwn(out, k, first[k]);
    for (const k of Object.keys(second))
        setOwn(out, k, Object.hasOwn(out, k) ? composePatch(out[k], second[k]) : second[k]);
    return out;
}

/**
 * How Pulumi merges a stack's config over its environments' (`object.Merge` in the SDK's
 * go/common/resource/config/object.go): maps merge key by key, anything else replaces, and a
 * null is a value like any other (it replaces, it does not remove), so the program then sees
 * the null, as under `pulumi up`.
 */
export function mergeConfigValue(base: unknown, over: unknown): unknown {
    if (!isMap(over) || !isMap(base)) return over;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(base)) setOwn(out, k, base[k]);
    for (const k of Object.keys(over))
        setOwn(out, k, mergeConfigValue(Object.hasOwn(out, k) ? out[k] : undefined, over[k]));
    return out;
}

/** Whether a value holds a secure leaf anywhere. */
export function holdsSecret(value: unknown): boolean {
    if (value instanceof SecureValue) return true;
    if (Array.isArray(value)) return value.some(holdsSecret);
    if (isMap(value)) return Object.values(value).some(holdsSecret);
    return false;
}

/** Full config keys of an environment's `pulumiConfig` (a key without namespace is the project's). */
export function namespacedConfig(pulumiConfig: Record<string, unknown>, project: string): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const k of Object.keys(pulumiConfig)) out.set(k.includes(":") ? k : `${project}:${k}`, pulumiConfig[k]);
    return out;
}

/**
 * Pulumi's checks of a stack's final config against the project's declarations: required
 * keys set, declared types met, `secret: true` keys secure.
 */
export function projectConfigProblems(
    entries: readonly ProjectConfigEntry[],
    config: ReadonlyMap<string, unknown>,
    file: string,
    stack: string,
): Problem[] {
    const problems: Problem[] = [];
    for (const entry of entries) {
        const has = config.has(entry.key);
        if (!has) {
            if (entry.required) {
                problems.push({
                    file,
                    path: entry.key,
                    rule: `is missing: Pulumi.yaml declares it for every stack without a default; set it with pulumi config set --stack ${stack}`,
                });
            }
            continue;
        }
        const value = config.get(entry.key);
        if (entry.secret && !holdsSecret(value)) {
            problems.push({
                file,
                path: entry.key,
                rule: `must be secure (Pulumi.yaml declares it secret: true): pulumi config set --secret --stack ${stack}`,
            });
        }
        if (entry.type !== undefined && !(value instanceof SecureValue) && !fitsType(entry.type, entry.items, value)) {
            problems.push({
                file,
                path: entry.key,
                rule: `must be of type ${entry.type === "array" ? `array<${entry.items}>` : entry.type} (declared in Pulumi.yaml)`,
            });
        }
    }
    return problems;
}

/**
 * Which file each config value came from, by full path (`aio-secrets:keyVault.name`,
 * `aio-secrets:deployers`): the stack file, Pulumi.yaml or an ESC stand-in. Lists are one value
 * (they are replaced whole, never merged).
 */
export type ConfigOrigins = Map<string, string>;

/** Paths below `at` (`at.x`, `at[0]`). */
function isBelow(candidate: string, at: string): boolean {
    return candidate.startsWith(`${at}.`) || candidate.startsWith(`${at}[`);
}

/**
 * Records that `file` wrote `value` at `at`, merging as the config merges: a map adds to what is
 * there key by key, anything else replaces the whole value (and what was recorded below it).
 */
export function recordOrigins(origins: ConfigOrigins, value: unknown, at: string, file: string): void {
    if (isMap(value) && Object.keys(value).length > 0) {
        // A map over a non-map replaces it: the old origin of `at` itself no longer holds.
        origins.delete(at);
        for (const k of Object.keys(value)) recordOrigins(origins, value[k], `${at}.${k}`, file);
        return;
    }
    for (const p of [...origins.keys()]) if (isBelow(p, at)) origins.delete(p);
    origins.set(at, file);
}

/** The parent path of `a.b.c` (`a.b`) or `a[0]` (`a`); undefined at the top. */
export function parentPath(at: string): string | undefined {
    const cut = Math.max(at.lastIndexOf("."), at.lastIndexOf("["));
    const colon = at.indexOf(":");
    return cut > colon && cut > 0 ? at.slice(0, cut) : undefined;
}

/**
 * The file the value at `at` came from: its own record or an ancestor's; for a map (or a key
 * missing from one), the one file everything below it came from. Undefined when unknown or
 * when several files wrote parts of it (then the stack file is where to fix it).
 */
export function originOf(origins: ReadonlyMap<string, string>, at: string): string | undefined {
    for (let p: string | undefined = at; p !== undefined; p = parentPath(p)) {
        const own = origins.get(p);
        if (own !== undefined) return own;
        const files = new Set<string>();
        for (const [q, file] of origins) if (isBelow(q, p)) files.add(file);
        if (files.size === 1) return [...files][0];
        if (files.size > 1) return undefined;
    }
    return undefined;
}

/** Adds the records of `from` over `into`, later over earlier (as the values merge). */
export function mergeOrigins(into: ConfigOrigins, from: ReadonlyMap<string, string>): void {
    for (const [at, file] of from) {
        for (let p = parentPath(at); p !== undefined; p = parentPath(p)) into.delete(p);
        for (const q of [...into.keys()]) if (isBelow(q, at)) into.delete(q);
        into.set(at, file);
    }
}

/** The full key of a config key as written (`keyVault` is the project's `aio-secrets:keyVault`). */
export function fullConfigKey(key: string, project: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

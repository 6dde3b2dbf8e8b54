import type { Problem } from "./errors";
import * as rules from "./rules";
import { readYaml, setOwn } from "./yaml";
import { shellWord } from "./text";

/**
 * Reading a `Pulumi.<stack>.yaml` the way Pulumi does, pure: aliases and `<<` merges resolve, a
 * map whose only key is `secure` is a secret (its ciphertext is kept, never decrypted), and a
 * key without a namespace belongs to the project. Used by the program (which `secure:` leaves
 * are in the file, placeholders) and by the tools (the offline plan's config).
 */

/** A `secure:` value of the stack file: only its ciphertext is known here. */
export class SecureValue {
    constructor(readonly ciphertext: string) {}
}

export interface StackFileEntry {
    /** Full config key: `aio-secrets:keyVault`, `kubernetes:context`. */
    key: string;
    /** The value, `SecureValue` at each secure leaf; a top-level null reads as "" (as Pulumi does). */
    value: unknown;
}

/** Which leaves of the stack file are `secure:` and which are plaintext. */
export interface StackFileLeaves {
    /** Full paths (`aio-secrets:secretValues.mq-password`) of `secure:` values, with their ciphertext. */
    secure: ReadonlyMap<string, string>;
    /** Full paths of values written in plaintext. */
    plain: ReadonlySet<string>;
}

/**
 * Whether a ciphertext is one of the example files' placeholders (`v1:placeholder-...`): the
 * plan runs, but `pulumi up` cannot decrypt it.
 */
export function isPlaceholderCiphertext(ciphertext: string): boolean {
    return /placeholder/i.test(ciphertext);
}

/**
 * Whether a GUID is a made-up example id such as `11111111-2222-3333-4444-555555555555`: every
 * group one repeated digit or letter. No real tenant, client or object id looks like that.
 */
export function isPlaceholderGuid(value: string): boolean {
    return (
        rules.guid(value) === undefined && value.split("-").every((group) => new Set(group.toLowerCase()).size === 1)
    );
}

function isSecureMap(value: unknown): value is { secure: unknown } {
    return (
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Object.keys(value).length === 1 &&
        Object.hasOwn(value, "secure")
    );
}

/** `a.b`, `a[0]`: the path notation of Pulumi's `--path`. */
function child(at: string, key: string | number): string {
    return typeof key === "number" ? `${at}[${key}]` : `${at}.${key}`;
}

export function parseStackFile(
    text: string,
    file: string,
    project: string,
): { entries?: StackFileEntry[]; problems: Problem[] } {
    const read = readYaml(text, file, { merge: true });
    if (read.problems.length > 0) return { problems: read.problems };
    const root = read.value;
    if (root === null || root === undefined || root === "") {
        return { problems: [{ file, path: "", rule: "is empty; it needs a config: map (see Pulumi.dev.yaml)" }] };
    }
    if (typeof root !== "object" || Array.isArray(root))
        return { problems: [{ file, line: 1, path: "", rule: "must be a map with a config: key" }] };
    let config = Object.hasOwn(root, "config") ? (root as Record<string, unknown>).config : undefined;
    // Pulumi accepts a stack file whose settings all come from its ESC environments.
    if ((config === undefined || config === null) && Object.hasOwn(root, "environment")) config = {};
    if (config === undefined || config === null)
        return { problems: [{ file, path: "config", rule: "is missing; the stack settings live under config:" }] };
    if (typeof config !== "object" || Array.isArray(config))
        return { problems: [{ file, path: "config", rule: "must be a map of settings" }] };

    const problems: Problem[] = [];
    const convert = (value: unknown, at: string): unknown => {
        if (isSecureMap(value)) {
            if (typeof value.secure !== "string" || value.secure === "") {
                const key = at.startsWith(`${project}:`) ? at.slice(project.length + 1) : at;
                const pathFlag = /[.[]/.test(key) ? " --path" : "";
                problems.push({
                    file,
                    path: at,
                    rule: `secure: must hold a ciphertext; set the value with pulumi config set --secret${pathFlag} ${shellWord(key)} <value>`,
                });
                return new SecureValue("");
            }
            return new SecureValue(value.secure);
        }
        if (Array.isArray(value)) return value.map((item, i) => convert(item, child(at, i)));
        if (value !== null && typeof value === "object") {
            const out: Record<string, unknown> = {};
            for (const key of Object.keys(value))
                setOwn(out, key, convert((value as Record<string, unknown>)[key], child(at, key)));
            return out;
        }
        return value;
    };
    const entries: StackFileEntry[] = [];
    for (const rawKey of Object.keys(config)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        const raw = (config as Record<string, unknown>)[rawKey];
        entries.push({ key, value: raw === null ? "" : convert(raw, key) });
    }
    if (problems.length > 0) return { problems };
    return { entries, problems };
}

/** Every leaf of the entries, secure or plain, by full path. */
export function stackFileLeaves(entries: readonly StackFileEntry[]): StackFileLeaves {
    const secure = new Map<string, string>();
    const plain = new Set<string>();
    const walk = (value: unknown, at: string) => {
        if (value instanceof SecureValue) secure.set(at, value.ciphertext);
        else if (Array.isArray(value)) value.forEach((item, i) => walk(item, child(at, i)));
        else if (value !== null && typeof value === "object") {
            for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], child(at, key));
        } else plain.add(at);
    };
    for (const entry of entries) walk(entry.value, entry.key);
    return { secure, plain };
}

import { createHash } from "node:crypto";
import { ConfigError } from "../stacks/errors";
import { isPlaceholderCiphertext, parseStackFile, SecureValue, StackFileEntry } from "../stacks/stackFile";
import { setOwn } from "../stacks/yaml";

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
    /** The file as read, for callers that need more than strings. */
    entries: StackFileEntry[];
}

/**
 * Placeholder the offline plan uses for a secure value it cannot decrypt. It carries a digest
 * of the ciphertext, so a value changed with `pulumi config set --secret` shows up as a
 * changed secret in `plan --against`, still without revealing anything.
 */
export function securePlaceholder(path: string, ciphertext: string): string {
    return `placeholder-for-${path}#${createHash("sha256").update(ciphertext).digest("hex").slice(0, 12)}`;
}

export function readStackConfig(
    text: string,
    file: string,
    project: string,
    secureValues: Readonly<Record<string, string>> = {},
): StackConfig {
    const parsed = parseStackFile(text, file, project);
    if (!parsed.entries) throw new ConfigError(parsed.problems);

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
                for (const k of Object.keys(node)) setOwn(out, k, materialize((node as Record<string, unknown>)[k], `${at}.${k}`));
                return out;
            }
            return node;
        };
        const plain = materialize(value, key);
        setOwn(config, key, typeof plain === "string" ? plain : plain !== null && typeof plain === "object" ? JSON.stringify(plain) : String(plain));
        if (secret) secretKeys.push(key);
    }
    return { config, secretKeys, securePaths, placeholderPaths, entries: parsed.entries };
}

import { createHash } from "node:crypto";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { ConfigError, Problem } from "../stacks/errors";
import { yamlSyntaxProblems } from "../stacks/yamlErrors";

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
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
    const problems: Problem[] = yamlSyntaxProblems(doc, counter, text, file);
    if (problems.length > 0) throw new ConfigError(problems);

    const root = doc.contents;
    if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) {
        throw new ConfigError([{ file, path: "", rule: "is empty; it needs a config: map (see Pulumi.dev.yaml)" }]);
    }
    if (!isMap(root)) throw new ConfigError([{ file, line: 1, path: "", rule: "must be a map with a config: key" }]);
    const configNode = root.get("config", true);
    if (configNode === undefined || (isScalar(configNode) && configNode.value === null)) {
        throw new ConfigError([{ file, path: "config", rule: "is missing; the stack settings live under config:" }]);
    }
    if (!isMap(configNode)) throw new ConfigError([{ file, path: "config", rule: "must be a map of settings" }]);

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const securePaths: string[] = [];
    for (const pair of configNode.items) {
        if (!isScalar(pair.key)) continue;
        const rawKey = String(pair.key.value);
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        let secret = false;
        const convert = (node: unknown, at: string): unknown => {
            if (isMap(node)) {
                if (node.items.length === 1 && isScalar(node.items[0].key) && node.items[0].key.value === "secure") {
                    secret = true;
                    securePaths.push(at);
                    return secureValues[at] ?? securePlaceholder(at, String((node.items[0].value as { value?: unknown } | null)?.value ?? ""));
                }
                const out: Record<string, unknown> = {};
                for (const item of node.items) {
                    if (isScalar(item.key)) out[String(item.key.value)] = convert(item.value, `${at}.${String(item.key.value)}`);
                }
                return out;
            }
            if (isSeq(node)) return node.items.map((item, i) => convert(item, `${at}[${i}]`));
            if (isScalar(node)) return node.value;
            return null;
        };
        const value = convert(pair.value, key);
        config[key] = typeof value === "string" ? value : value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
        if (secret) secretKeys.push(key);
    }
    return { config, secretKeys, securePaths };
}

import { Document, isCollection, isNode, isPair, isScalar, LineCounter, visit } from "yaml";
import type { Problem } from "./errors";

const OPENERS: Record<string, string> = { '"quote': '"', "'quote": "'", "]": "[", "}": "{" };

/**
 * The parser's messages that quote the source they stumbled on, and what we say instead. A
 * stack file, Pulumi.yaml or an ESC stand-in may hold a secret on the broken line, so no part
 * of the source is ever shown: only the parser's own words and the line number.
 */
const SOURCE_ECHOES: readonly [RegExp, (m: RegExpExecArray) => string][] = [
    [
        /^Block scalar header includes extra characters: [^]*$/,
        () => "Block scalar header includes extra characters (after | or > only an indentation digit and + or -)",
    ],
    [/^Invalid escape sequence [^]*$/, () => "Invalid escape sequence in a double-quoted string"],
    [/^Unresolved plain scalar [^]*$/, () => "Unresolved plain scalar"],
    [
        /^Plain value cannot start with [^]*$/,
        () => "Plain value cannot start with a reserved character (@ or `); quote the value",
    ],
    [/^Not a YAML token: [^]*$/, () => "Not a YAML token"],
    [/^Ordered maps must not include duplicate keys: [^]*$/, () => "Ordered maps must not include duplicate keys"],
    [/^Unsupported YAML version [^]*$/, () => "Unsupported YAML version"],
    [/^Unknown directive [^]*$/, () => "Unknown directive"],
    [/^Not a valid tag: [^]*$/, () => "Not a valid tag"],
    [/^Could not resolve tag: [^]*$/, () => "Could not resolve a tag"],
    [/^Unresolved tag: [^]*$/, () => "Unresolved tag"],
    [/^Verbatim tags aren't resolved[^]*$/, () => "Verbatim tags aren't resolved"],
    [/^The [^]* tag has no suffix$/, () => "A tag has no suffix"],
    // `Unexpected ${token.source} in ${flow}`: the source may be a scalar; an indicator is harmless.
    [
        /^Unexpected ([^]*) in (flow map|flow sequence|collection)$/,
        (m) => `Unexpected ${/^[,:?\-[\]{}]$/.test(m[1]) ? m[1] : "token"} in ${m[2]}`,
    ],
    [/^Anchors and tags must be after the [^]* indicator$/, () => "Anchors and tags must be after the indicator"],
];

/** The parser's message without any text of the source (see {@link SOURCE_ECHOES}). */
export function withoutSource(message: string): string {
    for (const [re, say] of SOURCE_ECHOES) {
        const m = re.exec(message);
        if (m) return say(m);
    }
    return message;
}

/**
 * The first YAML syntax problem, with the line a user should look at. Only the first: the
 * parser's later errors are mostly echoes of it (an unclosed quote yields nine). The parser
 * reports an unclosed quote or bracket at the end of the input; we point at the line where it
 * was opened.
 */
export function yamlSyntaxProblems(doc: Document, counter: LineCounter, text: string, file: string): Problem[] {
    const error = doc.errors[0];
    if (!error) return [];
    let offset = error.pos[0];
    const message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    if (error.code === "MISSING_CHAR" || error.code === "BAD_INDENT") {
        const closer = Object.keys(OPENERS).find((k) => message.includes(k));
        if (closer) {
            const opened = text.lastIndexOf(OPENERS[closer], Math.max(0, offset - 1));
            if (opened >= 0) offset = opened;
        }
    }
    return [{ file, line: counter.linePos(offset).line, path: "", rule: `YAML syntax: ${withoutSource(message)}` }];
}

/** Tags whose values are plain JSON-like data: everything else is refused. */
const PLAIN_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * Explicit tags other than the plain ones: unknown ones (`!foo`, `!!js/function`), which the
 * parser reads as plain text with only a warning, and typed ones (`!!binary`, `!!set`,
 * `!!timestamp`) that turn a value into something neither Pulumi's config nor the schemas
 * expect. Refused, each with its line.
 */
export function yamlTagProblems(doc: Document, counter: LineCounter, file: string): Problem[] {
    const problems: Problem[] = [];
    const seen = new Set<number>();
    visit(doc, (_key, node) => {
        if (!isNode(node) || node.tag === undefined || PLAIN_TAGS.has(node.tag)) return;
        const offset = node.range?.[0] ?? 0;
        if (seen.has(offset)) return;
        seen.add(offset);
        const tag = node.tag.startsWith("tag:yaml.org,2002:")
            ? `!!${node.tag.slice("tag:yaml.org,2002:".length)}`
            : node.tag;
        // A "tag" that took the place of the value (`secure: !v1:...`, `fn::secret: !x`) may be
        // the secret itself: a tag is shown only when it is shaped like a tag name and tags a value.
        const swallowed = isScalar(node) && (node.value === null || node.value === "");
        const shown =
            !swallowed && /^!!?[A-Za-z][A-Za-z0-9/_.-]{0,31}$/.test(tag)
                ? `YAML tag ${tag}`
                : "A YAML tag (not shown: it stands where a value was expected)";
        problems.push({
            file,
            line: counter.linePos(offset).line,
            path: "",
            rule: `${shown} is not supported; remove it (values are plain strings, numbers, booleans, lists and maps)`,
        });
    });
    return problems;
}

/**
 * Keys that are maps or lists (`? { a: b }` or a flow map before a `:`): a config key is a
 * string, and such a key would be turned into text that shows its content, which may be a
 * secret value that lost its place through a typo. Refused with the line, nothing of it shown.
 */
export function yamlKeyProblems(doc: Document, counter: LineCounter, file: string): Problem[] {
    const problems: Problem[] = [];
    visit(doc, {
        Pair(_key, pair) {
            if (!isPair(pair) || !isCollection(pair.key)) return;
            problems.push({
                file,
                line: counter.linePos(pair.key.range?.[0] ?? 0).line,
                path: "",
                rule: "a map or list is used as a key; keys are plain names (a missing line break or a stray ':'?)",
            });
        },
    });
    return problems;
}

/**
 * The first key that repeats in its map, as the parser's own `uniqueKeys` check words it. The
 * parser compares each key with every earlier one (quadratic: 50,000 keys took over a minute);
 * this is one set per map. Keys are equal as the parser's default check has it: scalars of the
 * same value.
 */
export function yamlDuplicateKeyProblems(doc: Document, counter: LineCounter, file: string): Problem[] {
    let first: number | undefined;
    visit(doc, {
        Map(_key, map) {
            const seen = new Set<unknown>();
            for (const pair of map.items) {
                if (!isScalar(pair.key)) continue;
                if (!seen.has(pair.key.value)) {
                    seen.add(pair.key.value);
                    continue;
                }
                const at = pair.key.range?.[0] ?? 0;
                if (first === undefined || at < first) first = at;
                break;
            }
        },
    });
    return first === undefined
        ? []
        : [{ file, line: counter.linePos(first).line, path: "", rule: "YAML syntax: Map keys must be unique" }];
}

import { Document, isNode, LineCounter, visit } from "yaml";
import type { Problem } from "./errors";

const OPENERS: Record<string, string> = { '"quote': '"', "'quote": "'", "]": "[", "}": "{" };

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
    return [{ file, line: counter.linePos(offset).line, path: "", rule: `YAML syntax: ${message}` }];
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
        const tag = node.tag.startsWith("tag:yaml.org,2002:") ? `!!${node.tag.slice("tag:yaml.org,2002:".length)}` : node.tag;
        problems.push({
            file,
            line: counter.linePos(offset).line,
            path: "",
            rule: `YAML tag ${tag} is not supported; remove it (values are plain strings, numbers, booleans, lists and maps)`,
        });
    });
    return problems;
}

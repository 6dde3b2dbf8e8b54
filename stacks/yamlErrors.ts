import type { Document, LineCounter } from "yaml";
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

/**
 * Tags the schema does not know (`!foo`, `!!js/function`, `!!binary`): the parser reads the
 * value as plain text and only warns, while Pulumi and the CSI driver may read it otherwise.
 * Refused, each with its line.
 */
export function yamlTagProblems(doc: Document, counter: LineCounter, file: string): Problem[] {
    return doc.warnings
        .filter((w) => w.code === "TAG_RESOLVE_FAILED")
        .map((w) => {
            const raw = /Unresolved tag: (\S+)/.exec(w.message)?.[1] ?? "?";
            const tag = raw.startsWith("tag:yaml.org,2002:") ? `!!${raw.slice("tag:yaml.org,2002:".length)}` : raw;
            return { file, line: counter.linePos(w.pos[0]).line, path: "", rule: `YAML tag ${tag} is not supported; remove it (values are plain strings, numbers, booleans, lists and maps)` };
        });
}

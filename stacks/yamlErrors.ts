import type { Document, LineCounter } from "yaml";
import type { Problem } from "./errors";

const OPENERS: Record<string, string> = { '"quote': '"', "'quote": "'", "]": "[", "}": "{" };

/**
 * YAML syntax problems with the line a user should look at. The parser reports an unclosed
 * quote or bracket at the end of the input; we point at the line where it was opened.
 */
export function yamlSyntaxProblems(doc: Document, counter: LineCounter, text: string, file: string): Problem[] {
    return doc.errors.map((error) => {
        let offset = error.pos[0];
        const message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        if (error.code === "MISSING_CHAR" || error.code === "BAD_INDENT") {
            const closer = Object.keys(OPENERS).find((k) => message.includes(k));
            if (closer) {
                const opened = text.lastIndexOf(OPENERS[closer], Math.max(0, offset - 1));
                if (opened >= 0) offset = opened;
            }
        }
        return { file, line: counter.linePos(offset).line, path: "", rule: `YAML syntax: ${message}` };
    });
}

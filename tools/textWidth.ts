/**
 * Fitting the plan's text view to a terminal: about {@link TEXT_WIDTH} columns. Prose wraps at
 * spaces; `key=value` lists wrap between pairs (never inside a quoted value); a value too long
 * for a line is shortened with a pointer to the JSON view, which always has everything. Pure.
 */

/** The width the text views aim at. */
export const TEXT_WIDTH = 120;

/**
 * Splits at spaces that are outside double-quoted strings (with `\` escapes) and outside
 * brackets, so `a="x y" b=[1, 2]` gives `a="x y"` and `b=[1, 2]`.
 */
export function topLevelTokens(text: string): string[] {
    const tokens: string[] = [];
    let current = "";
    let depth = 0;
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            current += c;
            if (c === "\\" && i + 1 < text.length) current += text[++i];
            else if (c === '"') quoted = false;
            continue;
        }
        if (c === '"') quoted = true;
        else if (c === "[" || c === "{") depth++;
        else if ((c === "]" || c === "}") && depth > 0) depth--;
        if (c === " " && depth === 0) {
            if (current !== "") tokens.push(current);
            current = "";
            continue;
        }
        current += c;
    }
    if (current !== "") tokens.push(current);
    return tokens;
}

/**
 * Fills lines of at most `width` columns from `tokens` joined by single spaces: the first line
 * starts with `first`, the others with `rest`. A token longer than a whole line gets a line of
 * its own (a URL or an id is never cut).
 */
export function fill(tokens: readonly string[], width: number, first: string, rest: string): string[] {
    const lines: string[] = [];
    let line = first;
    let empty = true;
    for (const token of tokens) {
        if (!empty && line.length + 1 + token.length > width) {
            lines.push(line);
            line = rest;
            empty = true;
        }
        line += (empty ? "" : " ") + token;
        empty = false;
    }
    if (!empty || lines.length === 0) lines.push(line);
    return lines;
}

/** Prose (a warning) wrapped at spaces, continuation lines indented by `rest`. */
export function wrapProse(text: string, width: number, first: string, rest: string): string[] {
    return text.split("\n").flatMap((paragraph, i) =>
        fill(
            paragraph.split(" ").filter((w) => w !== ""),
            width,
            i === 0 ? first : rest,
            rest,
        ),
    );
}

/**
 * `label: value` on one line of at most `width` columns: a longer value is cut with the number
 * of characters it has and where to read it whole.
 */
export function shortenValue(label: string, value: string, width: number, whole: string): string {
    const line = `${label}${value}`;
    if (line.length <= width) return line;
    const note = `… (${value.length} characters: ${whole})`;
    const room = Math.max(0, width - label.length - note.length);
    return `${label}${value.slice(0, room)}${note}`;
}

/**
 * A name shortened to `width` by eliding its middle (`access-writer-7777…-secretsOfficer`): both
 * ends stay readable, the JSON view has it whole.
 */
export function elideMiddle(name: string, width: number): string {
    if (name.length <= width || width < 5) return name;
    const head = Math.ceil((width - 1) / 2);
    const tail = width - 1 - head;
    return `${name.slice(0, head)}…${name.slice(name.length - tail)}`;
}

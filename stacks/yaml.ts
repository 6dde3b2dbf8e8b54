import { Document, LineCounter, parseDocument } from "yaml";
import type { Problem } from "./errors";
import { yamlDuplicateKeyProblems, yamlKeyProblems, yamlSyntaxProblems, yamlTagProblems } from "./yamlErrors";

/**
 * Reading the two YAML files the user edits (stack file, catalog) into plain values, the way
 * Pulumi reads a stack file: anchors and aliases resolve, `<<` merge keys apply (optional),
 * and every hazard becomes a {@link Problem} naming the file instead of an internal error:
 * syntax errors (the first), unknown tags, alias bombs, aliases that contain themselves.
 * Pure. A `__proto__` key stays an own key of its map, so the schemas reject it as unknown.
 */

/**
 * Alias budget handed to the parser: a document whose nested aliases would expand past it is
 * refused (an "alias bomb"); a plain anchor reused many times costs nothing.
 */
export const MAX_ALIAS_COUNT = 100;

export interface YamlRead {
    doc: Document;
    counter: LineCounter;
    /** The plain value; undefined when there are problems. */
    value?: unknown;
    problems: Problem[];
}

/** Whether a value refers to one of its own ancestors (an alias inside its own anchor). */
function hasCycle(value: unknown, ancestors: Set<object> = new Set()): boolean {
    if (value === null || typeof value !== "object") return false;
    if (ancestors.has(value)) return true;
    ancestors.add(value);
    const children = Array.isArray(value) ? value : Object.values(value);
    const found = children.some((child) => hasCycle(child, ancestors));
    ancestors.delete(value);
    return found;
}

/**
 * The last few valid small documents read, by file, options and text: one offline plan reads its
 * stack file, `Pulumi.yaml` and environment stand-ins several times, and `plan --all` reads the
 * same `Pulumi.yaml` and environments for every stack. A hit hands out a deep copy of the value
 * (callers may change theirs) with the parsed document, which callers only read (line numbers).
 */
const recentReads = new Map<string, YamlRead>();
const RECENT_READS = 8;
const RECENT_MAX_TEXT = 64 * 1024;

export function readYaml(text: string, file: string, options: { merge?: boolean } = {}): YamlRead {
    const key = text.length <= RECENT_MAX_TEXT ? `${file}\0${options.merge === true}\0${text}` : undefined;
    const recent = key !== undefined ? recentReads.get(key) : undefined;
    if (recent) return { ...recent, value: copyValue(recent.value), problems: [] };
    const read = parseYaml(text, file, options);
    if (key !== undefined && read.problems.length === 0) {
        recentReads.set(key, { ...read, value: copyValue(read.value) });
        if (recentReads.size > RECENT_READS) recentReads.delete(recentReads.keys().next().value!);
    }
    return read;
}

/**
 * A deep copy of a value read from YAML (maps, lists, scalars): an own `__proto__` key stays an
 * own key, and a value an alias shares stays shared, as in a fresh read.
 */
function copyValue(value: unknown, copies = new Map<object, unknown>()): unknown {
    if (value === null || typeof value !== "object") return value;
    const known = copies.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
        const list: unknown[] = [];
        copies.set(value, list);
        for (const item of value) list.push(copyValue(item, copies));
        return list;
    }
    const map: Record<string, unknown> = {};
    copies.set(value, map);
    for (const key of Object.keys(value)) setOwn(map, key, copyValue((value as Record<string, unknown>)[key], copies));
    return map;
}

function parseYaml(text: string, file: string, options: { merge?: boolean }): YamlRead {
    const counter = new LineCounter();
    // Duplicate keys are checked below in linear time: the parser's own check is quadratic.
    const doc = parseDocument(text, {
        lineCounter: counter,
        uniqueKeys: false,
        prettyErrors: false,
        merge: options.merge ?? false,
    });
    const syntax = yamlSyntaxProblems(doc, counter, text, file);
    if (syntax.length > 0) return { doc, counter, problems: syntax };
    const duplicates = yamlDuplicateKeyProblems(doc, counter, file);
    if (duplicates.length > 0) return { doc, counter, problems: duplicates };
    const tags = yamlTagProblems(doc, counter, file);
    if (tags.length > 0) return { doc, counter, problems: tags };
    const keys = yamlKeyProblems(doc, counter, file);
    if (keys.length > 0) return { doc, counter, problems: keys };
    const refuse = (rule: string) => ({ doc, counter, problems: [{ file, path: "", rule }] });
    let value: unknown;
    try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
        if (!(e instanceof ReferenceError) || !/alias/i.test(e.message)) throw e;
        return refuse(
            `YAML aliases expand beyond ${MAX_ALIAS_COUNT} nested uses (an alias bomb?); write the values out`,
        );
    }
    if (hasCycle(value)) {
        return refuse("a YAML alias refers to a value that contains it (an endless value); write the values out");
    }
    return { doc, counter, value, problems: [] };
}

/** Sets `obj[key]` as an own property, also for `__proto__` (which plain assignment would swallow). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

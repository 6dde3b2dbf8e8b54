import { z } from "zod";
import { Problem, showValue } from "./errors";
import { didYouMean } from "./names";
import { Rule } from "./rules";

/**
 * Small helpers over zod so that every schema in `stacks/` reports the same way:
 * a key path, the value, and the rule in words a user can act on.
 */

/** A string checked by one of the rules in `rules.ts`. */
export function ruled(rule: Rule): z.ZodString {
    return z.string().check((ctx) => {
        const message = rule(ctx.value);
        if (message) ctx.issues.push({ code: "custom", message, input: ctx.value });
    });
}

/** An object that rejects unknown keys and names the allowed ones. */
export function strictObject<T extends z.ZodRawShape>(shape: T): z.ZodObject<T, z.core.$strict> {
    const allowed = Object.keys(shape).join(", ");
    return z.strictObject(shape, {
        error: (issue) => (issue.code === "unrecognized_keys" ? `${UNKNOWN_KEY}${allowed}` : undefined),
    });
}

/** How {@link strictObject} words an unknown key, before the list of allowed keys. */
const UNKNOWN_KEY = "unknown key; allowed keys here: ";

/**
 * Whether a problem is an unknown key of a strict object or an unknown config namespace (a root error: what follows
 * from it is noise).
 */
export function isUnknownKeyRule(rule: string): boolean {
    return rule.startsWith("unknown key") || rule.startsWith("unknown namespace");
}

/**
 * The unknown-key rule of {@link strictObject} for one key, with a did-you-mean among the
 * allowed keys when one is close (`keyvault` -> `keyVault`); other rules are returned as given.
 */
export function withKeyHint(rule: string, key: string): string {
    if (!rule.startsWith(UNKNOWN_KEY)) return rule;
    const allowed = rule.slice(UNKNOWN_KEY.length).split(", ");
    return `unknown key${didYouMean(key, allowed)}; allowed keys here: ${allowed.join(", ")}`;
}

/** An integer within [min, max], with the range in the message. */
export function intRange(min: number, max: number): z.ZodNumber {
    const message = `must be a whole number from ${min} to ${max}`;
    return z
        .number({
            error: (issue) => (typeof issue.input === "string" ? `${message}, written without quotes` : message),
        })
        .int(message)
        .min(min, message)
        .max(max, message);
}

function describeType(expected: string): string {
    switch (expected) {
        case "object":
            return "a map";
        case "array":
            return "a list";
        case "string":
            return "a string (quote numbers and booleans meant as text)";
        case "boolean":
            return "true or false";
        case "number":
            return "a number";
        case "int":
            return "a whole number";
        default:
            return expected;
    }
}

/** Reads the value at a zod path from raw input, for error messages. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let node: unknown = root;
    for (const key of path) {
        if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
        node = (node as Record<PropertyKey, unknown>)[key];
    }
    return node;
}

/** Formats a zod path the way a user writes it: `keyVault.name`, `secrets[2].alias`. */
export function formatPath(path: readonly PropertyKey[]): string {
    let out = "";
    for (const key of path) {
        if (typeof key === "number") out += `[${key}]`;
        else out += out === "" ? String(key) : `.${String(key)}`;
    }
    return out;
}

export interface IssueContext {
    file: string;
    /** The raw input the schema was applied to. */
    input: unknown;
    /** Builds the user-facing key path from the zod path. */
    pathOf: (path: readonly PropertyKey[]) => string;
    /** Whether the value at this path is secret (never shown). */
    isSecretPath?: (path: readonly PropertyKey[]) => boolean;
    /** Line of the value at this path in the file, when known. */
    lineOf?: (path: readonly PropertyKey[]) => number | undefined;
    /** Add a did-you-mean to unknown keys and to values outside a list of choices; default false. */
    didYouMean?: boolean;
}

/** Turns zod issues into {@link Problem}s: one per issue, unknown keys one per key. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): Problem[] {
    const problems: Problem[] = [];
    const push = (path: readonly PropertyKey[], rule: string, showInput: boolean) => {
        const raw = valueAt(ctx.input, path);
        const secret = ctx.isSecretPath?.(path) ?? false;
        problems.push({
            file: ctx.file,
            line: ctx.lineOf?.(path),
            path: ctx.pathOf(path),
            value: showInput && !secret && raw !== undefined ? showValue(raw) : undefined,
            rule,
        });
    };
    for (const issue of issues) {
        switch (issue.code) {
            case "unrecognized_keys":
                // `__proto__` is reported by protoKeyProblems, also where zod drops it silently.
                for (const key of issue.keys)
                    if (key !== PROTO)
                        push(
                            [...issue.path, key],
                            ctx.didYouMean ? withKeyHint(issue.message, key) : issue.message,
                            false,
                        );
                break;
            case "invalid_type": {
                const missing = valueAt(ctx.input, issue.path) === undefined;
                const custom = !issue.message.startsWith("Invalid input");
                push(
                    issue.path,
                    missing ? "is required" : custom ? issue.message : `must be ${describeType(issue.expected)}`,
                    !missing,
                );
                break;
            }
            case "invalid_value": {
                const choices = issue.values.map((v) => String(v));
                const given = valueAt(ctx.input, issue.path);
                const hint =
                    ctx.didYouMean && typeof given === "string" && !(ctx.isSecretPath?.(issue.path) ?? false)
                        ? didYouMean(given, choices)
                        : "";
                push(
                    issue.path,
                    issue.message.startsWith("Invalid option") || issue.message.startsWith("Invalid input")
                        ? `must be one of ${choices.join(", ")}${hint}`
                        : issue.message,
                    true,
                );
                break;
            }
            default:
                push(issue.path, issue.message, true);
        }
    }
    return problems;
}

const PROTO = "__proto__";

/**
 * Paths of every own `__proto__` key in a value. zod's records drop such a key silently (and a
 * plain object would take it as its prototype), so it is reported as an unknown key instead.
 */
export function protoKeyPaths(value: unknown, at: readonly PropertyKey[] = []): PropertyKey[][] {
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((item, i) => protoKeyPaths(item, [...at, i]));
    const found: PropertyKey[][] = Object.hasOwn(value, PROTO) ? [[...at, PROTO]] : [];
    for (const key of Object.keys(value)) {
        if (key !== PROTO) found.push(...protoKeyPaths((value as Record<string, unknown>)[key], [...at, key]));
    }
    return found;
}

/** One "unknown key" problem per own `__proto__` key in the input. */
export function protoKeyProblems(input: unknown, ctx: IssueContext, prefix: readonly PropertyKey[] = []): Problem[] {
    return protoKeyPaths(input, prefix).map((path) => ({
        file: ctx.file,
        line: ctx.lineOf?.(path),
        path: ctx.pathOf(path),
        rule: "unknown key; __proto__ is not a name this file accepts anywhere",
    }));
}

/** A copy of a string map without a prototype: lookups by user-chosen names (`toString`) find only own keys. */
export function ownMap<T>(record: Readonly<Record<string, T>>): Record<string, T> {
    return Object.assign(Object.create(null) as Record<string, T>, record);
}

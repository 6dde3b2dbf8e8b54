import { z } from "zod";
import { Problem, showValue } from "./errors";
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
        error: (issue) => (issue.code === "unrecognized_keys" ? `unknown key; allowed keys here: ${allowed}` : undefined),
    });
}

/** An integer within [min, max], with the range in the message. */
export function intRange(min: number, max: number): z.ZodNumber {
    const message = `must be a whole number from ${min} to ${max}`;
    return z
        .number({ error: (issue) => (typeof issue.input === "string" ? `${message}, written without quotes` : message) })
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
        if (node === null || typeof node !== "object") return undefined;
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
                for (const key of issue.keys) push([...issue.path, key], issue.message, false);
                break;
            case "invalid_type": {
                const missing = valueAt(ctx.input, issue.path) === undefined;
                const custom = !issue.message.startsWith("Invalid input");
                push(issue.path, missing ? "is required" : custom ? issue.message : `must be ${describeType(issue.expected)}`, !missing);
                break;
            }
            case "invalid_value":
                push(
                    issue.path,
                    issue.message.startsWith("Invalid option") || issue.message.startsWith("Invalid input")
                        ? `must be one of ${issue.values.map((v) => String(v)).join(", ")}`
                        : issue.message,
                    true,
                );
                break;
            default:
                push(issue.path, issue.message, true);
        }
    }
    return problems;
}

// The SDK's errors module alone (the class `pulumi.RunError` re-exports): a tool that only parses
// settings (promote, the parent of `plan --all`) does not load the whole SDK for it.
import { RunError } from "@pulumi/pulumi/errors";

/**
 * One thing wrong with the user's input: which file, which key path, which rule.
 * Every validation in `stacks/` reports problems in this shape so that one run shows
 * all of them, each one actionable on its own.
 */
export interface Problem {
    /** The file the user edits to fix it, e.g. `Pulumi.dev.yaml` or `stacks/secrets.yaml`. */
    file: string;
    /** 1-based line in that file, when known. */
    line?: number;
    /** Key path as the user writes it, e.g. `aio-secrets:keyVault.name` or `secrets[2] (mq-password).alias`. */
    path: string;
    /** The offending value, rendered short; omitted for secrets and for missing keys. */
    value?: string;
    /** The rule that was broken, phrased as what would be right. */
    rule: string;
}

/** Renders a problem as `file[:line]: path "value": rule`. */
export function formatProblem(p: Problem): string {
    const where = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
    const value = p.value !== undefined ? ` ${p.value}` : "";
    const path = p.path ? ` ${p.path}${value}:` : value ? `${value}:` : "";
    return `${where}:${path} ${p.rule}`;
}

/**
 * Thrown before any resource is declared when the stack settings or the catalog are invalid.
 * Carries every problem found, not only the first. A `RunError`, so `pulumi up` prints the
 * message alone, without a JavaScript stack trace.
 */
export class ConfigError extends RunError {
    readonly problems: readonly Problem[];

    constructor(problems: readonly Problem[]) {
        const lines = problems.map(formatProblem);
        super(
            problems.length === 1
                ? lines[0]
                : `${problems.length} problems in the stack settings or the catalog:\n${lines.map((l) => `  - ${l}`).join("\n")}`,
        );
        this.name = "ConfigError";
        this.problems = problems;
    }
}

/** Renders a value for an error message: short, quoted, never multi-line. */
export function showValue(value: unknown): string {
    if (value === undefined) return "";
    let text: string;
    if (typeof value === "string") text = JSON.stringify(value);
    else if (value === null) text = "null";
    else if (typeof value === "object") text = Array.isArray(value) ? "(a list)" : "(a map)";
    else text = String(value);
    return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

/** Collects problems and throws them together. */
export class ProblemCollector {
    private readonly items: Problem[] = [];

    add(problem: Problem): void {
        this.items.push(problem);
    }

    addAll(problems: readonly Problem[]): void {
        this.items.push(...problems);
    }

    get problems(): readonly Problem[] {
        return this.items;
    }

    /** Throws a {@link ConfigError} if anything was collected. */
    throwIfAny(): void {
        if (this.items.length > 0) throw new ConfigError(this.items);
    }
}

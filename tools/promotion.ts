import { Catalog, secretsForEnvironment } from "../stacks/catalog";
import { originOf } from "../stacks/sharedConfig";
import type { StackConfig } from "./stackfile";

/**
 * Promotion status: for every catalog secret and every stack, whether the secret exists in
 * that stack's environment and whether its value is there. Pure.
 */

export type CellState =
    /** Not in this environment. */
    | "off"
    /** Enabled, value set as a secure value. */
    | "set"
    /**
     * Enabled, but the secure value is an example file's placeholder (`v1:placeholder-...`): `pulumi up` cannot decrypt
     * it.
     */
    | "placeholder"
    /** Enabled, source config, no value: `pulumi up` would stop. */
    | "missing"
    /** Enabled, value present but in plaintext: refused. */
    | "plaintext"
    /** Enabled, the stack generates the value. */
    | "generated"
    /** Enabled, already in the vault; only mounted. */
    | "existing";

export interface StackInfo {
    stack: string;
    environment: string;
    config: StackConfig;
}

export interface StatusRow {
    secret: string;
    source: string;
    cells: Record<string, CellState>;
    /**
     * By stack, for a cell to fix (missing, plaintext, placeholder) whose value lives in a shared
     * file the stack imports (an ESC environment's stand-in `environments/<org>/<env>.yaml`): that
     * file. The fix is one edit there, not one per stack. Stacks absent: their own stack file.
     */
    fixAt: Record<string, string>;
}

export interface PromotionStatus {
    stacks: { stack: string; environment: string }[];
    rows: StatusRow[];
    /** One command per missing or plaintext value. */
    fixes: string[];
    /**
     * One command per example placeholder (`v1:placeholder-...`): the offline plan runs with it,
     * `pulumi up` cannot decrypt it. Not a `--check` failure (the example stacks are made of them).
     */
    placeholders: string[];
}

const KEY = "aio-secrets:secretValues";

/** The ESC environment (`org/env`) whose offline stand-in is `file`, or undefined for any other file. */
export function environmentOfStandIn(file: string): string | undefined {
    return /^environments\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\.yaml$/.exec(file)?.[1];
}

/**
 * Where a value to fix lives when that is a shared ESC environment, not the stack's own file:
 * the value's own origin (plaintext, placeholder), or for a missing one the environment every
 * other value of `secretValues` came from. Undefined: fix it in the stack file.
 */
export function sharedFixFile(config: StackConfig, secret: string, state: CellState): string | undefined {
    const at = state === "missing" ? KEY : `${KEY}.${secret}`;
    const file = originOf(config.origins, at);
    return file !== undefined && environmentOfStandIn(file) !== undefined ? file : undefined;
}

/** The one edit of a shared environment that fixes `secret` for every stack importing it. */
export function sharedFixCommand(file: string, secret: string, state: CellState): string {
    const env = environmentOfStandIn(file) ?? file;
    const why =
        state === "missing"
            ? "missing"
            : state === "plaintext"
              ? "replace the plaintext value"
              : "replace the example placeholder";
    return `esc env set ${env} 'pulumiConfig["${KEY}"]["${secret}"]' --secret <value>   # ${why}; offline stand-in: ${file}, as fn::secret`;
}

export function promotionStatus(catalog: Catalog, stacks: readonly StackInfo[]): PromotionStatus {
    const fixes: string[] = [];
    const placeholders: string[] = [];
    // Enabled as the program decides it: its cross-check (stacks/load.ts crossCheck) takes the same list.
    const enabledIn = new Map(stacks.map((s) => [s.stack, new Set(secretsForEnvironment(catalog, s.environment))]));
    const rows = catalog.secrets.map((secret) => {
        const cells: Record<string, CellState> = {};
        const fixAt: Record<string, string> = {};
        for (const s of stacks) {
            const enabled = enabledIn.get(s.stack)!.has(secret);
            let state: CellState;
            if (!enabled) state = "off";
            else if (secret.source === "generated") state = "generated";
            else if (secret.source === "existing") state = "existing";
            else if (s.config.placeholderPaths.includes(`${KEY}.${secret.name}`)) state = "placeholder";
            else if (s.config.securePaths.includes(`${KEY}.${secret.name}`)) state = "set";
            else {
                // Own keys only: a secret named `toString` is not "present" in every map.
                const values = Object.hasOwn(s.config.config, KEY) ? s.config.config[KEY] : undefined;
                let present = false;
                try {
                    const parsed: unknown = values !== undefined ? JSON.parse(values) : undefined;
                    present = parsed !== null && typeof parsed === "object" && Object.hasOwn(parsed, secret.name);
                } catch {
                    present = false;
                }
                state = present ? "plaintext" : "missing";
            }
            const shared =
                state === "missing" || state === "plaintext" || state === "placeholder"
                    ? sharedFixFile(s.config, secret.name, state)
                    : undefined;
            const list = state === "placeholder" ? placeholders : fixes;
            if (shared !== undefined) {
                // One edit of the shared environment, whatever the number of stacks importing it.
                setOwnKey(fixAt, s.stack, shared);
                const command = sharedFixCommand(shared, secret.name, state);
                if (!list.includes(command)) list.push(command);
            } else {
                const command = `pulumi config set --secret --path 'secretValues.${secret.name}' --stack ${s.stack}`;
                if (state === "missing" || state === "plaintext")
                    fixes.push(`${command}   # ${state === "missing" ? "missing" : "replace the plaintext value"}`);
                if (state === "placeholder") placeholders.push(`${command}   # replace the example placeholder`);
            }
            setOwnKey(cells, s.stack, state);
        }
        return { secret: secret.name, source: secret.source, cells, fixAt };
    });
    return { stacks: stacks.map((s) => ({ stack: s.stack, environment: s.environment })), rows, fixes, placeholders };
}

/** Sets an own key (a stack named `__proto__` stays a key). */
function setOwnKey<T>(map: Record<string, T>, key: string, value: T): void {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Whether every enabled secret has what it needs (the `--check` gate). */
export function promotionComplete(status: PromotionStatus): boolean {
    return status.fixes.length === 0;
}

export function statusText(status: PromotionStatus): string {
    const headers = [
        "secret",
        "source",
        ...status.stacks.map((s) => (s.stack === s.environment ? s.stack : `${s.stack} (${s.environment})`)),
    ];
    const body = status.rows.map((r) => [r.secret, r.source, ...status.stacks.map((s) => r.cells[s.stack])]);
    const widths = headers.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    const lines = [line(headers), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
    if (status.fixes.length > 0) {
        lines.push("", "To fix:");
        for (const f of status.fixes) lines.push(`  ${f}`);
    } else if (status.placeholders.length === 0) {
        lines.push("", "Every enabled secret has its value.");
    } else {
        lines.push("", "Every enabled secret has a value, but some are example placeholders.");
    }
    if (status.placeholders.length > 0) {
        lines.push("", "Placeholders to replace before a real pulumi up:");
        for (const p of status.placeholders) lines.push(`  ${p}`);
    }
    return lines.join("\n") + "\n";
}

/** Up to `max` names, then how many more. */
function someOf(names: readonly string[], max = 8): string {
    return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

/**
 * The status for a fleet, readable with hundreds of stacks: grouped by environment, only what
 * is missing or in plaintext (with the stacks concerned and one command per secret), and how
 * many values are example placeholders. `--verbose` adds each environment's full table.
 */
export function fleetStatusText(
    status: PromotionStatus,
    options: { verbose?: boolean; tables?: (environment: string) => string; order?: readonly string[] } = {},
): string {
    // The catalog's order of environments (dev, staging, prod), then any other by name.
    const rank = (env: string) => (options.order?.includes(env) ? options.order.indexOf(env) : Number.MAX_SAFE_INTEGER);
    const environments = [...new Set(status.stacks.map((s) => s.environment))].sort(
        (a, b) => rank(a) - rank(b) || a.localeCompare(b),
    );
    const lines: string[] = [
        `${status.rows.length} secrets, ${status.stacks.length} stacks in ${environments.length} environment${environments.length === 1 ? "" : "s"}` +
            (options.verbose ? "" : " (--verbose shows every secret in every stack)"),
    ];
    const fixes: string[] = [];
    let placeholderCount = 0;
    for (const env of environments) {
        const stacks = status.stacks.filter((s) => s.environment === env).map((s) => s.stack);
        lines.push("", `${env} (${stacks.length} stack${stacks.length === 1 ? "" : "s"}: ${someOf(stacks)})`);
        let problems = 0;
        for (const row of status.rows) {
            for (const state of ["missing", "plaintext"] as const) {
                const where = stacks.filter((s) => row.cells[s] === state);
                if (where.length === 0) continue;
                problems++;
                lines.push(
                    `  ${state === "missing" ? "missing  " : "plaintext"}  ${row.secret} (${row.source}): ${where.length} of ${stacks.length}: ${someOf(where)}`,
                );
                // A value from a shared environment: one edit there; the others: their stack files.
                const own = where.filter((s) => !Object.hasOwn(row.fixAt, s));
                for (const file of new Set(where.filter((s) => Object.hasOwn(row.fixAt, s)).map((s) => row.fixAt[s]))) {
                    const command = sharedFixCommand(file, row.secret, state);
                    if (!fixes.includes(command)) fixes.push(command);
                }
                const set = `pulumi config set --secret --path 'secretValues.${row.secret}'`;
                if (own.length > 0)
                    fixes.push(
                        own.length === 1
                            ? `${set} --stack ${own[0]}`
                            : `for s in ${own.join(" ")}; do ${set} --stack "$s"; done`,
                    );
            }
            placeholderCount += stacks.filter((s) => row.cells[s] === "placeholder").length;
        }
        const placeholders = status.rows.reduce(
            (n, r) => n + stacks.filter((s) => r.cells[s] === "placeholder").length,
            0,
        );
        if (problems === 0)
            lines.push(
                `  complete: every enabled secret has its value${placeholders > 0 ? ` (${placeholders} of them example placeholders)` : ""}`,
            );
        if (options.verbose && options.tables)
            lines.push(
                ...options
                    .tables(env)
                    .trimEnd()
                    .split("\n")
                    .map((l) => (l === "" ? "" : `    ${l}`)),
            );
    }
    if (fixes.length > 0) {
        lines.push("", "To fix (each command prompts for the value):");
        for (const f of fixes) lines.push(`  ${f}`);
    }
    if (placeholderCount > 0 && !options.verbose) {
        lines.push(
            "",
            `${placeholderCount} value${placeholderCount === 1 ? " is an example placeholder" : "s are example placeholders"} to replace before a real pulumi up (--verbose lists the commands).`,
        );
    }
    return `${lines.join("\n")}\n`;
}

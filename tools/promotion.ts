import type { Catalog } from "../stacks/catalog";
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
}

export interface PromotionStatus {
    stacks: { stack: string; environment: string }[];
    rows: StatusRow[];
    /** One command per missing or plaintext value. */
    fixes: string[];
}

const KEY = "aio-secrets:secretValues";

export function promotionStatus(catalog: Catalog, stacks: readonly StackInfo[]): PromotionStatus {
    const fixes: string[] = [];
    const rows = catalog.secrets.map((secret) => {
        const cells: Record<string, CellState> = {};
        for (const s of stacks) {
            const enabled = !secret.environments || secret.environments.includes(s.environment);
            let state: CellState;
            if (!enabled) state = "off";
            else if (secret.source === "generated") state = "generated";
            else if (secret.source === "existing") state = "existing";
            else if (s.config.securePaths.includes(`${KEY}.${secret.name}`)) state = "set";
            else {
                const values = s.config.config[KEY];
                let present = false;
                try {
                    present = values !== undefined && (JSON.parse(values) as Record<string, unknown>)[secret.name] !== undefined;
                } catch {
                    present = false;
                }
                state = present ? "plaintext" : "missing";
            }
            if (state === "missing" || state === "plaintext") {
                fixes.push(`pulumi config set --secret --path 'secretValues.${secret.name}' --stack ${s.stack}   # ${state === "missing" ? "missing" : "replace the plaintext value"}`);
            }
            cells[s.stack] = state;
        }
        return { secret: secret.name, source: secret.source, cells };
    });
    return { stacks: stacks.map((s) => ({ stack: s.stack, environment: s.environment })), rows, fixes };
}

/** Whether every enabled secret has what it needs (the `--check` gate). */
export function promotionComplete(status: PromotionStatus): boolean {
    return status.fixes.length === 0;
}

export function statusText(status: PromotionStatus): string {
    const headers = ["secret", "source", ...status.stacks.map((s) => (s.stack === s.environment ? s.stack : `${s.stack} (${s.environment})`))];
    const body = status.rows.map((r) => [r.secret, r.source, ...status.stacks.map((s) => r.cells[s.stack])]);
    const widths = headers.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    const lines = [line(headers), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
    if (status.fixes.length > 0) {
        lines.push("", "To fix:");
        for (const f of status.fixes) lines.push(`  ${f}`);
    } else {
        lines.push("", "Every enabled secret has its value.");
    }
    return lines.join("\n") + "\n";
}

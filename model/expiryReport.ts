import type { ProgramInputs } from "../stacks/load";
import { addDays } from "./expiry";
import { rotationModel } from "./rotation";

/**
 * The fleet expiry report (issue 20, `expiry`), pure: what falls due in one stack, read from its
 * validated settings and catalog entries without running the program. Without the stack's state
 * the report counts every period from `now`, as a fresh `up` (or the scheduled `up --refresh`
 * that renews it) would: the dates are when each item falls due at the latest, if nothing runs.
 */

/** What falls due. */
export const EXPIRY_KINDS = ["sp-password", "ca", "rotation", "expiry"] as const;
export type ExpiryKind = (typeof EXPIRY_KINDS)[number];

/** One item of the report (the JSON contract: `{items: [{stack, kind, name, dueAt}]}`). */
export interface ExpiryItem {
    stack: string;
    /**
     * `sp-password`: a service principal password slot's end date; `ca`: the CA's validity; `rotation`: a generated
     * secret's next rotation; `expiry`: a vault secret's configured expiry.
     */
    kind: ExpiryKind;
    name: string;
    /** RFC 3339 UTC. */
    dueAt: string;
}

/** The service principal the stack creates (its own, or the CSI side's during a migration), if any. */
function createdServicePrincipal(
    settings: ProgramInputs["settings"],
): { secretValidDays: number; rotationDays: number } | undefined {
    const sp =
        "servicePrincipal" in settings
            ? settings.servicePrincipal
            : "csiSide" in settings
              ? settings.csiSide?.servicePrincipal
              : undefined;
    return sp?.mode === "create" ? sp : undefined;
}

/** Everything that falls due in one stack, counted from `now` (RFC 3339), sorted like {@link sortItems}. */
export function stackExpiryItems(stack: string, inputs: ProgramInputs, now: string): ExpiryItem[] {
    const { settings, enabled } = inputs;
    const items: ExpiryItem[] = [];
    const sp = createdServicePrincipal(settings);
    if (sp) {
        // ServicePrincipal.ts: slot a's clock starts now, slot b's rotationDays later; each password
        // lives secretValidDays.
        items.push({ stack, kind: "sp-password", name: "slot a", dueAt: addDays(now, sp.secretValidDays) });
        items.push({
            stack,
            kind: "sp-password",
            name: "slot b",
            dueAt: addDays(now, sp.rotationDays + sp.secretValidDays),
        });
    }
    const ca = settings.ca;
    if (ca.mode === "test") items.push({ stack, kind: "ca", name: ca.secretName, dueAt: addDays(now, ca.validDays) });
    else if (ca.mode === "vault" && ca.trustBundle)
        items.push({ stack, kind: "ca", name: ca.trustBundle.file, dueAt: ca.trustBundle.expiresAt });
    for (const r of rotationModel(enabled, [], undefined))
        items.push({ stack, kind: "rotation", name: r.name, dueAt: addDays(now, r.days) });
    for (const entry of enabled) {
        if (entry.expiresInDays !== undefined && entry.source !== "existing")
            items.push({ stack, kind: "expiry", name: entry.name, dueAt: addDays(now, entry.expiresInDays) });
    }
    return sortItems(items);
}

function ownValue(obj: unknown, key: string): unknown {
    return typeof obj === "object" && obj !== null && !Array.isArray(obj) && Object.hasOwn(obj, key)
        ? (obj as Record<string, unknown>)[key]
        : undefined;
}

/** An RFC 3339 timestamp with seconds and a zone (what the providers' date outputs are). */
const RFC3339_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * An RFC 3339 timestamp of the outputs in UTC (the report's `dueAt` contract), or undefined (unset,
 * `null`, or not an RFC 3339 timestamp: `Date.parse` alone takes `"1"` or `"March 7"` as dates in 2001).
 */
function outputDate(value: unknown): string | undefined {
    if (typeof value !== "string" || !RFC3339_TIMESTAMP.test(value)) return undefined;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

/**
 * The items of one stack with the dates its state knows, from `pulumi stack output --json`
 * (`outputs`): the service principal's passwords (`passwordExpiresAt`, the one in use, and
 * `previousPasswordExpiresAt`), the CA (`caExpiresAt`) and each rotation
 * (`rotations.<name>.nextRotation`). An item the outputs do not date keeps its date from now;
 * configured vault expiries are not among the outputs and always do.
 */
export function withStackOutputs(items: readonly ExpiryItem[], outputs: unknown): ExpiryItem[] {
    const inUse = outputDate(ownValue(outputs, "passwordExpiresAt"));
    const previous = outputDate(ownValue(outputs, "previousPasswordExpiresAt"));
    const ca = outputDate(ownValue(outputs, "caExpiresAt"));
    const rotations = ownValue(outputs, "rotations");
    const out: ExpiryItem[] = [];
    for (const item of items) {
        if (item.kind === "sp-password" && inUse !== undefined) {
            // The slots as the state knows them: the password in use and the one before it.
            if (item.name !== "slot a") continue;
            out.push({ ...item, name: "password in use", dueAt: inUse });
            if (previous !== undefined) out.push({ ...item, name: "previous password", dueAt: previous });
        } else if (item.kind === "ca" && ca !== undefined) out.push({ ...item, dueAt: ca });
        else if (item.kind === "rotation") {
            const next = outputDate(ownValue(ownValue(rotations, item.name), "nextRotation"));
            out.push(next !== undefined ? { ...item, dueAt: next } : item);
        } else out.push(item);
    }
    return sortItems(out);
}

/** By due date, then stack, kind and name. */
export function sortItems(items: readonly ExpiryItem[]): ExpiryItem[] {
    const key = (i: ExpiryItem) => [Date.parse(i.dueAt), i.stack, i.kind, i.name] as const;
    return [...items].sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        for (let n = 0; n < x.length; n++) if (x[n] !== y[n]) return x[n] < y[n] ? -1 : 1;
        return 0;
    });
}

/** `30d` -> 30; undefined for anything else (whole days, 0..36500). */
export function parseWindow(text: string): number | undefined {
    const m = /^(\d{1,5})d$/.exec(text);
    if (!m) return undefined;
    const days = Number(m[1]);
    return days <= 36500 ? days : undefined;
}

/** The items due within `days` of `now`. */
export function dueWithin(items: readonly ExpiryItem[], now: string, days: number): ExpiryItem[] {
    const limit = Date.parse(addDays(now, days));
    return items.filter((i) => Date.parse(i.dueAt) <= limit);
}

/** The report as text: one line per item, then the verdict when a window is given. */
export function expiryText(items: readonly ExpiryItem[], now: string, within?: number, fromState = false): string {
    const counted = fromState
        ? `dates from the stacks' outputs, the others counted from ${now}`
        : `periods counted from ${now}`;
    const lines = [`expiry: ${items.length} item${items.length === 1 ? "" : "s"}, ${counted}`];
    const w = (k: (i: ExpiryItem) => string) => Math.max(0, ...items.map((i) => k(i).length));
    const [ws, wk] = [w((i) => i.stack), w((i) => i.kind)];
    for (const i of items) lines.push(`  ${i.dueAt}  ${i.stack.padEnd(ws)}  ${i.kind.padEnd(wk)}  ${i.name}`);
    if (within !== undefined) {
        const due = dueWithin(items, now, within).length;
        lines.push(
            due === 0
                ? `expiry --within ${within}d: OK: nothing falls due within ${within} days`
                : `expiry --within ${within}d: ${due} item${due === 1 ? "" : "s"} fall${due === 1 ? "s" : ""} due within ${within} days`,
        );
    }
    return `${lines.join("\n")}\n`;
}

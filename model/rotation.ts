import type { CatalogSecret } from "../stacks/catalog";
import type { SpcModel } from "./stack";
import type { SecretSyncModel } from "./secretSync";

/**
 * Rotation of generated secrets (issue 20), as plain data: which entries get a new value on a
 * schedule, who sees the change and how, and who cannot take it without an outage. Pure.
 */

/**
 * The consumers of an entry that cannot take a changed value without an outage (a password kept on
 * the other side of a dataflow endpoint). A parameter of the model so that the consumer contract
 * table (`secretSyncs.<secret>.consumers`, model/consumers.ts, issue 18) can answer it; the
 * default, {@link catalogOutageConsumers}, reads the entry's own `rotate.outage`.
 */
export type OutageConsumersOf = (entry: Pick<CatalogSecret, "name" | "rotate" | "sync">) => readonly string[];

/** The consumers the catalog entry names itself under `rotate.outage`. */
export const catalogOutageConsumers: OutageConsumersOf = (entry) => entry.rotate?.outage ?? [];

/** One entry that rotates. */
export interface RotationModel {
    /** The vault secret's name. */
    name: string;
    /** A new value every this many days (catalog `rotate.days`). */
    days: number;
    /** Workloads restarted once when the value changes (CSI: the restart targets of the SPCs that mount it). */
    restarts: string[];
    /** Kubernetes Secrets the Secret Store extension rewrites within its poll interval (secret sync). */
    syncs: string[];
    /** Consumers that break when the value changes: the plan names them; stage the rotation (docs/rotation.md). */
    outage: string[];
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** The rotating entries among the enabled ones, sorted by name, with who sees each change. */
export function rotationModel(
    enabled: readonly Pick<CatalogSecret, "name" | "rotate" | "sync">[],
    spcs: readonly Pick<SpcModel, "name" | "objects" | "restart">[],
    sync: SecretSyncModel | undefined,
    outageOf: OutageConsumersOf = catalogOutageConsumers,
): RotationModel[] {
    const out: RotationModel[] = [];
    for (const entry of enabled) {
        if (entry.rotate === undefined) continue;
        const restarts = new Set<string>();
        for (const spc of spcs) {
            if (!spc.objects.some((o) => o.objectName === entry.name)) continue;
            for (const t of spc.restart) restarts.add(`${t.kind}/${t.namespace ? `${t.namespace}/` : ""}${t.name}`);
        }
        const syncs = (sync?.syncs ?? [])
            .filter((s) => s.mappings.some((m) => m.sourcePath === entry.name))
            .map((s) => s.name);
        out.push({
            name: entry.name,
            days: entry.rotate.days,
            restarts: [...restarts].sort(compare),
            syncs: [...syncs].sort(compare),
            outage: [...new Set(outageOf(entry))].sort(compare),
        });
    }
    return out.sort((a, b) => compare(a.name, b.name));
}

/** How the consumers see a rotation, in words for the plan. */
export function seenBy(rotation: Pick<RotationModel, "restarts" | "syncs">): string {
    const parts: string[] = [];
    if (rotation.restarts.length > 0) parts.push(`restart once: ${rotation.restarts.join(", ")}`);
    if (rotation.syncs.length > 0)
        parts.push(`Secret ${rotation.syncs.join(", ")} updated within the Secret Store poll interval`);
    return parts.length > 0 ? parts.join("; ") : "read from the vault on the next mount (no restart target)";
}

/** The warning that names the consumers a rotation would break, with the way to stage it. */
export function outageWarning(
    file: string,
    rotation: Pick<RotationModel, "name" | "days" | "outage">,
): string | undefined {
    if (rotation.outage.length === 0) return undefined;
    return (
        `${file}: ${rotation.name} rotates every ${rotation.days} days, and ${rotation.outage.join(", ")} cannot take a new value without an outage: ` +
        `stage each rotation (docs/rotation.md, "Staging a rotation")`
    );
}

/**
 * Days the scheduled `pulumi up --refresh` may take to find a due clock: `.github/workflows/rotate.yml`
 * runs weekly. A rotation writes the new value only in that run, after the clock falls due.
 */
export const SCHEDULED_REFRESH_DAYS = 7;

/**
 * The warning for a rotating entry whose vault expiry leaves less than {@link SCHEDULED_REFRESH_DAYS}
 * after the rotation falls due: the value expires before the scheduled refresh writes the next one
 * (Key Vault's SecretExpired fires every period). The catalog refuses only an expiry shorter than
 * the period (stacks/catalog.ts `lifetimeProblems`).
 */
export function expiryMarginWarning(
    file: string,
    entry: Pick<CatalogSecret, "name" | "rotate" | "expiresInDays">,
): string | undefined {
    if (entry.rotate === undefined || entry.expiresInDays === undefined) return undefined;
    const least = entry.rotate.days + SCHEDULED_REFRESH_DAYS;
    if (entry.expiresInDays >= least) return undefined;
    return (
        `${file}: ${entry.name} expires ${entry.expiresInDays} days after it is written and rotates every ${entry.rotate.days}, ` +
        `but the new value is written by the first scheduled up --refresh after the rotation falls due (weekly, rotate.yml): ` +
        `it can expire first; set expiresInDays to at least ${least}`
    );
}

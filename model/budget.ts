import type { SpcModel } from "./stack";

/**
 * The vault read budget. With rotation on, the CSI driver reads every object of an SPC once
 * per poll interval in every pod that mounts it; Key Vault allows 4,000 GET requests per
 * vault per 10 seconds, then answers 429 and new mounts fail. Pure.
 */

export const VAULT_GETS_PER_10S = 4000;
/** Warn above this share of the limit: rotation polls are bursty and share the vault with other readers. */
export const BUDGET_WARN_SHARE = 0.25;

export interface SpcReadLoad {
    spc: string;
    objects: number;
    /** Pods mounting it: the SPC's `pods`, or 1 when not declared. */
    pods: number;
    podsDeclared: boolean;
    getsPer10s: number;
}

export interface ReadBudget {
    getsPer10s: number;
    limit: number;
    share: number;
    bySpc: SpcReadLoad[];
}

/** Estimated steady-state GETs per 10 s from rotation polling. */
export function readBudget(
    spcs: readonly SpcModel[],
    pollIntervalSeconds: number,
    rotationEnabled: boolean,
): ReadBudget {
    const bySpc = spcs
        .map((s) => {
            const pods = s.pods ?? 1;
            const gets = rotationEnabled ? (s.objects.length * pods * 10) / pollIntervalSeconds : 0;
            return {
                spc: s.name,
                objects: s.objects.length,
                pods,
                podsDeclared: s.pods !== undefined,
                getsPer10s: gets,
            };
        })
        .sort((a, b) => b.getsPer10s - a.getsPer10s || (a.spc < b.spc ? -1 : 1));
    const total = bySpc.reduce((sum, s) => sum + s.getsPer10s, 0);
    return { getsPer10s: total, limit: VAULT_GETS_PER_10S, share: total / VAULT_GETS_PER_10S, bySpc };
}

function round(n: number): string {
    return n >= 10 ? String(Math.round(n)) : n.toFixed(2).replace(/\.?0+$/, "");
}

/**
 * Secret sync's load: the Secret Store extension reads each object of its SPC once per
 * interval, whatever the number of pods (they read the synced Kubernetes Secret, not the vault).
 */
export function syncReadBudget(spcName: string, objects: SpcModel["objects"], pollIntervalSeconds: number): ReadBudget {
    return readBudget([{ name: spcName, objects, restart: [], pods: 1, isDefault: false }], pollIntervalSeconds, true);
}

/** What the CSI driver's budget warning suggests. */
const CSI_REMEDY =
    "Raise cluster.csiDriver.rotationPollInterval, mount fewer objects per SPC, or split secrets across vaults";
/** What secret sync's budget warning suggests. */
export const SYNC_REMEDY =
    "Raise secretSync.extension.rotationPollIntervalInSeconds, sync fewer objects, or split secrets across vaults";

/** A warning naming the SPCs that make up most of the load, or undefined within budget. */
export function budgetWarning(
    budget: ReadBudget,
    pollInterval: string,
    remedy: string = CSI_REMEDY,
): string | undefined {
    if (budget.share <= BUDGET_WARN_SHARE) return undefined;
    const dominant: SpcReadLoad[] = [];
    let covered = 0;
    for (const s of budget.bySpc) {
        if (covered >= budget.getsPer10s * 0.8 || s.getsPer10s === 0) break;
        dominant.push(s);
        covered += s.getsPer10s;
    }
    const names = dominant
        .map((s) => `${s.spc} (${s.objects} objects x ${s.pods} pods = ${round(s.getsPer10s)})`)
        .join(", ");
    return (
        `vault read budget: rotation polling every ${pollInterval} makes about ${round(budget.getsPer10s)} GET requests per 10 s, ` +
        `${Math.round(budget.share * 100)}% of Key Vault's ${budget.limit} limit (warning above ${BUDGET_WARN_SHARE * 100}%); mostly ${names}. ` +
        remedy
    );
}

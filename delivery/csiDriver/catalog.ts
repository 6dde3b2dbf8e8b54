import type { Catalog, CatalogSecret } from "../../stacks/catalog";
import type { Problem } from "../../stacks/errors";
import { someNames } from "../../stacks/names";
import type { CsiDriverStackSettings } from "../../stacks/settings";

/**
 * What the catalog means for a csiDriver stack: the CSI driver delivers the entries with `spcs`;
 * an entry with only `sync` is not delivered to the cluster (a warning). Pure; the parsing layer
 * runs it (stacks/load.ts deliveryCheck).
 */
export function csiDriverCatalogCheck(
    settings: CsiDriverStackSettings,
    catalog: Catalog,
    enabled: readonly CatalogSecret[],
): { problems: Problem[]; warnings: string[] } {
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const undelivered = enabled.filter((s) => s.sync !== undefined && s.spcs.length === 0).map((s) => s.name);
    if (undelivered.length > 0) {
        warnings.push(
            `${catalog.file}: ${someNames(undelivered)} ha${undelivered.length === 1 ? "s" : "ve"} sync: but no spcs:, and ${settings.file} delivers with the CSI driver: ` +
                `not delivered to the cluster (in the vault only). Add spcs: to mount them, or switch the stack to aio-secrets:delivery: secretSync`,
        );
    }
    return { problems, warnings };
}

import { TLS_KEYS, type Catalog, type CatalogSecret } from "../../stacks/catalog";
import type { Problem } from "../../stacks/errors";
import { someNames } from "../../stacks/names";
import type { SecretSyncStackSettings } from "../../stacks/settings";

/**
 * What the catalog means for a secretSync stack: secret sync delivers the entries with a `sync`
 * (an entry with only `spcs` is not delivered: a warning), a TLS Secret needs both of its keys,
 * and the CSI flow's MQ resources are not applied. Pure; the parsing layer runs it
 * (stacks/load.ts deliveryCheck).
 */
export function secretSyncCatalogCheck(
    settings: SecretSyncStackSettings,
    catalog: Catalog,
    enabled: readonly CatalogSecret[],
): { problems: Problem[]; warnings: string[] } {
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const env = settings.environment;
    const undelivered = enabled.filter((s) => s.sync === undefined && s.spcs.length > 0).map((s) => s.name);
    if (undelivered.length > 0) {
        warnings.push(
            `${catalog.file}: ${someNames(undelivered)} ha${undelivered.length === 1 ? "s" : "ve"} spcs: but no sync:, and ${settings.file} delivers with secret sync: ` +
                `not delivered to the cluster (in the vault only). Add sync: { secret: <Kubernetes Secret>, key: <key> } to deliver them`,
        );
    }
    const pinned = enabled.filter((s) => s.sync !== undefined && s.version !== "").map((s) => s.name);
    if (pinned.length > 0) {
        warnings.push(
            `${catalog.file}: ${someNames(pinned)} pin${pinned.length === 1 ? "s" : ""} a version, but secret sync always syncs the latest version of a vault object`,
        );
    }
    for (const decl of catalog.syncSecrets.values()) {
        if (decl.type !== "kubernetes.io/tls") continue;
        const keys = enabled.filter((s) => s.sync?.secret === decl.name).map((s) => s.sync!.key);
        const missing = TLS_KEYS.filter((k) => !keys.includes(k));
        if (keys.length > 0 && missing.length > 0) {
            problems.push({
                file: catalog.file,
                path: `secretSyncs.${decl.name}`,
                rule: `a kubernetes.io/tls Secret needs both ${TLS_KEYS.join(" and ")}; in environment ${env} nothing maps ${missing.join(", ")}`,
            });
        }
    }
    if (catalog.mqResources.length > 0) {
        warnings.push(
            `${catalog.file}: mqResources are not applied in secretSync mode (they are Kubernetes objects for the preview MQ, applied with a kubeconfig); ` +
                `GA components reference the synced Secrets by name`,
        );
    }
    return { problems, warnings };
}

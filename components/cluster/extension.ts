import type { Input } from "@pulumi/pulumi";

/**
 * The Secrets Store CSI driver extension's settings, pure. Defaults are what
 * `az iot ops init` set; `extra` entries are added or override them.
 */
export interface CsiDriverSettings {
    enableSecretRotation: boolean;
    rotationPollInterval: string;
    syncSecret: boolean;
    /** Additional chart settings, verbatim (never the three above: settings.ts refuses those). */
    extra?: Record<string, string>;
    /** Chart settings that are secrets: sent as the extension's protected settings, never the plain ones. */
    protectedExtra?: Record<string, string>;
}

export function csiDriverConfigurationSettings(s: CsiDriverSettings): Record<string, string> {
    return {
        "secrets-store-csi-driver.enableSecretRotation": String(s.enableSecretRotation),
        "secrets-store-csi-driver.rotationPollInterval": s.rotationPollInterval,
        "secrets-store-csi-driver.syncSecret.enabled": String(s.syncSecret),
        ...(s.extra ?? {}),
    };
}

/** Where an Arc extension goes and what it is: the parts every extension of this project shares. */
export interface PinnedExtension {
    clusterName: Input<string>;
    resourceGroupName: Input<string>;
    extensionName: string;
    extensionType: string;
    version: string;
    /** Release train; default: the extension's own. */
    releaseTrain?: string;
}

/**
 * An Arc extension as AIO's tooling installs them: on the connected cluster, version pinned,
 * minor auto-upgrade off (an upgrade is a reviewed change of `version`), system-assigned
 * identity. Pure: the resource arguments, settings added by the caller.
 */
export function pinnedExtensionArgs(e: PinnedExtension) {
    return {
        clusterRp: "Microsoft.Kubernetes",
        clusterResourceName: "connectedClusters",
        clusterName: e.clusterName,
        resourceGroupName: e.resourceGroupName,
        extensionName: e.extensionName,
        extensionType: e.extensionType,
        autoUpgradeMinorVersion: false,
        ...(e.releaseTrain !== undefined ? { releaseTrain: e.releaseTrain } : {}),
        version: e.version,
        identity: { type: "SystemAssigned" as const },
    };
}

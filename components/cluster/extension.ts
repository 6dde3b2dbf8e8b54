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

/**
 * Expiry alerts (issue 20) as the components take them: the destination from the validated
 * settings (stacks/alerts.ts) and the events subscribed to. Pure data.
 */
export type { AlertDestination, AlertsSettings } from "../stacks/alerts";

/**
 * Key Vault's expiry events (azure-docs event-grid/event-schema-key-vault.md): near-expiry 30
 * days ahead, and expired.
 */
export const EXPIRY_EVENT_TYPES = [
    "Microsoft.KeyVault.SecretNearExpiry",
    "Microsoft.KeyVault.SecretExpired",
    "Microsoft.KeyVault.CertificateNearExpiry",
    "Microsoft.KeyVault.CertificateExpired",
] as const;

import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import type { VaultDiagnostics } from "../../model/vaultSecurity";

/**
 * The vault's audit log (`keyVault.diagnostics`), declared by the KeyVault component as its child, on a vault it
 * creates or one it looks up (a diagnostic setting is a resource of its own, an extension of the vault: it changes
 * nothing of the vault). azure-native v3 has it as `monitor.DiagnosticSetting` (API 2021-05-01-preview; the v2 token
 * `azure-native:insights:DiagnosticSetting` is an alias of it). Key Vault's log category is `AuditEvent` (category
 * group `audit` holds it too); its metric category is `AllMetrics`
 * (MicrosoftDocs/azure-docs articles/key-vault/general/monitor-key-vault-reference.md). With no
 * `logAnalyticsDestinationType` the records go to the workspace's `AzureDiagnostics` table (docs/vault-security.md
 * has the query).
 */
export interface VaultDiagnosticsArgs {
    /** The vault's ARM id (the setting's `resourceUri`). Required. */
    vaultId: pulumi.Input<string>;
    /** Where the records go. Required: workspaceId and/or storageAccountId (stacks/vaultSecurity.ts checks). */
    settings: VaultDiagnostics;
}

/**
 * Retention off, written out. Azure no longer takes a storage retention on a new diagnostic setting
 * ("Diagnostic settings does not support retention for new diagnostic settings"), except `{days: 0,
 * enabled: false}`, and reads every category back with that value: sent as Azure stores it, a
 * `pulumi refresh` finds nothing to change (pulumi/pulumi-azure-native#2798 is refresh diffs on
 * diagnostic settings; hashicorp/terraform-provider-azurerm#23051, Azure/azure-saas#238). Likewise
 * `AllMetrics` is sent with `enabled: false` rather than left out when `metrics: false`.
 */
const NO_RETENTION = { days: 0, enabled: false };

/** The diagnostic setting's name on the vault (a vault takes at most five settings). */
export const DIAGNOSTIC_SETTING_NAME = "aio-secrets-audit";

/** Declares the diagnostic setting as a child of `parent`, named `${name}-diagnostics`. */
export function declareVaultDiagnostics(
    name: string,
    args: VaultDiagnosticsArgs,
    parent: pulumi.Resource,
): monitor.DiagnosticSetting {
    return new monitor.DiagnosticSetting(
        `${name}-diagnostics`,
        {
            name: DIAGNOSTIC_SETTING_NAME,
            resourceUri: args.vaultId,
            workspaceId: args.settings.workspaceId,
            storageAccountId: args.settings.storageAccountId,
            logs: [{ category: "AuditEvent", enabled: true, retentionPolicy: NO_RETENTION }],
            metrics: [{ category: "AllMetrics", enabled: args.settings.metrics, retentionPolicy: NO_RETENTION }],
        },
        { parent },
    );
}

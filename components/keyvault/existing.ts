import type { Problem } from "../../stacks/errors";
import { openToAllNetworks, type VaultNetwork } from "../../model/vaultSecurity";

/**
 * Checks on a vault the stack did not create, against what was looked up. Pure.
 */

/**
 * An existing vault must use the permission model the stack grants with: an access policy on
 * an RBAC vault (or a role assignment on an access-policy vault) is accepted by Azure and then
 * ignored, so every mount fails with 403. `az iot ops init` refused RBAC vaults for this reason.
 * Azure's default for `enableRbacAuthorization` is false (access policies).
 */
export function permissionModelProblem(
    file: string,
    vaultName: string,
    configured: "accessPolicy" | "rbac",
    enableRbacAuthorization: boolean | undefined,
): Problem | undefined {
    const actual = enableRbacAuthorization === true ? "rbac" : "accessPolicy";
    if (actual === configured) return undefined;
    const fix =
        actual === "rbac"
            ? `set aio-secrets:keyVault.permissionModel: rbac (the vault uses Azure RBAC), or switch the vault to access policies first: az keyvault update --name ${vaultName} --enable-rbac-authorization false`
            : `set aio-secrets:keyVault.permissionModel: accessPolicy (the vault uses access policies), or migrate the vault to Azure RBAC first: az keyvault update --name ${vaultName} --enable-rbac-authorization true`;
    return {
        file,
        path: "aio-secrets:keyVault.permissionModel",
        value: JSON.stringify(configured),
        rule: `existing vault ${vaultName} uses ${actual === "rbac" ? "Azure RBAC" : "access policies"}, so grants made as ${configured} would be ignored and every mount would fail with 403; ${fix}`,
    };
}

/** What the lookup found of an existing vault's protection (`getVault`'s `properties`). */
export interface FoundProtection {
    enablePurgeProtection?: boolean;
    publicNetworkAccess?: string;
    networkAcls?: { defaultAction?: string; ipRules?: { value: string }[] };
}

/**
 * The policy pack checks a vault the stack creates; a looked-up vault is no resource of the stack, so in a protected
 * stack (`aio-secrets:protect`) the lookup says what the policies would have refused, as warnings (the stack never
 * changes a vault it did not create): purge protection off, and a vault open to every network when
 * `keyVault.network` is not set (when it is, {@link existingNetworkProblem} already holds the vault to it).
 */
export function existingProtectionWarnings(
    file: string,
    vaultName: string,
    settings: { protect: boolean; network: VaultNetwork | undefined },
    found: FoundProtection,
): string[] {
    if (!settings.protect) return [];
    const warnings: string[] = [];
    if (found.enablePurgeProtection !== true)
        warnings.push(
            `${file}: existing vault ${vaultName} has purge protection off (aio-secrets:protect is set): a deleted secret, or the vault, can be purged for good; its owner turns it on with az keyvault update --name ${vaultName} --enable-purge-protection true (it cannot be turned off again)`,
        );
    const acls = found.networkAcls ?? {};
    const open = openToAllNetworks({
        publicNetworkAccess: found.publicNetworkAccess === "Disabled" ? "Disabled" : "Enabled",
        network: {
            defaultAction: acls.defaultAction === "Deny" ? "Deny" : "Allow",
            bypass: "AzureServices",
            ipRules: (acls.ipRules ?? []).map((r) => r.value),
            virtualNetworkRules: [],
        },
    });
    if (settings.network === undefined && open)
        warnings.push(
            `${file}: existing vault ${vaultName} is open to every network (aio-secrets:protect is set) and aio-secrets:keyVault.network is not set, so nothing checks its firewall: set keyVault.network to the rules the vault must have (the lookup then stops a run when the vault is more open), or network.openReason to say why it stays open`,
        );
    return warnings;
}

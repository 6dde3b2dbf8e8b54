import type { Problem } from "../../stacks/errors";

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

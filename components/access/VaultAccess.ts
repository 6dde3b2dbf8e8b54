import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as authorization from "@pulumi/azure-native/authorization";
import { KEY_VAULT_ROLES, readerPermissions, readerRoles, RoleKey, VaultUsage, writerPermissions, writerRoles } from "./permissions";

export interface VaultAccessArgs {
    /** Vault name. Required. */
    vaultName: pulumi.Input<string>;
    /** Vault resource group. Required. */
    resourceGroupName: pulumi.Input<string>;
    /** Vault ARM id: the only scope role assignments get. Required. */
    vaultId: pulumi.Input<string>;
    /** Tenant of the principals. Required. */
    tenantId: pulumi.Input<string>;
    /** Subscription whose role definitions are used (RBAC). Required for RBAC. */
    subscriptionId: pulumi.Input<string>;
    /** `accessPolicy` or `rbac`, as the vault is configured. Required. */
    permissionModel: "accessPolicy" | "rbac";
    /** Object id of the CSI driver's service principal (reader); omit to grant it nothing (already granted). */
    readerObjectId?: pulumi.Input<string>;
    /** Object id of the deploying identity (writer); omit to grant it nothing. */
    writerObjectId?: pulumi.Input<string>;
    /** What is mounted and written, which decides the permissions. Required. */
    usage: VaultUsage;
    /** Keep the grants when they leave the stack (adopted set-ups: init granted the SP already). Default false. */
    retainOnDelete?: boolean;
}

/**
 * Vault access as code: the CSI driver's service principal may read exactly what the catalog
 * mounts, and the deploying identity may write the stack's secrets (never purge). Access
 * policies are separate `keyvault.AccessPolicy` resources (never inline on the vault); RBAC
 * role assignments are scoped to the vault, never the group or subscription.
 */
export class VaultAccess extends pulumi.ComponentResource {
    /** Resources the vault's secrets must wait for (writes fail until access exists). */
    readonly grants: pulumi.Resource[] = [];

    constructor(name: string, args: VaultAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:access:VaultAccess", name, {}, opts);

        if (args.permissionModel === "accessPolicy") {
            const policy = (part: string, objectId: pulumi.Input<string>, permissions: ReturnType<typeof readerPermissions>) =>
                new keyvault.AccessPolicy(
                    `${name}-${part}`,
                    {
                        resourceGroupName: args.resourceGroupName,
                        vaultName: args.vaultName,
                        policy: { tenantId: args.tenantId, objectId, permissions },
                    },
                    { parent: this, retainOnDelete: args.retainOnDelete },
                );
            if (args.readerObjectId !== undefined) this.grants.push(policy("reader", args.readerObjectId, readerPermissions(args.usage)));
            if (args.writerObjectId !== undefined) {
                this.grants.push(policy("writer", args.writerObjectId, writerPermissions(args.usage)));
            }
        } else {
            const assign = (part: string, principalId: pulumi.Input<string>, role: RoleKey, principalType?: string) =>
                new authorization.RoleAssignment(
                    `${name}-${part}-${role}`,
                    {
                        principalId,
                        principalType,
                        scope: args.vaultId,
                        roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES[role].id}`,
                        description: `aio-secrets: ${KEY_VAULT_ROLES[role].name} for the ${part}`,
                    },
                    { parent: this, retainOnDelete: args.retainOnDelete },
                );
            const reader = args.readerObjectId;
            if (reader !== undefined) for (const role of readerRoles(args.usage)) this.grants.push(assign("reader", reader, role, "ServicePrincipal"));
            if (args.writerObjectId !== undefined) {
                for (const role of writerRoles(args.usage)) this.grants.push(assign("writer", args.writerObjectId, role));
            }
        }

        this.registerOutputs({});
    }
}

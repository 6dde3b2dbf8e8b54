import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as authorization from "@pulumi/azure-native/authorization";
import { invariant } from "../invariant";
import type { PrincipalType } from "../../model/permissions";
import { READER_PART } from "../../stacks/wellKnown";
import {
    KEY_VAULT_ROLES,
    PolicyPermissions,
    readerPermissions,
    readerRoles,
    RoleKey,
    roleAssignmentName,
    roleDefinitionId,
    VaultUsage,
    writerPermissions,
    writerRoles,
} from "../../model/permissions";

/**
 * Another principal that reads for the cluster, by RBAC roles only: secret sync's identity
 * while the CSI driver's service principal still reads (a staged migration's step 3).
 */
export interface ExtraReader {
    /** Object (principal) id, a service principal's. Required. */
    objectId: pulumi.Input<string>;
    /** Its RBAC roles. Required. */
    roles: readonly RoleKey[];
    /** Child name part, `<name>-<part>-<role>`; must differ from every other reader's. Required. */
    part: string;
    /** Earlier name parts of the same grants: kept by aliases, never deleted and re-created. Default none. */
    aliasParts?: readonly string[];
}

/** A principal that writes the stack's secrets (a deployer). */
export interface VaultWriter {
    /** Entra object id. Required. */
    objectId: pulumi.Input<string>;
    /** `User`, `Group` or `ServicePrincipal`: role assignments must state it (Azure defaults to User). Required. */
    type: pulumi.Input<PrincipalType>;
    /**
     * Stable part of the child resources' names. Default: none, the name the single default
     * writer always had (`<name>-writer`). Use the object id for configured deployers so that
     * their grants do not depend on list order.
     */
    key?: string;
}

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
    /**
     * Object id of the principal that reads for the cluster (a service principal); omit to grant it nothing (already
     * granted).
     */
    readerObjectId?: pulumi.Input<string>;
    /** RBAC roles of the reader. Default: the CSI driver's, `readerRoles(usage)`. */
    readerRoles?: readonly RoleKey[];
    /** Child name part of the reader's role assignments, `<name>-<part>-<role>`. Default `reader`. */
    readerPart?: string;
    /**
     * Earlier name parts of the reader's role assignments, kept by aliases (a rename never re-creates a grant). Default
     * none.
     */
    readerAliasParts?: readonly string[];
    /**
     * Keep the reader's role assignments in Azure when they leave the stack (a migration's CSI reader). Default:
     * `retainOnDelete`.
     */
    readerRetainOnDelete?: boolean;
    /** More readers, by RBAC roles (RBAC only). Default none. */
    extraReaders?: readonly ExtraReader[];
    /**
     * With `accessPolicy`: declare the RBAC role assignments too, beside the access policies,
     * with the names RBAC mode gives them, so that they exist (and have propagated) before the
     * vault switches to RBAC and stay untouched when it does. Default false.
     */
    rolesBesidePolicies?: boolean;
    /** The deploying principals (writers); default none. Keys must be unique. */
    writers?: readonly VaultWriter[];
    /** What is mounted and written, which decides the permissions. Required. */
    usage: VaultUsage;
    /** Keep the grants when they leave the stack (adopted set-ups: init granted the SP already). Default false. */
    retainOnDelete?: boolean;
}

/**
 * Vault access as code: the CSI driver's service principal may read exactly what the catalog
 * mounts, and the deploying principals may write the stack's secrets (never purge). Access
 * policies are separate `keyvault.AccessPolicy` resources (never inline on the vault), written
 * one after another: azure-native takes no lock and parallel writes to one vault's policies
 * fail with 409 "changed from the point the operation began" (pulumi/pulumi-azure-native#1013).
 * RBAC role assignments are scoped to the vault, name their principal type (Azure assumes User
 * and answers UnmatchedPrincipalType for a service principal, Azure/azure-rest-api-specs#21664)
 * and have deterministic names.
 */
export class VaultAccess extends pulumi.ComponentResource {
    /** Resources the vault's secrets must wait for (writes fail until access exists). */
    readonly grants: pulumi.Resource[] = [];
    /** The last vault-level write of this component, for the next write to wait for (access policies only). */
    readonly lastVaultWrite: pulumi.Resource | undefined;

    constructor(name: string, args: VaultAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:access:VaultAccess", name, {}, opts);
        const writers = args.writers ?? [];
        const keys = writers.map((w) => w.key ?? "");
        const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
        // The settings list each deployer once (stacks/settings.ts).
        invariant(duplicate === undefined, name, `two writers share the key "${duplicate}"`);
        const part = (role: "reader" | "writer", key?: string) => (key ? `${role}-${key}` : role);

        let previous: pulumi.Resource | undefined;
        if (args.permissionModel === "accessPolicy") {
            const policy = (child: string, objectId: pulumi.Input<string>, permissions: PolicyPermissions) => {
                const created: keyvault.AccessPolicy = new keyvault.AccessPolicy(
                    `${name}-${child}`,
                    {
                        resourceGroupName: args.resourceGroupName,
                        vaultName: args.vaultName,
                        policy: { tenantId: args.tenantId, objectId, permissions },
                    },
                    {
                        parent: this,
                        retainOnDelete: args.retainOnDelete,
                        // One policy per principal: a replacement must remove the old one first.
                        deleteBeforeReplace: true,
                        dependsOn: previous ? [previous] : [],
                    },
                );
                previous = created;
                this.grants.push(created);
            };
            if (args.readerObjectId !== undefined)
                policy(READER_PART, args.readerObjectId, readerPermissions(args.usage));
            for (const writer of writers)
                policy(part("writer", writer.key), writer.objectId, writerPermissions(args.usage));
        }
        if (args.permissionModel === "rbac" || args.rolesBesidePolicies) {
            const assign = (
                child: string,
                principalId: pulumi.Input<string>,
                principalType: pulumi.Input<PrincipalType>,
                role: RoleKey,
                more: { aliasParts?: readonly string[]; retainOnDelete?: boolean; label?: string } = {},
            ) => {
                const definitionId = pulumi
                    .output(args.subscriptionId)
                    .apply((subscription) => roleDefinitionId(subscription, role));
                this.grants.push(
                    new authorization.RoleAssignment(
                        `${name}-${child}-${role}`,
                        {
                            roleAssignmentName: pulumi
                                .all([args.vaultId, principalId, definitionId])
                                .apply(([scope, principal, definition]) =>
                                    roleAssignmentName(scope, principal, definition),
                                ),
                            principalId,
                            principalType,
                            scope: args.vaultId,
                            roleDefinitionId: definitionId,
                            // Named by what the principal does, not by the child's name: a rename changes nothing in
                            // Azure.
                            description: `aio-secrets: ${KEY_VAULT_ROLES[role].name} for the ${more.label ?? child}`,
                        },
                        // Azure allows one assignment per scope, principal and role.
                        {
                            parent: this,
                            retainOnDelete: more.retainOnDelete ?? args.retainOnDelete,
                            deleteBeforeReplace: true,
                            aliases: (more.aliasParts ?? []).map((p) => ({ name: `${name}-${p}-${role}` })),
                        },
                    ),
                );
            };
            const reader = args.readerObjectId;
            const readerOpts = {
                aliasParts: args.readerAliasParts,
                retainOnDelete: args.readerRetainOnDelete,
                label: "reader",
            };
            if (reader !== undefined) {
                for (const role of args.readerRoles ?? readerRoles(args.usage))
                    assign(args.readerPart ?? READER_PART, reader, "ServicePrincipal", role, readerOpts);
            }
            for (const extra of args.extraReaders ?? []) {
                for (const role of extra.roles)
                    assign(extra.part, extra.objectId, "ServicePrincipal", role, {
                        aliasParts: extra.aliasParts,
                        label: "reader",
                    });
            }
            for (const writer of writers) {
                for (const role of writerRoles(args.usage))
                    assign(part("writer", writer.key), writer.objectId, writer.type, role);
            }
        }
        this.lastVaultWrite = previous;

        this.registerOutputs({});
    }
}

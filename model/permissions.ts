import { createHash } from "node:crypto";
import type { PrincipalType } from "../stacks/settings";

/** Kinds of Entra principal a grant names (stacks/settings.ts), for the components that grant. */
export type { PrincipalType };

/**
 * Who may do what on the vault, derived from what the catalog mounts and writes. Pure.
 * Access-policy permissions are the names Key Vault uses; RBAC roles are the built-in
 * role definition ids (learn.microsoft.com, "Azure built-in roles for Key Vault data plane").
 */

/** What the cluster reads and what the stack writes. */
export interface VaultUsage {
    /** Some SPC mounts an object of type key. */
    mountsKeys: boolean;
    /** Some SPC mounts an object of type cert. */
    mountsCerts: boolean;
    /** The stack creates vault keys (catalog keys with source generated). */
    writesKeys: boolean;
}

export interface PolicyPermissions {
    secrets: string[];
    keys: string[];
    certificates: string[];
    storage: string[];
}

/** The CSI driver's service principal: read what is mounted, nothing else (init: secrets get, list). */
export function readerPermissions(usage: VaultUsage): PolicyPermissions {
    return {
        secrets: ["get", "list"],
        keys: usage.mountsKeys ? ["get"] : [],
        certificates: usage.mountsCerts ? ["get"] : [],
        storage: [],
    };
}

/**
 * The deploying identity: what `pulumi up` needs to write and (only for entries marked
 * deleteOnRemove) delete its secrets. Never purge: a purge cannot be undone.
 */
export function writerPermissions(usage: VaultUsage): PolicyPermissions {
    return {
        secrets: ["get", "list", "set", "delete", "recover"],
        keys: usage.writesKeys ? ["get", "list", "create", "update", "delete", "recover"] : [],
        certificates: [],
        storage: [],
    };
}

/** Built-in Key Vault data-plane roles. */
export const KEY_VAULT_ROLES = {
    secretsUser: { name: "Key Vault Secrets User", id: "4633458b-17de-408a-b874-0445c86b69e6" },
    secretsOfficer: { name: "Key Vault Secrets Officer", id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7" },
    certificateUser: { name: "Key Vault Certificate User", id: "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba" },
    cryptoUser: { name: "Key Vault Crypto User", id: "12338af0-0e69-4776-bea7-57ae8d297424" },
    cryptoOfficer: { name: "Key Vault Crypto Officer", id: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603" },
    /**
     * Control plane: read the vault's properties (secret sync's identity gets it, as `az iot ops secretsync enable`
     * grants).
     */
    vaultReader: { name: "Key Vault Reader", id: "21090545-7ca7-4776-b22c-e363652d74d2" },
} as const;

export type RoleKey = keyof typeof KEY_VAULT_ROLES;

/** RBAC roles of the CSI driver's service principal, scoped to the vault. */
export function readerRoles(usage: VaultUsage): RoleKey[] {
    const roles: RoleKey[] = ["secretsUser"];
    if (usage.mountsCerts) roles.push("certificateUser");
    if (usage.mountsKeys) roles.push("cryptoUser");
    return roles;
}

/**
 * RBAC roles of secret sync's managed identity, scoped to the vault: the two that
 * `az iot ops secretsync enable` grants, plus read access for synced certificates and keys.
 */
export function syncReaderRoles(usage: VaultUsage): RoleKey[] {
    const roles: RoleKey[] = ["secretsUser", "vaultReader"];
    if (usage.mountsCerts) roles.push("certificateUser");
    if (usage.mountsKeys) roles.push("cryptoUser");
    return roles;
}

/** RBAC roles of the deploying identity, scoped to the vault. */
export function writerRoles(usage: VaultUsage): RoleKey[] {
    const roles: RoleKey[] = ["secretsOfficer"];
    if (usage.writesKeys) roles.push("cryptoOfficer");
    return roles;
}

/** Namespace of aio-secrets' name-based UUIDs (a v4 UUID chosen once; never change it). */
const ROLE_ASSIGNMENT_NAMESPACE = "3f0c5a5e-8d7b-4c1e-9a57-6a4de2b0c7f1";

/** RFC 4122 version-5 (SHA-1, name-based) UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
    const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
    if (ns.length !== 16) throw new Error(`not a UUID: ${namespace}`);
    const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
    hash[6] = (hash[6] & 0x0f) | 0x50;
    hash[8] = (hash[8] & 0x3f) | 0x80;
    const hex = hash.subarray(0, 16).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The role assignment's name: a UUID v5 of scope, principal and role definition, so the same
 * grant always has the same name: never a second, randomly named assignment (Azure's 409
 * RoleAssignmentExists), and after a lost state one `pulumi import` with a name known in advance
 * (azure-native does not take over an existing assignment). ARM ids are case-insensitive, so
 * the parts are lower-cased.
 */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionId: string): string {
    return uuidV5(
        [scope, principalId, roleDefinitionId].map((p) => p.toLowerCase()).join("|"),
        ROLE_ASSIGNMENT_NAMESPACE,
    );
}

/** The role definition id of a Key Vault role in a subscription. */
export function roleDefinitionId(subscriptionId: string, role: RoleKey): string {
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES[role].id}`;
}

/**
 * The ARM ids of one principal's role assignments on a vault, sorted: what changes exactly when
 * one of its grants is created anew (another vault, principal or role), whatever the grants'
 * names in the program (a rename through an alias keeps them, and keeps these ids).
 */
export function grantIds(
    vaultId: string,
    subscriptionId: string,
    principalId: string,
    roles: readonly RoleKey[],
): string[] {
    return roles
        .map(
            (role) =>
                `${vaultId}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(vaultId, principalId, roleDefinitionId(subscriptionId, role))}`,
        )
        .sort();
}

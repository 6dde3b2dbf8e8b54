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
} as const;

export type RoleKey = keyof typeof KEY_VAULT_ROLES;

/** RBAC roles of the CSI driver's service principal, scoped to the vault. */
export function readerRoles(usage: VaultUsage): RoleKey[] {
    const roles: RoleKey[] = ["secretsUser"];
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

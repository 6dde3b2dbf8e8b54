import type { ComponentDescriptor, ResourceDescriptor } from "../descriptor";
import { KEY_VAULT_CONTRIBUTOR } from "../keyvault/descriptor";

/** `azure-native:authorization:RoleAssignment`. */
export const ROLE_ASSIGNMENT: ResourceDescriptor = {
    rights: {
        kind: "azure",
        rights: [
            {
                resourceType: "Microsoft.Authorization/roleAssignments",
                operations: ["read", "write"],
                role: "Role Based Access Control Administrator (or User Access Administrator) at the assignment's scope",
            },
        ],
    },
    display: ["description", "principalId", "scope"],
};

/** VaultAccess (VaultAccess.ts): access policies or role assignments on the vault. */
export const vaultAccessDescriptor: ComponentDescriptor = {
    type: "aio-secrets:access:VaultAccess",
    resources: {
        "azure-native:keyvault:AccessPolicy": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.KeyVault/vaults/accessPolicies",
                        operations: ["write"],
                        role: KEY_VAULT_CONTRIBUTOR,
                        deletes: false,
                    },
                    {
                        resourceType: "Microsoft.KeyVault/vaults",
                        operations: ["read"],
                        role: KEY_VAULT_CONTRIBUTOR,
                        deletes: false,
                    },
                ],
            },
            display: ["vaultName", "policy.objectId", "policy.permissions"],
        },
        "azure-native:authorization:RoleAssignment": ROLE_ASSIGNMENT,
    },
};

import type { AzureRight, ComponentDescriptor, ResourceDescriptor } from "../descriptor";

/** Key Vault Contributor: what creating and changing a vault and its objects through ARM takes. */
export const KEY_VAULT_CONTRIBUTOR = "Key Vault Contributor (or Contributor) on the vault's resource group";

/** `azure-native:keyvault:Vault`. */
export const VAULT: ResourceDescriptor = {
    rights: {
        kind: "azure",
        rights: [
            { resourceType: "Microsoft.KeyVault/vaults", operations: ["read", "write"], role: KEY_VAULT_CONTRIBUTOR },
        ],
    },
    display: [
        "vaultName",
        "resourceGroupName",
        "location",
        "properties.sku.name",
        "properties.enableRbacAuthorization",
        "properties.softDeleteRetentionInDays",
        "properties.enablePurgeProtection",
        "properties.publicNetworkAccess",
    ],
    fake: ({ inputs, subscriptionId }) => {
        const name = String(inputs.vaultName);
        const props = (inputs.properties ?? {}) as Record<string, unknown>;
        return {
            id: `/subscriptions/${subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.KeyVault/vaults/${name}`,
            state: { ...inputs, name, properties: { ...props, vaultUri: `https://${name}.vault.azure.net/` } },
        };
    },
};

/** Reading an existing vault (`existing: true`): the component then declares nothing. */
const VAULT_LOOKUP: AzureRight = {
    resourceType: "Microsoft.KeyVault/vaults",
    operations: ["read"],
    role: "Reader (or Key Vault Contributor) on the vault",
    deletes: false,
};

/** KeyVault (KeyVault.ts): the vault, and its resource group when the stack creates it. */
export const keyVaultDescriptor: ComponentDescriptor = {
    type: "aio-secrets:keyvault:KeyVault",
    resources: {
        "azure-native:resources:ResourceGroup": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.Resources/subscriptions/resourceGroups",
                        operations: ["read", "write"],
                        role: "Contributor on the subscription",
                    },
                ],
            },
            display: ["resourceGroupName", "location"],
        },
        "azure-native:keyvault:Vault": VAULT,
    },
    lookups: [VAULT_LOOKUP],
};

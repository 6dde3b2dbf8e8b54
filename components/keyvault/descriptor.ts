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
        "properties.networkAcls.defaultAction",
        "properties.networkAcls.bypass",
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

/** `azure-native:network:PrivateEndpoint` (keyVault.privateEndpoint; components/keyvault/endpoint.ts). */
export const PRIVATE_ENDPOINT: ResourceDescriptor = {
    rights: {
        kind: "azure",
        rights: [
            {
                resourceType: "Microsoft.Network/privateEndpoints",
                operations: ["read", "write"],
                role: "Network Contributor on the endpoint's resource group",
            },
            {
                resourceType: "Microsoft.Network/virtualNetworks/subnets/join",
                operations: ["action"],
                role: "Network Contributor on the subnet's virtual network",
                deletes: false,
            },
            {
                resourceType: "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval",
                operations: ["action"],
                role: KEY_VAULT_CONTRIBUTOR,
                deletes: false,
            },
        ],
    },
    display: ["privateEndpointName", { label: "subnet", path: "subnet.id" }, "location"],
    fake: ({ inputs, subscriptionId }) => {
        const name = String(inputs.privateEndpointName);
        return {
            id: `/subscriptions/${subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.Network/privateEndpoints/${name}`,
            state: { ...inputs, name },
        };
    },
};

/** `azure-native:network:PrivateDnsZoneGroup`: the endpoint's A record in privatelink.vaultcore.azure.net. */
export const PRIVATE_DNS_ZONE_GROUP: ResourceDescriptor = {
    rights: {
        kind: "azure",
        rights: [
            {
                resourceType: "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                operations: ["read", "write"],
                role: "Network Contributor on the endpoint's resource group",
            },
            {
                resourceType: "Microsoft.Network/privateDnsZones/join",
                operations: ["action"],
                role: "Private DNS Zone Contributor on the zone",
                deletes: false,
            },
        ],
    },
    display: ["privateDnsZoneGroupName", { label: "zone", path: "privateDnsZoneConfigs.0.privateDnsZoneId" }],
};

/** `azure-native:monitor:DiagnosticSetting`: the vault's AuditEvent logs (keyVault.diagnostics). */
export const DIAGNOSTIC_SETTING: ResourceDescriptor = {
    rights: {
        kind: "azure",
        rights: [
            {
                resourceType: "Microsoft.Insights/diagnosticSettings",
                operations: ["read", "write"],
                role: "Monitoring Contributor on the vault",
            },
        ],
    },
    display: ["name", "workspaceId", "storageAccountId", { label: "logs", path: "logs.0.category" }],
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
        "azure-native:network:PrivateEndpoint": PRIVATE_ENDPOINT,
        "azure-native:network:PrivateDnsZoneGroup": PRIVATE_DNS_ZONE_GROUP,
        "azure-native:monitor:DiagnosticSetting": DIAGNOSTIC_SETTING,
    },
    lookups: [VAULT_LOOKUP],
};

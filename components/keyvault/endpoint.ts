import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import type { VaultPrivateEndpoint } from "../../model/vaultSecurity";

/**
 * The vault's private endpoint (`keyVault.privateEndpoint`), declared by the KeyVault component as its children.
 * azure-native v3 `network.PrivateEndpoint` (API 2024-05-01): `subnet.id`, `privateLinkServiceConnections[{name,
 * privateLinkServiceId, groupIds}]`; Key Vault's only private link group is `vault`
 * (MicrosoftDocs/azure-docs articles/key-vault/general/private-link-service.md). The endpoint lives in the subnet's
 * region (`location`, default: the provider's). `network.PrivateDnsZoneGroup` writes the endpoint's A record into the
 * `privatelink.vaultcore.azure.net` zone and keeps it when the endpoint's address changes.
 */
export interface VaultEndpointArgs {
    /** The vault's name, for the endpoint's name (`pe-<vault>`). Required. */
    vaultName: string;
    /** The vault's ARM id: the endpoint waits for the vault through it. Required. */
    vaultId: pulumi.Input<string>;
    /** Resource group of the endpoint. Required (settings default: the vault's). */
    resourceGroupName: pulumi.Input<string>;
    /** Region of the endpoint: the subnet's virtual network's. Default: the provider's `azure-native:location`. */
    location?: string;
    /** The settings: subnet and DNS zone ids. Required. */
    settings: VaultPrivateEndpoint;
    /** Tags. Default none. */
    tags?: Record<string, string>;
}

/** Declares the endpoint and its DNS zone group as children of `parent`, named `${name}-pe` and `${name}-pe-dns`. */
export function declareVaultEndpoint(
    name: string,
    args: VaultEndpointArgs,
    parent: pulumi.Resource,
    protect: boolean | undefined,
): network.PrivateEndpoint {
    const endpointName = `pe-${args.vaultName}`;
    const endpoint = new network.PrivateEndpoint(
        `${name}-pe`,
        {
            privateEndpointName: endpointName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            subnet: { id: args.settings.subnetId },
            privateLinkServiceConnections: [
                { name: `${endpointName}-vault`, privateLinkServiceId: args.vaultId, groupIds: ["vault"] },
            ],
            tags: args.tags,
        },
        { parent, protect },
    );
    new network.PrivateDnsZoneGroup(
        `${name}-pe-dns`,
        {
            // From the endpoint's output: the zone group waits for the endpoint.
            privateEndpointName: endpoint.name,
            resourceGroupName: args.resourceGroupName,
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [
                { name: "privatelink-vaultcore-azure-net", privateDnsZoneId: args.settings.privateDnsZoneId },
            ],
        },
        { parent, protect },
    );
    return endpoint;
}

import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as resources from "@pulumi/azure-native/resources";
import { ConfigError } from "../../stacks/errors";
import { existingProtectionWarnings, permissionModelProblem } from "./existing";
import { existingNetworkProblem, networkAcls } from "./network";
import { declareVaultEndpoint } from "./endpoint";
import { declareVaultDiagnostics } from "./diagnostics";
import {
    OPEN_NETWORK_REASON_TAG,
    type VaultDiagnostics,
    type VaultNetwork,
    type VaultPrivateEndpoint,
} from "../../model/vaultSecurity";

export interface KeyVaultArgs {
    /** Vault name (3-24 chars, globally unique). Required. */
    vaultName: string;
    /** Resource group of the vault. Required. */
    resourceGroupName: string;
    /** Azure region; default: the provider's `azure-native:location`. Ignored for an existing vault. */
    location?: string;
    /** Entra tenant the vault trusts. Required. */
    tenantId: pulumi.Input<string>;
    /** true: look the vault up and never create, change or delete it. Default false. */
    existing?: boolean;
    /** Create the resource group too (never for an existing vault). Default false. */
    createResourceGroup?: boolean;
    /** `accessPolicy` (what init required) or `rbac`. Required (settings default `accessPolicy`). */
    permissionModel: "accessPolicy" | "rbac";
    /** Soft-delete retention, 7..90 days, fixed at creation. Required (settings default 90). */
    softDeleteRetentionDays: number;
    /** Purge protection; once on it can never be turned off. Required (settings default true). */
    purgeProtection: boolean;
    /**
     * Public network access. Required (settings default `Enabled`: the CSI driver on an edge cluster reaches the vault
     * over the internet). On an existing vault: checked, never applied (Disabled stops the run when the vault still
     * answers on its public endpoint).
     */
    publicNetworkAccess: "Enabled" | "Disabled";
    /**
     * The vault's firewall (`properties.networkAcls`). On a created vault: applied. On an existing vault: checked (the
     * lookup stops the run when the vault differs; the stack never changes a vault it did not create). Default none
     * (Azure's defaults: every network).
     */
    network?: VaultNetwork;
    /** A private endpoint for the vault's `vault` group and its DNS zone group, after the vault. Default none. */
    privateEndpoint?: VaultPrivateEndpoint;
    /** A diagnostic setting with the AuditEvent logs (and AllMetrics), also on an existing vault. Default none. */
    diagnostics?: VaultDiagnostics;
    /** Set Pulumi's `protect` on the vault (protected environments). Default false. */
    protect?: boolean;
    /** Tags on the vault. Default none. */
    tags?: Record<string, string>;
    /**
     * The settings file, named in the error when an existing vault's permission model differs. Default
     * `Pulumi.<stack>.yaml`.
     */
    settingsFile?: string;
}

/**
 * The Key Vault that holds the AIO secrets: created as `az iot ops init` expected it (standard
 * sku, soft delete, purge protection, no inline access policies: access is granted by
 * `VaultAccess` with separate resources), or looked up when `existing`.
 */
export class KeyVault extends pulumi.ComponentResource {
    /** The vault's name. */
    readonly vaultName: pulumi.Output<string>;
    /** Its ARM id, the scope for role assignments. */
    readonly vaultId: pulumi.Output<string>;
    /** Data-plane URI, `https://<name>.vault.azure.net/`. */
    readonly vaultUri: pulumi.Output<string>;
    /** The vault's resource group. */
    readonly resourceGroupName: pulumi.Output<string>;
    /** Tenant the vault trusts. */
    readonly tenantId: pulumi.Output<string>;
    /** The vault's Azure region (a created vault's, or what the lookup of an existing one found). */
    readonly location: pulumi.Output<string>;
    /** Whether access is by Azure RBAC rather than access policies. */
    readonly rbac: boolean;
    /**
     * The resource group this component creates (`createResourceGroup`), for others in it to wait for; else undefined.
     */
    readonly createdResourceGroup: resources.ResourceGroup | undefined;

    constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:keyvault:KeyVault", name, {}, opts);
        this.rbac = args.permissionModel === "rbac";
        let createdResourceGroup: resources.ResourceGroup | undefined;

        if (args.existing) {
            const lookedUp = keyvault.getVaultOutput(
                { resourceGroupName: args.resourceGroupName, vaultName: args.vaultName },
                { parent: this },
            );
            // Everything the stack uses of the vault flows through this check, so a mismatch stops
            // the run before any grant or secret is written.
            const file = args.settingsFile ?? `Pulumi.${pulumi.getStack()}.yaml`;
            const found = lookedUp.apply((vault) => {
                // keyVault.network on an existing vault is checked, never applied (components/keyvault/network.ts).
                const problem =
                    permissionModelProblem(
                        file,
                        args.vaultName,
                        args.permissionModel,
                        vault.properties.enableRbacAuthorization,
                    ) ??
                    existingNetworkProblem(
                        file,
                        args.vaultName,
                        args.network,
                        vault.properties,
                        args.publicNetworkAccess,
                    );
                if (problem) throw new ConfigError([problem]);
                for (const warning of existingProtectionWarnings(
                    file,
                    args.vaultName,
                    { protect: args.protect === true, network: args.network },
                    vault.properties,
                ))
                    void pulumi.log.warn(warning, this);
                return vault;
            });
            this.vaultId = found.id;
            this.vaultUri = found.properties.apply((p) => p.vaultUri ?? `https://${args.vaultName}.vault.azure.net/`);
            this.tenantId = found.properties.tenantId;
            this.location = found.apply((v) => v.location ?? "");
            this.resourceGroupName = pulumi.output(args.resourceGroupName);
            // Known up front (and so in a preview); the id and tenant carry the check.
            this.vaultName = pulumi.output(args.vaultName);
        } else {
            let resourceGroupName: pulumi.Output<string> = pulumi.output(args.resourceGroupName);
            if (args.createResourceGroup) {
                const group = new resources.ResourceGroup(
                    `${name}-rg`,
                    { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
                    { parent: this, protect: args.protect },
                );
                // Known at preview time, yet still waits for the group.
                resourceGroupName = group.urn.apply(() => args.resourceGroupName);
                createdResourceGroup = group;
            }
            const vault = new keyvault.Vault(
                `${name}-vault`,
                {
                    vaultName: args.vaultName,
                    resourceGroupName,
                    location: args.location,
                    tags: vaultTags(args),
                    properties: {
                        tenantId: args.tenantId,
                        sku: { family: "A", name: "standard" },
                        enableSoftDelete: true,
                        softDeleteRetentionInDays: args.softDeleteRetentionDays,
                        // The API accepts only true or absent: purge protection cannot be switched off.
                        enablePurgeProtection: args.purgeProtection ? true : undefined,
                        enableRbacAuthorization: this.rbac,
                        publicNetworkAccess: args.publicNetworkAccess,
                        networkAcls: networkAcls(args.network),
                    },
                },
                {
                    parent: this,
                    protect: args.protect,
                    // Access policies are separate keyvault.AccessPolicy resources; never let the
                    // vault's own (empty) list fight them.
                    ignoreChanges: ["properties.accessPolicies"],
                },
            );
            // The name is known before the vault exists; deriving it from the urn keeps the
            // dependency so that every user of the name waits for the vault.
            this.vaultName = vault.urn.apply(() => args.vaultName);
            this.vaultId = vault.id;
            this.vaultUri = vault.properties.apply((p) => p.vaultUri ?? `https://${args.vaultName}.vault.azure.net/`);
            this.tenantId = pulumi.output(args.tenantId);
            this.location = vault.location.apply((l) => l ?? "");
            this.resourceGroupName = resourceGroupName;
        }
        this.createdResourceGroup = createdResourceGroup;
        // Both wait for the vault through its id (a created vault's output, or the checked lookup's).
        if (args.privateEndpoint)
            declareVaultEndpoint(
                name,
                {
                    vaultName: args.vaultName,
                    vaultId: this.vaultId,
                    resourceGroupName: args.privateEndpoint.resourceGroupName ?? this.resourceGroupName,
                    location: args.privateEndpoint.location ?? args.location,
                    settings: args.privateEndpoint,
                    tags: args.tags,
                },
                this,
                args.protect,
            );
        if (args.diagnostics)
            declareVaultDiagnostics(name, { vaultId: this.vaultId, settings: args.diagnostics }, this);

        this.registerOutputs({
            vaultName: this.vaultName,
            vaultId: this.vaultId,
            vaultUri: this.vaultUri,
            tenantId: this.tenantId,
        });
    }
}

/** The vault's tags: the stack's, and the reason a vault stays open to every network when the settings give one. */
function vaultTags(args: KeyVaultArgs): Record<string, string> | undefined {
    const reason = args.network?.openReason;
    if (reason === undefined) return args.tags;
    return { ...(args.tags ?? {}), [OPEN_NETWORK_REASON_TAG]: reason };
}

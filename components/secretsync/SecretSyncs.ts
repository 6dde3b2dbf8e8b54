import * as pulumi from "@pulumi/pulumi";
import * as secretsynccontroller from "@pulumi/azure-native/secretsynccontroller";
import type { SpcObject } from "../../model/spc";
import { renderSyncObjects, SyncModel } from "../../model/secretSync";

export interface SecretSyncsArgs {
    /** Name of the AzureKeyVaultSecretProviderClass (also its name in the cluster). Required. */
    spcName: string;
    /** Resource group of the SPC and the SecretSyncs (the custom location's). Required. */
    resourceGroupName: string;
    /** Region: the Arc cluster's. Required. */
    location: pulumi.Input<string>;
    /** ARM id of the AIO custom location that carries them to the cluster. Required. */
    customLocationId: pulumi.Input<string>;
    /** Client id of the federated managed identity. Required. */
    clientId: pulumi.Input<string>;
    /** Vault name. Required. */
    keyvaultName: pulumi.Input<string>;
    /** Tenant of the vault and the identity. Required. */
    tenantId: pulumi.Input<string>;
    /** The vault objects the SPC lists: exactly those some SecretSync maps. Required. */
    objects: readonly SpcObject[];
    /** One SecretSync per Kubernetes Secret. Required (may be empty). */
    syncs: readonly SyncModel[];
    /** The Secret Store's service account (federated with the identity). Required. */
    serviceAccountName: string;
    /** Stack-wide resync trigger; a Secret's own wins. Default none. */
    forceSynchronization?: string;
    /** Tags. Default none. */
    tags?: Record<string, string>;
    /**
     * What the SPC and the syncs wait for: the extension, the identity's credentials and roles, the vault secrets.
     * Default none.
     */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * How a SecretSync is replaced. A Kubernetes Secret's `type` is immutable, so a new
 * `kubernetesSecretType` never succeeds as an update: it replaces. The replacement deletes
 * first: the ARM name (= the Kubernetes SecretSync and Secret name) stays the same, so a second
 * one cannot exist beside it. The controller writes the Secret with an ownerReference to its
 * SecretSync (kubernetes-sigs/secrets-store-sync-controller internal/controller
 * secretsync_controller.go, serverSidePatchSecret), so Kubernetes deletes the Secret with it
 * and the new SecretSync writes it anew.
 */
export const SECRET_SYNC_REPLACEMENT: Readonly<
    Pick<pulumi.CustomResourceOptions, "replaceOnChanges" | "deleteBeforeReplace">
> = {
    replaceOnChanges: ["kubernetesSecretType"],
    deleteBeforeReplace: true,
};

/**
 * Secret sync's SecretProviderClass (ARM `azureKeyVaultSecretProviderClasses`) and one
 * SecretSync per Kubernetes Secret, as Azure Resource Manager resources on the AIO custom
 * location: no kubeconfig, and they show in the portal. The SPC's `objects` lists every vault
 * object a SecretSync maps, or the sync fails.
 */
export class SecretSyncs extends pulumi.ComponentResource {
    readonly secretProviderClass: secretsynccontroller.AzureKeyVaultSecretProviderClass;
    /** By Kubernetes Secret name. */
    readonly syncs: Record<string, secretsynccontroller.SecretSync> = {};
    /** The rendered `objects` string. */
    readonly objects: string;

    constructor(name: string, args: SecretSyncsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:secretsync:SecretSyncs", name, {}, opts);
        const extendedLocation = {
            name: args.customLocationId,
            type: secretsynccontroller.ExtendedLocationType.CustomLocation,
        };
        this.objects = renderSyncObjects(args.objects);
        this.secretProviderClass = new secretsynccontroller.AzureKeyVaultSecretProviderClass(
            `${name}-spc`,
            {
                azureKeyVaultSecretProviderClassName: args.spcName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                extendedLocation,
                clientId: args.clientId,
                keyvaultName: args.keyvaultName,
                tenantId: args.tenantId,
                objects: this.objects,
                tags: args.tags,
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        for (const sync of args.syncs) {
            const force = sync.forceSynchronization ?? args.forceSynchronization;
            this.syncs[sync.name] = new secretsynccontroller.SecretSync(
                `${name}-${sync.name}`,
                {
                    secretSyncName: sync.name,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    extendedLocation,
                    secretProviderClassName: args.spcName,
                    serviceAccountName: args.serviceAccountName,
                    kubernetesSecretType: sync.type,
                    objectSecretMapping: sync.mappings.map((m) => ({
                        sourcePath: m.sourcePath,
                        targetKey: m.targetKey,
                    })),
                    ...(force !== undefined ? { forceSynchronization: force } : {}),
                    tags: args.tags,
                },
                // The name is known up front; the dependency makes the SPC exist first.
                {
                    parent: this,
                    dependsOn: [...(args.dependsOn ?? []), this.secretProviderClass],
                    ...SECRET_SYNC_REPLACEMENT,
                },
            );
        }
        this.registerOutputs({ secretProviderClassId: this.secretProviderClass.id });
    }
}

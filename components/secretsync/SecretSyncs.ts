import * as pulumi from "@pulumi/pulumi";
import * as secretsynccontroller from "@pulumi/azure-native/secretsynccontroller";
import type { SpcObject } from "../../model/spc";
import { renderSyncObjects, spcsOfSyncs, SyncModel } from "../../model/secretSync";

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
    /**
     * The vault objects the SecretSyncs map. Each SPC lists exactly those its own SecretSyncs map:
     * the stack's (`spcName`) and each other SPC a sync names (`SyncModel.spc`: `opc-ua-connector`).
     * Required.
     */
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
    /** The stack's own SPC (`spcName`). */
    readonly secretProviderClass: secretsynccontroller.AzureKeyVaultSecretProviderClass;
    /** Every SPC, by name: the stack's own and each other one a SecretSync reads (`opc-ua-connector`). */
    readonly secretProviderClasses: Record<string, secretsynccontroller.AzureKeyVaultSecretProviderClass> = {};
    /** By Kubernetes Secret name. */
    readonly syncs: Record<string, secretsynccontroller.SecretSync> = {};
    /** The rendered `objects` string of the stack's own SPC. */
    readonly objects: string;

    constructor(name: string, args: SecretSyncsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:secretsync:SecretSyncs", name, {}, opts);
        const extendedLocation = {
            name: args.customLocationId,
            type: secretsynccontroller.ExtendedLocationType.CustomLocation,
        };
        const spcs = spcsOfSyncs(args.spcName, { objects: [...args.objects], syncs: [...args.syncs] });
        this.objects = renderSyncObjects(spcs[0].objects);
        for (const spc of spcs) {
            // The stack's own keeps its resource name; another is `${name}-spc-<its name>`.
            const resourceName = spc.name === args.spcName ? `${name}-spc` : `${name}-spc-${spc.name}`;
            const provider = new secretsynccontroller.AzureKeyVaultSecretProviderClass(
                resourceName,
                {
                    azureKeyVaultSecretProviderClassName: spc.name,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    extendedLocation,
                    clientId: args.clientId,
                    keyvaultName: args.keyvaultName,
                    tenantId: args.tenantId,
                    objects: renderSyncObjects(spc.objects),
                    tags: args.tags,
                },
                { parent: this, dependsOn: args.dependsOn },
            );
            this.secretProviderClasses[spc.name] = provider;
            for (const sync of spc.syncs) this.declareSync(name, args, sync, spc.name, provider, extendedLocation);
        }
        this.secretProviderClass = this.secretProviderClasses[args.spcName];
        this.registerOutputs({ secretProviderClassId: this.secretProviderClass.id });
    }

    private declareSync(
        name: string,
        args: SecretSyncsArgs,
        sync: SyncModel,
        spcName: string,
        spc: secretsynccontroller.AzureKeyVaultSecretProviderClass,
        extendedLocation: secretsynccontroller.AzureKeyVaultSecretProviderClassArgs["extendedLocation"],
    ): void {
        const force = sync.forceSynchronization ?? args.forceSynchronization;
        this.syncs[sync.name] = new secretsynccontroller.SecretSync(
            `${name}-${sync.name}`,
            {
                secretSyncName: sync.name,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                extendedLocation,
                secretProviderClassName: spcName,
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
                dependsOn: [...(args.dependsOn ?? []), spc],
                ...SECRET_SYNC_REPLACEMENT,
            },
        );
    }
}

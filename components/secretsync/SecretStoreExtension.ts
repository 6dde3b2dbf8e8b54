import * as pulumi from "@pulumi/pulumi";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import { pinnedExtensionArgs } from "../cluster/extension";
import { secretStoreSettings } from "../../model/secretSync";

export interface SecretStoreExtensionArgs {
    /** Arc connected cluster name. Required. */
    clusterName: pulumi.Input<string>;
    /** Resource group of the Arc cluster. Required. */
    resourceGroupName: pulumi.Input<string>;
    /** Extension resource name. Required (settings default `azure-secret-store`, the CLI's). */
    extensionName: string;
    /** Pinned extension version; minor auto-upgrade is always off. Required. */
    version: string;
    /** Release train of that version: `stable` or `preview`. Required. */
    releaseTrain: string;
    /** How often the controller reads each synced object from the vault, in seconds. Required. */
    rotationPollIntervalInSeconds: number;
    /**
     * Further chart settings, verbatim (never `rotationPollIntervalInSeconds`: settings.ts refuses it). Default none.
     */
    settings?: Record<string, string>;
}

/**
 * The Azure Key Vault Secret Store Arc extension (`microsoft.azure.secretstore`: the Secret
 * Sync Controller and its Azure provider), installed as AIO's tooling does: version pinned,
 * minor auto-upgrade off, system-assigned identity, AIO's settings. Its id must be among the
 * AIO custom location's cluster extensions for the SPC and SecretSyncs to reach the cluster.
 */
export class SecretStoreExtension extends pulumi.ComponentResource {
    /** The extension resource, for dependencies (the SecretSync CRDs come with it). */
    readonly extension: kubernetesconfiguration.Extension;

    constructor(name: string, args: SecretStoreExtensionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:secretsync:SecretStoreExtension", name, {}, opts);
        this.extension = new kubernetesconfiguration.Extension(
            `${name}-extension`,
            {
                ...pinnedExtensionArgs({
                    clusterName: args.clusterName,
                    resourceGroupName: args.resourceGroupName,
                    extensionName: args.extensionName,
                    extensionType: "microsoft.azure.secretstore",
                    version: args.version,
                    releaseTrain: args.releaseTrain,
                }),
                configurationSettings: secretStoreSettings(args.rotationPollIntervalInSeconds, args.settings),
            },
            // AIO reads every secret through it: leaving the stack (install back to false, a destroy)
            // never uninstalls it from the cluster.
            { parent: this, retainOnDelete: true },
        );
        this.registerOutputs({ extensionId: this.extension.id });
    }
}

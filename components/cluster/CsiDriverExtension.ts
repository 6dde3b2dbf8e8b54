import * as pulumi from "@pulumi/pulumi";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import { csiDriverConfigurationSettings, CsiDriverSettings, pinnedExtensionArgs } from "./extension";

export interface CsiDriverExtensionArgs {
    /** Arc connected cluster name. Required. */
    clusterName: pulumi.Input<string>;
    /** Resource group of the Arc cluster. Required. */
    resourceGroupName: pulumi.Input<string>;
    /** Extension resource name. Required (settings default `akvsecretsprovider`, init's). */
    extensionName: string;
    /** Extension type. Required (`microsoft.azurekeyvaultsecretsprovider`, stacks/defaults.ts). */
    extensionType: string;
    /** Pinned extension version; minor auto-upgrade is always off. Required. */
    version: string;
    /** Driver settings; defaults are init's (rotation on, poll 1h, no secret sync). Required. */
    settings: CsiDriverSettings;
}

/**
 * The Azure Key Vault Secrets Provider Arc extension (Secrets Store CSI driver plus the Azure
 * provider), installed as `az iot ops init` did: version pinned, minor auto-upgrade off,
 * system-assigned identity.
 */
export class CsiDriverExtension extends pulumi.ComponentResource {
    /** The extension resource, for dependencies (the SPC CRD comes with it). */
    readonly extension: kubernetesconfiguration.Extension;

    constructor(name: string, args: CsiDriverExtensionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:cluster:CsiDriverExtension", name, {}, opts);
        this.extension = new kubernetesconfiguration.Extension(
            `${name}-extension`,
            {
                ...pinnedExtensionArgs({
                    clusterName: args.clusterName,
                    resourceGroupName: args.resourceGroupName,
                    extensionName: args.extensionName,
                    extensionType: args.extensionType,
                    version: args.version,
                }),
                configurationSettings: csiDriverConfigurationSettings(args.settings),
                // Secret settings only here (Azure never returns them); wrapped so they stay secret in state.
                configurationProtectedSettings:
                    Object.keys(args.settings.protectedExtra ?? {}).length > 0
                        ? pulumi.secret({ ...args.settings.protectedExtra })
                        : {},
            },
            { parent: this },
        );
        this.registerOutputs({ extensionName: this.extension.name });
    }
}

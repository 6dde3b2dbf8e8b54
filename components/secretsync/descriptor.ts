import type { AzureRight, ComponentDescriptor } from "../descriptor";
import { CLUSTER_EXTENSION } from "../cluster/descriptor";

/** Deploying to a custom location (secret sync's SPC and SecretSyncs) needs its deploy action. */
const CUSTOM_LOCATION_DEPLOY: AzureRight = {
    resourceType: "Microsoft.ExtendedLocation/customLocations/deploy",
    operations: ["action"],
    role: "Contributor (or a custom role with it) on the AIO custom location",
    deletes: false,
};

/**
 * What the program reads before declaring anything in secret-sync mode (delivery/secretSync/preflight.ts): the
 * custom location, the Secret Store extension, and the Arc cluster (an ARM GET for its OIDC
 * issuer, unless `secretSync.oidcIssuerUrl` is set). Listed with the SPC, which only that mode declares.
 */
const ARC_READS: AzureRight[] = [
    {
        resourceType: "Microsoft.ExtendedLocation/customLocations",
        operations: ["read"],
        role: "Reader on the custom location's resource group",
        deletes: false,
    },
    {
        resourceType: "Microsoft.KubernetesConfiguration/extensions",
        operations: ["read"],
        role: "Reader on the Arc cluster's resource group",
        deletes: false,
    },
    {
        resourceType: "Microsoft.Kubernetes/connectedClusters",
        operations: ["read"],
        role: "Reader on the Arc cluster's resource group",
        deletes: false,
    },
];

const CUSTOM_LOCATION_CONTRIBUTOR = "Contributor on the custom location's resource group";

/** SecretSyncs (SecretSyncs.ts): the AzureKeyVaultSecretProviderClass and one SecretSync per Kubernetes Secret. */
export const secretSyncsDescriptor: ComponentDescriptor = {
    type: "aio-secrets:secretsync:SecretSyncs",
    resources: {
        "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses",
                        operations: ["read", "write"],
                        role: CUSTOM_LOCATION_CONTRIBUTOR,
                    },
                    CUSTOM_LOCATION_DEPLOY,
                    ...ARC_READS,
                ],
            },
            display: [
                "azureKeyVaultSecretProviderClassName",
                "resourceGroupName",
                "extendedLocation.name",
                "keyvaultName",
                "clientId",
                { path: "objects", show: "objectNames" },
            ],
            fake: ({ inputs, subscriptionId }) => {
                const name = String(inputs.azureKeyVaultSecretProviderClassName);
                return {
                    id: `/subscriptions/${subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses/${name}`,
                    state: { ...inputs, name },
                };
            },
        },
        "azure-native:secretsynccontroller:SecretSync": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.SecretSyncController/secretSyncs",
                        operations: ["read", "write"],
                        role: CUSTOM_LOCATION_CONTRIBUTOR,
                    },
                    CUSTOM_LOCATION_DEPLOY,
                ],
            },
            display: [
                "secretSyncName",
                "secretProviderClassName",
                "kubernetesSecretType",
                { path: "objectSecretMapping", show: "mappings" },
                "forceSynchronization",
            ],
        },
    },
};

/** SecretStoreExtension (SecretStoreExtension.ts): the Secret Store's Arc extension, when the stack installs it. */
export const secretStoreExtensionDescriptor: ComponentDescriptor = {
    type: "aio-secrets:secretsync:SecretStoreExtension",
    resources: { "azure-native:kubernetesconfiguration:Extension": CLUSTER_EXTENSION },
};

/** PropagationWait (PropagationWait.ts): a pause for Key Vault RBAC and the federated credential to propagate. */
export const propagationWaitDescriptor: ComponentDescriptor = {
    type: "aio-secrets:secretsync:PropagationWait",
    resources: { "time:index/sleep:Sleep": { rights: { kind: "local" }, display: ["createDuration"] } },
};

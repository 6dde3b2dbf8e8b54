import type { ComponentDescriptor, ResourceDescriptor } from "../descriptor";

/** `kubernetes:core/v1:Secret` (the credential Secret, the test CA's key pair). */
export const KUBERNETES_SECRET: ResourceDescriptor = {
    rights: { kind: "kubernetes" },
    display: ["metadata.namespace", "metadata.name", "type", "metadata.labels", "stringData"],
};

/** `azure-native:kubernetesconfiguration:Extension` (the CSI driver, the Secret Store). */
export const CLUSTER_EXTENSION: ResourceDescriptor = {
    rights: {
        kind: "azure",
        rights: [
            {
                resourceType: "Microsoft.KubernetesConfiguration/extensions",
                operations: ["read", "write"],
                role: "Kubernetes Extension Contributor on the Arc cluster",
            },
            {
                resourceType: "Microsoft.KubernetesConfiguration/extensions/operations",
                operations: ["read"],
                role: "Kubernetes Extension Contributor on the Arc cluster",
                deletes: false,
            },
            {
                resourceType: "Microsoft.Kubernetes/connectedClusters",
                operations: ["read"],
                role: "Kubernetes Extension Contributor on the Arc cluster",
                deletes: false,
            },
        ],
    },
    display: [
        "extensionName",
        "extensionType",
        "version",
        "autoUpgradeMinorVersion",
        "clusterName",
        "configurationSettings",
    ],
};

/** ClusterStore (ClusterStore.ts): the AIO namespace and `aio-akv-sp`. */
export const clusterStoreDescriptor: ComponentDescriptor = {
    type: "aio-secrets:cluster:ClusterStore",
    resources: {
        "kubernetes:core/v1:Namespace": { rights: { kind: "kubernetes" }, display: ["metadata.name"] },
        "kubernetes:core/v1:Secret": KUBERNETES_SECRET,
    },
};

/** CsiDriverExtension (CsiDriverExtension.ts): the Secrets Store CSI driver's Arc extension. */
export const csiDriverExtensionDescriptor: ComponentDescriptor = {
    type: "aio-secrets:cluster:CsiDriverExtension",
    resources: { "azure-native:kubernetesconfiguration:Extension": CLUSTER_EXTENSION },
};

import type { ComponentDescriptor, ResourceDescriptor } from "../descriptor";

/** Pulumi type of a SecretProviderClass declared as a `kubernetes.apiextensions.CustomResource`. */
export const SPC_TYPE = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";

/** A CSI SecretProviderClass (the catalog's, the CA's). */
export const SECRET_PROVIDER_CLASS: ResourceDescriptor = {
    rights: { kind: "kubernetes" },
    display: [
        "metadata.namespace",
        "metadata.name",
        "spec.parameters.keyvaultName",
        { path: "spec.parameters.objects", show: "objectNames" },
    ],
};

/** A workload's pod-template patch: the annotation that rolls it when its SPC's content changes. */
const WORKLOAD_PATCH: ResourceDescriptor = {
    rights: { kind: "kubernetes" },
    display: [
        { label: "workload", paths: ["metadata.namespace", "metadata.name"] },
        { label: "podTemplateAnnotations", path: "spec.template.metadata.annotations" },
    ],
};

/** SecretProviderClass (SecretProviderClass.ts): one SPC, plus the restarts of the workloads that mount it. */
export const secretProviderClassDescriptor: ComponentDescriptor = {
    type: "aio-secrets:spc:SecretProviderClass",
    resources: {
        [SPC_TYPE]: SECRET_PROVIDER_CLASS,
        "kubernetes:apps/v1:DeploymentPatch": WORKLOAD_PATCH,
        "kubernetes:apps/v1:StatefulSetPatch": WORKLOAD_PATCH,
        "kubernetes:apps/v1:DaemonSetPatch": WORKLOAD_PATCH,
    },
};

/**
 * Names the program, its tools and the policy pack must agree on: fixed by Azure IoT Operations
 * (what `az iot ops init` made), by the Secrets Store CSI driver, or by this program itself (the
 * ownership tags). One home, imported by the settings (defaults), the components, tools/ and
 * policy/: never copied. Pure data.
 */

/** The Pulumi project name (Pulumi.yaml), so config keys are `aio-secrets:<key>`. */
export const PROJECT = "aio-secrets";

/** The namespace Azure IoT Operations runs in (init's default; `cluster.namespace`). */
export const AIO_NAMESPACE = "azure-iot-operations";

/** The Kubernetes Secret holding the CSI driver's service principal credentials (init's name). */
export const CSI_CREDENTIAL_SECRET = "aio-akv-sp";

/** Label the Secrets Store CSI driver requires on a `nodePublishSecretRef` Secret (since driver 1.0). */
export const CSI_USED_LABEL_KEY = "secrets-store.csi.k8s.io/used";

/** The label itself, as set on the credential Secret. */
export const CSI_USED_LABEL = { [CSI_USED_LABEL_KEY]: "true" } as const;

/**
 * Keys of the ownership tags every resource of a stack carries (components/tags.ts), so that a
 * vault object can be traced back to the stack that owns it.
 */
export const TAG_KEYS = {
    /** Always `aio-secrets`. */
    managedBy: "managed-by",
    /** `<project>/<stack>`. */
    stack: "aio-secrets-stack",
    /** The catalog environment (policy's protected-environment check reads it). */
    environment: "aio-secrets-environment",
} as const;

/**
 * Name part of the CSI driver's service principal's grants in VaultAccess: its access policy is
 * `<component>-reader`, its role assignments `<component>-reader-<role>`.
 */
export const READER_PART = "reader";

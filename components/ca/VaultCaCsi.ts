import * as pulumi from "@pulumi/pulumi";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import { FORCE_APPLY } from "../cluster/ClusterStore";
import { renderSpcObjects, SpcObject } from "../../model/spc";
import { CA_KEYS, CA_MOUNT_FILE, CA_SECRET_TYPE } from "../../model/ca";
import { invariant } from "../invariant";

export interface VaultCaCsiArgs {
    /** Namespace of Azure IoT Operations. Required. */
    namespace: pulumi.Input<string>;
    /** Vault name, the SPC's `keyvaultName`. Required. */
    keyvaultName: pulumi.Input<string>;
    /** Tenant of the vault, the SPC's `tenantId`. Required. */
    tenantId: pulumi.Input<string>;
    /**
     * The vault object holding the CA, mounted as objectType secret (PEM chain and key) under `aio-ca.pem`. Required.
     */
    vaultObject: SpcObject;
    /** Kubernetes name of the SPC. Required (model: `aio-ca`). */
    spcName: string;
    /**
     * The Secret the CSI driver syncs the CA into (type kubernetes.io/tls). Required (`ca.secretName`, default
     * `aio-ca-key-pair-test-only`).
     */
    secretName: string;
    /** Name of the sync pod's Deployment; undefined: none (something else must mount the SPC). */
    syncDeploymentName?: string;
    /** The sync pod's image (it only sleeps). Required with `syncDeploymentName`. */
    syncImage?: string;
    /**
     * The credential Secret of the CSI driver's service principal (`nodePublishSecretRef`). Required with
     * `syncDeploymentName`.
     */
    credentialSecretName?: pulumi.Input<string>;
    /**
     * ConfigMap for the public CA chain; with `trustBundlePem`. Default: none. Retained on delete (clients read it).
     */
    configMapName?: string;
    /** The committed, checked public CA chain (PEM). Default: none. */
    trustBundlePem?: string;
    /** Kubernetes provider; default: the ambient kubeconfig/context. */
    provider?: Provider;
    /** Resources that must exist first (the namespace, `aio-akv-sp`, the CSI driver). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** The cluster went through init: never delete the objects taken over. Default false. */
    retainOnDelete?: boolean;
}

/** Label of the sync pod, also its selector. */
const SYNC_LABELS = { "app.kubernetes.io/name": "aio-ca-sync", "app.kubernetes.io/part-of": "aio-secrets" } as const;

/**
 * Your own CA, kept in Key Vault, delivered by the Secrets Store CSI driver: an SPC that mounts
 * the vault object as a secret (its PEM chain and private key) and syncs it, through
 * `spec.secretObjects`, into the Secret `ca.secretName` of type kubernetes.io/tls (the driver
 * splits the PEM into tls.key and tls.crt). The driver syncs only while a pod mounts the SPC and
 * only with its syncSecret setting on, hence the small sleeping Deployment `aio-ca-sync`. The
 * stack never reads the key: it passes through the vault, the driver and the cluster only.
 * With a committed trust bundle, the ConfigMap `ca.trustBundleConfigMapName` (ca.crt) publishes the
 * public chain.
 */
export class VaultCaCsi extends pulumi.ComponentResource {
    /** The synced Secret's name. */
    readonly secretName: pulumi.Output<string>;
    /** The trust bundle ConfigMap's name, when declared. */
    readonly configMapName: pulumi.Output<string | undefined>;
    /** The SPC's name. */
    readonly spcName: pulumi.Output<string>;

    constructor(name: string, args: VaultCaCsiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:ca:VaultCaCsi", name, {}, opts);
        invariant(
            args.vaultObject.objectAlias === CA_MOUNT_FILE,
            name,
            `the CA object must be mounted as ${CA_MOUNT_FILE} (model/ca.ts caModel)`,
        );
        const childOpts = { parent: this, provider: args.provider, retainOnDelete: args.retainOnDelete };

        const spc = new apiextensions.CustomResource(
            `${name}-spc`,
            {
                apiVersion: "secrets-store.csi.x-k8s.io/v1",
                kind: "SecretProviderClass",
                metadata: { name: args.spcName, namespace: args.namespace, annotations: { ...FORCE_APPLY } },
                spec: {
                    provider: "azure",
                    parameters: {
                        usePodIdentity: "false",
                        keyvaultName: args.keyvaultName,
                        objects: renderSpcObjects([args.vaultObject]),
                        tenantId: args.tenantId,
                    },
                    secretObjects: [
                        {
                            secretName: args.secretName,
                            type: CA_SECRET_TYPE,
                            data: [
                                { objectName: CA_MOUNT_FILE, key: CA_KEYS.key },
                                { objectName: CA_MOUNT_FILE, key: CA_KEYS.cert },
                            ],
                        },
                    ],
                },
            },
            { ...childOpts, dependsOn: args.dependsOn },
        );

        if (args.syncDeploymentName !== undefined) {
            invariant(
                args.syncImage && args.credentialSecretName !== undefined,
                name,
                "the sync pod needs syncImage and credentialSecretName",
            );
            new appsv1.Deployment(
                `${name}-sync`,
                {
                    metadata: {
                        name: args.syncDeploymentName,
                        namespace: args.namespace,
                        labels: { ...SYNC_LABELS },
                        annotations: { ...FORCE_APPLY },
                    },
                    spec: {
                        replicas: 1,
                        selector: { matchLabels: { ...SYNC_LABELS } },
                        template: {
                            metadata: { labels: { ...SYNC_LABELS } },
                            spec: {
                                automountServiceAccountToken: false,
                                securityContext: {
                                    runAsNonRoot: true,
                                    runAsUser: 65535,
                                    runAsGroup: 65535,
                                    seccompProfile: { type: "RuntimeDefault" },
                                },
                                containers: [
                                    {
                                        name: "pause",
                                        image: args.syncImage,
                                        resources: {
                                            requests: { cpu: "1m", memory: "8Mi" },
                                            limits: { memory: "16Mi" },
                                        },
                                        securityContext: {
                                            allowPrivilegeEscalation: false,
                                            readOnlyRootFilesystem: true,
                                            capabilities: { drop: ["ALL"] },
                                        },
                                        volumeMounts: [{ name: "aio-ca", mountPath: "/mnt/aio-ca", readOnly: true }],
                                    },
                                ],
                                volumes: [
                                    {
                                        name: "aio-ca",
                                        csi: {
                                            driver: "secrets-store.csi.k8s.io",
                                            readOnly: true,
                                            volumeAttributes: { secretProviderClass: args.spcName },
                                            nodePublishSecretRef: { name: args.credentialSecretName },
                                        },
                                    },
                                ],
                            },
                        },
                    },
                },
                { ...childOpts, dependsOn: [spc] },
            );
        }

        let configMap: corev1.ConfigMap | undefined;
        if (args.configMapName !== undefined && args.trustBundlePem !== undefined) {
            configMap = new corev1.ConfigMap(
                `${name}-trust-bundle`,
                {
                    metadata: { name: args.configMapName, namespace: args.namespace, annotations: { ...FORCE_APPLY } },
                    data: { [CA_KEYS.bundle]: args.trustBundlePem },
                },
                // What clients read: a switch of ca.mode (whose ConfigMap of the same name takes
                // over) never deletes it.
                { ...childOpts, dependsOn: args.dependsOn, retainOnDelete: true },
            );
        }

        this.secretName = pulumi.output(args.secretName);
        this.spcName = spc.metadata.name;
        this.configMapName = configMap ? configMap.metadata.name : pulumi.output(undefined);
        this.registerOutputs({ secretName: this.secretName, spcName: this.spcName, configMapName: this.configMapName });
    }
}

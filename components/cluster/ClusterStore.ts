import * as pulumi from "@pulumi/pulumi";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import { CSI_USED_LABEL } from "../../stacks/wellKnown";

/** Label the CSI driver requires on node-publish secrets (since driver 1.0): stacks/wellKnown.ts. */
export { CSI_USED_LABEL };

export interface ClusterStoreArgs {
    /**
     * Namespace of Azure IoT Operations. Required (settings default `azure-iot-operations`). Taken over if it exists;
     * never deleted.
     */
    namespace: string;
    /** Name of the credential Secret the SPCs' pods use. Required (init's `aio-akv-sp`, stacks/defaults.ts). */
    secretName: string;
    /** Service principal client id. Required. */
    clientId: pulumi.Input<string>;
    /** Service principal client secret; must be a Pulumi secret. Required. */
    clientSecret: pulumi.Input<string>;
    /** Kubernetes provider; default: the ambient kubeconfig/context. */
    provider?: Provider;
}

/**
 * Server-side apply takes fields over from another field manager (init's CLI, an earlier tool)
 * only when forced; without it the first `up` on a cluster that init set up meets a 409
 * conflict that `pulumi preview` does not show (the provider forces on preview when there is
 * no prior state). Every fixed-name object the stack may meet on a cluster carries it.
 */
export const FORCE_APPLY = { "pulumi.com/patchForce": "true" } as const;

/**
 * The cluster side of `az iot ops init`'s secret set-up: the AIO namespace and the `aio-akv-sp`
 * Secret (Opaque, keys `clientid` and `clientsecret`, labelled for the CSI driver). Both have
 * fixed names and may exist already, so both are force-applied and neither is ever deleted by
 * the stack: a replaced Kubernetes provider replaces every object create-before-delete, and the
 * delete would remove the object just upserted.
 */
export class ClusterStore extends pulumi.ComponentResource {
    /** The namespace name. */
    readonly namespace: pulumi.Output<string>;
    /** The credential Secret's name, for `nodePublishSecretRef`. */
    readonly secretName: pulumi.Output<string>;
    /** Resources SPCs wait for. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ClusterStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:cluster:ClusterStore", name, {}, opts);
        const namespaceName = args.namespace;
        const childOpts = { parent: this, provider: args.provider };

        // Server-side apply takes over an existing namespace; a destroy must never delete it
        // (it holds all of Azure IoT Operations).
        const namespace = new corev1.Namespace(
            `${name}-namespace`,
            { metadata: { name: namespaceName, annotations: { ...FORCE_APPLY } } },
            { ...childOpts, retainOnDelete: true },
        );
        const secret = new corev1.Secret(
            `${name}-sp-secret`,
            {
                metadata: {
                    name: args.secretName,
                    namespace: namespace.metadata.name,
                    labels: { ...CSI_USED_LABEL },
                    annotations: { ...FORCE_APPLY },
                },
                type: "Opaque",
                stringData: {
                    clientid: args.clientId,
                    clientsecret: pulumi.secret(args.clientSecret),
                },
            },
            { ...childOpts, retainOnDelete: true },
        );
        this.namespace = namespace.metadata.name;
        this.secretName = secret.metadata.name;
        this.ready = [namespace, secret];
        this.registerOutputs({ namespace: this.namespace, secretName: this.secretName });
    }
}

import * as pulumi from "@pulumi/pulumi";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import { Provider } from "@pulumi/kubernetes/provider";
import type { MqResource } from "../../model/stack";
import { FORCE_APPLY } from "../cluster/ClusterStore";
import { substituteKeyVaultRefs } from "../../model/mq";

export interface MqResourcesArgs {
    /** MQ custom resources from the catalog. Required (may be empty). */
    resources: readonly MqResource[];
    /** `keyVault` blocks by secret name, replacing `{ keyVaultRef: <name> }`. Required. */
    blocks: Record<string, unknown>;
    /** The AIO namespace; every resource is applied there. Required. */
    namespace: pulumi.Input<string>;
    /** Keep the objects in the cluster when they leave the stack. Default false. */
    retainOnDelete?: boolean;
    /** Kubernetes provider; default: the ambient kubeconfig/context. */
    provider?: Provider;
    /** Resources that must exist first (the credential Secret). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Azure IoT MQ resources that take Key Vault references, applied in the AIO namespace. */
export class MqResources extends pulumi.ComponentResource {
    /** `kind/name` of each resource applied. */
    readonly applied: string[];

    constructor(name: string, args: MqResourcesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:mq:MqResources", name, {}, opts);
        this.applied = [];
        for (const resource of args.resources) {
            new apiextensions.CustomResource(
                `${name}-${resource.kind.toLowerCase()}-${resource.metadata.name}`,
                {
                    apiVersion: resource.apiVersion,
                    kind: resource.kind,
                    // Fixed names that may exist already: force-apply, like every object the stack
                    // may meet on the cluster.
                    metadata: {
                        ...resource.metadata,
                        namespace: args.namespace,
                        annotations: { ...(resource.metadata.annotations ?? {}), ...FORCE_APPLY },
                    },
                    spec: substituteKeyVaultRefs(resource.spec, args.blocks) as Record<string, unknown>,
                },
                {
                    parent: this,
                    provider: args.provider,
                    dependsOn: args.dependsOn,
                    retainOnDelete: args.retainOnDelete,
                },
            );
            this.applied.push(`${resource.kind}/${resource.metadata.name}`);
        }
        this.registerOutputs({ applied: this.applied });
    }
}

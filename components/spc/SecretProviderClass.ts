import * as pulumi from "@pulumi/pulumi";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import type { RestartTarget } from "../../model/stack";
import { FORCE_APPLY } from "../cluster/ClusterStore";
import {
    objectsHash,
    renderSpcObjects,
    restartAnnotationKey,
    SpcObject,
    versionsAnnotationKey,
    versionsHash,
} from "../../model/spc";

// The annotation keys live with the pure rendering (the plan diff reads them too).
export {
    RESTART_ANNOTATION_PREFIX,
    restartAnnotationKey,
    VERSIONS_ANNOTATION_PREFIX,
    versionsAnnotationKey,
} from "../../model/spc";

const RESTART_MARK = "-restart-";

function occurrences(text: string, part: string): number {
    let count = 0;
    for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) count++;
    return count;
}

/**
 * Name of the pod-template patch that rolls one workload, unique per (component name, kind,
 * namespace, workload): the engine refuses two resources with one URN. The historical
 * `<name>-restart-<kind>-[<ns>/]<workload>` is kept while it holds `-restart-` once (then it
 * splits only one way, so existing stacks keep their names). Where an SPC, namespace or
 * workload name itself contains `-restart-`, two targets could meet on one name (SPC `a`
 * rolling `b-restart-deployment-c`, SPC `a-restart-deployment-b` rolling `c`), so `/` follows
 * the kind instead: no Kubernetes name contains `/`, so the first `/` ends the kind, and a
 * historical name has `-` there, so the two forms never meet either.
 */
export function restartPatchName(name: string, target: Pick<RestartTarget, "kind" | "name" | "namespace">): string {
    const kind = target.kind.toLowerCase();
    const workload = `${target.namespace ? `${target.namespace}/` : ""}${target.name}`;
    const historical = `${name}${RESTART_MARK}${kind}-${workload}`;
    return occurrences(historical, RESTART_MARK) === 1 ? historical : `${name}${RESTART_MARK}${kind}/${workload}`;
}

export interface SecretProviderClassArgs {
    /** Kubernetes name of the SPC. Required. */
    spcName: string;
    /** Namespace of the SPC (pods must be in the same one). Required. */
    namespace: pulumi.Input<string>;
    /** Vault name, the `keyvaultName` parameter. Required. */
    keyvaultName: pulumi.Input<string>;
    /** Tenant of the vault, the `tenantId` parameter. Required. */
    tenantId: pulumi.Input<string>;
    /** Objects to mount; order does not matter (rendered sorted). */
    objects: readonly SpcObject[];
    /** Workloads to roll when the content changes. Default none. */
    restart?: readonly RestartTarget[];
    /**
     * Current version of each mounted object the stack manages, by object name; hashed into the
     * versions annotation so a new value rolls the workloads once. Default none.
     */
    versions?: Record<string, pulumi.Input<string>>;
    /** Kubernetes provider; default: the ambient kubeconfig/context. */
    provider?: Provider;
    /** Resources that must exist first (the CSI driver, the namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** The SPC was made by `az iot ops init` and is only taken over: never delete it. Default false. */
    adopt?: boolean;
}

/**
 * A SecretProviderClass for the Azure provider (`usePodIdentity: "false"`, service principal
 * credentials from `aio-akv-sp`), plus pod-template patches that roll the listed workloads
 * when the mounted content changes. The CSI driver's rotation updates mounted files but never
 * restarts pods; the patch's two annotations are hashes (of the objects, known at plan time, and
 * of their versions, known after `up`), so a no-op `up` rolls nothing.
 */
export class SecretProviderClass extends pulumi.ComponentResource {
    /** The rendered `objects` parameter. */
    readonly objects: string;
    /** The objects annotation value: hash of the rendered objects, known at plan time. */
    readonly objectsHash: string;
    /** The versions annotation value: hash of the managed objects' versions, known after `up`. */
    readonly versionsHash: pulumi.Output<string>;
    /** The SPC's Kubernetes name. */
    readonly spcName: pulumi.Output<string>;

    constructor(name: string, args: SecretProviderClassArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:spc:SecretProviderClass", name, {}, opts);
        const childOpts = { parent: this, provider: args.provider };
        this.objects = renderSpcObjects(args.objects);

        const spc = new apiextensions.CustomResource(
            `${name}-spc`,
            {
                apiVersion: "secrets-store.csi.x-k8s.io/v1",
                kind: "SecretProviderClass",
                metadata: {
                    name: args.spcName,
                    namespace: args.namespace,
                    // Fixed name: init's SPCs of the same name are taken over, never a 409.
                    annotations: { ...FORCE_APPLY },
                },
                spec: {
                    provider: "azure",
                    parameters: {
                        usePodIdentity: "false",
                        keyvaultName: args.keyvaultName,
                        objects: this.objects,
                        tenantId: args.tenantId,
                    },
                },
            },
            { ...childOpts, dependsOn: args.dependsOn, retainOnDelete: args.adopt },
        );
        this.spcName = pulumi.output(args.spcName);

        this.objectsHash = objectsHash(this.objects);
        this.versionsHash = pulumi
            .all(args.versions ?? {})
            .apply((versions) => versionsHash(versions as Record<string, string>));

        for (const target of args.restart ?? []) {
            const patchArgs = {
                metadata: {
                    name: target.name,
                    namespace: target.namespace ?? args.namespace,
                    // Take the annotation over even if another field manager set it before.
                    annotations: { ...FORCE_APPLY },
                },
                spec: {
                    template: {
                        metadata: {
                            annotations: {
                                [restartAnnotationKey(args.spcName)]: this.objectsHash,
                                [versionsAnnotationKey(args.spcName)]: this.versionsHash,
                            },
                        },
                    },
                },
            };
            const patchName = restartPatchName(name, target);
            const patchOpts = { ...childOpts, dependsOn: [spc] };
            switch (target.kind) {
                case "Deployment":
                    new appsv1.DeploymentPatch(patchName, patchArgs, patchOpts);
                    break;
                case "StatefulSet":
                    new appsv1.StatefulSetPatch(patchName, patchArgs, patchOpts);
                    break;
                case "DaemonSet":
                    new appsv1.DaemonSetPatch(patchName, patchArgs, patchOpts);
                    break;
                default: {
                    const exhaustiveCheck: never = target.kind;
                    throw new Error(`internal error: unknown workload kind ${String(exhaustiveCheck)}`);
                }
            }
        }

        this.registerOutputs({
            spcName: this.spcName,
            ...((args.restart ?? []).length > 0
                ? { objectsHash: this.objectsHash, versionsHash: this.versionsHash }
                : {}),
        });
    }
}

import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/kubernetes/provider";
import { declareCaForCsi } from "../../components/ca/csi";
import { ClusterStore } from "../../components/cluster/ClusterStore";
import { CsiDriverExtension } from "../../components/cluster/CsiDriverExtension";
import { daysUntil, missedRotationWarning, ROTATION_GRACE_DAYS } from "../../model/expiry";
import { ServicePrincipal } from "../../components/identity/ServicePrincipal";
import { MqResources } from "../../components/mq/MqResources";
import { mqKeyVaultBlock } from "../../model/mq";
import { SecretProviderClass } from "../../components/spc/SecretProviderClass";
import { clusterIdentifier } from "../../stacks/deployers";
import type { ProgramInputs } from "../../stacks/load";
import { INIT_DEFAULTS, settingsOf, type CsiDriverStackSettings } from "../../stacks/settings";
import type { StackModel } from "../../model/stack";
import type { DeliveryFlow, VaultSide } from "../types";

/** How the CSI side is declared. */
export interface CsiFlowOptions {
    /**
     * Mark every resource of the CSI side `retainOnDelete` (Entra app, passwords, extension,
     * Kubernetes objects), so that the `up` that removes the side sends no delete to Entra, Azure
     * or the cluster: step 3 of the move to secret sync (stacks/migration.ts). Default false.
     */
    retain?: boolean;
}

/** Every resource of a component (the component and all its children) kept when it leaves the stack. */
const retainEverything: pulumi.ResourceTransformation = (args) => ({
    props: args.props,
    opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }),
});

/**
 * init's flow (`aio-secrets:delivery: csiDriver`, the default): a service principal whose
 * password lives in `aio-akv-sp`, the Secrets Store CSI driver extension, the SPCs with their
 * restart patches, and the MQ resources, applied with one explicit Kubernetes provider.
 */
export function csiDriverFlow(inputs: ProgramInputs, model: StackModel, options: CsiFlowOptions = {}): DeliveryFlow {
    const settings = settingsOf(inputs.settings, "csiDriver");
    // Options of each top-level component of the side; the transformation reaches every child.
    const keep: pulumi.ComponentResourceOptions | undefined = options.retain
        ? { transformations: [retainEverything] }
        : undefined;
    return {
        reader(owners) {
            const sp = settings.servicePrincipal;
            const identity = new ServicePrincipal(
                "identity",
                sp.mode === "create"
                    ? {
                          mode: "create",
                          displayName: sp.displayName,
                          owners,
                          secretValidDays: sp.secretValidDays,
                          rotationDays: sp.rotationDays,
                          overlapDays: sp.overlapDays,
                      }
                    : {
                          mode: "existing",
                          clientId: sp.clientId,
                          objectId: sp.objectId,
                          clientSecret: pulumi.secret(sp.clientSecret),
                      },
                keep,
            );
            return {
                readers: [{ objectId: identity.objectId }],
                cluster: (azure) => declareCluster(settings, model, azure, identity, keep),
            };
        },
    };
}

/**
 * The cluster side: one explicit Kubernetes provider, the namespace and `aio-akv-sp`, the CSI
 * driver extension, the SPCs with their restart patches, and the MQ resources.
 */
function declareCluster(
    settings: CsiDriverStackSettings,
    model: StackModel,
    azure: VaultSide,
    identity: ServicePrincipal,
    keep: pulumi.ComponentResourceOptions | undefined,
): Record<string, unknown> {
    const { vault, secrets } = azure;
    const csi = settings.cluster.csiDriver;

    // One explicit provider for every Kubernetes object. The AIO namespace always exists, and
    // an adopted cluster has init's objects: creating them must take them over (pulumi-kubernetes
    // >= 4.29 refuses to create existing objects unless told to). `aio-akv-sp` changes with every
    // password rotation: updated in place, never deleted and recreated under the CSI driver. A
    // stable `clusterIdentifier` keeps another kubeconfig or context for the same cluster from
    // replacing the provider (and, create-before-delete, every object on it).
    const kubernetesConfig = new pulumi.Config("kubernetes");
    const kubeconfig = kubernetesConfig.get("kubeconfig");
    const kubernetes = new Provider("kubernetes", {
        kubeconfig: kubeconfig !== undefined ? pulumi.secret(kubeconfig) : undefined,
        context: kubernetesConfig.get("context"),
        clusterIdentifier: clusterIdentifier(settings),
        upsertExistingObjects: true,
        enableSecretMutable: true,
        // The CA trust bundle ConfigMap changes with every renewal: updated in place, not
        // replaced (a fixed-name replacement would delete it right after creating it).
        enableConfigMapMutable: true,
    });

    const store = new ClusterStore(
        "cluster",
        {
            provider: kubernetes,
            namespace: settings.cluster.namespace,
            secretName: INIT_DEFAULTS.spSecretName,
            clientId: identity.clientId,
            clientSecret: identity.clientSecret,
        },
        keep,
    );

    const extension = csi.install
        ? new CsiDriverExtension(
              "csi-driver",
              {
                  clusterName: settings.cluster.arcClusterName!,
                  resourceGroupName: settings.cluster.arcResourceGroupName!,
                  extensionName: csi.extensionName,
                  extensionType: INIT_DEFAULTS.extensionType,
                  version: csi.version,
                  settings: {
                      enableSecretRotation: csi.enableSecretRotation,
                      rotationPollInterval: csi.rotationPollInterval,
                      syncSecret: csi.syncSecret,
                      extra: csi.settings,
                      protectedExtra: csi.protectedSettings,
                  },
              },
              keep,
          )
        : undefined;

    const spcs = model.spcs.map(
        (spc) =>
            new SecretProviderClass(
                `spc-${spc.name}`,
                {
                    spcName: spc.name,
                    namespace: store.namespace,
                    keyvaultName: vault.vaultName,
                    tenantId: vault.tenantId,
                    objects: spc.objects,
                    restart: spc.restart,
                    // Versions feed the restart hash; SPCs that roll nothing need none.
                    versions:
                        spc.restart.length > 0
                            ? Object.fromEntries(
                                  spc.objects
                                      .filter((o) => secrets.manages(o.objectName))
                                      .map((o) => [o.objectName, secrets.versionOf(o.objectName)]),
                              )
                            : undefined,
                    dependsOn: [...store.ready, ...(extension ? [extension.extension] : [])],
                    adopt: settings.adopt,
                    provider: kubernetes,
                },
                keep,
            ),
    );

    // Azure IoT MQ takes vault references in its own resources instead of SPC entries.
    const mqVaultReferences = Object.fromEntries(
        model.mq.references.map((r) => [
            r.name,
            mqKeyVaultBlock(
                r.kind,
                { name: r.name, version: r.version },
                {
                    name: vault.vaultName,
                    directoryId: vault.tenantId,
                    servicePrincipalLocalSecretName: store.secretName,
                },
            ),
        ]),
    );
    const mq =
        model.mq.resources.length > 0
            ? new MqResources(
                  "mq",
                  {
                      resources: model.mq.resources,
                      blocks: mqVaultReferences,
                      namespace: store.namespace,
                      retainOnDelete: settings.adopt,
                      dependsOn: store.ready,
                      provider: kubernetes,
                  },
                  keep,
              )
            : undefined;

    // The CA of AIO's TLS (stacks/ca.ts): init's test CA, or your own from the vault.
    const ca = declareCaForCsi(settings.ca, model.ca, {
        file: settings.file,
        stack: settings.stack,
        provider: kubernetes,
        namespace: store.namespace,
        keyvaultName: vault.vaultName,
        tenantId: vault.tenantId,
        credentialSecretName: store.secretName,
        dependsOn: [...store.ready, ...(extension ? [extension.extension] : [])],
        retainOnDelete: settings.adopt,
        componentOptions: keep,
    });

    /** Whole days until the SP password expires, as of this run (an output only: never an input). */
    const passwordDaysToExpiry = identity.passwordExpiresAt.apply((end) => {
        if (!end) return undefined;
        const days = daysUntil(end, new Date());
        if (days < ROTATION_GRACE_DAYS) {
            void pulumi.log.warn(
                `service principal password expires in ${days} days (${end}); run \`pulumi up --refresh --stack ${settings.stack}\` to rotate it`,
            );
        }
        return days;
    });

    // Warned once per run (an output only, like the expiry above).
    identity.slotRotationDueAt.apply((due) => {
        const warning = due ? missedRotationWarning(due.a, due.b, new Date(), settings.stack) : undefined;
        if (warning) void pulumi.log.warn(`${settings.file}: ${warning}`);
    });

    return {
        servicePrincipalClientId: identity.clientId,
        servicePrincipalObjectId: identity.objectId,
        passwordExpiresAt: identity.passwordExpiresAt,
        /** The previous password, still valid during the rotation overlap. */
        previousPasswordExpiresAt: identity.previousPasswordExpiresAt,
        passwordRotationDueAt: identity.rotationDueAt,
        passwordDaysToExpiry,
        namespace: store.namespace,
        credentialSecretName: store.secretName,
        secretProviderClasses: spcs.map((s) => s.spcName),
        csiDriverExtension: extension ? extension.extension.name : undefined,
        mqVaultReferences,
        mqResources: mq?.applied ?? [],
        ...ca,
    };
}

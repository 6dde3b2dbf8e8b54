import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { permissionModelProblem } from "./components/keyvault/existing";
import { ConfigError } from "./stacks/errors";
import { VaultAccess, VaultWriter } from "./components/access/VaultAccess";
import { Provider } from "@pulumi/kubernetes/provider";
import { ClusterStore } from "./components/cluster/ClusterStore";
import { MqResources } from "./components/mq/MqResources";
import { mqKeyVaultBlock } from "./components/mq/render";
import { CsiDriverExtension } from "./components/cluster/CsiDriverExtension";
import { declareCaForCsi } from "./components/ca/csi";
import { daysUntil, ROTATION_GRACE_DAYS, rotationWarning } from "./components/identity/expiry";
import { ServicePrincipal } from "./components/identity/ServicePrincipal";
import { KeyVault } from "./components/keyvault/KeyVault";
import { VaultSecrets } from "./components/secrets/VaultSecrets";
import { SecretProviderClass } from "./components/spc/SecretProviderClass";
import { ownershipTags } from "./components/tags";
import { loadProgramInputs, ProgramInputs } from "./stacks/load";
import { budgetWarning, readBudget, ReadBudget } from "./stacks/budget";
import { buildModel, StackModel } from "./stacks/model";
import { durationSeconds } from "./stacks/rules";
import { clusterIdentifier, defaultDeployerWarning, guessDeployerType } from "./stacks/deployers";
import type { StackSettings } from "./stacks/settings";

/**
 * aio-secrets: what `az iot ops init` did for Azure IoT Operations secrets, as code, plus every
 * secret and SecretProviderClass entry of `stacks/secrets.yaml`.
 */

// Which config keys hold secure values. Pulumi's own check is internal, so fall back to the
// variable the language host sets.
function secretConfigKeys(config: Record<string, string>): string[] {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    if (typeof runtime.isConfigSecret === "function") return Object.keys(config).filter((k) => runtime.isConfigSecret!(k));
    const listed: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    return Array.isArray(listed) ? listed.map(String) : [];
}

/**
 * Reads an existing vault and checks that it uses the configured permission model. The
 * KeyVault component reads it again (as an Output, for its values) and checks again; this
 * first read only turns a mismatch into the settings error before anything is declared.
 */
async function checkExistingVault(settings: StackSettings): Promise<void> {
    const vault = await keyvault.getVault({ resourceGroupName: settings.keyVault.resourceGroupName, vaultName: settings.keyVault.name });
    const problem = permissionModelProblem(
        settings.file,
        settings.keyVault.name,
        settings.keyVault.permissionModel,
        vault.properties.enableRbacAuthorization,
    );
    if (problem) throw new ConfigError([problem]);
}

/**
 * The principals that deploy the stack: the configured `deployers`, else the identity running
 * the program (with a warning, since a person running `up` once would take CI's place).
 * Entra app owners must be users or service principals; groups only get the writer grant.
 */
function deployingPrincipals(
    settings: StackSettings,
    currentObjectId: pulumi.Output<string>,
    config: Record<string, string>,
): { owners: pulumi.Input<string>[]; writers: VaultWriter[] } {
    if (settings.deployers === undefined) {
        const guess = guessDeployerType(process.env, config);
        const warning = defaultDeployerWarning(settings, guess);
        if (warning) void pulumi.log.warn(warning);
        return { owners: [currentObjectId], writers: [{ objectId: currentObjectId, type: guess.type }] };
    }
    const owners = settings.deployers.filter((d) => d.type !== "Group").map((d) => d.objectId);
    if (owners.length === 0 && settings.servicePrincipal.mode === "create") {
        void pulumi.log.warn(
            `${settings.file}: aio-secrets:deployers lists only groups, and Entra app owners must be users or service principals: ` +
                `nobody owns the app registration, so rotating its password needs Application.ReadWrite.All`,
        );
    }
    return { owners, writers: settings.deployers.map((d) => ({ objectId: d.objectId, type: d.type, key: d.objectId })) };
}

/** Soft problems of valid inputs: rotation margin, vault read budget, missing reader rights. */
function warnAboutInputs(inputs: ProgramInputs, model: StackModel, budget: ReadBudget): void {
    const { settings } = inputs;
    for (const warning of inputs.warnings) void pulumi.log.warn(warning);
    if (settings.servicePrincipal.mode === "create") {
        const warning = rotationWarning(settings.servicePrincipal.secretValidDays, settings.servicePrincipal.rotationDays);
        if (warning) void pulumi.log.warn(`${settings.file}: ${warning}`);
    }
    const overBudget = budgetWarning(budget, settings.cluster.csiDriver.rotationPollInterval);
    if (overBudget) void pulumi.log.warn(`${settings.file}: ${overBudget}`);
    if (!settings.keyVault.grantReader && (model.usage.mountsCerts || model.usage.mountsKeys)) {
        void pulumi.log.warn(
            `${settings.file}: the catalog mounts ${model.usage.mountsCerts ? "certificates" : "keys"} but keyVault.grantReader is off ` +
                `(az iot ops init granted only secrets get/list): grant them with az keyvault set-policy --name ${settings.keyVault.name} ` +
                `--object-id <service principal object id> --secret-permissions get list --certificate-permissions get --key-permissions get`,
        );
    }
}

/** The Azure side: the vault, the CSI driver's identity, vault access and the vault's secrets. */
function declareVault(inputs: ProgramInputs, model: StackModel, config: Record<string, string>) {
    const { settings } = inputs;
    const tags = ownershipTags(settings.project, settings.stack, settings.environment);
    const deployer = authorization.getClientConfigOutput();
    const tenantId = settings.tenantId ?? deployer.tenantId;
    const deployers = deployingPrincipals(settings, deployer.objectId, config);

    const vault = new KeyVault("keyvault", {
        vaultName: settings.keyVault.name,
        resourceGroupName: settings.keyVault.resourceGroupName,
        location: settings.keyVault.location,
        tenantId,
        existing: settings.keyVault.existing,
        createResourceGroup: settings.keyVault.createResourceGroup,
        permissionModel: settings.keyVault.permissionModel,
        softDeleteRetentionDays: settings.keyVault.softDeleteRetentionDays,
        purgeProtection: settings.keyVault.purgeProtection,
        publicNetworkAccess: settings.keyVault.publicNetworkAccess,
        protect: settings.protect,
        tags,
        settingsFile: settings.file,
    });

    const sp = settings.servicePrincipal;
    const identity = new ServicePrincipal(
        "identity",
        sp.mode === "create"
            ? {
                  mode: "create",
                  displayName: sp.displayName,
                  owners: deployers.owners,
                  secretValidDays: sp.secretValidDays,
                  rotationDays: sp.rotationDays,
                  overlapDays: sp.overlapDays,
              }
            : { mode: "existing", clientId: sp.clientId, objectId: sp.objectId, clientSecret: pulumi.secret(sp.clientSecret) },
    );

    const access = new VaultAccess("access", {
        vaultName: vault.vaultName,
        resourceGroupName: vault.resourceGroupName,
        vaultId: vault.vaultId,
        tenantId,
        subscriptionId: deployer.subscriptionId,
        permissionModel: settings.keyVault.permissionModel,
        readerObjectId: settings.keyVault.grantReader ? identity.objectId : undefined,
        writers: settings.keyVault.grantDeployer ? deployers.writers : [],
        usage: model.usage,
        retainOnDelete: settings.adopt,
    });

    const secrets = new VaultSecrets("vault-secrets", {
        vaultName: vault.vaultName,
        resourceGroupName: vault.resourceGroupName,
        secrets: model.managed.map((m) => ({
            ...m,
            value: m.source === "config" ? pulumi.secret(settings.secretValues[m.name]) : undefined,
        })),
        tags,
        protect: settings.protect,
        dependsOn: access.grants,
    });
    return { vault, identity, secrets };
}

/**
 * The cluster side: one explicit Kubernetes provider, the namespace and `aio-akv-sp`, the CSI
 * driver extension, the SPCs with their restart patches, and the MQ resources.
 */
function declareCluster(inputs: ProgramInputs, model: StackModel, azure: ReturnType<typeof declareVault>) {
    const { settings } = inputs;
    const { vault, identity, secrets } = azure;
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
    });

    const store = new ClusterStore("cluster", {
        provider: kubernetes,
        namespace: settings.cluster.namespace,
        clientId: identity.clientId,
        clientSecret: identity.clientSecret,
    });

    const extension = csi.install
        ? new CsiDriverExtension("csi-driver", {
              clusterName: settings.cluster.arcClusterName!,
              resourceGroupName: settings.cluster.arcResourceGroupName!,
              extensionName: csi.extensionName,
              version: csi.version,
              settings: {
                  enableSecretRotation: csi.enableSecretRotation,
                  rotationPollInterval: csi.rotationPollInterval,
                  syncSecret: csi.syncSecret,
                  extra: csi.settings,
                  protectedExtra: csi.protectedSettings,
              },
          })
        : undefined;

    const spcs = model.spcs.map(
        (spc) =>
            new SecretProviderClass(`spc-${spc.name}`, {
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
                              spc.objects.filter((o) => secrets.manages(o.objectName)).map((o) => [o.objectName, secrets.versionOf(o.objectName)]),
                          )
                        : undefined,
                dependsOn: [...store.ready, ...(extension ? [extension.extension] : [])],
                adopt: settings.adopt,
                provider: kubernetes,
            }),
    );

    // Azure IoT MQ takes vault references in its own resources instead of SPC entries.
    const mqVaultReferences = Object.fromEntries(
        inputs.enabled
            .filter((s) => s.mq !== undefined)
            .map((s) => [
                s.name,
                mqKeyVaultBlock(s.mq!, { name: s.name, version: s.version }, {
                    name: vault.vaultName,
                    directoryId: vault.tenantId,
                    servicePrincipalLocalSecretName: store.secretName,
                }),
            ]),
    );
    const mq =
        inputs.catalog.mqResources.length > 0
            ? new MqResources("mq", {
                  resources: inputs.catalog.mqResources,
                  blocks: mqVaultReferences,
                  namespace: store.namespace,
                  retainOnDelete: settings.adopt,
                  dependsOn: store.ready,
                  provider: kubernetes,
              })
            : undefined;
    // The CA of AIO's TLS (stacks/ca.ts): init's test CA, or your own from the vault.
    const ca = declareCaForCsi(settings.ca, {
        file: settings.file,
        stack: settings.stack,
        provider: kubernetes,
        namespace: store.namespace,
        keyvaultName: vault.vaultName,
        tenantId: vault.tenantId,
        credentialSecretName: store.secretName,
        dependsOn: [...store.ready, ...(extension ? [extension.extension] : [])],
        retainOnDelete: settings.adopt,
    });
    return { store, extension, spcs, mq, mqVaultReferences, ca };
}

/**
 * The program. Exported as a function (the Pulumi Node.js host calls it and takes the result
 * as the stack outputs) so that tooling can run it again in the same process.
 */
async function main(): Promise<Record<string, unknown>> {
    const stack = pulumi.getStack();
    const config = pulumi.runtime.allConfig();

    // Validate everything before declaring anything.
    const inputs = loadProgramInputs({ project: pulumi.getProject(), stack, config, secretKeys: secretConfigKeys(config) }, { projectDir: __dirname });
    const { settings } = inputs;
    const model = buildModel(inputs);
    const csi = settings.cluster.csiDriver;
    const budget = readBudget(model.spcs, durationSeconds(csi.rotationPollInterval), csi.enableSecretRotation);
    warnAboutInputs(inputs, model, budget);

    // An existing vault is read before anything is declared: a permission model that differs
    // from the settings stops the run with the settings error, not halfway through an update.
    if (settings.keyVault.existing) await checkExistingVault(settings);

    const azure = declareVault(inputs, model, config);
    const cluster = declareCluster(inputs, model, azure);
    const { vault, identity, secrets } = azure;

    /** Whole days until the SP password expires, as of this run (an output only: never an input). */
    const passwordDaysToExpiry = identity.passwordExpiresAt.apply((end) => {
        if (!end) return undefined;
        const days = daysUntil(end, new Date());
        if (days < ROTATION_GRACE_DAYS) {
            void pulumi.log.warn(
                `service principal password expires in ${days} days (${end}); run \`pulumi up --refresh --stack ${stack}\` to rotate it`,
            );
        }
        return days;
    });

    return {
        environment: settings.environment,
        vaultName: vault.vaultName,
        vaultUri: vault.vaultUri,
        vaultTenantId: vault.tenantId,
        servicePrincipalClientId: identity.clientId,
        servicePrincipalObjectId: identity.objectId,
        passwordExpiresAt: identity.passwordExpiresAt,
        /** The previous password, still valid during the rotation overlap. */
        previousPasswordExpiresAt: identity.previousPasswordExpiresAt,
        passwordRotationDueAt: identity.rotationDueAt,
        passwordDaysToExpiry,
        namespace: cluster.store.namespace,
        credentialSecretName: cluster.store.secretName,
        secretProviderClasses: cluster.spcs.map((s) => s.spcName),
        managedSecrets: secrets.names,
        csiDriverExtension: cluster.extension ? cluster.extension.extension.name : undefined,
        vaultReadsPer10s: { estimate: Math.round(budget.getsPer10s * 100) / 100, limit: budget.limit },
        mqVaultReferences: cluster.mqVaultReferences,
        mqResources: cluster.mq?.applied ?? [],
        ...cluster.ca,
    };
}

export = main;

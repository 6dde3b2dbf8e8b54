import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { VaultAccess, VaultWriter } from "./components/access/VaultAccess";
import { firstSlotLifetimeWarning, rotationWarning } from "./model/expiry";
import { KeyVault } from "./components/keyvault/KeyVault";
import { VaultSecrets } from "./components/secrets/VaultSecrets";
import { ownershipTags } from "./components/tags";
import { loadProgramInputs, ProgramInputs } from "./stacks/load";
import { buildModel, StackModel } from "./model/stack";
import { consumerRow } from "./model/consumers";
import { defaultDeployerWarning, guessDeployerType, principalTypeFromToken } from "./stacks/deployers";
import type { StackSettings } from "./stacks/settings";
import { checkExistingVault } from "./delivery/preflight";
import { DELIVERY } from "./delivery/registry";
import { createsApp, MODES } from "./delivery/modes";
import type { DeliveryFlow, ReaderStep, VaultSide } from "./delivery/types";
import { deliveryStep } from "./stacks/migration";
import { expiryMarginWarning, outageWarning, seenBy } from "./model/rotation";
import { ExpiryAlerts } from "./components/alerts/ExpiryAlerts";

/**
 * aio-secrets: what `az iot ops init` did for Azure IoT Operations secrets, as code, plus every
 * secret of `stacks/secrets.yaml`, delivered to the cluster by the CSI driver (init's flow) or
 * by secret sync (AIO GA): `aio-secrets:delivery`.
 */

// Which config keys hold secure values. Pulumi's own check is internal, so fall back to the
// variable the language host sets.
function secretConfigKeys(config: Record<string, string>): string[] {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    if (typeof runtime.isConfigSecret === "function")
        return Object.keys(config).filter((k) => runtime.isConfigSecret!(k));
    const listed: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    return Array.isArray(listed) ? listed.map(String) : [];
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
        // The sign-in's token says what it is; the environment guess covers tokens that do not.
        // Only the type leaves the apply; it is not sensitive even if the token output is secret.
        const type = pulumi.unsecret(
            authorization.getClientTokenOutput().token.apply((token) => principalTypeFromToken(token) ?? guess.type),
        );
        return { owners: [currentObjectId], writers: [{ objectId: currentObjectId, type }] };
    }
    const owners = settings.deployers.filter((d) => d.type !== "Group").map((d) => d.objectId);
    if (owners.length === 0 && createsApp(settings)) {
        void pulumi.log.warn(
            `${settings.file}: aio-secrets:deployers lists only groups, and Entra app owners must be users or service principals: ` +
                `nobody owns the app registration, so rotating its password needs Application.ReadWrite.All`,
        );
    }
    return {
        owners,
        writers: settings.deployers.map((d) => ({ objectId: d.objectId, type: d.type, key: d.objectId })),
    };
}

/** Soft problems of valid inputs: rotation margin, vault read budget, missing reader rights. */
function warnAboutInputs(inputs: ProgramInputs, model: StackModel, overBudget: string | undefined): void {
    const { settings } = inputs;
    for (const warning of inputs.warnings) void pulumi.log.warn(warning);
    if ("servicePrincipal" in settings && settings.servicePrincipal.mode === "create") {
        const sp = settings.servicePrincipal;
        for (const warning of [
            rotationWarning(sp.secretValidDays, sp.rotationDays),
            firstSlotLifetimeWarning(sp.secretValidDays, sp.rotationDays),
        ]) {
            if (warning) void pulumi.log.warn(`${settings.file}: ${warning}`);
        }
    }
    if (overBudget) void pulumi.log.warn(`${settings.file}: ${overBudget}`);
    for (const rotation of model.rotations) {
        const warning = outageWarning(inputs.catalog.file, rotation);
        if (warning) void pulumi.log.warn(warning);
    }
    for (const warning of model.consumers.warnings) void pulumi.log.warn(warning);
    for (const entry of inputs.enabled) {
        const warning = expiryMarginWarning(inputs.catalog.file, entry);
        if (warning) void pulumi.log.warn(warning);
    }
    if (!settings.keyVault.grantReader && (model.usage.mountsCerts || model.usage.mountsKeys)) {
        void pulumi.log.warn(
            `${settings.file}: the catalog mounts ${model.usage.mountsCerts ? "certificates" : "keys"} but keyVault.grantReader is off ` +
                `(az iot ops init granted only secrets get/list): grant them with az keyvault set-policy --name ${settings.keyVault.name} ` +
                `--object-id <service principal object id> --secret-permissions get list --certificate-permissions get --key-permissions get`,
        );
    }
}

/**
 * The Azure side, shared by both modes: the vault, the mode's reading principal, vault access
 * and the vault's secrets. The secrets' resources never depend on the mode (switching modes
 * replaces or deletes no vault secret).
 */
function declareVault(
    inputs: ProgramInputs,
    model: StackModel,
    config: Record<string, string>,
    flow: DeliveryFlow,
): { azure: VaultSide; step: ReaderStep } {
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
        network: settings.keyVault.network,
        privateEndpoint: settings.keyVault.privateEndpoint,
        diagnostics: settings.keyVault.diagnostics,
        protect: settings.protect,
        tags,
        settingsFile: settings.file,
    });

    const step = flow.reader(deployers.owners, vault);
    const [reader, ...extraReaders] = step.readers;
    const grantReaders = settings.keyVault.grantReader;

    const access = new VaultAccess("access", {
        vaultName: vault.vaultName,
        resourceGroupName: vault.resourceGroupName,
        vaultId: vault.vaultId,
        tenantId,
        subscriptionId: deployer.subscriptionId,
        permissionModel: settings.keyVault.permissionModel,
        readerObjectId: grantReaders ? reader.objectId : undefined,
        readerRoles: reader.roles,
        readerPart: reader.part,
        // A migration (stacks/migration.ts) renames the reader's grants in step 3 and back in step 4.
        readerAliasParts: reader.aliasParts ?? [MODES[settings.delivery].readerAliasPart],
        readerRetainOnDelete: reader.retainOnDelete,
        extraReaders: grantReaders
            ? extraReaders.map((r) => ({
                  objectId: r.objectId,
                  roles: r.roles ?? [],
                  part: r.part ?? "extra-reader",
                  aliasParts: r.aliasParts,
              }))
            : [],
        rolesBesidePolicies: settings.migration === "rbacRoles",
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
    // Expiry alerts (issue 20): an ARM resource beside the vault, not a vault data-plane write. Its source is the
    // vault id, which for an existing vault carries the permission-model check like every grant and secret.
    if (settings.alerts) {
        new ExpiryAlerts("alerts", {
            vaultId: vault.vaultId,
            resourceGroupName: vault.resourceGroupName,
            location: settings.keyVault.existing
                ? vault.location
                : (settings.keyVault.location ?? config["azure-native:location"]),
            systemTopicName: settings.alerts.systemTopic.name,
            existingSystemTopic: settings.alerts.systemTopic.existing,
            destination: settings.alerts.destination,
            tags,
            protect: settings.protect,
        });
    }
    return { azure: { vault, access, secrets, deployer, tags }, step };
}

/**
 * The program. Exported as a function (the Pulumi Node.js host calls it and takes the result
 * as the stack outputs) so that tooling can run it again in the same process.
 */
async function main(): Promise<Record<string, unknown>> {
    const config = pulumi.runtime.allConfig();

    // Validate everything before declaring anything.
    const inputs = loadProgramInputs(
        { project: pulumi.getProject(), stack: pulumi.getStack(), config, secretKeys: secretConfigKeys(config) },
        { projectDir: __dirname },
    );
    const { settings } = inputs;
    const mode = DELIVERY[settings.delivery];
    const model = buildModel(inputs, mode.model);
    const { budget } = model;
    warnAboutInputs(inputs, model, budget.warning);

    // What only Azure knows is read before anything is declared: a permission model that differs
    // from the settings, or an Arc cluster without an OIDC issuer, stops the run with the
    // settings error, not halfway through an update.
    // A mode that reads nothing prepares synchronously: no await, so resources register in the same order.
    if (settings.keyVault.existing) await checkExistingVault(settings);
    const prepared = mode.prepare(inputs, model);
    const flow = prepared instanceof Promise ? await prepared : prepared;

    const { azure, step } = declareVault(inputs, model, config, flow);
    const { vault, secrets } = azure;
    return {
        environment: settings.environment,
        /**
         * Where the stack is on the way from CSI delivery to secret sync (stacks/migration.ts); the review diff
         * compares it.
         */
        deliveryStep: deliveryStep({
            delivery: settings.delivery,
            permissionModel: settings.keyVault.permissionModel,
            migration: settings.migration,
        }),
        vaultName: vault.vaultName,
        vaultUri: vault.vaultUri,
        vaultTenantId: vault.tenantId,
        managedSecrets: secrets.names,
        vaultReadsPer10s: { estimate: Math.round(budget.budget.getsPer10s * 100) / 100, limit: budget.budget.limit },
        // Issue 20: each rotating generated secret, when it next rotates and who sees it (only when there are some).
        ...(model.rotations.length > 0
            ? {
                  rotations: Object.fromEntries(
                      model.rotations.map((r) => [
                          r.name,
                          {
                              everyDays: r.days,
                              nextRotation: secrets.rotationDueAt.get(r.name),
                              seenBy: seenBy(r),
                              ...(r.outage.length > 0 ? { outage: r.outage } : {}),
                          },
                      ]),
                  ),
              }
            : {}),
        ...step.cluster(azure),
        // Who reads the synced Secrets (catalog consumers): plain data, no values. Only where the mode syncs.
        ...(model.sync ? { consumers: model.consumers.uses.map(consumerRow) } : {}),
    };
}

export = main;

import * as pulumi from "@pulumi/pulumi";
import { grantIds, RoleKey, syncReaderRoles } from "../../model/permissions";
import { WorkloadIdentity } from "../../components/identity/WorkloadIdentity";
import { customLocationId, federatedCredentialName, workloadSubject } from "../../model/secretSync";
import { PropagationWait } from "../../components/secretsync/PropagationWait";
import { SecretStoreExtension } from "../../components/secretsync/SecretStoreExtension";
import { SecretSyncs } from "../../components/secretsync/SecretSyncs";
import { ownershipTags } from "../../components/tags";
import type { ProgramInputs } from "../../stacks/load";
import type { StackModel } from "../../model/stack";
import {
    SECRET_SYNC_DEFAULTS,
    settingsOf,
    type SecretSyncStackSettings,
    type StackSettings,
} from "../../stacks/settings";
import type { ArcFacts } from "./preflight";
import { instanceLinkCommand } from "./arcFacts";
import type { DeliveryFlow, VaultSide } from "../types";

/**
 * Your own CA in secret-sync mode arrives as Secret `ca.secretName` (a SecretSync of the
 * model, see model/stack.ts withCaSync). There is no Kubernetes provider, so the trust bundle
 * is published as a stack output only.
 */
function caOutputs(settings: StackSettings): Record<string, unknown> {
    const ca = settings.ca;
    if (ca.mode !== "vault") return { caMode: ca.mode };
    void pulumi.log.warn(
        ca.trustBundle
            ? `${settings.file}: in secretSync mode the stack writes no trust bundle ConfigMap (no Kubernetes provider): clients take the caTrustBundle output (${ca.trustBundle.file})`
            : `${settings.file}: aio-secrets:ca.trustBundleFile is not set: the stack publishes no trust bundle for your CA; clients need the CA certificate from the vault ` +
                  `(az keyvault secret show --vault-name ${settings.keyVault.name} --name ${ca.certificate} --query value -o tsv > ca.crt)`,
    );
    return {
        caMode: "vault",
        caSecretName: ca.secretName,
        caTrustBundle: ca.trustBundle?.pem,
        caExpiresAt: ca.trustBundle?.expiresAt,
    };
}

/** Resource group names compare without case in Azure. */
function sameGroup(a: string, b: string): boolean {
    return a.toLowerCase() === b.toLowerCase();
}

/**
 * The wait between what must propagate (the vault grants, the identity's federated credentials)
 * and the SecretSyncs. Its triggers change exactly when Azure must propagate something anew: the
 * grants' ids (deterministic names from scope, principal and role), the identity's principal,
 * and each credential's issuer and subject (its id stays when a replacement keeps the name).
 */
function propagationWait(
    settings: SecretSyncStackSettings,
    identity: WorkloadIdentity,
    roles: readonly RoleKey[],
    azure: VaultSide,
    issuer: pulumi.Input<string>,
    subjects: readonly string[],
): PropagationWait | undefined {
    const duration = settings.secretSync.propagationWait;
    if (duration === "0s") return undefined;
    // The identity's own grants, by their ARM ids: a deployer added or a grant renamed (staged
    // migration) propagates nothing the SecretSyncs need, so it must not wait again.
    const grants = pulumi
        .all([azure.vault.vaultId, azure.deployer.subscriptionId, identity.principalId])
        .apply(([vaultId, subscriptionId, principalId]) =>
            grantIds(vaultId, subscriptionId, principalId, roles).join(","),
        );
    return new PropagationWait("propagation", {
        duration,
        triggers: {
            principalId: identity.principalId,
            grants,
            credentials: pulumi.output(issuer).apply((url) => subjects.map((subject) => `${url} ${subject}`).join(",")),
        },
        after: [...identity.credentials, ...azure.access.grants],
    });
}

/**
 * AIO GA's flow (`aio-secrets:delivery: secretSync`): a user-assigned managed identity
 * federated with the cluster's issuer (no password anywhere), the Secret Store extension's
 * check (or install), a wait for the grants to propagate, and the SPC with one SecretSync per
 * Kubernetes Secret, all Azure Resource Manager resources on the AIO custom location (no
 * Kubernetes provider, no kubeconfig). `arc` is what readArcFacts found before anything was declared.
 */
export function secretSyncFlow(inputs: ProgramInputs, model: StackModel, arc: ArcFacts): DeliveryFlow {
    const settings = settingsOf(inputs.settings, "secretSync");
    const sync = settings.secretSync;
    const subject = workloadSubject(settings.cluster.namespace, SECRET_SYNC_DEFAULTS.serviceAccount);
    return {
        reader(_owners, vault) {
            // A group the stack creates exists before the identity in it (and its credentials).
            const group = vault.createdResourceGroup;
            const inCreatedGroup =
                group !== undefined && sameGroup(settings.keyVault.resourceGroupName, sync.identity.resourceGroupName);
            const identity = new WorkloadIdentity("workload-identity", {
                identityName: sync.identity.name,
                resourceGroupName: sync.identity.resourceGroupName,
                location: arc.location,
                existing: sync.identity.existing,
                issuer: arc.issuer,
                subjects: [
                    // One credential per custom location: an identity shared by several clusters gets one each.
                    { name: federatedCredentialName(sync.customLocation.name), subject },
                ],
                audience: SECRET_SYNC_DEFAULTS.audience,
                tags: ownershipTags(settings.project, settings.stack, settings.environment),
                dependsOn: inCreatedGroup ? [group] : [],
            });
            return {
                readers: [{ objectId: identity.principalId, roles: syncReaderRoles(model.usage) }],
                cluster: (azure) => declareSync(settings, model, arc, { identity, subject }, azure),
            };
        },
    };
}

/**
 * The cluster side of secret sync: the Secret Store extension (with install), the wait for what
 * must propagate, and the SPC with its SecretSyncs on the custom location.
 */
function declareSync(
    settings: SecretSyncStackSettings,
    model: StackModel,
    arc: ArcFacts,
    reader: { identity: WorkloadIdentity; subject: string },
    azure: VaultSide,
): Record<string, unknown> {
    const { identity, subject } = reader;
    const sync = settings.secretSync;
    const synced = model.sync ?? { objects: [], syncs: [] };
    // Only with extension.install: a GA cluster's own extension is checked, never declared.
    const extension = sync.extension.install
        ? new SecretStoreExtension("secret-store", {
              clusterName: arc.extensionCluster.name,
              resourceGroupName: arc.extensionCluster.resourceGroupName,
              extensionName: sync.extension.name,
              version: sync.extension.version,
              releaseTrain: sync.extension.releaseTrain,
              rotationPollIntervalInSeconds: sync.extension.rotationPollIntervalInSeconds,
              settings: sync.extension.settings,
          })
        : undefined;
    const common = {
        identityClientId: identity.clientId,
        identityPrincipalId: identity.principalId,
        identityId: identity.identityId,
        oidcIssuerUrl: arc.issuer,
        namespace: settings.cluster.namespace,
        secretStoreExtensionId: extension ? extension.extension.id : undefined,
        ...caOutputs(settings),
    };
    if (arc.extension === "missing") {
        // Stage 1 of an install: a new extension is not in the custom location, so an SPC or
        // SecretSync on it would fail in this up. They follow once the custom location lists it.
        void pulumi.log.warn(
            `${settings.file}: stage 1 of 2: this up installs the Secret Store extension ${sync.extension.name} and declares no SecretProviderClass or SecretSync ` +
                `(the custom location does not list the new extension yet). Then run ${arc.customLocationStep} and up again: stage 2 declares them`,
        );
        return { ...common, secretProviderClassName: sync.spcName, secretSyncs: [], nextStep: arc.customLocationStep };
    }
    // Nothing to wait for without a SecretSync.
    const wait =
        synced.syncs.length > 0
            ? propagationWait(settings, identity, syncReaderRoles(model.usage), azure, arc.issuer, [subject])
            : undefined;
    const locationId = azure.deployer.subscriptionId.apply((sub) =>
        customLocationId(sub, sync.customLocation.resourceGroupName, sync.customLocation.name),
    );
    const syncs = new SecretSyncs("secret-sync", {
        spcName: sync.spcName,
        resourceGroupName: sync.customLocation.resourceGroupName,
        location: arc.location,
        customLocationId: locationId,
        clientId: identity.clientId,
        keyvaultName: azure.vault.vaultName,
        tenantId: azure.vault.tenantId,
        objects: synced.objects,
        syncs: synced.syncs,
        serviceAccountName: SECRET_SYNC_DEFAULTS.serviceAccount,
        forceSynchronization: sync.forceSynchronization,
        tags: azure.tags,
        // A sync fails until the extension, the credential, the roles (propagated) and the values exist.
        dependsOn: [
            ...(extension ? [extension.extension] : []),
            ...(wait ? [wait.sleep] : []),
            ...identity.credentials,
            ...azure.access.grants,
            azure.secrets,
        ],
    });
    return {
        ...common,
        secretProviderClassName: sync.spcName,
        /** Link it from the AIO instance (defaultSecretProviderClassRef): the instance is not this stack's. */
        secretProviderClassId: syncs.secretProviderClass.id,
        instanceLinkCommand: instanceLinkCommand(
            arc.subscriptionId,
            sync.instance,
            sync.customLocation.resourceGroupName,
            {
                resourceGroupName: sync.customLocation.resourceGroupName,
                name: sync.spcName,
            },
        ),
        secretSyncs: Object.keys(syncs.syncs).sort(),
    };
}

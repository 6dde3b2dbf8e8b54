import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { syncReaderRoles } from "../components/access/permissions";
import { WorkloadIdentity } from "../components/identity/WorkloadIdentity";
import { customLocationId, federatedCredentialName, workloadSubject } from "../components/secretsync/render";
import { SecretStoreExtension } from "../components/secretsync/SecretStoreExtension";
import { SecretSyncs } from "../components/secretsync/SecretSyncs";
import { ownershipTags } from "../components/tags";
import { ConfigError } from "../stacks/errors";
import type { ProgramInputs } from "../stacks/load";
import type { StackModel } from "../stacks/model";
import { CONFIG_NAMESPACE, SECRET_SYNC_DEFAULTS, SecretSyncSettings, StackSettings } from "../stacks/settings";
import type { DeliveryFlow } from "./types";

/**
 * The Arc cluster API version that has `oidcIssuerProfile`: azure-native 3.x's default
 * `kubernetes.ConnectedCluster` API does not, so the cluster is read as a generic resource.
 */
export const CONNECTED_CLUSTER_API = "2024-12-01-preview";

/** What the program needs from the Arc cluster's properties. */
interface ConnectedClusterProperties {
    oidcIssuerProfile?: { enabled?: boolean; issuerUrl?: string };
    securityProfile?: { workloadIdentity?: { enabled?: boolean } };
}

/**
 * The Arc cluster's OIDC issuer: the setting, else the cluster's. The cluster is read before
 * anything is declared, so one without an issuer (or without workload identity) stops the run
 * with the fix, not halfway through. The URL itself flows as an Output of a second read, so a
 * preview without Azure shows it as unknown instead of a made-up value.
 */
export async function oidcIssuer(settings: StackSettings, sync: SecretSyncSettings): Promise<{ issuer: pulumi.Input<string>; warnings: string[] }> {
    if (sync.oidcIssuerUrl !== undefined) return { issuer: sync.oidcIssuerUrl, warnings: [] };
    const arc = sync.arcCluster!; // settings.ts requires the Arc cluster when no issuer is set
    const args = {
        resourceGroupName: arc.resourceGroupName,
        resourceProviderNamespace: "Microsoft.Kubernetes",
        parentResourcePath: "",
        resourceType: "connectedClusters",
        resourceName: arc.name,
        apiVersion: CONNECTED_CLUSTER_API,
    };
    const fix = `az connectedk8s update --name ${arc.name} --resource-group ${arc.resourceGroupName} --enable-oidc-issuer --enable-workload-identity`;
    const rule = `is not set and Arc cluster ${arc.name} has no OIDC issuer: run ${fix} (k3s also needs the issuer flags, see README), or set the issuer URL`;
    const cluster = await resources.getResource(args);
    const properties = (cluster.properties ?? {}) as ConnectedClusterProperties;
    if (properties.oidcIssuerProfile?.enabled !== true) {
        throw new ConfigError([{ file: settings.file, path: `${CONFIG_NAMESPACE}:secretSync.oidcIssuerUrl`, rule }]);
    }
    const warnings =
        properties.securityProfile?.workloadIdentity?.enabled === false
            ? [`${settings.file}: Arc cluster ${arc.name} has workload identity off: the Secret Store cannot exchange tokens until you run ${fix}`]
            : [];
    const issuer = resources.getResourceOutput(args).properties.apply((p: ConnectedClusterProperties | undefined) => {
        const url = p?.oidcIssuerProfile?.issuerUrl;
        if (typeof url !== "string" || url === "") throw new ConfigError([{ file: settings.file, path: `${CONFIG_NAMESPACE}:secretSync.oidcIssuerUrl`, rule }]);
        return url;
    });
    return { issuer, warnings };
}

/**
 * Your own CA in secret-sync mode arrives as Secret `ca.secretName` (a SecretSync of the
 * model, see stacks/model.ts withCaSync). There is no Kubernetes provider, so the trust bundle
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
    return { caMode: "vault", caSecretName: ca.secretName, caTrustBundle: ca.trustBundle?.pem, caExpiresAt: ca.trustBundle?.expiresAt };
}

/**
 * AIO GA's flow (`aio-secrets:delivery: secretSync`): a user-assigned managed identity
 * federated with the cluster's issuer (no password anywhere), the Secret Store extension, and
 * the SPC with one SecretSync per Kubernetes Secret, all Azure Resource Manager resources on
 * the AIO custom location (no Kubernetes provider, no kubeconfig).
 */
export function secretSyncFlow(inputs: ProgramInputs, model: StackModel, issuer: pulumi.Input<string>): DeliveryFlow {
    const { settings } = inputs;
    const sync = settings.secretSync!;
    const synced = model.sync ?? { objects: [], syncs: [] };
    let identity: WorkloadIdentity | undefined;
    return {
        reader() {
            identity = new WorkloadIdentity("workload-identity", {
                identityName: sync.identity.name,
                resourceGroupName: sync.identity.resourceGroupName,
                location: sync.location,
                existing: sync.identity.existing,
                issuer,
                subjects: [
                    {
                        // One credential per custom location: an identity shared by several clusters gets one each.
                        name: federatedCredentialName(sync.customLocation.name),
                        subject: workloadSubject(settings.cluster.namespace, SECRET_SYNC_DEFAULTS.serviceAccount),
                    },
                ],
                audience: SECRET_SYNC_DEFAULTS.audience,
                tags: ownershipTags(settings.project, settings.stack, settings.environment),
            });
            return { objectId: identity.principalId, roles: syncReaderRoles(model.usage) };
        },
        cluster(azure) {
            if (!identity) throw new Error("secretSyncFlow: reader() must be declared before cluster()");
            const arc = sync.arcCluster;
            const extension =
                sync.extension.install && arc
                    ? new SecretStoreExtension("secret-store", {
                          clusterName: arc.name,
                          resourceGroupName: arc.resourceGroupName,
                          extensionName: sync.extension.name,
                          version: sync.extension.version,
                          releaseTrain: sync.extension.releaseTrain,
                          rotationPollIntervalInSeconds: sync.extension.rotationPollIntervalInSeconds,
                          settings: sync.extension.settings,
                      })
                    : undefined;
            const locationId = azure.deployer.subscriptionId.apply((sub) =>
                customLocationId(sub, sync.customLocation.resourceGroupName, sync.customLocation.name),
            );
            const syncs = new SecretSyncs("secret-sync", {
                spcName: sync.spcName,
                resourceGroupName: sync.customLocation.resourceGroupName,
                location: sync.location,
                customLocationId: locationId,
                clientId: identity.clientId,
                keyvaultName: azure.vault.vaultName,
                tenantId: azure.vault.tenantId,
                objects: synced.objects,
                syncs: synced.syncs,
                serviceAccountName: SECRET_SYNC_DEFAULTS.serviceAccount,
                forceSynchronization: sync.forceSynchronization,
                tags: azure.tags,
                // A sync fails until the extension, the credential, the roles and the values exist.
                dependsOn: [...(extension ? [extension.extension] : []), ...identity.credentials, ...azure.access.grants, azure.secrets],
            });
            return {
                identityClientId: identity.clientId,
                identityPrincipalId: identity.principalId,
                identityId: identity.identityId,
                oidcIssuerUrl: issuer,
                namespace: settings.cluster.namespace,
                secretProviderClassName: sync.spcName,
                /** Link it from the AIO instance (defaultSecretProviderClassRef): the instance is not this stack's. */
                secretProviderClassId: syncs.secretProviderClass.id,
                secretSyncs: Object.keys(syncs.syncs),
                secretStoreExtensionId: extension ? extension.extension.id : undefined,
                ...caOutputs(settings),
            };
        },
    };
}

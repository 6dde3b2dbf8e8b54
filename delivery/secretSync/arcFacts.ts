import type { Problem } from "../../stacks/errors";
import { httpsUrl } from "../../stacks/rules";
import { CONFIG_NAMESPACE, SECRET_SYNC_DEFAULTS } from "../../stacks/settings";

/**
 * What secret sync needs to know about the Arc cluster, its custom location and its Secret Store
 * extension, and the checks on it: pure (the reads are in arc.ts), so every rule is tested
 * without mocks.
 */

/**
 * The Arc cluster API version read for `oidcIssuerProfile` and `securityProfile`: azure-native
 * 3.x's `kubernetes.ConnectedCluster` (2024-02-01-preview) has neither, and its generic
 * `resources.getResource` invoke sends its own api-version, not the one asked for (provider.go
 * Invoke; pulumi/pulumi-azure-native#4109, #4033, #4337). The CLI reads 2024-07-15-preview.
 */
export const CONNECTED_CLUSTER_API = "2024-12-01-preview";

/** Azure Resource Manager per `azure-native:environment` (the provider's values; default public). */
export const ARM_ENDPOINTS: Readonly<Record<string, string>> = {
    public: "https://management.azure.com",
    usgovernment: "https://management.usgovcloudapi.net",
    china: "https://management.chinacloudapi.cn",
};

/** An Arc cluster or custom location named by resource group and name. */
export interface NamedResource {
    name: string;
    resourceGroupName: string;
}

/** What the program uses of the Arc cluster's ARM body (`Microsoft.Kubernetes/connectedClusters`). */
export interface ConnectedClusterBody {
    location?: string;
    properties?: {
        oidcIssuerProfile?: { enabled?: boolean; issuerUrl?: string };
        securityProfile?: { workloadIdentity?: { enabled?: boolean } };
    };
}

/** What the program uses of the custom location (`Microsoft.ExtendedLocation/customLocations`). */
export interface CustomLocationFacts {
    location: string;
    namespace?: string;
    hostResourceId?: string;
    clusterExtensionIds?: string[];
}

/**
 * A value as one word of a POSIX shell command a user pastes: as is when it holds only
 * characters no shell treats specially, else in single quotes. Resource group names may hold
 * `(` and `)` (a syntax error unquoted), and ids read from Azure hold them too.
 */
export function shellArg(value: string): string {
    return /^[-A-Za-z0-9_@%+=:,./]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function connectedClusterId(subscriptionId: string, arc: NamedResource): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${arc.resourceGroupName}/providers/Microsoft.Kubernetes/connectedClusters/${arc.name}`;
}

/** The command that prints the issuer exactly as the cluster's tokens carry it. */
export function issuerQuery(arc: NamedResource): string {
    return `az connectedk8s show --name ${shellArg(arc.name)} --resource-group ${shellArg(arc.resourceGroupName)} --query oidcIssuerProfile.issuerUrl -o tsv`;
}

const ISSUER_PATH = `${CONFIG_NAMESPACE}:secretSync.oidcIssuerUrl`;

/**
 * The settings problem when the Arc cluster cannot be read: the way out is the setting, with the query that fills it.
 */
export function unreadableClusterProblem(file: string, arc: NamedResource, why: string): Problem {
    return {
        file,
        path: ISSUER_PATH,
        rule: `is not set and Arc cluster ${arc.name} cannot be read (${why}): set it to what ${issuerQuery(arc)} prints`,
    };
}

/**
 * The issuer of a cluster read at {@link CONNECTED_CLUSTER_API}, as the CLI takes it
 * (`_ensure_oidc_issuer`): OIDC issuer and workload identity must both be on, and the URL is used
 * verbatim, since the service account tokens' `iss` claim is exactly `issuerUrl` (Arc's ends
 * with '/'; dropping or adding it is AADSTS700211).
 */
export function clusterIssuer(
    file: string,
    arc: NamedResource,
    body: ConnectedClusterBody,
): { issuer?: string; location?: string; problems: Problem[] } {
    const oidc = body.properties?.oidcIssuerProfile;
    const workloadIdentity = body.properties?.securityProfile?.workloadIdentity?.enabled === true;
    const missing = [
        oidc?.enabled === true ? "" : "--enable-oidc-issuer",
        workloadIdentity ? "" : "--enable-workload-identity",
    ].filter(Boolean);
    if (missing.length > 0) {
        const fix = `az connectedk8s update --name ${shellArg(arc.name)} --resource-group ${shellArg(arc.resourceGroupName)} ${missing.join(" ")}`;
        const what = missing
            .map((m) => (m === "--enable-oidc-issuer" ? "its OIDC issuer" : "workload identity"))
            .join(" or ");
        return {
            problems: [
                {
                    file,
                    path: `${CONFIG_NAMESPACE}:cluster.arcClusterName`,
                    rule: `Arc cluster ${arc.name} does not have ${what} enabled, so the Secret Store cannot exchange its token (az iot ops refuses it too): run ${fix} (k3s also needs the issuer flags, see docs/secret-sync.md, "Cluster prerequisites")`,
                },
            ],
        };
    }
    const url = oidc?.issuerUrl;
    if (typeof url !== "string" || url === "") {
        return {
            problems: [
                {
                    file,
                    path: ISSUER_PATH,
                    rule: `is not set and Arc cluster ${arc.name} reports no issuer URL yet: set it to what ${issuerQuery(arc)} prints once it does`,
                },
            ],
        };
    }
    const refused = httpsUrl(url);
    if (refused !== undefined) {
        return {
            problems: [
                {
                    file,
                    path: ISSUER_PATH,
                    rule: `is not set and the issuer URL Arc cluster ${arc.name} reports ${refused}: set it yourself`,
                    value: JSON.stringify(url),
                },
            ],
        };
    }
    return { issuer: url, location: body.location, problems: [] };
}

/**
 * Where OpenID Connect Discovery publishes an issuer's metadata: the issuer without its trailing '/', plus
 * `/.well-known/openid-configuration`.
 */
export function discoveryUrl(issuer: string): string {
    return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/**
 * The issuer as the tokens carry it. The discovery document's `issuer` is by definition the
 * tokens' `iss` (OpenID Connect Discovery 1.0, section 4.3), so it decides: a cluster whose
 * `issuerUrl` differs is federated with the document's (with a warning), and a configured URL
 * that differs is refused. Without a readable document, the URL is used verbatim (warned).
 */
export function reconcileIssuer(
    file: string,
    source: "cluster" | "setting",
    given: string,
    discovered: { issuer?: unknown; error?: string },
): { issuer: string; problems: Problem[]; warnings: string[] } {
    const where = discoveryUrl(given);
    if (
        discovered.error !== undefined ||
        typeof discovered.issuer !== "string" ||
        httpsUrl(discovered.issuer) !== undefined
    ) {
        const why =
            discovered.error ??
            `its issuer ${JSON.stringify(discovered.issuer)} is not an https URL written as the tokens carry it`;
        return {
            issuer: given,
            problems: [],
            warnings: [
                `${file}: the issuer's discovery document ${where} cannot be used (${why}): the federated credential takes ${given} verbatim`,
            ],
        };
    }
    if (discovered.issuer === given) return { issuer: given, problems: [], warnings: [] };
    if (source === "setting") {
        return {
            issuer: given,
            problems: [
                {
                    file,
                    path: ISSUER_PATH,
                    rule: `is ${given} but its discovery document ${where} says the tokens' issuer is ${discovered.issuer}: set that (Entra compares verbatim: AADSTS700211)`,
                },
            ],
            warnings: [],
        };
    }
    return {
        issuer: discovered.issuer,
        problems: [],
        warnings: [
            `${file}: the Arc cluster reports issuer ${given} but its discovery document says ${discovered.issuer}, which the tokens carry: the federated credential uses ${discovered.issuer}`,
        ],
    };
}

/** A soft problem of a configured issuer: Arc's issuer URLs end with '/', and Entra compares verbatim. */
export function issuerSlashWarning(file: string, url: string, arc: NamedResource | undefined): string | undefined {
    if (url.endsWith("/")) return undefined;
    const copy = arc
        ? `copy it from ${issuerQuery(arc)}`
        : "copy it from az connectedk8s show --query oidcIssuerProfile.issuerUrl -o tsv";
    return `${file}: ${ISSUER_PATH} does not end with '/': Arc's issuer URLs do, and Entra compares it with the token's iss character for character (AADSTS700211 on a mismatch); ${copy}`;
}

/** The resource-group-relative, lower-case tail of an ARM id (`/resourcegroups/...`): ids compare without case. */
export function armTail(id: string): string {
    const lower = id.toLowerCase();
    const at = lower.indexOf("/resourcegroups/");
    return at < 0 ? lower : lower.slice(at);
}

/** The Arc cluster a custom location runs on (its `hostResourceId`), or undefined when it is not one. */
export function hostCluster(hostResourceId: string | undefined): NamedResource | undefined {
    const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Kubernetes\/connectedClusters\/([^/]+)$/i.exec(
        hostResourceId ?? "",
    );
    return m ? { resourceGroupName: m[1], name: m[2] } : undefined;
}

/**
 * The custom location's checks: it runs on the named Arc cluster, and its namespace is the one
 * the federated credential's subject names (`system:serviceaccount:<namespace>:aio-ssc-sa`; the
 * CLI builds it from the custom location's namespace, never from a setting).
 */
export function customLocationProblems(
    file: string,
    customLocation: NamedResource,
    facts: CustomLocationFacts,
    namespace: string,
    arc: NamedResource | undefined,
): Problem[] {
    const problems: Problem[] = [];
    if (facts.namespace !== undefined && facts.namespace !== namespace) {
        problems.push({
            file,
            path: `${CONFIG_NAMESPACE}:cluster.namespace`,
            rule:
                `is ${JSON.stringify(namespace)} but custom location ${customLocation.name} deploys to namespace ${JSON.stringify(facts.namespace)}: ` +
                `the federated credential's subject would name a service account the Secret Store does not run as; set cluster.namespace: ${facts.namespace}`,
        });
    }
    const host = hostCluster(facts.hostResourceId);
    if (arc && host && armTail(facts.hostResourceId!) !== armTail(connectedClusterId("-", arc))) {
        problems.push({
            file,
            path: `${CONFIG_NAMESPACE}:secretSync.customLocation.name`,
            rule: `names custom location ${customLocation.name}, which runs on Arc cluster ${host.name} (resource group ${host.resourceGroupName}), not on cluster.arcClusterName ${arc.name} (${arc.resourceGroupName})`,
        });
    }
    return problems;
}

/** The Secret Store extension as the custom location and the cluster see it. */
export type ExtensionState = "ready" | "missing" | "notInCustomLocation";

/**
 * Whether the custom location lists the extension `<cluster
 * id>/providers/Microsoft.KubernetesConfiguration/extensions/<name>`.
 */
export function listsExtension(facts: CustomLocationFacts, cluster: NamedResource, extensionName: string): boolean {
    const wanted = armTail(
        `${connectedClusterId("-", cluster)}/providers/Microsoft.KubernetesConfiguration/extensions/${extensionName}`,
    );
    return (facts.clusterExtensionIds ?? []).some((id) => armTail(id) === wanted);
}

/**
 * What `az iot ops init` / edge-ai run to install the extension
 * (test/fixtures/az-iot-ops-secretsync/extension-azure-secret-store.json).
 */
export function extensionCreateCommand(
    cluster: NamedResource,
    ext: { name: string; version: string; releaseTrain: string; rotationPollIntervalInSeconds: number },
): string {
    return (
        `az k8s-extension create --cluster-name ${shellArg(cluster.name)} --resource-group ${shellArg(cluster.resourceGroupName)} --cluster-type connectedClusters ` +
        `--name ${shellArg(ext.name)} --extension-type ${SECRET_SYNC_DEFAULTS.extensionType} --release-train ${ext.releaseTrain} --version ${ext.version} ` +
        `--auto-upgrade-minor-version false --config rotationPollIntervalInSeconds=${ext.rotationPollIntervalInSeconds} --config validatingAdmissionPolicies.applyPolicies=false`
    );
}

/**
 * The custom location step: `--cluster-extension-ids` replaces the list, so it repeats the ids
 * the custom location has (AIO's own extension among them) and adds the Secret Store's.
 */
export function customLocationPatchCommand(
    customLocation: NamedResource,
    facts: CustomLocationFacts,
    cluster: NamedResource,
    extensionName: string,
): string {
    const extensionId = `$(az k8s-extension show --cluster-name ${shellArg(cluster.name)} --resource-group ${shellArg(cluster.resourceGroupName)} --cluster-type connectedClusters --name ${shellArg(extensionName)} --query id -o tsv)`;
    const ids = [...(facts.clusterExtensionIds ?? []).map(shellArg), `"${extensionId}"`];
    return `az customlocation patch --name ${shellArg(customLocation.name)} --resource-group ${shellArg(customLocation.resourceGroupName)} --cluster-extension-ids ${ids.join(" ")}`;
}

/**
 * The step that links the SPC from the AIO instance (`defaultSecretProviderClassRef`, API
 * 2025-07-01-preview and later). Neither this stack nor `az iot ops secretsync enable` (it returns
 * early when any SPC exists) sets it. The instance's PATCH body takes only tags and identity, so
 * the property goes in with a read-modify-PUT, as the CLI (`instances.py` update:
 * begin_create_or_update) and edge-ai (`azapi_update_resource`) do: `az resource update`.
 */
export function instanceLinkCommand(
    subscriptionId: string | undefined,
    instance: NamedResource | undefined,
    fallbackGroup: string,
    spc: { resourceGroupName: string; name: string },
): string {
    const sub = subscriptionId ?? "$(az account show --query id -o tsv)";
    const instanceId = instance
        ? `/subscriptions/${sub}/resourceGroups/${instance.resourceGroupName}/providers/Microsoft.IoTOperations/instances/${instance.name}`
        : `$(az iot ops list --resource-group ${shellArg(fallbackGroup)} --query '[0].id' -o tsv)`;
    const spcId = `/subscriptions/${sub}/resourceGroups/${spc.resourceGroupName}/providers/Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses/${spc.name}`;
    return (
        `az resource update --ids "${instanceId}" --api-version ${SECRET_SYNC_DEFAULTS.instanceApiVersion} ` +
        // Double quotes, so that a $(...) for an id the plan cannot know is expanded by the shell.
        `--set "properties.defaultSecretProviderClassRef={\\"resourceId\\":\\"${spcId}\\"}"`
    );
}

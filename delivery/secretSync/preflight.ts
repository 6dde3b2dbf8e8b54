import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as extendedlocation from "@pulumi/azure-native/extendedlocation";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import { ConfigError, Problem } from "../../stacks/errors";
import { CONFIG_NAMESPACE, SECRET_SYNC_DEFAULTS, SecretSyncSettings, StackSettings } from "../../stacks/settings";
import {
    ARM_ENDPOINTS,
    clusterIssuer,
    CONNECTED_CLUSTER_API,
    connectedClusterId,
    ConnectedClusterBody,
    customLocationPatchCommand,
    customLocationProblems,
    CustomLocationFacts,
    discoveryUrl,
    extensionCreateCommand,
    ExtensionState,
    hostCluster,
    issuerSlashWarning,
    listsExtension,
    NamedResource,
    reconcileIssuer,
    shellArg,
    unreadableClusterProblem,
} from "./arcFacts";

/**
 * Reads what only Azure knows about the AIO side of the cluster, before anything is declared:
 * the Arc cluster (OIDC issuer, workload identity, region), the custom location (namespace,
 * host, cluster extensions) and the Secret Store extension. Every problem found stops the run
 * with one settings error. The checks themselves are pure (arcFacts.ts).
 */

/** What secret sync's declarations take from the reads. */
export interface ArcFacts {
    /** The issuer exactly as the cluster's tokens carry it; unknown in a preview that cannot read the cluster. */
    issuer: pulumi.Input<string>;
    /**
     * Region of the SPC, SecretSyncs and a created identity: the setting, else the Arc cluster's (the custom location's
     * with a configured issuer).
     */
    location: pulumi.Input<string>;
    /** The deployer's subscription, when known (ids in printed commands). */
    subscriptionId?: string;
    /** The Secret Store extension: `missing` only with `extension.install` (the stack installs it first). */
    extension: Extract<ExtensionState, "ready" | "missing">;
    /** The Arc cluster the extension is on. */
    extensionCluster: NamedResource;
    /** The custom location step after the stack installed the extension (`missing` only). */
    customLocationStep?: string;
    warnings: string[];
}

/** A value this preview cannot know (the offline plan has no credentials): the engine gets it as unknown. */
function unknownValue(): pulumi.Output<string> {
    return pulumi.output(pulumi.unknown as unknown as string);
}

/** The first line of a read's error, without anything but the provider's message (no token is ever in it). */
function reason(e: unknown): string {
    const text = e instanceof Error ? e.message : String(e);
    return (text.split("\n").find((l) => l.trim() !== "") ?? "unknown error").trim().slice(0, 300);
}

/**
 * How long the program's own reads (the Arc cluster's ARM GET, the issuer's discovery document)
 * may take: a black-holed route must end the run with the fix, not hang `pulumi preview`.
 */
export const READ_TIMEOUT_MS = 15000;

/**
 * Why a `fetch` failed, and the likely cause behind a proxy: the azure-native provider (Go)
 * follows HTTPS_PROXY, but Node's `fetch` does so only with NODE_USE_ENV_PROXY=1.
 */
function fetchFailure(e: unknown): string {
    const proxied = ["HTTPS_PROXY", "https_proxy"].some((k) => (process.env[k] ?? "") !== "");
    const hint =
        proxied && process.env.NODE_USE_ENV_PROXY !== "1"
            ? " (HTTPS_PROXY is set: Node's fetch uses it only with NODE_USE_ENV_PROXY=1)"
            : "";
    return `${reason(e)}${hint}`;
}

/** Resource Manager of the deployer's cloud (`azure-native:environment`, else ARM_ENVIRONMENT, else public). */
function armEndpoint(): string | undefined {
    const environment = (
        new pulumi.Config("azure-native").get("environment") ??
        process.env.ARM_ENVIRONMENT ??
        "public"
    ).toLowerCase();
    return Object.hasOwn(ARM_ENDPOINTS, environment) ? ARM_ENDPOINTS[environment] : undefined;
}

/**
 * An ARM GET of the Arc cluster at {@link CONNECTED_CLUSTER_API} with the deployer's own token
 * (`authorization.getClientToken`, the provider's credentials): the only read that returns
 * `oidcIssuerProfile`. Undefined in a preview without credentials; a failure is a settings problem
 * that names the `az connectedk8s show` query filling `secretSync.oidcIssuerUrl` instead.
 */
async function readConnectedCluster(
    file: string,
    arc: NamedResource,
    subscriptionId: unknown,
): Promise<{ body?: ConnectedClusterBody; problem?: Problem }> {
    const { token } = await authorization.getClientToken();
    if (typeof subscriptionId !== "string" || typeof token !== "string") {
        if (pulumi.runtime.isDryRun()) return {};
        return { problem: unreadableClusterProblem(file, arc, "no access token from the azure-native provider") };
    }
    const endpoint = armEndpoint();
    if (endpoint === undefined) {
        return {
            problem: unreadableClusterProblem(
                file,
                arc,
                `azure-native:environment is not one of ${Object.keys(ARM_ENDPOINTS).join(", ")}`,
            ),
        };
    }
    const url = `${endpoint}${connectedClusterId(subscriptionId, arc)}?api-version=${CONNECTED_CLUSTER_API}`;
    let response: Response;
    try {
        response = await fetch(url, {
            headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
            signal: AbortSignal.timeout(READ_TIMEOUT_MS),
        });
    } catch (e) {
        return { problem: unreadableClusterProblem(file, arc, `GET ${url}: ${fetchFailure(e)}`) };
    }
    let text: string;
    try {
        text = await response.text();
    } catch (e) {
        return { problem: unreadableClusterProblem(file, arc, `GET ${url}: ${fetchFailure(e)}`) };
    }
    let body: unknown;
    try {
        body = JSON.parse(text);
    } catch {
        body = undefined;
    }
    if (!response.ok) {
        const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
        const detail = error ? `${String(error.code)}: ${String(error.message)}`.slice(0, 300) : response.statusText;
        return { problem: unreadableClusterProblem(file, arc, `GET ${url} answered ${response.status} ${detail}`) };
    }
    if (body === null || typeof body !== "object")
        return { problem: unreadableClusterProblem(file, arc, `GET ${url} answered no JSON object`) };
    return { body: body as ConnectedClusterBody };
}

/**
 * The issuer's OpenID Connect discovery document (public, like the keys Entra fetches): its
 * `issuer`, or why it cannot be read. Sent without any credential.
 */
async function readDiscovery(issuer: string): Promise<{ issuer?: unknown; error?: string }> {
    const url = discoveryUrl(issuer);
    try {
        const response = await fetch(url, {
            headers: { Accept: "application/json" },
            signal: AbortSignal.timeout(READ_TIMEOUT_MS),
        });
        if (!response.ok) return { error: `answered ${response.status}` };
        const body = (await response.json()) as unknown;
        return {
            issuer: body !== null && typeof body === "object" ? (body as Record<string, unknown>).issuer : undefined,
        };
    } catch (e) {
        return { error: fetchFailure(e) };
    }
}

/** The issuer and region: the setting, or the Arc cluster's own, read as `az connectedk8s show` does. */
async function issuerAndLocation(
    settings: StackSettings,
    sync: SecretSyncSettings,
    customLocation: CustomLocationFacts,
    subscriptionId: unknown,
): Promise<{ issuer: pulumi.Input<string>; location: pulumi.Input<string>; problems: Problem[]; warnings: string[] }> {
    if (sync.oidcIssuerUrl !== undefined) {
        const checked = reconcileIssuer(
            settings.file,
            "setting",
            sync.oidcIssuerUrl,
            await readDiscovery(sync.oidcIssuerUrl),
        );
        const slash = issuerSlashWarning(settings.file, sync.oidcIssuerUrl, sync.arcCluster);
        const warnings = [...checked.warnings, ...(slash && checked.warnings.length > 0 ? [slash] : [])];
        return {
            issuer: checked.issuer,
            location: sync.location ?? customLocation.location,
            problems: checked.problems,
            warnings,
        };
    }
    const arc = sync.arcCluster!; // settings.ts requires the Arc cluster when no issuer is set
    const read = await readConnectedCluster(settings.file, arc, subscriptionId);
    if (read.problem)
        return { issuer: unknownValue(), location: unknownValue(), problems: [read.problem], warnings: [] };
    if (!read.body)
        return { issuer: unknownValue(), location: sync.location ?? unknownValue(), problems: [], warnings: [] };
    const found = clusterIssuer(settings.file, arc, read.body);
    const checked =
        found.issuer !== undefined
            ? reconcileIssuer(settings.file, "cluster", found.issuer, await readDiscovery(found.issuer))
            : undefined;
    return {
        issuer: checked?.issuer ?? unknownValue(),
        location: sync.location ?? found.location ?? customLocation.location,
        problems: [...found.problems, ...(checked?.problems ?? [])],
        warnings: checked?.warnings ?? [],
    };
}

/**
 * The custom location, read with azure-native's typed invoke (2021-08-31-preview has namespace and
 * clusterExtensionIds).
 */
async function readCustomLocation(file: string, customLocation: NamedResource): Promise<CustomLocationFacts> {
    try {
        return await extendedlocation.getCustomLocation({
            resourceGroupName: customLocation.resourceGroupName,
            resourceName: customLocation.name,
        });
    } catch (e) {
        throw new ConfigError([
            {
                file,
                path: `${CONFIG_NAMESPACE}:secretSync.customLocation.name`,
                rule: `custom location ${customLocation.name} in resource group ${customLocation.resourceGroupName} cannot be read (${reason(e)}): check it with az customlocation show --name ${shellArg(customLocation.name)} --resource-group ${shellArg(customLocation.resourceGroupName)}`,
            },
        ]);
    }
}

/** A read that failed because the resource is not there (ARM's 404), not for want of rights or a route. */
function notFound(e: unknown): boolean {
    return /\b404\b|NotFound/.test(e instanceof Error ? e.message : String(e));
}

/**
 * The Secret Store extension on the cluster (kubernetesconfiguration 2023-05-01): found, missing
 * (404 only), or unreadable. A 403 or a network failure is no proof that it is missing: taken as
 * missing, `install: true` would try to create an extension that exists.
 */
async function readExtension(
    cluster: NamedResource,
    name: string,
): Promise<{ found?: { extensionType?: string }; error?: string }> {
    try {
        const found = await kubernetesconfiguration.getExtension({
            clusterName: cluster.name,
            resourceGroupName: cluster.resourceGroupName,
            clusterRp: "Microsoft.Kubernetes",
            clusterResourceName: "connectedClusters",
            extensionName: name,
        });
        return { found };
    } catch (e) {
        return notFound(e) ? {} : { error: reason(e) };
    }
}

/**
 * The Secret Store extension's checks. Expected by default (every AIO GA instance has it, and
 * `az iot ops create` lists it in the custom location); with `extension.install` the stack
 * installs a missing one first, and the SPC and SecretSyncs wait for the custom location step.
 */
async function extensionFacts(
    settings: StackSettings,
    sync: SecretSyncSettings,
    customLocation: CustomLocationFacts,
): Promise<{ state?: "ready" | "missing"; cluster?: NamedResource; step?: string; problems: Problem[] }> {
    const path = `${CONFIG_NAMESPACE}:secretSync.extension`;
    const cluster = sync.arcCluster ?? hostCluster(customLocation.hostResourceId);
    if (!cluster) {
        return {
            problems: [
                {
                    file: settings.file,
                    path: `${CONFIG_NAMESPACE}:secretSync.customLocation.name`,
                    rule: `custom location ${sync.customLocation.name} does not run on an Arc cluster (hostResourceId ${JSON.stringify(customLocation.hostResourceId ?? "")})`,
                },
            ],
        };
    }
    const name = sync.extension.name;
    const read = await readExtension(cluster, name);
    if (read.error !== undefined) {
        return {
            problems: [
                {
                    file: settings.file,
                    path: `${path}.name`,
                    rule:
                        `the Secret Store extension ${name} on Arc cluster ${cluster.name} cannot be read (${read.error}): the deployer needs Microsoft.KubernetesConfiguration/extensions/read there; ` +
                        `check with az k8s-extension show --cluster-name ${shellArg(cluster.name)} --resource-group ${shellArg(cluster.resourceGroupName)} --cluster-type connectedClusters --name ${shellArg(name)}`,
                },
            ],
        };
    }
    const found = read.found;
    const listed = listsExtension(customLocation, cluster, name);
    const patch = customLocationPatchCommand(sync.customLocation, customLocation, cluster, name);
    if (found && (found.extensionType ?? "").toLowerCase() !== SECRET_SYNC_DEFAULTS.extensionType) {
        return {
            problems: [
                {
                    file: settings.file,
                    path: `${path}.name`,
                    rule: `extension ${name} on Arc cluster ${cluster.name} is of type ${JSON.stringify(found.extensionType ?? "")}, not ${SECRET_SYNC_DEFAULTS.extensionType}: name the Secret Store's (az k8s-extension list --cluster-name ${shellArg(cluster.name)} --resource-group ${shellArg(cluster.resourceGroupName)} --cluster-type connectedClusters -o table)`,
                },
            ],
        };
    }
    if (found && listed) return { state: "ready", cluster, problems: [] };
    if (found) {
        return {
            problems: [
                {
                    file: settings.file,
                    path: `${path}.name`,
                    rule: `the Secret Store extension ${name} is on Arc cluster ${cluster.name} but not among custom location ${sync.customLocation.name}'s cluster extensions, so the SPC and SecretSyncs cannot reach it: ${patch}`,
                },
            ],
        };
    }
    if (sync.extension.install) return { state: "missing", cluster, step: patch, problems: [] };
    return {
        problems: [
            {
                file: settings.file,
                path: `${path}.install`,
                rule:
                    `is false (the default: AIO GA installs the extension) but Arc cluster ${cluster.name} has no Secret Store extension ${name}: install it with ` +
                    `${extensionCreateCommand(cluster, { ...sync.extension, name })}, then add it to the custom location with ${patch}; ` +
                    `or set secretSync.extension.install: true to let the stack install it (two ups, docs/secret-sync.md, "Cluster prerequisites")`,
            },
        ],
    };
}

/** Reads the Arc side once, before any resource: all problems in one settings error. */
export async function readArcFacts(settings: StackSettings, sync: SecretSyncSettings): Promise<ArcFacts> {
    const { subscriptionId } = await authorization.getClientConfig();
    const customLocation = await readCustomLocation(settings.file, sync.customLocation);
    const problems = customLocationProblems(
        settings.file,
        sync.customLocation,
        customLocation,
        settings.cluster.namespace,
        sync.arcCluster,
    );
    const extension = await extensionFacts(settings, sync, customLocation);
    const found = await issuerAndLocation(settings, sync, customLocation, subscriptionId);
    problems.push(...extension.problems, ...found.problems);
    if (problems.length > 0 || !extension.state || !extension.cluster) throw new ConfigError(problems);
    return {
        issuer: found.issuer,
        location: found.location,
        subscriptionId: typeof subscriptionId === "string" ? subscriptionId : undefined,
        extension: extension.state,
        extensionCluster: extension.cluster,
        customLocationStep: extension.step,
        warnings: found.warnings,
    };
}

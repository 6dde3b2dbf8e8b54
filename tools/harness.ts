import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumiTypes from "@pulumi/pulumi";
import { resourceDescriptor } from "../components/descriptors";
import { SECRET_SYNC_DEFAULTS } from "../stacks/settings";
import { stackFilesDir } from "../stacks/stackDir";
import { AIO_NAMESPACE } from "../stacks/wellKnown";
import { decodeUtf8, NOT_UTF8 } from "../stacks/text";
import { projectSources, readStackConfig, SharedSources } from "./stackfile";

/**
 * Runs the real `index.ts` for one stack under Pulumi's mock runtime and records what it
 * declares, exactly as the engine would receive it: type, name, parent, inputs (with secret
 * envelopes intact), and the resource options (`protect`, `retainOnDelete`, `replaceOnChanges`, ...). No network, no
 * CLI, no credentials. Used by the offline plan and by the whole-program tests.
 */

/** Pulumi's wire markers (sdk/nodejs/runtime/rpc.ts). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** How the mocks answer for values only Azure would know. */
export type MockMode =
    /** Like `pulumi preview`: values computed by providers stay unknown. The offline plan. */
    | "preview"
    /** Like `pulumi up` against a fake cloud: computed values are made up deterministically. Tests. */
    | "up";

export interface RunOptions {
    /** Stack name: `Pulumi.<stack>.yaml` is read unless `stackFile` is given. */
    stack: string;
    /** Project root (where `index.ts` and `Pulumi.yaml` are). Default: this repository. */
    projectDir?: string;
    /**
     * Stack settings file. Default `Pulumi.<stack>.yaml` in the folder Pulumi.yaml's `stackConfigDir` names (default:
     * beside Pulumi.yaml in `configDir`).
     */
    stackFile?: string;
    /**
     * Where the shared settings are read: `Pulumi.yaml` (project config) and `environments/`
     * (ESC stand-ins). Default: `projectDir`, also for a stack file elsewhere (as `pulumi up
     * --config-file` reads the project's Pulumi.yaml, not one beside the file).
     */
    configDir?: string;
    /** Shared settings already read (a fleet run reads Pulumi.yaml once); default: read from `configDir`. */
    shared?: SharedSources;
    /** Catalog file. Default `<projectDir>/stacks/secrets.yaml`. */
    catalogFile?: string;
    /** Values for secure config paths (`aio-secrets:secretValues.x`); default: placeholders. */
    secureValues?: Record<string, string>;
    /** Extra or replaced config entries (`ns:key` -> string), applied after the stack file. */
    configOverrides?: Record<string, string>;
    /** Default `preview`. */
    mode?: MockMode;
    /**
     * When the fake cloud's rotation clocks started and its certificates were issued (`up` mode),
     * RFC 3339. Default {@link MOCK_CLOCK} (today); a past date plays a stack deployed back then.
     */
    clock?: string;
    /**
     * When this run happens (`up` mode), RFC 3339, for a stack deployed at `clock`: a `time:Rotating` clock due by
     * then answers as re-created now (what `pulumi up --refresh` does), every other resource as kept in state since
     * `clock`. Default: `clock`.
     */
    now?: string;
    /**
     * What the lookup of an existing vault finds. Default: a vault whose permission model is
     * the one the stack file configures.
     */
    existingVault?: {
        enableRbacAuthorization?: boolean;
        /** Its purge protection. Default: what the stack file's `keyVault.purgeProtection` says (default true). */
        enablePurgeProtection?: boolean;
        /** No such vault yet (a first deploy): the lookup answers 404. Default false. */
        absent?: boolean;
        /**
         * Its firewall (`properties.networkAcls`) and `publicNetworkAccess`. Default: what the stack file's
         * `keyVault.network` says (none: Azure's defaults).
         */
        network?: { networkAcls?: Record<string, unknown>; publicNetworkAccess?: string };
    };
    /**
     * What Azure Resource Manager answers for the Arc cluster (secret sync; `up` mode, or a preview
     * given a subscription and a token). Default: OIDC issuer and workload identity on, an
     * Arc-shaped issuer URL ending in '/', region westeurope. `status` other than 200 answers
     * that HTTP status with an ARM error body.
     */
    arcCluster?: {
        oidcIssuerEnabled?: boolean;
        workloadIdentityEnabled?: boolean;
        issuerUrl?: string;
        location?: string;
        status?: number;
        /**
         * A black-holed route: no answer ever comes. A request with a signal ends as its timeout
         * would (at once, so tests stay fast); one without fails with "would hang forever".
         */
        hang?: boolean;
    };
    /**
     * What the read of the AIO custom location finds. Default: namespace azure-iot-operations, on
     * the stack's Arc cluster, listing the Secret Store extension; region westeurope (`up`) or
     * unknown (preview). `missing`: the read fails.
     */
    customLocation?: {
        namespace?: string;
        location?: string;
        hostCluster?: { name: string; resourceGroupName: string };
        missing?: boolean;
    };
    /**
     * What the issuer's OpenID Connect discovery document says (any issuer host). Default: the
     * issuer asked for, with a trailing '/' (Arc's form). `status` other than 200 fails the read.
     */
    oidcDiscovery?: { issuer?: string; status?: number };
    /** The Secret Store extension on the Arc cluster. Default: installed and listed in the custom location. */
    secretStore?: { installed?: boolean; inCustomLocation?: boolean; extensionType?: string; readError?: string };
    /** Value of getClientConfig in `up` mode and of deployer placeholders. */
    deployer?: { tenantId?: string; objectId?: string; clientId?: string; subscriptionId?: string; token?: string };
}

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** Parent URN; undefined for the stack's direct children. */
    parent?: string;
    custom: boolean;
    /** Inputs as sent to the engine: secrets as `{ [SECRET_SIG_KEY]: SECRET_SIG, value }`. */
    inputs: Record<string, unknown>;
    protect: boolean;
    retainOnDelete: boolean;
    /** A replacement deletes the old resource before creating the new one. */
    deleteBeforeReplace: boolean;
    /** Input paths whose changes the engine ignores. */
    ignoreChanges: string[];
    /** Input paths whose changes replace the resource (the `replaceOnChanges` option). */
    replaceOnChanges: string[];
    dependsOn: string[];
    /** Provider reference (`urn::id`), when one was given. */
    provider?: string;
    /** The `replacementTrigger` option as sent (a change replaces the resource), when set. */
    replacementTrigger?: unknown;
    /** URNs the resource had before (the `aliases` option): the engine takes one over instead of creating anew. */
    aliases?: string[];
}

export interface RunResult {
    stack: string;
    project: string;
    environment?: string;
    /** Everything declared, in registration order, the stack resource excluded. */
    resources: RecordedResource[];
    /** Stack outputs as registered, secrets enveloped. */
    outputs: Record<string, unknown>;
    warnings: string[];
    /** Set when the program failed (bad input): the message, without a stack trace. */
    error?: string;
    /** The error object, for tests. */
    errorObject?: unknown;
    /**
     * Every request the program sent to the fake Azure Resource Manager (method and URL; never a header). Set by
     * runProgram.
     */
    armRequests?: string[];
}

const DEFAULT_PROJECT_DIR = path.resolve(__dirname, "..");
/** Made-up ids for `up` mode only (tests); preview leaves them unknown. */
const PLACEHOLDER_TENANT = "00000000-0000-0000-0000-0000000000aa";
const PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-0000000000cc";

function fakeGuid(seed: string): string {
    const h = createHash("sha256").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A PEM block of deterministic made-up bytes: the shape of the real thing, no real key. */
function fakePem(label: string, seed: string, bytes: number): string {
    let body = Buffer.alloc(0);
    for (let i = 0; body.length < bytes; i++)
        body = Buffer.concat([body, createHash("sha256").update(`${seed}/${i}`).digest()]);
    const lines =
        body
            .subarray(0, bytes)
            .toString("base64")
            .match(/.{1,64}/g) ?? [];
    return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * The opaque access token `up` mode hands out (getClientToken); the fake Resource Manager accepts only it or the test's
 * own.
 */
const MOCK_ARM_TOKEN = "mock-arm-access-token";

/** API versions of Microsoft.Kubernetes/connectedClusters that return `oidcIssuerProfile` (azure-rest-api-specs). */
const OIDC_CLUSTER_APIS = [
    "2024-07-15-preview",
    "2024-12-01-preview",
    "2025-08-01-preview",
    "2025-12-01-preview",
    "2026-02-01-preview",
    "2026-05-01",
];

/** The stack's Arc cluster (`cluster.arcClusterName` / `arcResourceGroupName`), from the config JSON. */
function stackArcCluster(
    config: Record<string, string>,
    project: string,
): { name: string; resourceGroupName: string } | undefined {
    try {
        const cluster = JSON.parse(config[`${project}:cluster`] ?? "{}") as Record<string, unknown>;
        const name = cluster.arcClusterName;
        const group = cluster.arcResourceGroupName;
        return typeof name === "string" && typeof group === "string" ? { name, resourceGroupName: group } : undefined;
    } catch {
        return undefined;
    }
}

/** The Secret Store extension's name the stack expects (`secretSync.extension.name`, default azure-secret-store). */
function stackSecretStoreName(config: Record<string, string>, project: string): string {
    try {
        const sync = JSON.parse(config[`${project}:secretSync`] ?? "{}") as { extension?: { name?: unknown } };
        return typeof sync.extension?.name === "string" ? sync.extension.name : SECRET_SYNC_DEFAULTS.extensionName;
    } catch {
        return SECRET_SYNC_DEFAULTS.extensionName;
    }
}

/**
 * An invoke that fails as the engine reports a provider's error: the SDK rejects with
 * `new Error(grpcError.details)`, so a plain `throw new Error(m)` in a mock reaches the program
 * with an empty message. This carries `m` there.
 */
function invokeError(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

function armAnswer(status: number, body: unknown): Response {
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/**
 * `fetch` during a run: a fake Azure Resource Manager that answers the Arc cluster GET as ARM
 * would (an api-version without `oidcIssuerProfile` is refused, a missing or foreign token is
 * 401) and refuses everything else, so a run never reaches the network.
 */
function fakeResourceManager(opts: RunOptions, requests: string[]): typeof fetch {
    return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
        const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
        const method = (init?.method ?? "GET").toUpperCase();
        requests.push(`${method} ${url.href}`);
        const auth = new Headers(init?.headers).get("authorization");
        if (url.pathname.endsWith("/.well-known/openid-configuration")) {
            // Public metadata: a credential sent here would leak the deployer's token to the issuer's host.
            if (auth !== null) return armAnswer(400, { error: "credential sent to the OIDC issuer's host" });
            const doc = opts.oidcDiscovery ?? {};
            if (doc.status !== undefined && doc.status !== 200) return armAnswer(doc.status, { error: "unavailable" });
            const base = url.href.slice(0, -"/.well-known/openid-configuration".length);
            return armAnswer(200, { issuer: doc.issuer ?? `${base}/`, jwks_uri: `${base}/openid/v1/jwks` });
        }
        if (url.host !== "management.azure.com" && !url.host.startsWith("management."))
            throw new TypeError(`fetch failed: the harness is offline (${url.host})`);
        if (auth !== `Bearer ${opts.deployer?.token ?? MOCK_ARM_TOKEN}`)
            return armAnswer(401, { error: { code: "AuthenticationFailed", message: "Authentication failed." } });
        const m =
            /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Kubernetes\/connectedClusters\/([^/]+)$/.exec(
                url.pathname,
            );
        if (method !== "GET" || !m)
            return armAnswer(400, {
                error: {
                    code: "InvalidRequest",
                    message: `the harness answers only the Arc cluster GET (${method} ${url.pathname})`,
                },
            });
        const apiVersion = url.searchParams.get("api-version") ?? "";
        if (!OIDC_CLUSTER_APIS.includes(apiVersion)) {
            return armAnswer(400, {
                error: {
                    code: "NoRegisteredProviderFound",
                    message: `No registered resource provider found for location and API version '${apiVersion}'`,
                },
            });
        }
        const arc = opts.arcCluster ?? {};
        if (arc.hang) {
            if (!init?.signal)
                throw new TypeError(
                    "the harness: this read has no timeout and would hang forever on a black-holed route",
                );
            throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
        }
        if (arc.status !== undefined && arc.status !== 200)
            return armAnswer(arc.status, {
                error: {
                    code: "AuthorizationFailed",
                    message: "The client does not have authorization to perform action.",
                },
            });
        const oidc = arc.oidcIssuerEnabled ?? true;
        return armAnswer(200, {
            id: url.pathname,
            name: m[3],
            type: "Microsoft.Kubernetes/connectedClusters",
            location: arc.location ?? "westeurope",
            properties: {
                oidcIssuerProfile: { enabled: oidc, ...(oidc ? { issuerUrl: arc.issuerUrl ?? fakeIssuer(m[3]) } : {}) },
                securityProfile: { workloadIdentity: { enabled: arc.workloadIdentityEnabled ?? true } },
            },
        });
    };
}

/** A made-up issuer URL for `up` mode (tests), shaped like Arc's. */
function fakeIssuer(cluster: string): string {
    return `https://oidc.example.test/${fakeGuid(`issuer-${cluster}`)}/`;
}

function secretEnvelope(value: unknown): Record<string, unknown> {
    return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

function isEnvelope(value: unknown): value is { value: unknown } {
    return (
        value !== null && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
    );
}

/** Replaces every secret with `[secret]`, unknowns with `(known after up)`, references with URNs. */
export function redact(value: unknown): unknown {
    if (value === UNKNOWN) return "(known after up)";
    if (Array.isArray(value)) return value.map(redact);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SECRET_SIG_KEY] === SECRET_SIG) return "[secret]";
        if (record[SECRET_SIG_KEY] === RESOURCE_SIG) return record.urn;
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(record).sort()) out[key] = redact(record[key]);
        return out;
    }
    return value;
}

/** Reads a nested property from recorded inputs, looking through secret envelopes. */
export function inputAt(inputs: unknown, dotted: string): unknown {
    let node: unknown = inputs;
    for (const key of dotted.split(".")) {
        if (isEnvelope(node)) node = node.value;
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string, unknown>)[key];
    }
    return isEnvelope(node) ? node.value : node;
}

function versionOf(value: unknown): string {
    return createHash("sha256")
        .update(JSON.stringify(value ?? null))
        .digest("hex")
        .slice(0, 32);
}

type MockArgs = pulumiTypes.runtime.MockResourceArgs;

/**
 * "Now" of the fake cloud (`up` mode): the start of today (UTC), fixed for the process. Rotation
 * clocks and certificates start here, as in a fresh `pulumi up` today, so expiry warnings
 * behave as they would for a new stack, whatever the date the tests run on.
 */
export const MOCK_CLOCK = new Date(Math.floor(Date.now() / 86400000) * 86400000)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");

/** Whether the stack file's `keyVault` section (JSON text) asks for Azure RBAC. */
function configuredRbac(keyVaultJson: string | undefined): boolean {
    try {
        const parsed: unknown = JSON.parse(keyVaultJson ?? "{}");
        return (
            parsed !== null &&
            typeof parsed === "object" &&
            (parsed as Record<string, unknown>).permissionModel === "rbac"
        );
    } catch {
        return false;
    }
}

/** The firewall an existing vault has when the test says nothing: the one the stack file's `keyVault.network` names. */
/** The stack file's `keyVault.purgeProtection` (default true), as the fake lookup of an existing vault finds it. */
function configuredPurgeProtection(keyVaultJson: string | undefined): boolean {
    try {
        const parsed: unknown = JSON.parse(keyVaultJson ?? "{}");
        if (parsed === null || typeof parsed !== "object") return true;
        return !(
            Object.hasOwn(parsed, "purgeProtection") && (parsed as Record<string, unknown>).purgeProtection === false
        );
    } catch {
        return true;
    }
}

function configuredNetwork(keyVaultJson: string | undefined): Record<string, unknown> {
    try {
        const parsed: unknown = JSON.parse(keyVaultJson ?? "{}");
        if (parsed === null || typeof parsed !== "object") return {};
        const kv = parsed as Record<string, unknown>;
        const network = Object.hasOwn(kv, "network") ? kv.network : undefined;
        const found: Record<string, unknown> = {};
        if (Object.hasOwn(kv, "publicNetworkAccess")) found.publicNetworkAccess = kv.publicNetworkAccess;
        if (network === null || typeof network !== "object") return found;
        const n = network as Record<string, unknown>;
        const list = (key: string) => (Object.hasOwn(n, key) && Array.isArray(n[key]) ? (n[key] as unknown[]) : []);
        found.networkAcls = {
            defaultAction: Object.hasOwn(n, "defaultAction") ? n.defaultAction : "Allow",
            bypass: Object.hasOwn(n, "bypass") ? n.bypass : "AzureServices",
            ipRules: list("ipRules").map((value) => ({ value })),
            virtualNetworkRules: list("virtualNetworkRules").map((id) => ({ id })),
        };
        return found;
    } catch {
        return {};
    }
}

/**
 * Computed outputs a real provider would return, made up deterministically (`up` mode): each
 * resource type's own `fake` from its component's descriptor (components/descriptors.ts);
 * other types echo their inputs with a made-up id.
 */
function computedState(args: MockArgs, opts: RunOptions): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const fake = resourceDescriptor(args.type)?.fake;
    if (fake === undefined) return { id: `${args.name}-id`, state: { ...inputs } };
    return fake({
        name: args.name,
        inputs,
        subscriptionId: opts.deployer?.subscriptionId ?? PLACEHOLDER_SUBSCRIPTION,
        clock: opts.clock ?? MOCK_CLOCK,
        ...(opts.now !== undefined ? { now: opts.now } : {}),
        guid: fakeGuid,
        pem: fakePem,
        secret: secretEnvelope,
        isSecret: isEnvelope,
        input: (dotted) => inputAt(inputs, dotted),
        version: versionOf,
        sha256: (text) => createHash("sha256").update(text).digest(),
    });
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getDependenciesList(): string[];
    getProvider(): string;
    getReplacementTrigger?(): { toJavaScript(): unknown } | undefined;
    getAliasesList?(): AliasMessage[];
    getAliasurnsList?(): string[];
    getImportid(): string;
    getTransformsList(): { getToken(): string }[];
}
/** An alias as the SDK sends it (proto alias.proto): a URN, or a spec of what differs. */
interface AliasMessage {
    getUrn(): string;
    getSpec():
        | {
              getName(): string;
              getType(): string;
              getStack(): string;
              getProject(): string;
              getParenturn(): string;
              getNoparent(): boolean;
          }
        | undefined;
}

/**
 * The URNs of a resource's aliases. A spec that changes only the name (the one kind the
 * program uses) is resolved against the resource's own URN, as the engine does; others are
 * left out (the diff then shows a removal and an addition, the safe reading).
 */
export function aliasUrns(urn: string, parent: string, aliases: readonly AliasMessage[]): string[] {
    const out: string[] = [];
    for (const alias of aliases) {
        if (alias.getUrn()) {
            out.push(alias.getUrn());
            continue;
        }
        const spec = alias.getSpec();
        // The SDK repeats the resource's own parent in the spec (older engines need it).
        const sameParent = !spec?.getNoparent() && (spec?.getParenturn() === "" || spec?.getParenturn() === parent);
        if (!spec || !spec.getName() || spec.getType() || spec.getStack() || spec.getProject() || !sameParent) continue;
        out.push(`${urn.slice(0, urn.lastIndexOf("::") + 2)}${spec.getName()}`);
    }
    return out;
}
/** What the SDK reads of a registration's response (runtime/resource.js, registerResource). */
interface RegisterResponse {
    getUrn(): string;
    getId(): string;
    getObject(): { toJavaScript(): Record<string, unknown> };
    getPropertydependenciesMap(): undefined;
    getResult(): number;
    getUnknown(): boolean;
}
/** The SDK's MockMonitor (runtime/mocks.js): its own state, used by {@link installRecorder}. */
interface RecordingMonitor {
    registerResource(req: RegisterRequest, cb: (err: unknown, res: RegisterResponse | undefined) => void): unknown;
    mocks: { newResource(args: Record<string, unknown>): Promise<{ id?: string; state: Record<string, unknown> }> };
    transformCallbacks: Map<string, unknown>;
    resources: Map<string, { urn: string; id: string | null; state: Record<string, unknown> }>;
    newUrn(parent: string, type: string, name: string): string;
    registerResourceOutputs(
        req: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined },
        cb: unknown,
    ): unknown;
}

function aliasesOf(urn: string, req: RegisterRequest): { aliases?: string[] } {
    // Structured aliases when the monitor takes them, else URNs the SDK computed.
    const aliases = [
        ...aliasUrns(urn, req.getParent(), req.getAliasesList?.() ?? []),
        ...(req.getAliasurnsList?.() ?? []),
    ];
    return aliases.length > 0 ? { aliases } : {};
}

/**
 * Wraps the mock monitor (after `setMocks`) so every registration is recorded as the engine
 * would receive it, resource options included (the mocks' `newResource` never sees options).
 */
export function installRecorder(pulumi: typeof pulumiTypes): {
    resources: RecordedResource[];
    stackOutputs: () => Record<string, unknown>;
    /** URNs registered more than once: the engine refuses them, the mocks do not. */
    duplicates: string[];
} {
    const resources: RecordedResource[] = [];
    const seen = new Set<string>();
    const duplicates: string[] = [];
    let outputs: Record<string, unknown> = {};
    const monitor = pulumi.runtime.getMonitor() as unknown as RecordingMonitor;
    // The SDK's rpc module (not in its public types): the (de)serializers the MockMonitor uses.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rpc = require("@pulumi/pulumi/runtime/rpc") as {
        deserializeProperties(struct: { toJavaScript(): Record<string, unknown> }): Record<string, unknown>;
        serializeProperties(label: string, props: Record<string, unknown>): Promise<Record<string, unknown>>;
    };
    // MockMonitor.registerResource (runtime/mocks.js) with each property map converted once: it
    // turns the request's inputs into JavaScript for the mocks and the recorder reads them again,
    // then packs the state into a protobuf Struct that the SDK unpacks at once. Here the inputs
    // are unpacked once for both, and the state goes back as a Struct-like object with
    // `toJavaScript()`, as the SDK's own offline path answers (runtime/resource.js). Same
    // mocks, URNs and state; a large part of a fleet plan's allocation less.
    const registerResource = async (
        req: RegisterRequest,
        done: (err: unknown, res: RegisterResponse | undefined, inputs: Record<string, unknown>) => void,
    ): Promise<void> => {
        let inputs: Record<string, unknown> = {};
        try {
            inputs = req.getObject()?.toJavaScript() ?? {};
            const unpacked = inputs;
            const transforms = req
                .getTransformsList()
                .map((t) => monitor.transformCallbacks.get(t.getToken()))
                .filter((t) => t !== undefined);
            const result = await monitor.mocks.newResource({
                type: req.getType(),
                name: req.getName(),
                inputs: rpc.deserializeProperties({ toJavaScript: () => unpacked }),
                provider: req.getProvider(),
                custom: req.getCustom(),
                id: req.getImportid(),
                transforms,
            });
            const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
            const state = await rpc.serializeProperties("", result.state);
            monitor.resources.set(urn, { urn, id: result.id ?? null, state });
            const id = result.id || "";
            done(
                null,
                {
                    getUrn: () => urn,
                    getId: () => id,
                    getObject: () => ({ toJavaScript: () => state }),
                    getPropertydependenciesMap: () => undefined,
                    getResult: () => 0, // Result.SUCCESS
                    getUnknown: () => false,
                },
                inputs,
            );
        } catch (err) {
            done(err, undefined, inputs);
        }
    };
    monitor.registerResource = (req, cb) =>
        registerResource(req, (err, res, inputs) => {
            if (!err && res && req.getType() !== "pulumi:pulumi:Stack") {
                if (seen.has(res.getUrn())) duplicates.push(res.getUrn());
                seen.add(res.getUrn());
                resources.push({
                    urn: res.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    parent:
                        req.getParent() && !req.getParent().includes("::pulumi:pulumi:Stack::")
                            ? req.getParent()
                            : undefined,
                    custom: req.getCustom(),
                    inputs,
                    protect: req.getProtect() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    deleteBeforeReplace: req.getDeletebeforereplace() === true,
                    ignoreChanges: req.getIgnorechangesList(),
                    replaceOnChanges: req.getReplaceonchangesList(),
                    dependsOn: req.getDependenciesList(),
                    provider: req.getProvider() || undefined,
                    ...(req.getReplacementTrigger?.()
                        ? { replacementTrigger: req.getReplacementTrigger()!.toJavaScript() }
                        : {}),
                    ...aliasesOf(res.getUrn(), req),
                });
            }
            cb(err, res);
        });
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, cb) => {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) outputs = req.getOutputs()?.toJavaScript() ?? {};
        return registerOutputs(req, cb);
    };
    return { resources, stackOutputs: () => outputs, duplicates };
}

/** The SDK's internals that a run turns off (not in its public types: read through `require`). */
interface SdkDebugHooks {
    resource: { Resource: { callsites: () => unknown[] } };
    debuggable: { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
}

/**
 * The SDK's debugging aids, turned off for a run (and for the benchmark's baseline, so both pay
 * the same); `AIO_SECRETS_DEBUG=1` keeps them for debugging the program itself:
 * - a stack trace for every internal promise (tens of thousands in a large plan), which tsx
 *   maps through source maps: `Error.stackTraceLimit` 0;
 * - the callsite of every resource (an unlimited stack trace, parsed line by line), which the
 *   engine only shows in diagnostics and the recorder does not keep;
 * - the promise-leak bookkeeping (three properties, a stack and a Set entry per RPC), read only
 *   by the leak report at process exit, which a plan never shows. Its two promise steps stay:
 *   the order in which resources register depends on them.
 * Nothing the engine receives changes. Returns the function that restores all three.
 */
export function suspendStackTraces(): () => void {
    const limit = Error.stackTraceLimit;
    if (process.env.AIO_SECRETS_DEBUG) return () => undefined;
    /* eslint-disable @typescript-eslint/no-require-imports */
    const hooks: SdkDebugHooks = {
        resource: require("@pulumi/pulumi/resource") as SdkDebugHooks["resource"],
        debuggable: require("@pulumi/pulumi/runtime/debuggable") as SdkDebugHooks["debuggable"],
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    const callsites = hooks.resource.Resource.callsites;
    const debuggablePromise = hooks.debuggable.debuggablePromise;
    Error.stackTraceLimit = 0;
    hooks.resource.Resource.callsites = () => [];
    // The same two steps as the SDK's (registration order depends on them), minus the bookkeeping.
    hooks.debuggable.debuggablePromise = (p) =>
        p
            .then((value) => value)
            .catch((e: unknown) => {
                throw e;
            });
    return () => {
        Error.stackTraceLimit = limit;
        hooks.resource.Resource.callsites = callsites;
        hooks.debuggable.debuggablePromise = debuggablePromise;
    };
}

/**
 * azure-native gives each resource every API version's type token as an alias (20 for
 * `keyvault.Secret`), for state an older version wrote; the SDK resolves each into Outputs before
 * registering. An offline run has no state and the recorder keeps no type alias (`aliasUrns`),
 * so a stack transformation drops the aliases that only rename the type before the SDK sees
 * them; every other alias (a name, a parent) stays. Call inside `runInPulumiStack`.
 * `AIO_SECRETS_DEBUG=1` keeps them.
 */
export function dropTypeAliases(pulumi: typeof pulumiTypes): void {
    if (process.env.AIO_SECRETS_DEBUG) return;
    pulumi.runtime.registerStackTransformation(typeAliasTransformation((a) => pulumi.Output.isInstance(a)));
}

/** The stack transformation of {@link dropTypeAliases}: undefined (no change) unless a type alias goes. */
export function typeAliasTransformation(
    isOutput: (a: unknown) => boolean,
): (args: pulumiTypes.ResourceTransformationArgs) => pulumiTypes.ResourceTransformationResult | undefined {
    return (args) => {
        const aliases = args.opts.aliases;
        const kept = aliases && withoutTypeAliases(aliases, isOutput);
        return kept && kept.length < aliases.length
            ? { props: args.props, opts: { ...args.opts, aliases: kept } }
            : undefined;
    };
}

/** The aliases that are more than a type token (`{type}` alone); `isOutput` tells an Output apart. */
export function withoutTypeAliases<T>(aliases: readonly T[], isOutput: (a: T) => boolean): T[] {
    return aliases.filter(
        (a) =>
            a === null ||
            typeof a !== "object" ||
            isOutput(a) ||
            Object.keys(a).length !== 1 ||
            !Object.hasOwn(a, "type"),
    );
}

/** Whether a value is an Error raised for bad user input (shown without a trace). */
function isInputError(e: unknown): e is Error {
    return e instanceof Error && (e.name === "ConfigError" || e.constructor?.name === "ConfigError");
}

/**
 * Runs the program once. The caller must give each run a fresh module registry for the
 * project's own files (the plan runs once per process; tests call `jest.resetModules()`).
 */
export async function runProgram(opts: RunOptions): Promise<RunResult> {
    // Loaded here, not at the top: the program must see the same module instances as the mocks.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof pulumiTypes;
    const projectDir = opts.projectDir ?? DEFAULT_PROJECT_DIR;
    const project = "aio-secrets";
    const mode = opts.mode ?? "preview";
    const armRequests: string[] = [];
    const result: RunResult = { stack: opts.stack, project, resources: [], outputs: {}, warnings: [], armRequests };
    let stackFile: string;
    try {
        // Where Pulumi looks: Pulumi.yaml's stackConfigDir, else beside it.
        stackFile =
            opts.stackFile ?? path.join(stackFilesDir(opts.configDir ?? projectDir), `Pulumi.${opts.stack}.yaml`);
    } catch (e) {
        if (!isInputError(e)) throw e;
        result.error = e.message;
        result.errorObject = e;
        return result;
    }

    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(stackFile);
    } catch {
        result.error = `${path.basename(stackFile)}: cannot be read (no such stack settings file)`;
        return result;
    }
    const text = decodeUtf8(bytes);
    if (text === undefined) {
        result.error = `${path.basename(stackFile)}: ${NOT_UTF8}`;
        return result;
    }
    let stackConfig;
    try {
        const shared = opts.shared ?? projectSources(opts.configDir ?? projectDir, project);
        stackConfig = readStackConfig(text, path.basename(stackFile), project, opts.secureValues, shared);
    } catch (e) {
        if (!isInputError(e)) throw e;
        result.error = e.message;
        result.errorObject = e;
        return result;
    }
    const config = { ...stackConfig.config, ...(opts.configOverrides ?? {}) };
    const tenantFromConfig = config[`${project}:tenantId`];

    const mocks: pulumiTypes.runtime.Mocks = {
        newResource: (args) => {
            if (mode === "up") return computedState(args, opts);
            // Preview: only what the program said; ids and computed outputs stay unknown.
            return { id: undefined, state: { ...(args.inputs as Record<string, unknown>) } };
        },
        call: (args) => {
            switch (args.token) {
                // Preview: what only Azure knows (who deploys, which subscription) stays unknown and
                // renders as (known after up), never as a made-up id. `up`: made up, for tests.
                case "azure-native:authorization:getClientConfig":
                    return {
                        tenantId:
                            opts.deployer?.tenantId ??
                            tenantFromConfig ??
                            (mode === "up" ? PLACEHOLDER_TENANT : UNKNOWN),
                        objectId: opts.deployer?.objectId ?? (mode === "up" ? fakeGuid("deployer") : UNKNOWN),
                        clientId: opts.deployer?.clientId ?? (mode === "up" ? fakeGuid("deployer-client") : UNKNOWN),
                        subscriptionId:
                            opts.deployer?.subscriptionId ?? (mode === "up" ? PLACEHOLDER_SUBSCRIPTION : UNKNOWN),
                    };
                case "azure-native:authorization:getClientToken":
                    // An access token (JWT) when a test gives one (its claims tell the principal type);
                    // `up` mode: an opaque one for the fake Resource Manager; preview: none (no credentials).
                    return opts.deployer?.token !== undefined
                        ? { token: opts.deployer.token }
                        : mode === "up"
                          ? { token: MOCK_ARM_TOKEN }
                          : {};
                case "azure-native:keyvault:getVault": {
                    const name = String(args.inputs.vaultName);
                    if (opts.existingVault?.absent) throw invokeError(`GET vaults/${name}: 404 ResourceNotFound`);
                    const subscription =
                        opts.deployer?.subscriptionId ?? (mode === "up" ? PLACEHOLDER_SUBSCRIPTION : undefined);
                    return {
                        id:
                            subscription !== undefined
                                ? `/subscriptions/${subscription}/resourceGroups/${String(args.inputs.resourceGroupName)}/providers/Microsoft.KeyVault/vaults/${name}`
                                : UNKNOWN,
                        name,
                        properties: {
                            tenantId: tenantFromConfig ?? (mode === "up" ? PLACEHOLDER_TENANT : UNKNOWN),
                            vaultUri: `https://${name}.vault.azure.net/`,
                            enableRbacAuthorization:
                                opts.existingVault?.enableRbacAuthorization ??
                                configuredRbac(config[`${project}:keyVault`]),
                            enablePurgeProtection:
                                opts.existingVault?.enablePurgeProtection ??
                                configuredPurgeProtection(config[`${project}:keyVault`]),
                            ...(opts.existingVault?.network ?? configuredNetwork(config[`${project}:keyVault`])),
                        },
                    };
                }
                case "azure-native:extendedlocation:getCustomLocation": {
                    const cl = opts.customLocation ?? {};
                    if (cl.missing)
                        throw invokeError(
                            `GET customLocations/${String(args.inputs.resourceName)}: 404 ResourceNotFound`,
                        );
                    const sub = opts.deployer?.subscriptionId ?? PLACEHOLDER_SUBSCRIPTION;
                    // Every custom location runs on a cluster: the stack's, else one in its own group.
                    const host = cl.hostCluster ??
                        stackArcCluster(config, project) ?? {
                            name: "arc-cluster",
                            resourceGroupName: String(args.inputs.resourceGroupName),
                        };
                    const hostId = host
                        ? `/subscriptions/${sub}/resourceGroups/${host.resourceGroupName}/providers/Microsoft.Kubernetes/connectedClusters/${host.name}`
                        : undefined;
                    const ext = opts.secretStore ?? {};
                    const extensionName = stackSecretStoreName(config, project);
                    return {
                        id: `/subscriptions/${sub}/resourceGroups/${String(args.inputs.resourceGroupName)}/providers/Microsoft.ExtendedLocation/customLocations/${String(args.inputs.resourceName)}`,
                        name: String(args.inputs.resourceName),
                        location: cl.location ?? (mode === "up" ? "westeurope" : UNKNOWN),
                        namespace: cl.namespace ?? AIO_NAMESPACE,
                        hostResourceId: hostId,
                        hostType: "Kubernetes",
                        clusterExtensionIds: hostId
                            ? [
                                  `${hostId}/providers/Microsoft.KubernetesConfiguration/extensions/azure-iot-operations-ver`,
                                  ...((ext.installed ?? true) && (ext.inCustomLocation ?? true)
                                      ? [
                                            `${hostId}/providers/Microsoft.KubernetesConfiguration/extensions/${extensionName}`,
                                        ]
                                      : []),
                              ]
                            : [],
                    };
                }
                case "azure-native:kubernetesconfiguration:getExtension": {
                    // The Secret Store extension (secret sync); a missing one fails the read, as ARM's 404 does.
                    const ext = opts.secretStore ?? {};
                    if (ext.readError !== undefined) throw invokeError(ext.readError);
                    if (!(ext.installed ?? true))
                        throw invokeError(`GET extensions/${String(args.inputs.extensionName)}: 404 ExtensionNotFound`);
                    return {
                        name: String(args.inputs.extensionName),
                        extensionType: ext.extensionType ?? SECRET_SYNC_DEFAULTS.extensionType,
                        provisioningState: "Succeeded",
                    };
                }
                case "azure-native:managedidentity:getUserAssignedIdentity": {
                    // An existing identity (secret sync). Preview: its ids unknown; never made up.
                    const name = String(args.inputs.resourceName);
                    const subscription =
                        opts.deployer?.subscriptionId ?? (mode === "up" ? PLACEHOLDER_SUBSCRIPTION : undefined);
                    return {
                        id:
                            subscription !== undefined
                                ? `/subscriptions/${subscription}/resourceGroups/${String(args.inputs.resourceGroupName)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`
                                : UNKNOWN,
                        name,
                        clientId: mode === "up" ? fakeGuid(`uai-client-${name}`) : UNKNOWN,
                        principalId: mode === "up" ? fakeGuid(`uai-principal-${name}`) : UNKNOWN,
                        tenantId: tenantFromConfig ?? (mode === "up" ? PLACEHOLDER_TENANT : UNKNOWN),
                    };
                }
                default:
                    return {};
            }
        },
    };

    await pulumi.runtime.setMocks(mocks, project, opts.stack, mode === "preview");
    pulumi.runtime.setAllConfig(config, stackConfig.secretKeys);

    const recorder = installRecorder(pulumi);
    result.resources = recorder.resources;
    const log = pulumi.log as { warn: (msg: string) => Promise<void> };
    log.warn = async (msg: string) => {
        result.warnings.push(msg);
    };

    const previousCatalog = process.env.AIO_SECRETS_CATALOG;
    const previousStackFile = process.env.AIO_SECRETS_STACK_FILE;
    const previousOrigins = process.env.AIO_SECRETS_CONFIG_ORIGINS;
    // Which file each value came from, so that errors name it (stacks/load.ts).
    process.env.AIO_SECRETS_CONFIG_ORIGINS = JSON.stringify([...stackConfig.origins]);
    if (opts.catalogFile) process.env.AIO_SECRETS_CATALOG = path.resolve(opts.catalogFile);
    else delete process.env.AIO_SECRETS_CATALOG;
    process.env.AIO_SECRETS_STACK_FILE = path.resolve(stackFile);
    const restoreTraces = suspendStackTraces();
    const realFetch = globalThis.fetch;
    globalThis.fetch = fakeResourceManager(opts, armRequests);
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            dropTypeAliases(pulumi);
            try {
                // index.ts exports the program as a function, as the Pulumi host expects; it
                // runs anew on every call (the module itself is loaded once).
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const program = require(path.join(projectDir, "index.ts")) as unknown;
                // The program may be async (it reads an existing vault before declaring anything):
                // await it here so that its input errors are caught like synchronous ones.
                return typeof program === "function"
                    ? await (program as () => Record<string, unknown> | Promise<Record<string, unknown>>)()
                    : (program as Record<string, unknown>);
            } catch (e) {
                // Bad input: the program stops before declaring anything, and the language
                // host would print only the message (ConfigError is a RunError).
                if (!isInputError(e)) throw e;
                result.error = e.message;
                result.errorObject = e;
                return {};
            }
        });
        const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
        await runtime.waitForRPCs?.();
    } finally {
        globalThis.fetch = realFetch;
        restoreTraces();
        if (previousCatalog === undefined) delete process.env.AIO_SECRETS_CATALOG;
        else process.env.AIO_SECRETS_CATALOG = previousCatalog;
        if (previousStackFile === undefined) delete process.env.AIO_SECRETS_STACK_FILE;
        else process.env.AIO_SECRETS_STACK_FILE = previousStackFile;
        if (previousOrigins === undefined) delete process.env.AIO_SECRETS_CONFIG_ORIGINS;
        else process.env.AIO_SECRETS_CONFIG_ORIGINS = previousOrigins;
    }
    result.outputs = recorder.stackOutputs();
    if (recorder.duplicates.length > 0 && result.error === undefined) {
        // As the engine says it (pkg/resource/deploy: GetDuplicateResourceURNError); it stops the update.
        result.error = recorder.duplicates
            .map((urn) => `Duplicate resource URN '${urn}'; try giving it a unique name`)
            .join("\n");
    }
    const environment = result.outputs.environment;
    result.environment = typeof environment === "string" ? environment : undefined;
    return result;
}

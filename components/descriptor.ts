/**
 * What a component tells the tools about itself, so that tools/ and policy/ never keep their
 * own tables about the program: for every resource type it declares, the rights a deployment
 * needs to manage it, the inputs the offline plan shows, and what a fake cloud answers for it.
 * Each component folder exports its descriptors (`components/<concern>/descriptor.ts`);
 * `components/descriptors.ts` collects them. Pure data and pure functions: importing a
 * descriptor declares nothing and loads no provider.
 */

/** An Azure Resource Manager (or Key Vault data-plane) right the deployer needs. */
export interface AzureRight {
    /** ARM resource type, e.g. `Microsoft.KeyVault/vaults/accessPolicies`. */
    resourceType: string;
    /** Operations without `delete` (`read`, `write`, `action`); delete is added unless the resource is retained. */
    operations: readonly string[];
    /** A built-in role (or grant) that holds them, as the plan prints it. */
    role: string;
    /** `control` (management plane, the default) or `data` (Key Vault data plane). */
    plane?: "control" | "data";
    /** Whether deleting the resource is a delete on this type. Default true (false: done some other way, or a read). */
    deletes?: boolean;
}

/** What managing one resource type takes. */
export type Rights =
    /** Azure Resource Manager calls (azure-native). */
    | { kind: "azure"; rights: readonly AzureRight[] }
    /** A Microsoft Graph application permission (azuread). */
    | { kind: "graph"; permission: string; why: string }
    /** Kubernetes verbs on the object's own kind, derived from its apiVersion and kind. */
    | { kind: "kubernetes" }
    /** Nothing outside the engine (random, time, tls, providers). */
    | { kind: "local" };

/** One input shown in the plan's settings line under a resource. */
export type DisplayKey =
    /** An input path; labelled without a leading `properties.`, `metadata.`, `spec.parameters.` or `policy.`. */
    | string
    /**
     * An input path shown another way: a SecretProviderClass's `objects` YAML as its object names, a SecretSync's
     * mappings as `key<-object`.
     */
    | { path: string; show: "objectNames" | "mappings" }
    /** Several input paths joined by `/` under one label (a workload as `namespace/name`). */
    | { label: string; paths: readonly string[] }
    /** One input path under a label of its own. */
    | { label: string; path: string };

/** What the fake cloud's `up` mode knows when it makes up a resource's outputs. */
export interface FakeContext {
    /** The resource's Pulumi name. */
    name: string;
    /** Its inputs as sent (secrets enveloped). */
    inputs: Record<string, unknown>;
    /** The deployer's subscription id. */
    subscriptionId: string;
    /** "Now" of the fake cloud, RFC 3339. */
    clock: string;
    /**
     * When this run happens, if later than `clock` (a plan of a stack deployed at `clock`): a rotation clock due by
     * then was re-created by the refresh (its base is `now`). Undefined: `clock`.
     */
    now?: string;
    /** A deterministic made-up GUID for a seed. */
    guid(seed: string): string;
    /** A PEM block of deterministic made-up bytes. */
    pem(label: string, seed: string, bytes: number): string;
    /** A value wrapped as a Pulumi secret. */
    secret(value: unknown): unknown;
    /** Whether a value is a wrapped secret. */
    isSecret(value: unknown): boolean;
    /** A nested input, looking through secret envelopes. */
    input(path: string): unknown;
    /** A short deterministic version string for a value. */
    version(value: unknown): string;
    /** SHA-256 of a text: deterministic made-up bytes. */
    sha256(text: string): Buffer;
}

/** Id and output state a provider would return after a create. */
export interface FakeState {
    id: string;
    state: Record<string, unknown>;
}

/** What tools need to know about one resource type. */
export interface ResourceDescriptor {
    /** What the deployer must be allowed to do to manage it. */
    rights: Rights;
    /** Inputs the offline plan shows under it, in order; [] for none. */
    display: readonly DisplayKey[];
    /** Outputs a real provider computes, made up deterministically (`up` mode). Default: the inputs, id `<name>-id`. */
    fake?: (ctx: FakeContext) => FakeState;
}

/** What a component tells the tools. */
export interface ComponentDescriptor {
    /** The component's own type token (its `super(type, ...)`), e.g. `aio-secrets:keyvault:KeyVault`. */
    type: string;
    /**
     * The child resource types it may declare, by exact type token. A type two components
     * declare is described by one shared `ResourceDescriptor` object.
     */
    resources: Readonly<Record<string, ResourceDescriptor>>;
    /**
     * Child types it declares whose token depends on input (MQ custom resources: any
     * `apiVersion`/`kind` of the catalog), matched by pattern after the exact types.
     */
    patterns?: readonly { match: RegExp; descriptor: ResourceDescriptor }[];
    /** Rights it needs for what it only reads (an existing vault it looks up). Default none. */
    lookups?: readonly AzureRight[];
}

import { createHash } from "node:crypto";
import { z } from "zod";
import { Problem } from "./errors";
import { intRange, issuesToProblems, ownMap, protoKeyProblems, ruled, strictObject } from "./schema";
import type { StackFileLeaves } from "./stackFile";
import { setOwn } from "./yaml";
import * as rules from "./rules";
import { editDistance } from "./names";
import { caSchema, CaSettings, resolveCa } from "./ca";
import { MIGRATION_SETTINGS, MigrationSetting, migrationProblems, migrationWarnings } from "./migration";
import { AIO_NAMESPACE, CSI_CREDENTIAL_SECRET, PROJECT } from "./wellKnown";

/**
 * The stack settings (`aio-secrets:*` keys of `Pulumi.<stack>.yaml`): schema, defaults and
 * cross-field rules. Pure: no Pulumi runtime, no resources. `load.ts` feeds it the
 * configuration Pulumi hands the program.
 */

export const CONFIG_NAMESPACE = PROJECT;

/** Defaults that reproduce what `az iot ops init` did. */
export const INIT_DEFAULTS = {
    namespace: AIO_NAMESPACE,
    defaultSecretName: AIO_NAMESPACE,
    extensionName: "akvsecretsprovider",
    extensionType: "microsoft.azurekeyvaultsecretsprovider",
    csiDriverVersion: "1.5.3",
    rotationPollInterval: "1h",
    secretValidDays: 365,
    spSecretName: CSI_CREDENTIAL_SECRET,
} as const;

/** Longest value Key Vault stores in a secret: 25 KiB. */
export const MAX_SECRET_VALUE_BYTES = 25 * 1024;

const keyVaultSchema = strictObject({
    name: ruled(rules.vaultName),
    resourceGroupName: ruled(rules.resourceGroupName),
    existing: z.boolean().default(false),
    createResourceGroup: z.boolean().default(false),
    location: z.string().min(1, "must not be empty").optional(),
    permissionModel: z.enum(["accessPolicy", "rbac"]).default("accessPolicy"),
    softDeleteRetentionDays: intRange(7, 90).default(90),
    purgeProtection: z.boolean().default(true),
    publicNetworkAccess: z.enum(["Enabled", "Disabled"]).default("Enabled"),
    grantDeployer: z.boolean().optional(),
    grantReader: z.boolean().optional(),
});

const servicePrincipalSchema = strictObject({
    displayName: z.string().min(1, "must not be empty").max(120, "must be at most 120 characters").optional(),
    secretValidDays: intRange(1, 730).default(INIT_DEFAULTS.secretValidDays),
    rotationDays: intRange(1, 729).default(180),
    overlapDays: intRange(1, 365).default(7),
    clientId: ruled(rules.guid).optional(),
    objectId: ruled(rules.guid).optional(),
    clientSecret: z.string().min(1, "must not be empty").optional(),
});

const csiDriverSchema = strictObject({
    install: z.boolean().optional(),
    extensionName: ruled(rules.dns1123Label).default(INIT_DEFAULTS.extensionName),
    version: ruled(rules.semver).default(INIT_DEFAULTS.csiDriverVersion),
    enableSecretRotation: z.boolean().default(true),
    rotationPollInterval: ruled(rules.goDuration).default(INIT_DEFAULTS.rotationPollInterval),
    syncSecret: z.boolean().default(false),
    settings: z.record(z.string(), z.string()).default({}),
});

const clusterSchema = strictObject({
    namespace: ruled(rules.dns1123Label).default(INIT_DEFAULTS.namespace),
    arcClusterName: ruled(rules.arcClusterName).optional(),
    arcResourceGroupName: ruled(rules.resourceGroupName).optional(),
    identifier: z.string().min(1, "must not be empty").max(253, "must be at most 253 characters").optional(),
    csiDriver: csiDriverSchema.default(() => csiDriverSchema.parse({})),
});

/** How the cluster gets the vault's secrets: init's CSI driver flow, or AIO GA's secret sync. */
export const DELIVERY_MODES = ["csiDriver", "secretSync"] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/**
 * What `az iot ops init` + `az iot ops secretsync enable` (GA) set up, from the CLI source and
 * microsoft/edge-ai (see test/fixtures/az-iot-ops-secretsync/README.md).
 */
export const SECRET_SYNC_DEFAULTS = {
    /** The Secret Store's service account: hard-coded in the CLI, undocumented. */
    serviceAccount: "aio-ssc-sa",
    audience: "api://AzureADTokenExchange",
    extensionName: "azure-secret-store",
    extensionType: "microsoft.azure.secretstore",
    version: "1.5.1",
    releaseTrain: "stable",
    rotationPollIntervalInSeconds: 120,
    /**
     * How long the stack waits after the identity's grants and federated credential, before the
     * SecretSyncs: Key Vault RBAC and a new credential take minutes to propagate, and a sync that
     * fails meanwhile backs off for up to ~1000 s.
     */
    propagationWait: "5m",
    /** The AIO instance API version that has `defaultSecretProviderClassRef`. */
    instanceApiVersion: "2025-07-01-preview",
} as const;

/**
 * The default name of secret sync's SecretProviderClass: `spc-ops-` + 7 hex of
 * sha256("<custom location's resource group>/<custom location>"), both lower-cased (ARM compares
 * them without case). ARM names SPCs per resource group, not per custom location, so a fixed
 * name would make two clusters whose custom locations share a group claim one SPC; one
 * custom location per cluster makes this one per cluster. The CLI's form (`spc-ops-` + 7 hex)
 * with other hash input than the CLI's (cluster, group, instance: components/secretsync/render.ts
 * cliSpcName), so a stack never claims the SPC that `az iot ops secretsync enable` made.
 */
export function defaultSpcName(customLocationGroup: string, customLocation: string): string {
    const digest = createHash("sha256").update(`${customLocationGroup.toLowerCase()}/${customLocation.toLowerCase()}`).digest("hex");
    return `spc-ops-${digest.slice(0, 7)}`;
}

const secretStoreExtensionSchema = strictObject({
    // GA clusters already have it (az iot ops init / create install it): expect and check it.
    install: z.boolean().default(false),
    name: ruled(rules.dns1123Label).default(SECRET_SYNC_DEFAULTS.extensionName),
    version: ruled(rules.semver).default(SECRET_SYNC_DEFAULTS.version),
    releaseTrain: z.enum(["stable", "preview"]).default(SECRET_SYNC_DEFAULTS.releaseTrain),
    rotationPollIntervalInSeconds: intRange(10, 86400).default(SECRET_SYNC_DEFAULTS.rotationPollIntervalInSeconds),
    settings: z.record(z.string(), z.string()).default({}),
});

const secretSyncSchema = strictObject({
    customLocation: strictObject({
        name: ruled(rules.customLocationName),
        resourceGroupName: ruled(rules.resourceGroupName).optional(),
    }).optional(),
    identity: strictObject({
        name: ruled(rules.managedIdentityName),
        resourceGroupName: ruled(rules.resourceGroupName).optional(),
        existing: z.boolean().default(false),
    }).optional(),
    oidcIssuerUrl: ruled(rules.httpsUrl).optional(),
    location: z.string().min(1, "must not be empty").optional(),
    propagationWait: ruled((v) => (v === "0s" ? undefined : rules.goDuration(v))).default(SECRET_SYNC_DEFAULTS.propagationWait),
    instance: strictObject({
        name: ruled(rules.aioInstanceName),
        resourceGroupName: ruled(rules.resourceGroupName).optional(),
    }).optional(),
    spcName: ruled(rules.dns1123Subdomain).optional(),
    forceSynchronization: ruled(rules.forceSynchronization).optional(),
    extension: secretStoreExtensionSchema.default(() => secretStoreExtensionSchema.parse({})),
});

const defaultSecretSchema = strictObject({
    name: ruled(rules.vaultObjectName).default(INIT_DEFAULTS.defaultSecretName),
    /** Default: `existing` for an existing vault (init made the secret there), else `generated`. */
    source: z.enum(["generated", "existing"]).optional(),
});

/** Kinds of Entra principal a role assignment names (Azure's `principalType`). */
export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

const deployerSchema = strictObject({
    objectId: ruled(rules.guid),
    type: z.enum(PRINCIPAL_TYPES),
    /** A label for messages and the plan, e.g. "github-actions". */
    name: z.string().min(1, "must not be empty").max(120, "must be at most 120 characters").optional(),
});

const settingsShape = {
    // An empty or null value (`aio-secrets:environment:`) is a mistake, not "the stack name".
    environment: ruled((v) => (v === "" ? "is empty; set an environment name, or remove the key to use the stack name" : rules.environmentName(v))).optional(),
    tenantId: ruled(rules.guid).optional(),
    protect: z.boolean().optional(),
    adopt: z.boolean().default(false),
    delivery: z.enum(DELIVERY_MODES).default("csiDriver"),
    keyVault: keyVaultSchema,
    servicePrincipal: servicePrincipalSchema.default(() => servicePrincipalSchema.parse({})),
    cluster: clusterSchema.default(() => clusterSchema.parse({})),
    defaultSecret: defaultSecretSchema.default(() => defaultSecretSchema.parse({})),
    deployers: z.array(deployerSchema).min(1, "must list at least one principal (or remove the key to use the deploying identity)").optional(),
    secretValues: z.record(z.string(), z.string({ error: "must be a string value set with --secret" })).default({}),
    ca: caSchema.default(() => caSchema.parse({})),
    secretSync: secretSyncSchema.optional(),
    migration: z.enum(MIGRATION_SETTINGS).optional(),
};

/** Only the top-level keys: each section is parsed on its own below. */
const topLevelSchema = strictObject(
    Object.fromEntries(Object.keys(settingsShape).map((k) => [k, z.unknown()])) as Record<keyof typeof settingsShape, z.ZodUnknown>,
);

type ParsedSettings = { [K in keyof typeof settingsShape]: z.infer<(typeof settingsShape)[K]> };

/** The service principal the CSI driver authenticates with. */
export type ServicePrincipalSettings =
    | {
          /** Create an app registration, its service principal and a rotating password. */
          mode: "create";
          displayName: string;
          secretValidDays: number;
          rotationDays: number;
          /** Days the previous password must stay valid after the new one is written. */
          overlapDays: number;
      }
    | {
          /** Bring your own: nothing is created in Entra ID. */
          mode: "existing";
          clientId: string;
          objectId: string;
          /** Plaintext, only to be wrapped with `pulumi.secret` at the edge. */
          clientSecret: string;
      };

/** Secret sync (AIO GA), resolved: every default applied, every rule checked. */
export interface SecretSyncSettings {
    /** The AIO custom location that carries the SPC and the SecretSyncs to the cluster. */
    customLocation: { name: string; resourceGroupName: string };
    /** The user-assigned managed identity the Secret Store reads the vault with. */
    identity: { name: string; resourceGroupName: string; existing: boolean };
    /** The Arc cluster's OIDC issuer; undefined: read from the Arc cluster. */
    oidcIssuerUrl?: string;
    /** The Arc cluster (extension, issuer); undefined only when neither is needed. */
    arcCluster?: { name: string; resourceGroupName: string };
    /** Region of the SPC, the SecretSyncs and a created identity; undefined: the Arc cluster's (read at run time). */
    location?: string;
    /** The SPC's name: `secretSync.spcName`, else {@link defaultSpcName} (unique per custom location). */
    spcName: string;
    /** Wait after the grants and the federated credential, before the SecretSyncs (Go duration; `0s`: none). */
    propagationWait: string;
    /** The AIO instance to link the SPC from (`defaultSecretProviderClassRef`); undefined: not named. */
    instance?: { name: string; resourceGroupName: string };
    /** Stack-wide resync trigger; a Secret's own (catalog secretSyncs) wins. */
    forceSynchronization?: string;
    extension: z.infer<typeof secretStoreExtensionSchema>;
}

/** A principal that deploys the stack. */
export interface Deployer {
    objectId: string;
    type: PrincipalType;
    name?: string;
}

/** Validated, defaulted stack settings. */
export interface StackSettings {
    project: string;
    stack: string;
    /** The settings file the user edits, for messages: `Pulumi.<stack>.yaml`. */
    file: string;
    environment: string;
    tenantId?: string;
    /** Protected stacks get `protect` on the vault and every vault secret. */
    protect: boolean;
    /**
     * The cluster went through `az iot ops init`: its objects are taken over in place (server-side
     * apply, forced) and never deleted by a destroy.
     */
    adopt: boolean;
    keyVault: Omit<ParsedSettings["keyVault"], "grantDeployer" | "grantReader"> & {
        /** Grant the deploying identity (default: only for a vault the stack creates). */
        grantDeployer: boolean;
        /** Grant the CSI driver's SP (default: unless adopting, where init granted it). */
        grantReader: boolean;
    };
    servicePrincipal: ServicePrincipalSettings;
    cluster: Omit<ParsedSettings["cluster"], "csiDriver"> & {
        csiDriver: ParsedSettings["cluster"]["csiDriver"] & {
            install: boolean;
            /** Chart settings that are secret to Pulumi: the extension's protected settings; never log them. */
            protectedSettings: Record<string, string>;
        };
    };
    defaultSecret: { name: string; source: "generated" | "existing" };
    /**
     * The principals that run `pulumi up` (CI, a break-glass group): they own the app
     * registration and get the vault writer grant. Undefined: the identity running the program
     * (`getClientConfig`), which the program warns about.
     */
    deployers?: Deployer[];
    /** Plaintext values of catalog secrets (source `config`); never log this object. */
    secretValues: Record<string, string>;
    /** The CA of AIO's TLS (stacks/ca.ts). */
    ca: CaSettings;
    /** `csiDriver` (init's flow, the default) or `secretSync` (AIO GA). */
    delivery: DeliveryMode;
    /** Set exactly when `delivery` is `secretSync`. */
    secretSync?: SecretSyncSettings;
    /**
     * A step of the staged move from CSI delivery to secret sync (stacks/migration.ts):
     * `rbacRoles` (step 1: RBAC roles beside the access policies) or `both` (step 3: both
     * delivery modes side by side). Default: none.
     */
    migration?: MigrationSetting;
}

/** What Pulumi hands the program: raw config strings and which keys are secret. */
export interface RawStackConfig {
    project: string;
    stack: string;
    /** Name of the settings file for messages; default `Pulumi.<stack>.yaml`. */
    file?: string;
    /** Full config map as `pulumi.runtime.allConfig()` returns it (`ns:key` -> string). */
    config: Record<string, string>;
    /** Config keys that hold secure values (`PULUMI_CONFIG_SECRET_KEYS`). */
    secretKeys: readonly string[];
    /**
     * Which leaves of the stack file are `secure:` and which are plaintext (full paths such as
     * `aio-secrets:secretValues.mq-password`); undefined when the file could not be read. A value
     * in neither set came from elsewhere (an ESC environment): Pulumi then only says, per
     * top-level key, whether it holds a secret.
     */
    stackFile?: StackFileLeaves;
    /** Reads a file relative to the project root (`ca.trustBundleFile`); absent: such keys are refused. */
    readProjectFile?: (relativePath: string) => string;
    /**
     * The file the value at a full config path came from (the stack file, Pulumi.yaml, an ESC
     * environment), when it is not the stack file; undefined: the stack file (or not known).
     */
    originOf?: (path: string) => string | undefined;
}

const OBJECT_KEYS = new Set(["keyVault", "servicePrincipal", "cluster", "defaultSecret", "secretValues", "ca", "secretSync"]);
/** Keys whose value is a list (Pulumi hands it over as JSON text). */
const LIST_KEYS = new Set(["deployers"]);
/** Always secret, whatever the file says: never shown in a message. */
const SECRET_PATHS = [/^secretValues\./, /^servicePrincipal\.clientSecret$/];

/**
 * The paths (`secretValues.mq-password`, `servicePrincipal.clientSecret`) below a settings key
 * (without namespace) where `value` holds a plaintext leaf of a key that is always secret. For
 * files that can only hold plaintext (Pulumi.yaml).
 */
export function plaintextSecretPaths(key: string, value: unknown): string[] {
    const found: string[] = [];
    const walk = (node: unknown, at: string) => {
        if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}[${i}]`));
        else if (node !== null && typeof node === "object") for (const k of Object.keys(node)) walk((node as Record<string, unknown>)[k], `${at}.${k}`);
        else if (node !== null && node !== undefined && node !== "" && SECRET_PATHS.some((re) => re.test(at))) found.push(at);
    };
    walk(value, key);
    return found;
}
/**
 * Where a secret value makes sense, so `secure:` is accepted (paths below `aio-secrets:`):
 * the values of catalog secrets, a brought service principal's password, and CSI driver chart
 * settings (which go to the extension's protected settings). Names, locations and ids are
 * shown in plans and sent to Azure in plaintext: a `secure:` one is refused.
 */
const SECRET_ALLOWED = [/^secretValues(\.|$)/, /^servicePrincipal\.clientSecret$/, /^cluster\.csiDriver\.settings(\.|$)/];
/** The top-level keys under which a secret may sit, with the one place it may be. */
const SECRET_HOMES: Record<string, string> = { secretValues: "secretValues.<name>", servicePrincipal: "servicePrincipal.clientSecret", cluster: "cluster.csiDriver.settings.<name>" };

/**
 * Whether the value at a settings path is (or may be) a secret: it sits under a `secure:` leaf
 * of the stack file, or its top-level key is secret to Pulumi and the file does not show it
 * in plaintext (a value from an ESC environment, or no file at all).
 */
function secretValueTest(raw: RawStackConfig): (path: readonly PropertyKey[]) => boolean {
    const secretKeys = new Set(raw.secretKeys);
    const secureLeaves = [...(raw.stackFile?.secure.keys() ?? [])];
    return (path) => {
        if (path.length === 0) return false;
        const full = `${CONFIG_NAMESPACE}:${path.map(String).join(".")}`;
        if (secureLeaves.some((leaf) => full === leaf || full.startsWith(`${leaf}.`) || full.startsWith(`${leaf}[`))) return true;
        return secretKeys.has(`${CONFIG_NAMESPACE}:${String(path[0])}`) && !(raw.stackFile?.plain.has(full) ?? false);
    };
}

/** Whether the value at a settings path must never be shown in a message. */
function secretPathTest(raw: RawStackConfig): (path: readonly PropertyKey[]) => boolean {
    const isSecret = secretValueTest(raw);
    return (path) => SECRET_PATHS.some((re) => re.test(path.map(String).join("."))) || isSecret(path);
}

/**
 * The namespaces of the providers this program uses, and the keys of each that may be secret:
 * their sign-in credentials, which only the provider reads. Every other key of these
 * namespaces (`azure-native:location`, `azure-native:subscriptionId`, ...) is read in
 * plaintext, by the program (the secret-sync location), by the plan or by Azure: a secret one
 * is refused. Keys of other namespaces are read by nobody here.
 */
export const PROVIDER_SECRET_KEYS: Readonly<Record<string, readonly string[]>> = {
    "azure-native": ["clientSecret", "clientCertificatePassword", "clientCertificate", "oidcToken", "oidcRequestToken"],
    azuread: ["clientSecret", "clientCertificatePassword", "clientCertificate", "oidcToken", "oidcRequestToken"],
    kubernetes: ["kubeconfig"],
    random: [],
    tls: [],
    time: [],
};

/** Whether a secret at this full path (`ns:key...`) of a provider namespace is refused. */
function providerSecretRefused(fullPath: string): boolean {
    const namespace = fullPath.split(":", 1)[0];
    if (!Object.hasOwn(PROVIDER_SECRET_KEYS, namespace)) return false;
    const key = fullPath.slice(namespace.length + 1).split(/[.[]/)[0];
    return !PROVIDER_SECRET_KEYS[namespace].includes(key);
}

/**
 * `secure:` where a secret makes no sense: every such leaf of the stack file by its path, and a
 * top-level key Pulumi holds as secret (e.g. from an ESC environment) that has no value which
 * may be secret. Provider keys too (`azure-native:location`, `kubernetes:context`): only their
 * sign-in credentials may be secret.
 */
function misplacedSecretProblems(raw: RawStackConfig, decoded: Record<string, unknown>, file: string): Problem[] {
    const problems: Problem[] = [];
    const credentials = Object.entries(PROVIDER_SECRET_KEYS)
        .flatMap(([ns, keys]) => keys.map((k) => `${ns}:${k}`))
        .filter((k) => k !== "kubernetes:kubeconfig");
    const refuse = (path: string, where: string) =>
        problems.push({
            file,
            path,
            rule:
                `is secret (${where}), but names, locations, ids and switches are shown in plans and sent to Azure in plaintext; set it without --secret. ` +
                `Only ${Object.values(SECRET_HOMES).join(", ")}, the providers' sign-in credentials (${credentials.join(", ")}) and kubernetes:kubeconfig may be secret`,
        });
    const fromFile = new Set<string>();
    for (const leaf of raw.stackFile?.secure.keys() ?? []) {
        const [namespace] = leaf.split(":", 1);
        const below = leaf.slice(namespace.length + 1);
        if (namespace === CONFIG_NAMESPACE) {
            fromFile.add(below.split(/[.[]/)[0]);
            if (!SECRET_ALLOWED.some((re) => re.test(below))) refuse(leaf, "secure: in the stack file");
        } else {
            fromFile.add(`${namespace}:${below.split(/[.[]/)[0]}`);
            if (providerSecretRefused(leaf)) refuse(leaf, "secure: in the stack file");
        }
    }
    for (const key of raw.secretKeys) {
        if (fromFile.has(key)) continue;
        if (!key.startsWith(`${CONFIG_NAMESPACE}:`)) {
            if (providerSecretRefused(key)) refuse(key, "secret to Pulumi");
            continue;
        }
        const top = key.slice(CONFIG_NAMESPACE.length + 1);
        if (fromFile.has(top) || top === "secretValues") continue;
        // Which leaf is secret is not known here: refuse only when none of them may be.
        const value = decoded[top];
        const mayHoldSecret =
            (top === "servicePrincipal" && valueIsPresent(value, ["clientSecret"])) ||
            (top === "cluster" && valueIsPresent(value, ["csiDriver", "settings"]));
        if (!mayHoldSecret) refuse(key, "secret to Pulumi");
    }
    return problems;
}

function valueIsPresent(root: unknown, path: readonly string[]): boolean {
    let node = root;
    for (const key of path) {
        if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return false;
        node = (node as Record<string, unknown>)[key];
    }
    return node !== undefined;
}

/** The CSI driver settings our typed keys own: a `settings` entry must not override them. */
export const CHECKED_CSI_SETTINGS: Readonly<Record<string, string>> = {
    "secrets-store-csi-driver.enableSecretRotation": "cluster.csiDriver.enableSecretRotation",
    "secrets-store-csi-driver.rotationPollInterval": "cluster.csiDriver.rotationPollInterval",
    "secrets-store-csi-driver.syncSecret.enabled": "cluster.csiDriver.syncSecret",
};

/** `aio-secrets:keyVault.name`, `aio-secrets:secretValues.mq-password`. */
export function settingsKeyPath(path: readonly PropertyKey[]): string {
    if (path.length === 0) return `${CONFIG_NAMESPACE}`;
    const [head, ...rest] = path;
    let out = `${CONFIG_NAMESPACE}:${String(head)}`;
    for (const key of rest) out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
    return out;
}

/**
 * Turns Pulumi's config strings into the structure the schema checks: objects come as
 * JSON text, booleans as "true"/"false". Keys outside the `aio-secrets` namespace are
 * ignored (they belong to providers).
 */
function decodeRawConfig(raw: RawStackConfig, file: string, problems: Problem[]): { decoded: Record<string, unknown>; broken: Set<string> } {
    const decoded: Record<string, unknown> = {};
    const broken = new Set<string>();
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const [fullKey, text] of Object.entries(raw.config)) {
        if (!fullKey.startsWith(prefix)) {
            // Other namespaces belong to providers, but a near miss of ours is a typo that
            // would silently drop a whole section.
            const namespace = fullKey.split(":")[0];
            if (namespace !== CONFIG_NAMESPACE && editDistance(namespace, CONFIG_NAMESPACE) <= 2) {
                problems.push({
                    file,
                    path: fullKey,
                    rule: `unknown namespace "${namespace}"; did you mean ${CONFIG_NAMESPACE}:${fullKey.slice(namespace.length + 1)}?`,
                });
            }
            continue;
        }
        const key = fullKey.slice(prefix.length);
        if (OBJECT_KEYS.has(key)) {
            let value: unknown;
            try {
                value = JSON.parse(text);
            } catch {
                value = text;
            }
            if (value === null || typeof value !== "object" || Array.isArray(value)) {
                problems.push({ file, path: fullKey, rule: "must be a map of keys (see README, Stack settings)" });
                broken.add(key);
                continue;
            }
            setOwn(decoded, key, value);
        } else if (LIST_KEYS.has(key)) {
            let value: unknown;
            try {
                value = JSON.parse(text);
            } catch {
                value = text;
            }
            if (!Array.isArray(value)) {
                problems.push({ file, path: fullKey, rule: "must be a list (see README, Stack settings)" });
                broken.add(key);
                continue;
            }
            setOwn(decoded, key, value);
        } else if (key === "protect" || key === "adopt") {
            setOwn(decoded, key, text === "true" || text === "false" ? text === "true" : text);
        } else {
            setOwn(decoded, key, text);
        }
    }
    return { decoded, broken };
}

export { editDistance } from "./names";

/**
 * The two-slot password rotation's rules (see components/identity/ServicePrincipal.ts): a new
 * password every `rotationDays`, alternating between two slots, so the previous one lives on
 * until its slot is reissued `rotationDays` later. It must outlive the overlap, and the new one
 * must exist before the old one expires.
 */
export function passwordOverlapProblem(
    secretValidDays: number,
    rotationDays: number,
    overlapDays: number,
): { path: string; rule: string; value: string } | undefined {
    if (overlapDays > rotationDays) {
        return {
            path: "servicePrincipal.overlapDays",
            rule: `must be at most rotationDays (${rotationDays}): the previous password's slot is reissued at the next rotation`,
            value: String(overlapDays),
        };
    }
    if (rotationDays + overlapDays > secretValidDays) {
        return {
            path: "servicePrincipal.rotationDays",
            rule:
                `rotationDays + overlapDays (${rotationDays} + ${overlapDays}) must be at most secretValidDays (${secretValidDays}) ` +
                `so that the previous password is still valid for the whole overlap`,
            value: String(rotationDays),
        };
    }
    return undefined;
}

/**
 * Validates the stack settings and applies defaults. Returns the settings and every problem
 * found (the caller throws them together with the catalog's).
 */
export function parseStackSettings(raw: RawStackConfig): { settings?: StackSettings; problems: Problem[]; warnings: string[] } {
    const file = raw.file ?? `Pulumi.${raw.stack}.yaml`;
    const problems: Problem[] = [];
    const { decoded: input, broken } = decodeRawConfig(raw, file, problems);
    const isSecretPath = secretPathTest(raw);
    // Each section is checked on its own so that one broken section does not hide the
    // cross-field problems of another: one run reports everything.
    const parsed: Partial<ParsedSettings> = {};
    const report = (issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]) =>
        problems.push(
            ...issuesToProblems(
                issues.map((i) => ({ ...i, path: [...prefix, ...i.path] })),
                { file, input, pathOf: settingsKeyPath, isSecretPath },
            ),
        );
    problems.push(...protoKeyProblems(input, { file, input, pathOf: settingsKeyPath }));
    problems.push(...misplacedSecretProblems(raw, input, file));
    const topResult = topLevelSchema.safeParse(input);
    if (!topResult.success) report(topResult.error.issues.filter((i) => i.code === "unrecognized_keys"), []);
    for (const [key, schema] of Object.entries(settingsShape) as [keyof ParsedSettings, z.ZodType][]) {
        if (broken.has(key)) continue;
        const result = schema.safeParse(input[key]);
        if (result.success) (parsed as Record<string, unknown>)[key] = result.data;
        else report(result.error.issues, [key]);
    }
    const at = (path: string, rule: string, value?: string) =>
        problems.push({ file, path: `${CONFIG_NAMESPACE}:${path}`, rule, value });
    const secretKeys = new Set(raw.secretKeys);

    // Bring-your-own service principal: all three credentials or none.
    const sp = parsed.servicePrincipal ?? servicePrincipalSchema.parse({});
    const byo = { clientId: sp.clientId, objectId: sp.objectId, clientSecret: sp.clientSecret };
    const given = Object.entries(byo).filter(([, v]) => v !== undefined).map(([k]) => k);
    let servicePrincipal: ServicePrincipalSettings | undefined;
    if (parsed.delivery === "secretSync" && parsed.migration !== "both") {
        // No service principal in this mode: deliveryRules refuses or warns about its keys (in
        // step 3 of the move from CSI, migration: both, the CSI side still runs on them).
        servicePrincipal = { mode: "create", displayName: "", secretValidDays: sp.secretValidDays, rotationDays: sp.rotationDays, overlapDays: sp.overlapDays };
    } else if (given.length > 0 && given.length < 3) {
        const missing = Object.keys(byo).filter((k) => !given.includes(k));
        at(
            "servicePrincipal",
            `a bring-your-own service principal needs clientId, objectId and clientSecret together; missing ${missing.join(", ")} ` +
                `(or remove ${given.join(", ")} to let the stack create one)`,
        );
    } else if (given.length === 3) {
        // Secure in the stack file, or secret from an ESC environment; plaintext in the file is refused.
        const plaintextInFile = raw.stackFile?.plain.has(`${CONFIG_NAMESPACE}:servicePrincipal.clientSecret`) ?? false;
        if (plaintextInFile || !secretKeys.has(`${CONFIG_NAMESPACE}:servicePrincipal`)) {
            at(
                "servicePrincipal.clientSecret",
                `must be a secure value: pulumi config set --secret --path 'servicePrincipal.clientSecret' --stack ${raw.stack}`,
            );
        }
        servicePrincipal = { mode: "existing", clientId: sp.clientId!, objectId: sp.objectId!, clientSecret: sp.clientSecret! };
    } else if (parsed.servicePrincipal) {
        const overlapProblem = passwordOverlapProblem(sp.secretValidDays, sp.rotationDays, sp.overlapDays);
        if (overlapProblem) at(overlapProblem.path, overlapProblem.rule, overlapProblem.value);
        servicePrincipal = {
            mode: "create",
            displayName: sp.displayName ?? `aio-secrets-${raw.project}-${raw.stack}`,
            secretValidDays: sp.secretValidDays,
            rotationDays: sp.rotationDays,
            overlapDays: sp.overlapDays,
        };
    }

    // The Arc extension needs both the cluster name and its resource group.
    const cluster = parsed.cluster ?? clusterSchema.parse({});
    const arcGiven = [cluster.arcClusterName, cluster.arcResourceGroupName].filter((v) => v !== undefined).length;
    if (arcGiven === 1) {
        at(
            cluster.arcClusterName === undefined ? "cluster.arcClusterName" : "cluster.arcResourceGroupName",
            "arcClusterName and arcResourceGroupName come together (both name the Arc cluster that gets the CSI driver extension)",
        );
    }
    const install = cluster.csiDriver.install ?? arcGiven === 2;
    if (install && arcGiven !== 2) {
        at("cluster.csiDriver.install", "installing the CSI driver extension needs cluster.arcClusterName and cluster.arcResourceGroupName");
    }
    const isSecretValue = secretValueTest(raw);
    const plainCsiSettings: Record<string, string> = {};
    const protectedCsiSettings: Record<string, string> = {};
    for (const [key, value] of Object.entries(cluster.csiDriver.settings)) {
        if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(key)) {
            at(`cluster.csiDriver.settings.${key}`, "extension setting names are letters, digits, '-', '_' and '.'");
        }
        if (Object.hasOwn(CHECKED_CSI_SETTINGS, key)) {
            at(
                `cluster.csiDriver.settings.${key}`,
                `overrides a checked setting; use aio-secrets:${CHECKED_CSI_SETTINGS[key]} instead (validated, and used for the vault read budget)`,
            );
        }
        // A secret setting goes to the extension's protected settings, never the plain ones.
        if (isSecretValue(["cluster", "csiDriver", "settings", key])) protectedCsiSettings[key] = value;
        else plainCsiSettings[key] = value;
    }

    // Secret values: secure leaves only, within Key Vault's size limit.
    // Secret values: secret to Pulumi (a `secure:` leaf, or a secret of an ESC environment the
    // stack imports), never plaintext in the stack file, within Key Vault's size limit.
    const secretValues = ownMap(parsed.secretValues ?? {});
    const valueNames = Object.keys(secretValues);
    if (valueNames.length > 0 && !secretKeys.has(`${CONFIG_NAMESPACE}:secretValues`)) {
        at(
            "secretValues",
            `values must be secure: pulumi config set --secret --path 'secretValues.<name>' <value> --stack ${raw.stack} (or fn::secret in an ESC environment)`,
        );
    }
    for (const name of valueNames) {
        if (raw.stackFile?.plain.has(`${CONFIG_NAMESPACE}:secretValues.${name}`)) {
            at(
                `secretValues.${name}`,
                `is plaintext in the stack file; set it with pulumi config set --secret --path 'secretValues.${name}' <value> --stack ${raw.stack}`,
            );
        }
        const bytes = Buffer.byteLength(secretValues[name], "utf8");
        if (bytes > MAX_SECRET_VALUE_BYTES) {
            at(`secretValues.${name}`, `is ${bytes} bytes; Key Vault secrets hold at most ${MAX_SECRET_VALUE_BYTES} bytes (25 KiB)`);
        }
        if (bytes === 0) at(`secretValues.${name}`, "must not be empty (Key Vault rejects empty secrets)");
    }

    const environment = parsed.environment ?? raw.stack;
    if (parsed.environment === undefined && rules.environmentName(raw.stack)) {
        at("environment", `is not set and the stack name "${raw.stack}" is not a valid environment name; set aio-secrets:environment`);
    }
    const protect = parsed.protect ?? environment === "prod";
    if (protect && parsed.keyVault && !parsed.keyVault.purgeProtection && !parsed.keyVault.existing) {
        at("keyVault.purgeProtection", "must be true in a protected environment (aio-secrets:protect)", "false");
    }

    const delivery = parsed.delivery ?? "csiDriver";
    const mode = deliveryRules({ raw, file, input, parsed, cluster, delivery });
    problems.push(...mode.problems);
    problems.push(...migrationProblems(file, parsed.migration, delivery, parsed.keyVault?.permissionModel));

    // The CA: checked only when its section parsed (its own problems are already reported).
    const ca = parsed.ca
        ? resolveCa(parsed.ca, {
              syncSecret: cluster.csiDriver.syncSecret,
              readProjectFile: raw.readProjectFile,
              // While both modes run side by side (migration: both) the CA is the CSI side's.
              delivery: parsed.migration === "both" ? "csiDriver" : delivery,
              modeGiven: input.ca !== null && typeof input.ca === "object" && Object.hasOwn(input.ca, "mode"),
              adopt: parsed.adopt ?? false,
          })
        : { settings: undefined, problems: [] };
    for (const p of ca.problems) at(p.path, p.rule, p.value);

    // Object ids are GUIDs, case-insensitive in Entra: one principal, one grant.
    const deployers = parsed.deployers?.map((d) => ({ ...d, objectId: d.objectId.toLowerCase() }));
    deployers?.forEach((d, i) => {
        const first = deployers.findIndex((e) => e.objectId === d.objectId);
        if (first < i) at(`deployers[${i}].objectId`, `is the same principal as deployers[${first}] (object ids compare without case); list each principal once`, JSON.stringify(d.objectId));
        if (servicePrincipal?.mode === "existing" && servicePrincipal.objectId.toLowerCase() === d.objectId) {
            at(
                `deployers[${i}].objectId`,
                "is the CSI driver's service principal (servicePrincipal.objectId): one principal has one access policy, so it cannot be reader and writer; deploy with another identity",
                JSON.stringify(d.objectId),
            );
        }
    });

    if (problems.length > 0 || !servicePrincipal || !parsed.keyVault || !parsed.defaultSecret || !ca.settings) return { problems, warnings: mode.warnings };
    // An existing vault usually grants its creator already, and azure-native refuses to create an
    // access policy for a principal that has one; an adopted cluster's reader was granted by init.
    const grantDeployer = parsed.keyVault.grantDeployer ?? !parsed.keyVault.existing;
    const grantReader = parsed.keyVault.grantReader ?? !(parsed.adopt ?? false);
    return {
        problems,
        warnings: [...mode.warnings, ...migrationWarnings(file, parsed.migration, { grantReader, grantDeployer, vaultName: parsed.keyVault.name })],
        settings: {
            project: raw.project,
            stack: raw.stack,
            file,
            environment,
            tenantId: parsed.tenantId,
            protect,
            adopt: parsed.adopt ?? false,
            keyVault: {
                ...parsed.keyVault,
                grantDeployer,
                grantReader,
            },
            servicePrincipal,
            cluster: {
                ...cluster,
                csiDriver: { ...cluster.csiDriver, install, settings: ownMap(plainCsiSettings), protectedSettings: ownMap(protectedCsiSettings) },
            },
            defaultSecret: {
                name: parsed.defaultSecret.name,
                // init made the default secret in the vault it was given; azure-native refuses to
                // create a secret that exists, so an existing vault mounts it unless told otherwise.
                source: parsed.defaultSecret.source ?? (parsed.keyVault.existing ? "existing" : "generated"),
            },
            deployers,
            secretValues,
            ca: ca.settings,
            delivery,
            secretSync: mode.secretSync,
            migration: parsed.migration,
        },
    };
}

/** Extension settings our typed keys own: a `settings` entry must not override them. */
export const CHECKED_SECRET_STORE_SETTINGS: Readonly<Record<string, string>> = {
    rotationPollIntervalInSeconds: "secretSync.extension.rotationPollIntervalInSeconds",
};

/** CSI keys left in a secret-sync stack may mean a deployed CSI stack switched in one change. */
const STEPS_HINT = ` (if this stack ran in csiDriver mode, do not switch it in one up: move it in steps with aio-secrets:migration; README, "Move a stack from CSI to secret sync")`;

/** The CSI-mode keys that mean nothing in secret-sync mode, and why. */
const CSI_ONLY_KEYS: Readonly<Record<string, string>> = {
    servicePrincipal: "secret sync reads the vault with a federated managed identity (secretSync.identity): there is no service principal and no password",
    "cluster.csiDriver": "secret sync uses the Secret Store extension (secretSync.extension), not the CSI driver",
};

/**
 * The rules of the delivery mode: in `secretSync` mode an RBAC vault, a custom location, an
 * identity and an issuer (or an Arc cluster to read it from), and no service principal or CSI
 * driver settings; in `csiDriver` mode, a `secretSync` section is ignored (with a warning).
 */
function deliveryRules(ctx: {
    raw: RawStackConfig;
    file: string;
    input: Record<string, unknown>;
    parsed: Partial<ParsedSettings>;
    cluster: ParsedSettings["cluster"];
    delivery: DeliveryMode;
}): { problems: Problem[]; warnings: string[]; secretSync?: SecretSyncSettings } {
    const { raw, file, input, parsed, cluster, delivery } = ctx;
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const at = (path: string, rule: string, value?: string) => problems.push({ file, path: `${CONFIG_NAMESPACE}:${path}`, rule, value });
    if (delivery === "csiDriver") {
        if (Object.hasOwn(input, "secretSync")) {
            warnings.push(`${file}: ${CONFIG_NAMESPACE}:secretSync is ignored: aio-secrets:delivery is csiDriver (set it to secretSync to use it)`);
        }
        return { problems, warnings };
    }

    const keyVault = parsed.keyVault;
    if (keyVault && keyVault.permissionModel !== "rbac") {
        at(
            "keyVault.permissionModel",
            `must be rbac in secretSync mode (the Secret Store reads with Azure roles, not access policies). ` +
                (keyVault.existing
                    ? `Migrate the vault: grant the roles its readers need, then az keyvault update --name ${keyVault.name} --resource-group ${keyVault.resourceGroupName} --enable-rbac-authorization true, and set permissionModel: rbac`
                    : `Set permissionModel: rbac (a vault the stack created is switched in place; its access policies stop applying, the stack grants roles instead)`) +
                `. A deployed CSI stack moves in steps, the roles first (aio-secrets:migration: rbacRoles; README, "Move a stack from CSI to secret sync")`,
            JSON.stringify(keyVault.permissionModel),
        );
    }
    // Service principal and CSI driver keys: a stored password is refused, the rest is ignored;
    // in step 3 of the move from CSI (migration: both) the CSI side still runs on them.
    const bothModes = parsed.migration === "both";
    const sp = input.servicePrincipal;
    if (sp !== null && typeof sp === "object" && !bothModes) {
        const credentials = ["clientId", "objectId", "clientSecret"].filter((k) => Object.hasOwn(sp, k));
        if (credentials.length > 0) {
            at(`servicePrincipal.${credentials[0]}`, `is not used in secretSync mode: ${CSI_ONLY_KEYS.servicePrincipal}; remove servicePrincipal`);
        } else {
            warnings.push(`${file}: ${CONFIG_NAMESPACE}:servicePrincipal is ignored in secretSync mode: ${CSI_ONLY_KEYS.servicePrincipal}; remove it${STEPS_HINT}`);
        }
    }
    const clusterInput = input.cluster;
    const csiInput = clusterInput !== null && typeof clusterInput === "object" ? (clusterInput as Record<string, unknown>).csiDriver : undefined;
    if (csiInput !== null && typeof csiInput === "object" && !bothModes) {
        if ((csiInput as Record<string, unknown>).install === true) {
            at("cluster.csiDriver.install", `contradicts delivery: secretSync: ${CSI_ONLY_KEYS["cluster.csiDriver"]}; remove cluster.csiDriver`);
        } else {
            warnings.push(`${file}: ${CONFIG_NAMESPACE}:cluster.csiDriver is ignored in secretSync mode: ${CSI_ONLY_KEYS["cluster.csiDriver"]}; remove it${STEPS_HINT}`);
        }
    }
    for (const key of bothModes ? [] : Object.keys(raw.config).filter((k) => k.startsWith("kubernetes:")).sort()) {
        warnings.push(
            `${file}: ${key} is ignored in secretSync mode: every resource goes through Azure Resource Manager and the custom location, so the stack needs no kubeconfig`,
        );
    }

    const section = parsed.secretSync;
    if (!Object.hasOwn(input, "secretSync")) {
        at("secretSync", 'is required when aio-secrets:delivery is secretSync (customLocation and identity at least; see README, "Secret sync (AIO GA)")');
        return { problems, warnings };
    }
    if (!section) return { problems, warnings }; // its own schema problems are reported already
    const arcGiven = cluster.arcClusterName !== undefined && cluster.arcResourceGroupName !== undefined;
    const arcCluster = arcGiven ? { name: cluster.arcClusterName!, resourceGroupName: cluster.arcResourceGroupName! } : undefined;
    if (!section.customLocation) at("secretSync.customLocation", "is required: the AIO custom location (name, resourceGroupName) that carries the secret syncs to the cluster");
    const customLocationGroup = section.customLocation?.resourceGroupName ?? cluster.arcResourceGroupName;
    if (section.customLocation && customLocationGroup === undefined) {
        at("secretSync.customLocation.resourceGroupName", "is required when cluster.arcResourceGroupName is not set");
    }
    if (!section.identity) at("secretSync.identity", "is required: the user-assigned managed identity (name; existing: true to use one made elsewhere)");
    if (section.oidcIssuerUrl === undefined && !arcGiven) {
        at(
            "secretSync.oidcIssuerUrl",
            "is required when the Arc cluster is not named: set it, or set cluster.arcClusterName and cluster.arcResourceGroupName to read it from the cluster",
        );
    }
    if (section.extension.install && !arcGiven) {
        at("secretSync.extension.install", "installing the Secret Store extension needs cluster.arcClusterName and cluster.arcResourceGroupName (or set install: false)");
    }
    for (const key of Object.keys(section.extension.settings)) {
        if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(key)) at(`secretSync.extension.settings.${key}`, "extension setting names are letters, digits, '-', '_' and '.'");
        if (Object.hasOwn(CHECKED_SECRET_STORE_SETTINGS, key)) {
            at(
                `secretSync.extension.settings.${key}`,
                `overrides a checked setting; use aio-secrets:${CHECKED_SECRET_STORE_SETTINGS[key]} instead (validated, and used for the vault read budget)`,
            );
        }
    }
    if (section.identity?.existing) {
        warnings.push(
            `${file}: ${CONFIG_NAMESPACE}:secretSync.identity.existing: if az iot ops secretsync enable already federated this identity and granted it the vault, ` +
                `its credential (same issuer and subject) and role assignments exist under other names and the first up fails with 409: ` +
                `pulumi import them, or let the stack create its own identity (README, "Secret sync (AIO GA)")`,
        );
    }
    // The region defaults to the Arc cluster's (read at run time), as the CLI does; never azure-native:location.
    if (problems.length > 0 || !section.customLocation || !section.identity || !keyVault || customLocationGroup === undefined) {
        return { problems, warnings };
    }
    return {
        problems,
        warnings,
        secretSync: {
            customLocation: { name: section.customLocation.name, resourceGroupName: customLocationGroup },
            identity: {
                name: section.identity.name,
                resourceGroupName: section.identity.resourceGroupName ?? keyVault.resourceGroupName,
                existing: section.identity.existing,
            },
            oidcIssuerUrl: section.oidcIssuerUrl,
            arcCluster,
            location: section.location,
            spcName: section.spcName ?? defaultSpcName(customLocationGroup, section.customLocation.name),
            propagationWait: section.propagationWait,
            instance: section.instance && { name: section.instance.name, resourceGroupName: section.instance.resourceGroupName ?? customLocationGroup },
            forceSynchronization: section.forceSynchronization,
            extension: { ...section.extension, settings: ownMap(section.extension.settings) },
        },
    };
}

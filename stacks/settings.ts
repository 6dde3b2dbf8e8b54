import { z } from "zod";
import { Problem } from "./errors";
import { ringRule } from "./ring";
import { alertsRules, alertsSchema, AlertsSettings } from "./alerts";
import { outOfBandRule } from "./outOfBand";
import { intRange, isUnknownKeyRule, issuesToProblems, ownMap, protoKeyProblems, ruled, strictObject } from "./schema";
import { CONFIG_NAMESPACE, INIT_DEFAULTS } from "./defaults";
// The delivery modes' parsing registry and the CSI side's section (pure: see test/layers.test.ts).
import {
    DEFAULT_DELIVERY,
    DELIVERY_MODES,
    DeliveryMode,
    MODE_SECTIONS,
    ModeSettings,
    MODES,
    runModeRules,
} from "../delivery/modes";
import { csiDriverSchema, csiSideRules, csiSideSettings } from "../delivery/csiDriver/settings";
import type { StackFileLeaves } from "./stackFile";
import { setOwn } from "./yaml";
import * as rules from "./rules";
import { editDistance } from "./names";
import { shellWord } from "./text";
import { caSchema, CaSettings, resolveCa } from "./ca";
import { MIGRATION_SETTINGS, MigrationSetting, migrationProblems, migrationWarnings } from "./migration";
import { vaultSecurityKeys, vaultSecurityProblems } from "./vaultSecurity";

/**
 * The stack settings (`aio-secrets:*` keys of `Pulumi.<stack>.yaml`): schema, defaults and
 * cross-field rules. Pure: no Pulumi runtime, no resources. `load.ts` feeds it the
 * configuration Pulumi hands the program. Each delivery mode's own section lives in its folder
 * (delivery/<mode>/settings.ts); the defaults, once, in stacks/defaults.ts.
 */

export { CONFIG_NAMESPACE, INIT_DEFAULTS, SECRET_SYNC_DEFAULTS } from "./defaults";
export { DEFAULT_DELIVERY, DELIVERY_MODES } from "../delivery/modes";
export type { DeliveryMode } from "../delivery/modes";
export { CHECKED_CSI_SETTINGS, passwordOverlapProblem } from "../delivery/csiDriver/settings";
export type {
    CsiDriverSettings,
    CsiDriverStackSettings,
    ServicePrincipalSettings,
} from "../delivery/csiDriver/settings";
export { CHECKED_SECRET_STORE_SETTINGS, defaultSpcName } from "../delivery/secretSync/settings";
export type { SecretSyncSettings, SecretSyncStackSettings } from "../delivery/secretSync/settings";

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
    // network, privateEndpoint, diagnostics (stacks/vaultSecurity.ts)
    ...vaultSecurityKeys,
});

const clusterSchema = strictObject({
    namespace: ruled(rules.dns1123Label).default(INIT_DEFAULTS.namespace),
    arcClusterName: ruled(rules.arcClusterName).optional(),
    arcResourceGroupName: ruled(rules.resourceGroupName).optional(),
    identifier: z.string().min(1, "must not be empty").max(253, "must be at most 253 characters").optional(),
    csiDriver: csiDriverSchema.default(() => csiDriverSchema.parse({})),
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

/** Every `aio-secrets:*` key and its schema (docs/reference.md lists them; test/reference.test.ts checks). */
export const settingsShape = {
    // An empty or null value (`aio-secrets:environment:`) is a mistake, not "the stack name".
    environment: ruled((v) =>
        v === ""
            ? "is empty; set an environment name, or remove the key to use the stack name"
            : rules.environmentName(v),
    ).optional(),
    tenantId: ruled(rules.guid).optional(),
    protect: z.boolean().optional(),
    adopt: z.boolean().default(false),
    delivery: z.enum(DELIVERY_MODES).default(DEFAULT_DELIVERY),
    keyVault: keyVaultSchema,
    cluster: clusterSchema.default(() => clusterSchema.parse({})),
    defaultSecret: defaultSecretSchema.default(() => defaultSecretSchema.parse({})),
    deployers: z
        .array(deployerSchema)
        .min(1, "must list at least one principal (or remove the key to use the deploying identity)")
        .optional(),
    secretValues: z.record(z.string(), z.string({ error: "must be a string value set with --secret" })).default({}),
    ca: caSchema.default(() => caSchema.parse({})),
    // Each delivery mode's own sections (delivery/modes.ts): `servicePrincipal`, `secretSync`.
    ...MODE_SECTIONS,
    migration: z.enum(MIGRATION_SETTINGS).optional(),
    /** Deployment ring of a fleet rollout (stacks/ring.ts); read by the tools, not the program. */
    ring: ruled(ringRule).optional(),
    /** Expiry alerts: an Event Grid system topic on the vault and a subscription (stacks/alerts.ts, issue 20). */
    alerts: alertsSchema.optional(),
    /** What `plan --live` does with entries added beside the stack (stacks/outOfBand.ts); read by the tools. */
    outOfBand: ruled(outOfBandRule).optional(),
};

/** Only the top-level keys: each section is parsed on its own below. */
const topLevelSchema = strictObject(
    Object.fromEntries(Object.keys(settingsShape).map((k) => [k, z.unknown()])) as Record<
        keyof typeof settingsShape,
        z.ZodUnknown
    >,
);

type ParsedSettings = { [K in keyof typeof settingsShape]: z.infer<(typeof settingsShape)[K]> };

/** A principal that deploys the stack. */
export interface Deployer {
    objectId: string;
    type: PrincipalType;
    name?: string;
}

/** The cluster both modes deliver to: its namespace and Arc cluster (`cluster` without `csiDriver`). */
export type ClusterSettings = Omit<z.infer<typeof clusterSchema>, "csiDriver">;

/** Validated, defaulted settings every delivery mode has. */
export interface CommonStackSettings {
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
    keyVault: Omit<z.infer<typeof keyVaultSchema>, "grantDeployer" | "grantReader"> & {
        /** Grant the deploying identity (default: only for a vault the stack creates). */
        grantDeployer: boolean;
        /** Grant the cluster's reader (default: unless adopting, where init granted it). */
        grantReader: boolean;
    };
    cluster: ClusterSettings;
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
    /**
     * A step of the staged move from CSI delivery to secret sync (stacks/migration.ts):
     * `rbacRoles` (step 1: RBAC roles beside the access policies) or `both` (step 3: both
     * delivery modes side by side). Default: none.
     */
    migration?: MigrationSetting;
    /** Expiry alerts (stacks/alerts.ts); undefined: none. */
    alerts?: AlertsSettings;
}

/**
 * Validated, defaulted stack settings: a union discriminated on `delivery`, one member per
 * delivery mode (delivery/modes.ts, each member declared in its folder's settings.ts).
 */
export type StackSettings = { [M in DeliveryMode]: ModeSettings<M> }[DeliveryMode];

/** The settings of one delivery mode. */
export type SettingsOf<M extends DeliveryMode> = Extract<StackSettings, { delivery: M }>;

/**
 * The settings of a stack known to be in mode `mode`: an invariant of the caller (the delivery
 * registry hands each mode only its own stacks), not a validation.
 */
export function settingsOf<M extends DeliveryMode>(settings: StackSettings, mode: M): SettingsOf<M> {
    if (settings.delivery !== mode)
        throw new Error(`internal error: ${mode} settings expected, the stack's delivery is ${settings.delivery}`);
    return settings as SettingsOf<M>;
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

const OBJECT_KEYS = new Set([
    "keyVault",
    "cluster",
    "defaultSecret",
    "secretValues",
    "ca",
    ...Object.keys(MODE_SECTIONS),
    "alerts",
]);
/** Keys whose value is a list (Pulumi hands it over as JSON text). */
const LIST_KEYS = new Set(["deployers"]);
/** Always secret, whatever the file says: never shown in a message. */
const SECRET_PATHS = [/^secretValues\./, /^servicePrincipal\.clientSecret$/, /^alerts\.webhook\.url$/];

/**
 * The paths (`secretValues.mq-password`, `servicePrincipal.clientSecret`) below a settings key
 * (without namespace) where `value` holds a plaintext leaf of a key that is always secret. For
 * files that can only hold plaintext (Pulumi.yaml).
 */
export function plaintextSecretPaths(key: string, value: unknown): string[] {
    const found: string[] = [];
    const walk = (node: unknown, at: string) => {
        if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}[${i}]`));
        else if (node !== null && typeof node === "object")
            for (const k of Object.keys(node)) walk((node as Record<string, unknown>)[k], `${at}.${k}`);
        else if (node !== null && node !== undefined && node !== "" && SECRET_PATHS.some((re) => re.test(at)))
            found.push(at);
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
const SECRET_ALLOWED = [
    /^secretValues(\.|$)/,
    /^servicePrincipal\.clientSecret$/,
    /^cluster\.csiDriver\.settings(\.|$)/,
    /^alerts\.webhook\.url$/,
];
/** The top-level keys under which a secret may sit, with the one place it may be. */
const SECRET_HOMES: Record<string, string> = {
    secretValues: "secretValues.<name>",
    servicePrincipal: "servicePrincipal.clientSecret",
    cluster: "cluster.csiDriver.settings.<name>",
    alerts: "alerts.webhook.url",
};

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
        if (secureLeaves.some((leaf) => full === leaf || full.startsWith(`${leaf}.`) || full.startsWith(`${leaf}[`)))
            return true;
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
    const refuse = (path: string, where: string, from: string = file) =>
        problems.push({
            file: from,
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
        if (!mayHoldSecret) refuse(key, "secret to Pulumi", secretOrigin(raw, key, value, file));
    }
    return problems;
}

/**
 * Where a top-level key that is secret to Pulumi got its secret, when its value merges several
 * files: not the stack file (its `secure:` leaves are refused by their own path) nor
 * Pulumi.yaml (refused as plaintext there), so the one other file a leaf came from (an ESC
 * environment); else the stack file.
 */
function secretOrigin(raw: RawStackConfig, key: string, value: unknown, stackFile: string): string {
    const files = new Set<string>();
    const walk = (v: unknown, at: string): void => {
        if (v !== null && typeof v === "object" && !Array.isArray(v)) {
            for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], `${at}.${k}`);
            return;
        }
        const origin = raw.originOf?.(at);
        if (origin !== undefined && origin !== stackFile && origin !== "Pulumi.yaml") files.add(origin);
    };
    walk(value, key);
    return files.size === 1 ? [...files][0] : stackFile;
}

/**
 * Puts root errors first and drops what exists only because of them: every unknown key (a typo,
 * a mis-indented line) comes before the other problems, and a misplaced secret at or below an
 * unknown key is not reported (its advice, "set it without --secret", would store a password in
 * plain text; the unknown key is what to fix); a misplaced secret's own value rules are not
 * reported either (they would describe the secret). An unknown top-level key holding a secret is
 * likely a value of `secretValues` that lost its indentation: the rule says so. Edits `problems`.
 */
function rootErrorsFirst(problems: Problem[], misplaced: readonly Problem[], raw: RawStackConfig): void {
    const unknown = problems.filter((p) => isUnknownKeyRule(p.rule));
    const under = (path: string, root: string) =>
        path === root || path.startsWith(`${root}.`) || path.startsWith(`${root}[`);
    const secretLeaves = [...(raw.stackFile?.secure.keys() ?? []), ...raw.secretKeys];
    const roots = unknown.map((p) => {
        const topLevel = !p.path.slice(CONFIG_NAMESPACE.length + 1).includes(".");
        if (!topLevel || p.rule.includes("did you mean") || !secretLeaves.some((leaf) => under(leaf, p.path))) return p;
        return {
            ...p,
            rule: `${p.rule}. A secret value here is likely a value of secretValues that lost its indentation: indent it under ${CONFIG_NAMESPACE}:secretValues`,
        };
    });
    const followOn = (p: Problem) => unknown.some((u) => under(p.path, u.path));
    const shown = misplaced.filter((p) => !followOn(p));
    // A value rule on a misplaced secret would describe the secret (its length, its form): the
    // misplaced secret is the root error, and the only one said about that value.
    const aboutSecret = (p: Problem) => shown.some((m) => under(p.path, m.path));
    const rest = problems.filter((p) => !isUnknownKeyRule(p.rule) && !aboutSecret(p));
    problems.splice(0, problems.length, ...roots, ...shown, ...rest);
}

function valueIsPresent(root: unknown, path: readonly string[]): boolean {
    let node = root;
    for (const key of path) {
        if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return false;
        node = (node as Record<string, unknown>)[key];
    }
    return node !== undefined;
}

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
function decodeRawConfig(
    raw: RawStackConfig,
    file: string,
    problems: Problem[],
): { decoded: Record<string, unknown>; broken: Set<string> } {
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
                problems.push({
                    file,
                    path: fullKey,
                    rule: "must be a map of keys (see docs/reference.md, Stack settings)",
                });
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
                problems.push({ file, path: fullKey, rule: "must be a list (see docs/reference.md, Stack settings)" });
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

/** A copy of `value` without its own property `key`. */
function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
    const copy = { ...value };
    Reflect.deleteProperty(copy, key);
    return copy;
}

/**
 * Validates the stack settings and applies defaults. Returns the settings and every problem
 * found (the caller throws them together with the catalog's).
 */
export function parseStackSettings(raw: RawStackConfig): {
    settings?: StackSettings;
    problems: Problem[];
    warnings: string[];
} {
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
                { file, input, pathOf: settingsKeyPath, isSecretPath, didYouMean: true },
            ),
        );
    problems.push(...protoKeyProblems(input, { file, input, pathOf: settingsKeyPath }));
    const topResult = topLevelSchema.safeParse(input);
    if (!topResult.success)
        report(
            topResult.error.issues.filter((i) => i.code === "unrecognized_keys"),
            [],
        );
    for (const [key, schema] of Object.entries(settingsShape) as [keyof ParsedSettings, z.ZodType][]) {
        if (broken.has(key)) continue;
        const result = schema.safeParse(input[key]);
        if (result.success) (parsed as Record<string, unknown>)[key] = result.data;
        else report(result.error.issues, [key]);
    }
    rootErrorsFirst(problems, misplacedSecretProblems(raw, input, file), raw);
    const at = (path: string, rule: string, value?: string) =>
        problems.push({ file, path: `${CONFIG_NAMESPACE}:${path}`, rule, value });
    const secretKeys = new Set(raw.secretKeys);

    const delivery = parsed.delivery ?? DEFAULT_DELIVERY;
    // A `delivery` that did not parse (`secretsync`) is the root error: the rules of a mode the
    // stack did not choose would only add follow-on errors (the CA's, secretSync's), so none run.
    // The same for a `migration` step that did not parse: which sides run depends on it.
    const deliveryKnown =
        (parsed.delivery !== undefined || !Object.hasOwn(input, "delivery")) &&
        (parsed.migration !== undefined || !Object.hasOwn(input, "migration"));

    // The Arc cluster (both modes: the CSI driver extension, or secret sync's issuer and extension).
    const cluster = parsed.cluster ?? clusterSchema.parse({});
    const arcGiven = [cluster.arcClusterName, cluster.arcResourceGroupName].filter((v) => v !== undefined).length;
    if (arcGiven === 1) {
        at(
            cluster.arcClusterName === undefined ? "cluster.arcClusterName" : "cluster.arcResourceGroupName",
            "arcClusterName and arcResourceGroupName come together (both name the Arc cluster that gets the CSI driver extension)",
        );
    }
    // The CSI side: in csiDriver mode, and beside secret sync in step 3 of the move (migration: both).
    // Secret sync alone has no service principal and no CSI driver (secretSyncRules refuses or warns about their keys).
    const csiRuns = deliveryKnown && (MODES[delivery].csiSide || parsed.migration === "both");
    const csiSide = csiRuns
        ? csiSideRules({
              raw,
              servicePrincipal: parsed.servicePrincipal,
              csiDriver: cluster.csiDriver,
              arcNamed: arcGiven === 2,
              isSecretValue: secretValueTest(raw),
          })
        : undefined;
    for (const p of csiSide?.problems ?? []) at(p.path, p.rule, p.value);
    const servicePrincipal = csiSide?.servicePrincipal;

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
                `is plaintext in the stack file; set it with pulumi config set --secret --path ${shellWord(`secretValues.${name}`)} <value> --stack ${raw.stack}`,
            );
        }
        const bytes = Buffer.byteLength(secretValues[name], "utf8");
        if (bytes > MAX_SECRET_VALUE_BYTES) {
            at(
                `secretValues.${name}`,
                `is ${bytes} bytes; Key Vault secrets hold at most ${MAX_SECRET_VALUE_BYTES} bytes (25 KiB)`,
            );
        }
        if (bytes === 0) at(`secretValues.${name}`, "must not be empty (Key Vault rejects empty secrets)");
    }

    const environment = parsed.environment ?? raw.stack;
    if (parsed.environment === undefined && rules.environmentName(raw.stack)) {
        at(
            "environment",
            `is not set and the stack name "${raw.stack}" is not a valid environment name; set aio-secrets:environment`,
        );
    }
    const protect = parsed.protect ?? environment === "prod";
    if (protect && parsed.keyVault && !parsed.keyVault.purgeProtection && !parsed.keyVault.existing) {
        at("keyVault.purgeProtection", "must be true in a protected environment (aio-secrets:protect)", "false");
    }
    if (parsed.keyVault) problems.push(...vaultSecurityProblems(file, parsed.keyVault));

    const mode = deliveryKnown
        ? modeRules({
              raw,
              file,
              input,
              parsed,
              // A cluster section that did not parse is the root error: no mode rule reads its defaults.
              cluster: parsed.cluster !== undefined || !Object.hasOwn(input, "cluster") ? cluster : undefined,
              delivery,
          })
        : { problems: [], warnings: [], assemble: () => undefined };
    problems.push(...mode.problems);
    if (deliveryKnown)
        problems.push(...migrationProblems(file, parsed.migration, delivery, parsed.keyVault?.permissionModel));

    // The CA: checked only when its section and the delivery mode parsed (its own problems are already reported).
    const ca =
        parsed.ca && deliveryKnown
            ? resolveCa(parsed.ca, {
                  syncSecret: cluster.csiDriver.syncSecret,
                  readProjectFile: raw.readProjectFile,
                  // While both modes run side by side (migration: both) the CA is the CSI side's.
                  kubernetesProvider: parsed.migration === "both" || MODES[delivery].kubernetesProvider,
                  delivery,
                  modeGiven: input.ca !== null && typeof input.ca === "object" && Object.hasOwn(input.ca, "mode"),
                  adopt: parsed.adopt ?? false,
              })
            : { settings: undefined, problems: [] };
    for (const p of ca.problems) at(p.path, p.rule, p.value);

    // Object ids are GUIDs, case-insensitive in Entra: one principal, one grant.
    const deployers = parsed.deployers?.map((d) => ({ ...d, objectId: d.objectId.toLowerCase() }));
    deployers?.forEach((d, i) => {
        const first = deployers.findIndex((e) => e.objectId === d.objectId);
        if (first < i)
            at(
                `deployers[${i}].objectId`,
                `is the same principal as deployers[${first}] (object ids compare without case); list each principal once`,
                JSON.stringify(d.objectId),
            );
        if (servicePrincipal?.mode === "existing" && servicePrincipal.objectId.toLowerCase() === d.objectId) {
            at(
                `deployers[${i}].objectId`,
                "is the CSI driver's service principal (servicePrincipal.objectId): one principal has one access policy, so it cannot be reader and writer; deploy with another identity",
                JSON.stringify(d.objectId),
            );
        }
    });

    // Expiry alerts (issue 20).
    const isSecretValue = secretValueTest(raw);
    const alerts =
        parsed.alerts && parsed.keyVault
            ? alertsRules(
                  parsed.alerts,
                  parsed.keyVault.name,
                  (p) => isSecretValue(p),
                  raw.stack,
                  parsed.keyVault.existing,
              )
            : undefined;
    for (const p of alerts?.problems ?? []) at(p.path, p.rule);

    if (
        problems.length > 0 ||
        (csiSide && !servicePrincipal) ||
        !parsed.keyVault ||
        !parsed.defaultSecret ||
        !ca.settings
    )
        return { problems, warnings: mode.warnings };
    // An existing vault usually grants its creator already, and azure-native refuses to create an
    // access policy for a principal that has one; an adopted cluster's reader was granted by init.
    const grantDeployer = parsed.keyVault.grantDeployer ?? !parsed.keyVault.existing;
    const grantReader = parsed.keyVault.grantReader ?? !(parsed.adopt ?? false);
    const clusterSettings = without(cluster, "csiDriver");
    const common: CommonStackSettings = {
        project: raw.project,
        stack: raw.stack,
        file,
        environment,
        tenantId: parsed.tenantId,
        protect,
        adopt: parsed.adopt ?? false,
        keyVault: { ...parsed.keyVault, grantDeployer, grantReader },
        cluster: clusterSettings,
        defaultSecret: {
            name: parsed.defaultSecret.name,
            // init made the default secret in the vault it was given; azure-native refuses to
            // create a secret that exists, so an existing vault mounts it unless told otherwise.
            source: parsed.defaultSecret.source ?? (parsed.keyVault.existing ? "existing" : "generated"),
        },
        deployers,
        secretValues,
        ca: ca.settings,
        migration: parsed.migration,
        ...(alerts?.settings ? { alerts: alerts.settings } : {}),
    };
    const csi = csiSide && servicePrincipal ? csiSideSettings(common, servicePrincipal, csiSide.csiDriver) : undefined;
    const warnings = [
        ...mode.warnings,
        ...migrationWarnings(file, parsed.migration, { grantReader, grantDeployer, vaultName: parsed.keyVault.name }),
        ...(alerts?.warnings ?? []).map((w) => `${file}: ${w}`),
    ];
    return { problems, warnings, settings: mode.assemble(common, csi) };
}

/** The rules of the stack's delivery mode (its registry entry, delivery/modes.ts), and what they resolved. */
function modeRules(ctx: {
    raw: RawStackConfig;
    file: string;
    input: Record<string, unknown>;
    parsed: Partial<ParsedSettings>;
    /** The parsed cluster section; undefined when it did not parse. */
    cluster: ParsedSettings["cluster"] | undefined;
    delivery: DeliveryMode;
}): ReturnType<typeof runModeRules<DeliveryMode>> {
    const { raw, file, input, parsed, cluster, delivery } = ctx;
    return runModeRules(delivery, {
        raw,
        file,
        input,
        keyVault: parsed.keyVault,
        migration: parsed.migration,
        sections: parsed,
        cluster,
    });
}

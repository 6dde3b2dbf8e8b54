import { z } from "zod";
import { Problem } from "./errors";
import { intRange, issuesToProblems, ruled, strictObject } from "./schema";
import * as rules from "./rules";

/**
 * The stack settings (`aio-secrets:*` keys of `Pulumi.<stack>.yaml`): schema, defaults and
 * cross-field rules. Pure: no Pulumi runtime, no resources. `load.ts` feeds it the
 * configuration Pulumi hands the program.
 */

export const CONFIG_NAMESPACE = "aio-secrets";

/** Defaults that reproduce what `az iot ops init` did. */
export const INIT_DEFAULTS = {
    namespace: "azure-iot-operations",
    defaultSecretName: "azure-iot-operations",
    extensionName: "akvsecretsprovider",
    extensionType: "microsoft.azurekeyvaultsecretsprovider",
    csiDriverVersion: "1.5.3",
    rotationPollInterval: "1h",
    secretValidDays: 365,
    spSecretName: "aio-akv-sp",
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
    environment: ruled(rules.environmentName).optional(),
    tenantId: ruled(rules.guid).optional(),
    protect: z.boolean().optional(),
    adopt: z.boolean().default(false),
    keyVault: keyVaultSchema,
    servicePrincipal: servicePrincipalSchema.default(() => servicePrincipalSchema.parse({})),
    cluster: clusterSchema.default(() => clusterSchema.parse({})),
    defaultSecret: defaultSecretSchema.default(() => defaultSecretSchema.parse({})),
    deployers: z.array(deployerSchema).min(1, "must list at least one principal (or remove the key to use the deploying identity)").optional(),
    secretValues: z.record(z.string(), z.string({ error: "must be a string value set with --secret" })).default({}),
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
        csiDriver: ParsedSettings["cluster"]["csiDriver"] & { install: boolean };
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
     * Paths below `aio-secrets:` that are `secure:` leaves in the stack file, like
     * `secretValues.mq-password`; undefined when the file could not be read.
     */
    secureLeaves?: ReadonlySet<string>;
}

const OBJECT_KEYS = new Set(["keyVault", "servicePrincipal", "cluster", "defaultSecret", "secretValues"]);
/** Keys whose value is a list (Pulumi hands it over as JSON text). */
const LIST_KEYS = new Set(["deployers"]);
const SECRET_PATHS = [/^secretValues\./, /^servicePrincipal\.clientSecret$/];

/**
 * Whether the value at a settings path may be secret, so never shown in a message: the
 * known secret paths, and whatever the user stored with `--secret` (per leaf when the stack
 * file tells, else per key).
 */
function secretPathTest(raw: RawStackConfig): (path: readonly PropertyKey[]) => boolean {
    const secretKeys = new Set(raw.secretKeys);
    return (path) => {
        const dotted = path.map(String).join(".");
        if (SECRET_PATHS.some((re) => re.test(dotted))) return true;
        if (raw.secureLeaves) return [...raw.secureLeaves].some((leaf) => dotted === leaf || dotted.startsWith(`${leaf}.`));
        return secretKeys.has(`${CONFIG_NAMESPACE}:${String(path[0])}`);
    };
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
            decoded[key] = value;
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
            decoded[key] = value;
        } else if (key === "protect" || key === "adopt") {
            if (text === "true" || text === "false") decoded[key] = text === "true";
            else decoded[key] = text;
        } else {
            decoded[key] = text;
        }
    }
    return { decoded, broken };
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}

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
export function parseStackSettings(raw: RawStackConfig): { settings?: StackSettings; problems: Problem[] } {
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
    if (given.length > 0 && given.length < 3) {
        const missing = Object.keys(byo).filter((k) => !given.includes(k));
        at(
            "servicePrincipal",
            `a bring-your-own service principal needs clientId, objectId and clientSecret together; missing ${missing.join(", ")} ` +
                `(or remove ${given.join(", ")} to let the stack create one)`,
        );
    } else if (given.length === 3) {
        const secureLeaf = raw.secureLeaves?.has("servicePrincipal.clientSecret");
        const keySecret = secretKeys.has(`${CONFIG_NAMESPACE}:servicePrincipal`);
        if (secureLeaf === false || !keySecret) {
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
    for (const key of Object.keys(cluster.csiDriver.settings)) {
        if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(key)) {
            at(`cluster.csiDriver.settings.${key}`, "extension setting names are letters, digits, '-', '_' and '.'");
        }
    }

    // Secret values: secure leaves only, within Key Vault's size limit.
    const secretValues = parsed.secretValues ?? {};
    const valueNames = Object.keys(secretValues);
    if (valueNames.length > 0 && !secretKeys.has(`${CONFIG_NAMESPACE}:secretValues`)) {
        at("secretValues", `values must be secure: pulumi config set --secret --path 'secretValues.<name>' <value> --stack ${raw.stack}`);
    }
    for (const name of valueNames) {
        if (raw.secureLeaves && !raw.secureLeaves.has(`secretValues.${name}`)) {
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

    if (problems.length > 0 || !servicePrincipal || !parsed.keyVault || !parsed.defaultSecret) return { problems };
    return {
        problems,
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
                // An existing vault usually grants its creator already, and azure-native refuses
                // to create an access policy for a principal that has one.
                grantDeployer: parsed.keyVault.grantDeployer ?? !parsed.keyVault.existing,
                grantReader: parsed.keyVault.grantReader ?? !(parsed.adopt ?? false),
            },
            servicePrincipal,
            cluster: { ...cluster, csiDriver: { ...cluster.csiDriver, install } },
            defaultSecret: {
                name: parsed.defaultSecret.name,
                // init made the default secret in the vault it was given; azure-native refuses to
                // create a secret that exists, so an existing vault mounts it unless told otherwise.
                source: parsed.defaultSecret.source ?? (parsed.keyVault.existing ? "existing" : "generated"),
            },
            deployers: parsed.deployers,
            secretValues,
        },
    };
}

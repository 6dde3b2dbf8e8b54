import { types } from "node:util";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as k8s from "@pulumi/kubernetes/core/v1";
import {
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { parseSpcObjects } from "../model/spc";
import { SPC_TYPE } from "../components/spc/descriptor";
import { ipRulesAdmitEveryAddress, OPEN_NETWORK_REASON_TAG } from "../stacks/vaultSecurity";
import { CSI_CREDENTIAL_SECRET, CSI_USED_LABEL_KEY, READER_PART, TAG_KEYS } from "../stacks/wellKnown";

/**
 * The policies of the `aio-secrets` policy pack, as plain data. Importing this module declares
 * nothing and starts nothing: only `new PolicyPack(...)` (in `index.ts`) starts the analyzer's
 * gRPC server, so tests import the policies from here and call their `validateResource`
 * directly. Every policy is `mandatory`: a violation fails `pulumi preview` / `pulumi up`.
 *
 * Each policy reads the resource's inputs through `at()`, which looks through secret markers,
 * so the same checks run on the analyzer's plain inputs and on the offline recorder's inputs
 * (where secrets are still wrapped).
 */

/** Re-exported so that callers build secret markers with the very class the policies test for. */
export { Secret };

export const PACK_NAME = "aio-secrets";
export const PACK_DESCRIPTION =
    "Azure IoT Operations secrets: protected vaults keep purge protection, vault secret values travel as Pulumi secrets, " +
    "the CSI driver's service principal only reads and nobody purges, the CSI credential Secret and the SecretProviderClasses " +
    "are well formed.";

/** Tag every resource of a stack carries (components/tags.ts): the catalog environment. */
export const ENVIRONMENT_TAG = TAG_KEYS.environment;
/** The Kubernetes Secret holding the service principal's credentials (what `az iot ops init` made). */
export const CSI_SECRET_NAME = CSI_CREDENTIAL_SECRET;
/** Label the Secrets Store CSI driver requires on a `nodePublishSecretRef` Secret. */
export const CSI_USED_LABEL = CSI_USED_LABEL_KEY;
/**
 * Pulumi type of a SecretProviderClass declared as a `kubernetes.apiextensions.CustomResource` (the SPC component's
 * descriptor).
 */
export { SPC_TYPE };
/** Suffix of the Pulumi resource name of the CSI driver's access policy (components/access/VaultAccess.ts). */
export const READER_SUFFIX = `-${READER_PART}`;
/** Soft-delete retention Azure applies when `softDeleteRetentionInDays` is not given. */
export const AZURE_DEFAULT_RETENTION_DAYS = 90;

// ---------------------------------------------------------------------------------------------
// Reading inputs

/** A secret as the engine sends it on the wire (`@pulumi/pulumi/runtime/rpc`). */
function isWireSecret(value: unknown): value is { value: unknown } {
    return (
        value !== null &&
        typeof value === "object" &&
        (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
    );
}

/** Whether a value carries a visible secret marker: a policy `Secret` or a wire envelope. */
export function isSecretMarker(value: unknown): boolean {
    return value instanceof Secret || isWireSecret(value);
}

/** The value inside any secret markers. */
export function reveal(value: unknown): unknown {
    let node = value;
    for (;;) {
        if (node instanceof Secret) node = node.value;
        else if (isWireSecret(node)) node = node.value;
        else return node;
    }
}

/** A nested input, looking through secret markers on the way; `undefined` when absent. */
export function at(root: unknown, ...path: string[]): unknown {
    let node = reveal(root);
    for (const key of path) {
        if (node === null || typeof node !== "object") return undefined;
        node = reveal((node as Record<string, unknown>)[key]);
    }
    return node;
}

/** The string elements of a list input (anything else is ignored). */
function strings(value: unknown): string[] {
    const list = reveal(value);
    if (!Array.isArray(list)) return [];
    return list.map((item: unknown) => reveal(item)).filter((item): item is string => typeof item === "string");
}

function show(value: unknown): string {
    return value === undefined ? "absent" : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// 1. vault-purge-protection-in-protected-environments

export interface VaultProtectionConfig {
    /** Values of the `aio-secrets-environment` tag that mark a protected vault. */
    protectedEnvironments: string[];
    /** Least soft-delete retention of a protected vault, 7..90 days. */
    minSoftDeleteRetentionDays: number;
}

export const VAULT_PROTECTION_DEFAULTS: Readonly<VaultProtectionConfig> = Object.freeze({
    protectedEnvironments: ["prod"],
    minSoftDeleteRetentionDays: 7,
});

const vaultProtectionSchema: PolicyConfigSchema = {
    properties: {
        protectedEnvironments: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [...VAULT_PROTECTION_DEFAULTS.protectedEnvironments],
            description: `Values of the vault's \`${ENVIRONMENT_TAG}\` tag that require purge protection.`,
        },
        minSoftDeleteRetentionDays: {
            type: "integer",
            minimum: 7,
            maximum: 90,
            default: VAULT_PROTECTION_DEFAULTS.minSoftDeleteRetentionDays,
            description: "Least soft-delete retention (days) of a protected vault; Azure allows 7 to 90.",
        },
    },
};

/**
 * The policy's configuration with defaults applied. The CLI validates `--policy-pack-config`
 * against the schema (and fills its defaults); this applies the same rules for callers that
 * pass nothing or something else, so a bad value fails loudly instead of weakening the check.
 */
export function vaultProtectionConfig(
    raw: Partial<Record<keyof VaultProtectionConfig, unknown>> = {},
): VaultProtectionConfig {
    const name = "vault-purge-protection-in-protected-environments";
    const environments = raw.protectedEnvironments ?? VAULT_PROTECTION_DEFAULTS.protectedEnvironments;
    if (
        !Array.isArray(environments) ||
        !environments.every((e): e is string => typeof e === "string" && e.length > 0)
    ) {
        throw new Error(
            `${name}: protectedEnvironments must be a list of environment names, got ${show(environments)}`,
        );
    }
    const days = raw.minSoftDeleteRetentionDays ?? VAULT_PROTECTION_DEFAULTS.minSoftDeleteRetentionDays;
    if (typeof days !== "number" || !Number.isInteger(days) || days < 7 || days > 90) {
        throw new Error(
            `${name}: minSoftDeleteRetentionDays must be a whole number of days from 7 to 90, got ${show(days)}`,
        );
    }
    return { protectedEnvironments: [...environments], minSoftDeleteRetentionDays: days };
}

/** The environment tag of a resource when it names a protected environment; else undefined. */
function protectedEnvironmentOf(resource: unknown, config: VaultProtectionConfig): string | undefined {
    const environment = at(resource, "tags", ENVIRONMENT_TAG);
    return typeof environment === "string" && config.protectedEnvironments.includes(environment)
        ? environment
        : undefined;
}

/**
 * The label `vault "<name>" (environment "<env>" is protected)` and the pack's config, for a vault tagged with a
 * protected environment; undefined for any other vault, which the vault policies leave alone.
 */
function protectedVault(
    vault: unknown,
    args: Pick<ResourceValidationArgs, "name" | "getConfig">,
): { label: string; config: VaultProtectionConfig } | undefined {
    const config = vaultProtectionConfig(args.getConfig<Partial<Record<keyof VaultProtectionConfig, unknown>>>());
    const environment = protectedEnvironmentOf(vault, config);
    if (environment === undefined) return undefined;
    return {
        label: `vault "${String(at(vault, "vaultName") ?? args.name)}" (environment "${environment}" is protected)`,
        config,
    };
}

export const vaultPurgeProtection: ResourceValidationPolicy = {
    name: "vault-purge-protection-in-protected-environments",
    description:
        `A Key Vault of a protected environment (tag ${ENVIRONMENT_TAG}) has purge protection on and keeps deleted ` +
        "objects at least the configured number of days.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: vaultProtectionSchema,
    validateResource: validateResourceOfType(keyvault.Vault, (vault, args, reportViolation) => {
        const found = protectedVault(vault, args);
        if (found === undefined) return;
        const { label, config } = found;

        const purgeProtection = at(vault, "properties", "enablePurgeProtection");
        if (purgeProtection !== true) {
            reportViolation(`${label}: properties.enablePurgeProtection must be true, got ${show(purgeProtection)}`);
        }
        if (at(vault, "properties", "enableSoftDelete") === false) {
            reportViolation(`${label}: properties.enableSoftDelete must not be false`);
        }
        // Absent means Azure's default of 90 days, which satisfies any allowed minimum.
        const retention = at(vault, "properties", "softDeleteRetentionInDays") ?? AZURE_DEFAULT_RETENTION_DAYS;
        if (typeof retention !== "number" || retention < config.minSoftDeleteRetentionDays) {
            reportViolation(
                `${label}: properties.softDeleteRetentionInDays must be at least ${config.minSoftDeleteRetentionDays} days, got ${show(retention)}`,
            );
        }
    }),
};

// ---------------------------------------------------------------------------------------------
// 2. vault-secret-value-is-secret

/**
 * Whether the inputs come from `@pulumi/policy`'s analyzer host, which hands them over wrapped
 * in a Proxy (its `unknownCheckingProxy`, whose trap also answers `true` for the key
 * `__isSpecialProxy`), with every secret marker already stripped. Plain objects come from the
 * offline recorder or a test.
 */
export function fromAnalyzerHost(props: object): boolean {
    return types.isProxy(props) || (props as Record<string, unknown>)["__isSpecialProxy"] === true;
}

/** Why the secretness check cannot run inside `pulumi preview --policy-pack`. */
export const SECRETNESS_UNOBSERVABLE =
    "@pulumi/policy 1.21 hands validateResource the inputs with every secret already unwrapped " +
    "(deserializeProperties(props, false) in its server.ts; pulumi/pulumi-policy#241), so whether properties.value is a " +
    "Pulumi secret cannot be seen here; the offline check (test/policy.test.ts, test/secrecy.test.ts) proves it instead";

/**
 * LIMITATION (checked in test/policy.test.ts): the engine sends secrets to the analyzer with
 * their marker (`KeepSecrets`), but `@pulumi/policy` strips the markers before any validation
 * runs: `validateResource` and `validateStack` receive plain values, exactly what a plaintext
 * input would look like (`Secret` wrappers appear only for remediations, and even there the
 * proxy unwraps them on read). So this policy checks secretness wherever it is still visible:
 * inputs recorded offline by `tools/harness.ts` (wire envelopes, or `Secret` objects as the
 * tests hand them over) and any caller that keeps markers. Inside the real analyzer host it
 * cannot tell a secret from a plaintext value, so it declares itself not applicable there, with
 * the reason, rather than block every deployment or pass silently.
 */
export const vaultSecretValueIsSecret: ResourceValidationPolicy = {
    name: "vault-secret-value-is-secret",
    description:
        "A Key Vault secret's properties.value is a Pulumi secret (azure-native does not mark it secret by itself, so a " +
        "plain value would be stored unencrypted in the stack state).",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateResourceOfType(keyvault.Secret, (secret, args, reportViolation) => {
        if (fromAnalyzerHost(args.props)) args.notApplicable(SECRETNESS_UNOBSERVABLE);

        const properties: unknown = secret.properties;
        if (isSecretMarker(properties)) return;
        const bag = reveal(properties);
        const value = bag !== null && typeof bag === "object" ? (bag as Record<string, unknown>).value : undefined;
        if (value === undefined || value === null || isSecretMarker(value)) return;
        // Never echo the value.
        reportViolation(
            `vault secret "${String(at(secret, "secretName") ?? args.name)}": properties.value is plaintext; ` +
                "pass it as pulumi.secret(...) (or config.requireSecret) so that it is encrypted in the state",
        );
    }),
};

// ---------------------------------------------------------------------------------------------
// 3. service-principal-never-writes

type Category = "secrets" | "keys" | "certificates" | "storage";
const CATEGORIES: readonly Category[] = ["secrets", "keys", "certificates", "storage"];

/** What the CSI driver's service principal may hold (model/permissions.ts). */
export const READER_ALLOWED: Readonly<Record<Category, readonly string[]>> = Object.freeze({
    secrets: ["get", "list"],
    keys: ["get"],
    certificates: ["get"],
    storage: [],
});

/** Granted permissions by category, lower case (Key Vault compares them case-insensitively). */
function grants(permissions: unknown): Record<Category, string[]> {
    const out = {} as Record<Category, string[]>;
    for (const category of CATEGORIES) out[category] = strings(at(permissions, category)).map((p) => p.toLowerCase());
    return out;
}

/** `category: a, b; category: c` for the non-empty entries. */
function listing(byCategory: Partial<Record<Category, string[]>>): string {
    return CATEGORIES.filter((c) => (byCategory[c] ?? []).length > 0)
        .map((c) => `${c}: ${(byCategory[c] ?? []).join(", ")}`)
        .join("; ");
}

/** Grants that include purge: `purge` itself, or `all`. */
function purgeGrants(granted: Record<Category, string[]>): Partial<Record<Category, string[]>> {
    const out: Partial<Record<Category, string[]>> = {};
    for (const category of CATEGORIES) {
        const hits = granted[category].filter((p) => p === "purge" || p === "all");
        if (hits.length > 0) out[category] = hits;
    }
    return out;
}

function checkAccessPolicy(name: string, entry: unknown, reportViolation: ReportViolation): void {
    const granted = grants(at(entry, "permissions"));
    if (name.endsWith(READER_SUFFIX)) {
        const extra: Partial<Record<Category, string[]>> = {};
        for (const category of CATEGORIES) {
            const hits = granted[category].filter((p) => !READER_ALLOWED[category].includes(p));
            if (hits.length > 0) extra[category] = hits;
        }
        if (Object.keys(extra).length > 0) {
            reportViolation(
                `access policy "${name}" is the CSI driver's service principal (name ends with "${READER_SUFFIX}"): it may hold only ` +
                    `secrets get/list, keys get and certificates get, but it also grants ${listing(extra)}`,
            );
        }
    }
    const purge = purgeGrants(granted);
    if (Object.keys(purge).length > 0) {
        reportViolation(
            `access policy "${name}" grants purge (${listing(purge)}): no identity may purge from the vault, the deploying ` +
                "identity included (a purged object cannot be recovered)",
        );
    }
}

export const servicePrincipalNeverWrites: ResourceValidationPolicy = {
    name: "service-principal-never-writes",
    description:
        `The CSI driver's service principal (access policy "*${READER_SUFFIX}") only reads: secrets get/list, keys and ` +
        "certificates get; no access policy (separate or inline on a vault) grants purge.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const accessPolicy = args.asType(keyvault.AccessPolicy);
        if (accessPolicy !== undefined) {
            checkAccessPolicy(args.name, at(accessPolicy, "policy"), reportViolation);
            return;
        }
        const vault = args.asType(keyvault.Vault);
        if (vault !== undefined) {
            // Inline access policies (the project never uses them, but a vault made elsewhere might).
            const inline = reveal(at(vault, "properties", "accessPolicies"));
            if (Array.isArray(inline)) {
                inline.forEach((entry: unknown, i: number) => {
                    const purge = purgeGrants(grants(at(entry, "permissions")));
                    if (Object.keys(purge).length > 0) {
                        reportViolation(
                            `vault "${String(at(vault, "vaultName") ?? args.name)}": inline properties.accessPolicies[${i}] ` +
                                `(object ${String(at(entry, "objectId"))}) grants purge (${listing(purge)}): no identity may purge from the vault`,
                        );
                    }
                });
            }
            return;
        }
        args.notApplicable(
            "Policy only applies to resources of type 'azure-native:keyvault:AccessPolicy' or 'azure-native:keyvault:Vault'",
        );
    },
};

// ---------------------------------------------------------------------------------------------
// 4. csi-credential-secret-labelled

export const csiCredentialSecretLabelled: ResourceValidationPolicy = {
    name: "csi-credential-secret-labelled",
    description:
        `The Kubernetes Secret "${CSI_SECRET_NAME}" (the service principal's credentials for the CSI driver) is of type ` +
        `Opaque and labelled ${CSI_USED_LABEL}: "true", as the driver requires of a nodePublishSecretRef.`,
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateResourceOfType(k8s.Secret, (secret, _args, reportViolation) => {
        if (at(secret, "metadata", "name") !== CSI_SECRET_NAME) return;
        const label = at(secret, "metadata", "labels", CSI_USED_LABEL);
        if (label !== "true") {
            reportViolation(`Secret "${CSI_SECRET_NAME}": label ${CSI_USED_LABEL} must be "true", got ${show(label)}`);
        }
        // Absent means Opaque: the API server's default type.
        const type = at(secret, "type");
        if (type !== undefined && type !== "Opaque") {
            reportViolation(`Secret "${CSI_SECRET_NAME}": type must be Opaque, got ${show(type)}`);
        }
    }),
};

// ---------------------------------------------------------------------------------------------
// 5. spc-azure-provider-well-formed

const OBJECT_TYPES = ["secret", "key", "cert"];

function nonEmptyString(value: unknown): value is string {
    return typeof value === "string" && value.trim().length > 0;
}

/** Every problem of one SPC's spec, for a mount that would otherwise fail only in the pod. */
export function spcProblems(spec: unknown): string[] {
    const problems: string[] = [];
    const provider = at(spec, "provider");
    if (provider !== "azure") problems.push(`spec.provider must be "azure", got ${show(provider)}`);
    const usePodIdentity = at(spec, "parameters", "usePodIdentity");
    if (usePodIdentity !== "false")
        problems.push(`spec.parameters.usePodIdentity must be "false" (a string), got ${show(usePodIdentity)}`);
    for (const key of ["keyvaultName", "tenantId"]) {
        const value = at(spec, "parameters", key);
        if (!nonEmptyString(value))
            problems.push(`spec.parameters.${key} must be a non-empty string, got ${show(value)}`);
    }
    const objects = at(spec, "parameters", "objects");
    if (typeof objects !== "string") {
        problems.push(`spec.parameters.objects must be a YAML string, got ${show(objects)}`);
        return problems;
    }
    let parsed: Record<string, unknown>[];
    try {
        parsed = parseSpcObjects(objects);
    } catch (e) {
        problems.push(`spec.parameters.objects does not parse: ${e instanceof Error ? e.message : String(e)}`);
        return problems;
    }
    const files = new Map<string, number>();
    parsed.forEach((object, i) => {
        const where = `spec.parameters.objects array[${i}]`;
        if (!nonEmptyString(object.objectName))
            problems.push(`${where}: objectName must be a non-empty string, got ${show(object.objectName)}`);
        if (typeof object.objectType !== "string" || !OBJECT_TYPES.includes(object.objectType)) {
            problems.push(
                `${where}: objectType must be one of ${OBJECT_TYPES.join(", ")} (lower case), got ${show(object.objectType)}`,
            );
        }
        if (object.objectAlias !== undefined && !nonEmptyString(object.objectAlias)) {
            problems.push(
                `${where}: objectAlias must be a non-empty string when given, got ${show(object.objectAlias)}`,
            );
        }
        const file = nonEmptyString(object.objectAlias) ? object.objectAlias : object.objectName;
        if (!nonEmptyString(file)) return;
        const first = files.get(file);
        if (first !== undefined) {
            problems.push(
                `${where}: file name "${file}" (objectAlias, else objectName) is already used by array[${first}]; the files would overwrite each other`,
            );
        } else {
            files.set(file, i);
        }
    });
    return problems;
}

export const spcAzureProviderWellFormed: ResourceValidationPolicy = {
    name: "spc-azure-provider-well-formed",
    description:
        "A SecretProviderClass uses the Azure provider without pod identity, names its vault and tenant, and lists " +
        "objects the provider can read (objectName, objectType secret|key|cert, unique file names).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.type !== SPC_TYPE) args.notApplicable(`Policy only applies to resources of type '${SPC_TYPE}'`);
        const name = String(at(args.props, "metadata", "name") ?? args.name);
        for (const problem of spcProblems(at(args.props, "spec")))
            reportViolation(`SecretProviderClass "${name}": ${problem}`);
    },
};

// ---------------------------------------------------------------------------------------------
// The vault as a production system (issue 23; docs/vault-security.md). Purge protection staying on
// in a protected environment is policy 1 (vault-purge-protection-in-protected-environments).

/** Pulumi type of the vault's diagnostic setting (azure-native v3 `monitor`; components/keyvault/diagnostics.ts). */
export const DIAGNOSTIC_SETTING_TYPE = "azure-native:monitor:DiagnosticSetting";
/** The component that holds the vault, created or looked up, and its diagnostic setting (components/keyvault). */
export const KEY_VAULT_COMPONENT_TYPE = "aio-secrets:keyvault:KeyVault";

/** Whether a diagnostic setting's inputs send Key Vault's audit log somewhere. */
export function sendsAuditLog(props: unknown): boolean {
    const destination = ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"].some(
        (key) => typeof at(props, key) === "string" && (at(props, key) as string).length > 0,
    );
    const logs = reveal(at(props, "logs"));
    const audit =
        Array.isArray(logs) &&
        logs.some(
            (log) =>
                at(log, "enabled") === true &&
                (at(log, "category") === "AuditEvent" ||
                    ["audit", "allLogs"].includes(String(at(log, "categoryGroup")))),
        );
    return destination && audit;
}

export const vaultNetworkRestricted: ResourceValidationPolicy = {
    name: "vault-network-restricted-in-protected-environments",
    description:
        `A Key Vault of a protected environment (tag ${ENVIRONMENT_TAG}) is not open to every network: its firewall ` +
        `denies by default (networkAcls.defaultAction Deny) or public network access is off, unless its tag ` +
        `${OPEN_NETWORK_REASON_TAG} (aio-secrets:keyVault.network.openReason) says why.`,
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: vaultProtectionSchema,
    validateResource: validateResourceOfType(keyvault.Vault, (vault, args, reportViolation) => {
        const found = protectedVault(vault, args);
        if (found === undefined) return;
        const { label } = found;
        const publicAccess = at(vault, "properties", "publicNetworkAccess");
        const defaultAction = at(vault, "properties", "networkAcls", "defaultAction");
        const ipRules = reveal(at(vault, "properties", "networkAcls", "ipRules"));
        const rules = Array.isArray(ipRules) ? ipRules.map((r) => String(at(r, "value"))) : [];
        // A Deny whose IP rules let in every address (0.0.0.0/0) is open all the same.
        if (publicAccess === "Disabled" || (defaultAction === "Deny" && !ipRulesAdmitEveryAddress(rules))) return;
        const reason = at(vault, "tags", OPEN_NETWORK_REASON_TAG);
        if (typeof reason === "string" && reason.trim().length > 0) return;
        reportViolation(
            `${label} is open to every network ` +
                `(properties.networkAcls.defaultAction ${show(defaultAction)}${defaultAction === "Deny" ? " with IP rules that let in every address" : ""}, properties.publicNetworkAccess ${show(publicAccess)}): ` +
                "set aio-secrets:keyVault.network.defaultAction: Deny with the rules the cluster needs, or say why it stays open in keyVault.network.openReason",
        );
    }),
};

export const vaultAuditDiagnostics: StackValidationPolicy = {
    name: "vault-audit-diagnostics-in-protected-environments",
    description:
        `The Key Vault of a stack in a protected environment (tag ${ENVIRONMENT_TAG} on the stack's resources), created or ` +
        "looked up, has a diagnostic setting that sends its AuditEvent log to a workspace, storage account or event hub.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: vaultProtectionSchema,
    validateStack: (args, reportViolation) => {
        const config = vaultProtectionConfig(args.getConfig<Partial<Record<keyof VaultProtectionConfig, unknown>>>());
        const protectedEnvironment = args.resources
            .map((r) => protectedEnvironmentOf(r.props, config))
            .find((e) => e !== undefined);
        if (protectedEnvironment === undefined) return;
        // The vault's holder: the KeyVault component (a created vault's parent, or a looked-up vault's only trace);
        // a Vault of another program stands for itself.
        const holders = args.resources.filter((r) => r.type === KEY_VAULT_COMPONENT_TYPE);
        // Without the component among the resources (a host that hands over custom resources only), every Vault
        // stands for itself, and a diagnostic setting beside it (same parent) counts.
        const vaults = args.resources.filter(
            (r) =>
                r.type === "azure-native:keyvault:Vault" &&
                (holders.length === 0 || r.parent?.type !== KEY_VAULT_COMPONENT_TYPE),
        );
        for (const holder of [...holders, ...vaults]) {
            const audited = args.resources.some(
                (r) =>
                    r.type === DIAGNOSTIC_SETTING_TYPE &&
                    (r.parent?.urn === holder.urn || r.parent?.urn === holder.parent?.urn) &&
                    sendsAuditLog(r.props),
            );
            if (!audited)
                reportViolation(
                    `${holder.name}: the vault of a stack in protected environment "${protectedEnvironment}" has no diagnostic setting ` +
                        "sending its AuditEvent log anywhere: set aio-secrets:keyVault.diagnostics.workspaceId (or storageAccountId)",
                    holder.urn,
                );
        }
    },
};

/** The pack's stack policies (they see every resource of the stack at once), after {@link policies}. */
export const stackPolicies: StackValidationPolicy[] = [vaultAuditDiagnostics];

/** Every policy of the pack, in the order the pack reports them. */
export const policies: ResourceValidationPolicy[] = [
    vaultPurgeProtection,
    vaultSecretValueIsSecret,
    servicePrincipalNeverWrites,
    csiCredentialSecretLabelled,
    spcAzureProviderWellFormed,
    vaultNetworkRestricted,
];

import { createHash } from "node:crypto";
import { z } from "zod";
import { CONFIG_NAMESPACE, SECRET_SYNC_DEFAULTS } from "../../stacks/defaults";
import type { Problem } from "../../stacks/errors";
import * as rules from "../../stacks/rules";
import { intRange, ownMap, ruled, strictObject } from "../../stacks/schema";
import type { CommonStackSettings, RawStackConfig } from "../../stacks/settings";
import type { CsiDriverStackSettings } from "../csiDriver/settings";

/**
 * Secret sync's settings section (`aio-secrets:secretSync`): schema, defaults
 * (stacks/defaults.ts) and rules. Pure: read by the parsing layer (stacks/settings.ts) for a
 * stack whose `delivery` is `secretSync`.
 */

/**
 * The default name of secret sync's SecretProviderClass: `spc-ops-` + 7 hex of
 * sha256("<custom location's resource group>/<custom location>"), both lower-cased (ARM compares
 * them without case). ARM names SPCs per resource group, not per custom location, so a fixed
 * name would make two clusters whose custom locations share a group claim one SPC; one
 * custom location per cluster makes this one per cluster. The CLI's form (`spc-ops-` + 7 hex)
 * with other hash input than the CLI's (cluster, group, instance: model/secretSync.ts
 * cliSpcName), so a stack never claims the SPC that `az iot ops secretsync enable` made.
 */
export function defaultSpcName(customLocationGroup: string, customLocation: string): string {
    const digest = createHash("sha256")
        .update(`${customLocationGroup.toLowerCase()}/${customLocation.toLowerCase()}`)
        .digest("hex");
    return `spc-ops-${digest.slice(0, 7)}`;
}

export const secretStoreExtensionSchema = strictObject({
    // GA clusters already have it (az iot ops init / create install it): expect and check it.
    install: z.boolean().default(false),
    name: ruled(rules.dns1123Label).default(SECRET_SYNC_DEFAULTS.extensionName),
    version: ruled(rules.semver).default(SECRET_SYNC_DEFAULTS.version),
    releaseTrain: z.enum(["stable", "preview"]).default(SECRET_SYNC_DEFAULTS.releaseTrain),
    rotationPollIntervalInSeconds: intRange(10, 86400).default(SECRET_SYNC_DEFAULTS.rotationPollIntervalInSeconds),
    settings: z.record(z.string(), z.string()).default({}),
});

export const secretSyncSchema = strictObject({
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
    propagationWait: ruled((v) => (v === "0s" ? undefined : rules.goDuration(v))).default(
        SECRET_SYNC_DEFAULTS.propagationWait,
    ),
    instance: strictObject({
        name: ruled(rules.aioInstanceName),
        resourceGroupName: ruled(rules.resourceGroupName).optional(),
    }).optional(),
    spcName: ruled(rules.dns1123Subdomain).optional(),
    forceSynchronization: ruled(rules.forceSynchronization).optional(),
    extension: secretStoreExtensionSchema.default(() => secretStoreExtensionSchema.parse({})),
});

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

/** Extension settings our typed keys own: a `settings` entry must not override them. */
export const CHECKED_SECRET_STORE_SETTINGS: Readonly<Record<string, string>> = {
    rotationPollIntervalInSeconds: "secretSync.extension.rotationPollIntervalInSeconds",
};

/** CSI keys left in a secret-sync stack may mean a deployed CSI stack switched in one change. */
const STEPS_HINT = ` (if this stack ran in csiDriver mode, do not switch it in one up: move it in steps with aio-secrets:migration; docs/secret-sync.md, "Move a stack from CSI to secret sync")`;

/** The CSI-mode keys that mean nothing in secret-sync mode, and why. */
const CSI_ONLY_KEYS: Readonly<Record<string, string>> = {
    servicePrincipal:
        "secret sync reads the vault with a federated managed identity (secretSync.identity): there is no service principal and no password",
    "cluster.csiDriver": "secret sync uses the Secret Store extension (secretSync.extension), not the CSI driver",
};

/**
 * Secret sync's rules: an RBAC vault, a custom location, an identity and an issuer (or an Arc
 * cluster to read it from), and no service principal or CSI driver settings (a stored password
 * or an install is refused, the rest warned about; in step 3 of the move from CSI,
 * `migration: both`, the CSI side still runs on them). Returns the resolved section when it
 * found no problem.
 */
export function secretSyncRules(ctx: {
    raw: Pick<RawStackConfig, "config">;
    file: string;
    /** The decoded `aio-secrets:*` input, before the schemas. */
    input: Record<string, unknown>;
    /** The parsed `keyVault` section; undefined when it did not parse. */
    keyVault?: { name: string; resourceGroupName: string; existing: boolean; permissionModel: string };
    migration?: string;
    /** The parsed `secretSync` section; undefined when absent or when it did not parse. */
    section?: z.infer<typeof secretSyncSchema>;
    /**
     * The parsed `cluster` section (defaults when absent); undefined when it did not parse: its own
     * problems are reported, and the rules that read it do not run (no follow-on errors).
     */
    cluster?: { arcClusterName?: string; arcResourceGroupName?: string };
}): { problems: Problem[]; warnings: string[]; secretSync?: SecretSyncSettings } {
    const { raw, file, input } = ctx;
    const clusterKnown = ctx.cluster !== undefined;
    const cluster = ctx.cluster ?? {};
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const at = (path: string, rule: string, value?: string) =>
        problems.push({ file, path: `${CONFIG_NAMESPACE}:${path}`, rule, value });
    const keyVault = ctx.keyVault;
    if (keyVault && keyVault.permissionModel !== "rbac") {
        at(
            "keyVault.permissionModel",
            `must be rbac in secretSync mode (the Secret Store reads with Azure roles, not access policies). ` +
                (keyVault.existing
                    ? `Migrate the vault: grant the roles its readers need, then az keyvault update --name ${keyVault.name} --resource-group ${keyVault.resourceGroupName} --enable-rbac-authorization true, and set permissionModel: rbac`
                    : `Set permissionModel: rbac (a vault the stack created is switched in place; its access policies stop applying, the stack grants roles instead)`) +
                `. A deployed CSI stack moves in steps, the roles first (aio-secrets:migration: rbacRoles; docs/secret-sync.md, "Move a stack from CSI to secret sync")`,
            JSON.stringify(keyVault.permissionModel),
        );
    }
    // Service principal and CSI driver keys: a stored password is refused, the rest is ignored;
    // in step 3 of the move from CSI (migration: both) the CSI side still runs on them.
    const bothModes = ctx.migration === "both";
    const sp = input.servicePrincipal;
    if (sp !== null && typeof sp === "object" && !bothModes) {
        const credentials = ["clientId", "objectId", "clientSecret"].filter((k) => Object.hasOwn(sp, k));
        if (credentials.length > 0) {
            at(
                `servicePrincipal.${credentials[0]}`,
                `is not used in secretSync mode: ${CSI_ONLY_KEYS.servicePrincipal}; remove servicePrincipal`,
            );
        } else {
            warnings.push(
                `${file}: ${CONFIG_NAMESPACE}:servicePrincipal is ignored in secretSync mode: ${CSI_ONLY_KEYS.servicePrincipal}; remove it${STEPS_HINT}`,
            );
        }
    }
    const clusterInput = input.cluster;
    const csiInput =
        clusterInput !== null && typeof clusterInput === "object"
            ? (clusterInput as Record<string, unknown>).csiDriver
            : undefined;
    if (csiInput !== null && typeof csiInput === "object" && !bothModes) {
        if ((csiInput as Record<string, unknown>).install === true) {
            at(
                "cluster.csiDriver.install",
                `contradicts delivery: secretSync: ${CSI_ONLY_KEYS["cluster.csiDriver"]}; remove cluster.csiDriver`,
            );
        } else {
            warnings.push(
                `${file}: ${CONFIG_NAMESPACE}:cluster.csiDriver is ignored in secretSync mode: ${CSI_ONLY_KEYS["cluster.csiDriver"]}; remove it${STEPS_HINT}`,
            );
        }
    }
    for (const key of bothModes
        ? []
        : Object.keys(raw.config)
              .filter((k) => k.startsWith("kubernetes:"))
              .sort()) {
        warnings.push(
            `${file}: ${key} is ignored in secretSync mode: every resource goes through Azure Resource Manager and the custom location, so the stack needs no kubeconfig`,
        );
    }

    const section = ctx.section;
    if (!Object.hasOwn(input, "secretSync")) {
        at(
            "secretSync",
            'is required when aio-secrets:delivery is secretSync (customLocation and identity at least; see docs/secret-sync.md, "Secret sync (AIO GA)")',
        );
        return { problems, warnings };
    }
    if (!section) return { problems, warnings }; // its own schema problems are reported already
    const arcGiven = cluster.arcClusterName !== undefined && cluster.arcResourceGroupName !== undefined;
    const arcCluster = arcGiven
        ? { name: cluster.arcClusterName!, resourceGroupName: cluster.arcResourceGroupName! }
        : undefined;
    if (!section.customLocation)
        at(
            "secretSync.customLocation",
            "is required: the AIO custom location (name, resourceGroupName) that carries the secret syncs to the cluster",
        );
    const customLocationGroup = section.customLocation?.resourceGroupName ?? cluster.arcResourceGroupName;
    if (section.customLocation && customLocationGroup === undefined && clusterKnown) {
        at("secretSync.customLocation.resourceGroupName", "is required when cluster.arcResourceGroupName is not set");
    }
    if (!section.identity)
        at(
            "secretSync.identity",
            "is required: the user-assigned managed identity (name; existing: true to use one made elsewhere)",
        );
    if (section.oidcIssuerUrl === undefined && !arcGiven && clusterKnown) {
        at(
            "secretSync.oidcIssuerUrl",
            "is required when the Arc cluster is not named: set it, or set cluster.arcClusterName and cluster.arcResourceGroupName to read it from the cluster",
        );
    }
    if (section.extension.install && !arcGiven && clusterKnown) {
        at(
            "secretSync.extension.install",
            "installing the Secret Store extension needs cluster.arcClusterName and cluster.arcResourceGroupName (or set install: false)",
        );
    }
    for (const key of Object.keys(section.extension.settings)) {
        if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(key))
            at(`secretSync.extension.settings.${key}`, "extension setting names are letters, digits, '-', '_' and '.'");
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
                `pulumi import them, or let the stack create its own identity (docs/secret-sync.md, "Secret sync (AIO GA)")`,
        );
    }
    // The region defaults to the Arc cluster's (read at run time), as the CLI does; never azure-native:location.
    if (
        problems.length > 0 ||
        !clusterKnown ||
        !section.customLocation ||
        !section.identity ||
        !keyVault ||
        customLocationGroup === undefined
    ) {
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
            instance: section.instance && {
                name: section.instance.name,
                resourceGroupName: section.instance.resourceGroupName ?? customLocationGroup,
            },
            forceSynchronization: section.forceSynchronization,
            extension: { ...section.extension, settings: ownMap(section.extension.settings) },
        },
    };
}

/** AIO GA's secret sync (`aio-secrets:delivery: secretSync`): a federated managed identity, no service principal. */
export interface SecretSyncStackSettings extends CommonStackSettings {
    delivery: "secretSync";
    secretSync: SecretSyncSettings;
    /**
     * The CSI side that still runs beside secret sync in step 3 of the move from CSI delivery
     * (`aio-secrets:migration: both`), as the csiDriver settings of the same stack (declared by
     * the CSI driver's flow); undefined otherwise.
     */
    csiSide?: CsiDriverStackSettings;
}

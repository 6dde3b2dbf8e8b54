import { z } from "zod";
import { CONFIG_NAMESPACE, INIT_DEFAULTS } from "../../stacks/defaults";
import * as rules from "../../stacks/rules";
import { intRange, ownMap, ruled, strictObject } from "../../stacks/schema";
import type { ClusterSettings, CommonStackSettings, RawStackConfig } from "../../stacks/settings";

/**
 * The CSI driver mode's settings section (`aio-secrets:servicePrincipal`,
 * `aio-secrets:cluster.csiDriver`): schemas, defaults (stacks/defaults.ts) and rules. Pure: read
 * by the parsing layer (stacks/settings.ts), which runs them for a stack with a CSI side (in
 * csiDriver mode, and beside secret sync in step 3 of the move, `migration: both`).
 */

/** The `servicePrincipal` section and the `cluster.csiDriver` section. */
export const servicePrincipalSchema = strictObject({
    displayName: z.string().min(1, "must not be empty").max(120, "must be at most 120 characters").optional(),
    secretValidDays: intRange(1, 730).default(INIT_DEFAULTS.secretValidDays),
    rotationDays: intRange(1, 729).default(180),
    overlapDays: intRange(1, 365).default(7),
    clientId: ruled(rules.guid).optional(),
    objectId: ruled(rules.guid).optional(),
    clientSecret: z.string().min(1, "must not be empty").optional(),
});

export const csiDriverSchema = strictObject({
    install: z.boolean().optional(),
    extensionName: ruled(rules.dns1123Label).default(INIT_DEFAULTS.extensionName),
    version: ruled(rules.semver).default(INIT_DEFAULTS.csiDriverVersion),
    enableSecretRotation: z.boolean().default(true),
    rotationPollInterval: ruled(rules.goDuration).default(INIT_DEFAULTS.rotationPollInterval),
    syncSecret: z.boolean().default(false),
    settings: z.record(z.string(), z.string()).default({}),
});

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

/** The CSI driver extension's settings, resolved (`cluster.csiDriver`). */
export type CsiDriverSettings = z.infer<typeof csiDriverSchema> & {
    /** Install the extension: `cluster.csiDriver.install`, default when the Arc cluster is named. */
    install: boolean;
    /** Chart settings that are secret to Pulumi: the extension's protected settings; never log them. */
    protectedSettings: Record<string, string>;
};

/** The CSI driver settings our typed keys own: a `settings` entry must not override them. */
export const CHECKED_CSI_SETTINGS: Readonly<Record<string, string>> = {
    "secrets-store-csi-driver.enableSecretRotation": "cluster.csiDriver.enableSecretRotation",
    "secrets-store-csi-driver.rotationPollInterval": "cluster.csiDriver.rotationPollInterval",
    "secrets-store-csi-driver.syncSecret.enabled": "cluster.csiDriver.syncSecret",
};

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
 * The CSI side's settings (`servicePrincipal`, `cluster.csiDriver`): a brought service principal
 * needs all three credentials and a secure password; a created one, rotation and overlap that
 * fit; the extension, the Arc cluster to install on; its chart settings, names that are not ours
 * and secret ones moved to the protected settings. Only for a stack with a CSI side.
 */
export function csiSideRules(ctx: {
    raw: RawStackConfig;
    /** The parsed `servicePrincipal` section; undefined when it did not parse. */
    servicePrincipal?: z.infer<typeof servicePrincipalSchema>;
    /** The parsed `cluster.csiDriver` section. */
    csiDriver: z.infer<typeof csiDriverSchema>;
    /** Both `cluster.arcClusterName` and `cluster.arcResourceGroupName` are set. */
    arcNamed: boolean;
    /** Whether the value at a settings path is secret to Pulumi. */
    isSecretValue: (path: readonly PropertyKey[]) => boolean;
}): {
    problems: { path: string; rule: string; value?: string }[];
    servicePrincipal?: ServicePrincipalSettings;
    csiDriver: CsiDriverSettings;
} {
    const { raw, arcNamed, isSecretValue } = ctx;
    const problems: { path: string; rule: string; value?: string }[] = [];
    const at = (path: string, rule: string, value?: string) => problems.push({ path, rule, value });
    const secretKeys = new Set(raw.secretKeys);

    // Bring-your-own service principal: all three credentials or none.
    const sp = ctx.servicePrincipal ?? servicePrincipalSchema.parse({});
    const byo = { clientId: sp.clientId, objectId: sp.objectId, clientSecret: sp.clientSecret };
    const given = Object.entries(byo)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
    let servicePrincipal: ServicePrincipalSettings | undefined;
    if (given.length > 0 && given.length < 3) {
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
        servicePrincipal = {
            mode: "existing",
            clientId: sp.clientId!,
            objectId: sp.objectId!,
            clientSecret: sp.clientSecret!,
        };
    } else if (ctx.servicePrincipal) {
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

    const install = ctx.csiDriver.install ?? arcNamed;
    if (install && !arcNamed) {
        at(
            "cluster.csiDriver.install",
            "installing the CSI driver extension needs cluster.arcClusterName and cluster.arcResourceGroupName",
        );
    }
    const plainCsiSettings: Record<string, string> = {};
    const protectedCsiSettings: Record<string, string> = {};
    for (const [key, value] of Object.entries(ctx.csiDriver.settings)) {
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
    const csiDriver = {
        ...ctx.csiDriver,
        install,
        settings: ownMap(plainCsiSettings),
        protectedSettings: ownMap(protectedCsiSettings),
    };
    return { problems, servicePrincipal, csiDriver };
}

/** csiDriver mode's rule for the other mode's keys: a `secretSync` section is ignored (a warning). */
export function csiDriverModeWarnings(file: string, input: Record<string, unknown>): string[] {
    return Object.hasOwn(input, "secretSync")
        ? [
              `${file}: ${CONFIG_NAMESPACE}:secretSync is ignored: aio-secrets:delivery is csiDriver (set it to secretSync to use it)`,
          ]
        : [];
}

/** init's flow (`aio-secrets:delivery: csiDriver`, the default): a service principal and the CSI driver. */
export interface CsiDriverStackSettings extends CommonStackSettings {
    delivery: "csiDriver";
    servicePrincipal: ServicePrincipalSettings;
    cluster: ClusterSettings & { csiDriver: CsiDriverSettings };
}

/**
 * The CSI side's stack settings: a csiDriver stack's settings, or the CSI side that runs beside
 * secret sync in step 3 of the migration (`migration: both`).
 */
export function csiSideSettings(
    common: CommonStackSettings,
    servicePrincipal: ServicePrincipalSettings,
    csiDriver: CsiDriverSettings,
): CsiDriverStackSettings {
    return { ...common, delivery: "csiDriver", servicePrincipal, cluster: { ...common.cluster, csiDriver } };
}

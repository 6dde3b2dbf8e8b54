import type { PolicyConfigSchema, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TAG_KEYS } from "../stacks/wellKnown";

/**
 * `vault-secret-expiry-in-protected-environments` (issue 20): in a protected environment (vault
 * secret tag `aio-secrets-environment`, default `prod`), a vault secret whose value comes from
 * config (no random value among its dependencies) has an expiry (`properties.attributes.expires`,
 * catalog `expiresInDays`), so Key Vault's near-expiry event reminds someone to renew it. A
 * generated value is the stack's own (and rotates with `rotate`), so it is left out.
 *
 * A stack policy: only the dependencies tell a config value from a generated one. Advisory by
 * default (a warning); make it mandatory with the policy pack config:
 * `{ "vault-secret-expiry-in-protected-environments": { "enforcementLevel": "mandatory" } }`.
 */

export const EXPIRY_POLICY_NAME = "vault-secret-expiry-in-protected-environments";

export interface SecretExpiryConfig {
    /** Values of the `aio-secrets-environment` tag that mark a protected vault secret. */
    protectedEnvironments: string[];
}

const schema: PolicyConfigSchema = {
    properties: {
        protectedEnvironments: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: ["prod"],
            description: `Values of the vault secret's \`${TAG_KEYS.environment}\` tag whose config secrets need an expiry.`,
        },
    },
};

/** The policy's configuration with defaults applied; a bad value fails loudly. */
export function secretExpiryConfig(raw: Partial<Record<keyof SecretExpiryConfig, unknown>> = {}): SecretExpiryConfig {
    const environments = raw.protectedEnvironments ?? ["prod"];
    if (!Array.isArray(environments) || !environments.every((e): e is string => typeof e === "string" && e !== ""))
        throw new Error(`${EXPIRY_POLICY_NAME}: protectedEnvironments must be a list of environment names`);
    return { protectedEnvironments: [...environments] };
}

const SECRET_TYPE = "azure-native:keyvault:Secret";

function field(value: unknown, key: string): unknown {
    return value !== null && typeof value === "object" && Object.hasOwn(value, key)
        ? (value as Record<string, unknown>)[key]
        : undefined;
}

/** The violations of one stack's resources (pure; the stack policy below reports them). */
export function secretExpiryViolations(
    resources: readonly Pick<PolicyResource, "type" | "name" | "props" | "dependencies">[],
    config: SecretExpiryConfig,
): string[] {
    const out: string[] = [];
    for (const r of resources) {
        if (r.type !== SECRET_TYPE) continue;
        const environment = field(field(r.props, "tags"), TAG_KEYS.environment);
        if (typeof environment !== "string" || !config.protectedEnvironments.includes(environment)) continue;
        if (r.dependencies.some((d) => d.type.startsWith("random:"))) continue;
        const expires = field(field(field(r.props, "properties"), "attributes"), "expires");
        if (expires !== undefined && expires !== null) continue;
        out.push(
            `vault secret "${String(field(r.props, "secretName") ?? r.name)}" (environment "${environment}") takes its value from config and has no expiry: ` +
                "set expiresInDays on its catalog entry (docs/rotation.md) so Key Vault warns before it is due",
        );
    }
    return out;
}

export const vaultSecretExpiry: StackValidationPolicy = {
    name: EXPIRY_POLICY_NAME,
    description:
        "In a protected environment, a Key Vault secret whose value comes from config has an expiry (catalog expiresInDays).",
    enforcementLevel: "advisory",
    configSchema: schema,
    validateStack: (args, reportViolation) => {
        const config = secretExpiryConfig(args.getConfig<Partial<Record<keyof SecretExpiryConfig, unknown>>>());
        for (const v of secretExpiryViolations(args.resources, config)) reportViolation(v);
    },
};

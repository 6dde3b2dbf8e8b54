import { createsApp } from "../delivery/modes";
import type { PrincipalType, StackSettings } from "./settings";

/**
 * Who deploys the stack, and which cluster it targets: derived from the settings and, only
 * where the settings are silent, from the environment `pulumi up` runs in. Pure.
 */

/**
 * Environment variables and provider settings that mean the Azure provider signs in as an
 * application (a service principal or a managed identity), not as a person.
 */
const APPLICATION_SIGN_IN = {
    env: [
        "ARM_CLIENT_ID",
        "AZURE_CLIENT_ID",
        "ARM_USE_OIDC",
        "ARM_USE_MSI",
        "ARM_OIDC_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
    ],
    config: ["azure-native:clientId", "azure-native:useOidc", "azure-native:useMsi"],
} as const;

/**
 * The principal type of the identity running the program, for its role assignments when
 * `aio-secrets:deployers` is not set: a service principal when the provider is configured to
 * sign in as an application, else a user (`az login`). A guess, stated in the warning.
 */
export function guessDeployerType(
    env: Readonly<Record<string, string | undefined>>,
    config: Readonly<Record<string, string>>,
): { type: PrincipalType; reason: string } {
    const fromEnv = APPLICATION_SIGN_IN.env.find(
        (name) => Object.hasOwn(env, name) && env[name] !== undefined && env[name] !== "" && env[name] !== "false",
    );
    if (fromEnv) return { type: "ServicePrincipal", reason: `${fromEnv} is set` };
    const fromConfig = APPLICATION_SIGN_IN.config.find(
        (key) => Object.hasOwn(config, key) && config[key] !== "" && config[key] !== "false",
    );
    if (fromConfig) return { type: "ServicePrincipal", reason: `${fromConfig} is set` };
    return { type: "User", reason: "no service principal or managed identity sign-in is configured" };
}

/**
 * The principal type the sign-in's own access token states, when it says: `idtyp` is `app` for
 * a service principal or managed identity and `user` for a person (Entra ID access token
 * claims); a delegated token without `idtyp` carries `scp`. Undefined when the token says
 * nothing readable (then the environment guess stands). Only the type leaves this function.
 */
export function principalTypeFromToken(token: string | undefined): PrincipalType | undefined {
    const payload = token?.split(".")[1];
    if (!payload) return undefined;
    let claims: unknown;
    try {
        claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
        return undefined;
    }
    if (claims === null || typeof claims !== "object") return undefined;
    const c = claims as Record<string, unknown>;
    if (c.idtyp === "app") return "ServicePrincipal";
    if (c.idtyp === "user" || typeof c.scp === "string") return "User";
    return undefined;
}

/** The warning for a stack that lets whoever runs `up` be the deployer. */
export function defaultDeployerWarning(
    settings: StackSettings,
    guess: { type: PrincipalType; reason: string },
): string | undefined {
    if (settings.deployers !== undefined) return undefined;
    const roles = [
        createsApp(settings) ? "owns the app registration and its service principal" : undefined,
        settings.keyVault.grantDeployer ? "gets the vault writer grant" : undefined,
    ].filter((r): r is string => r !== undefined);
    if (roles.length === 0) return undefined;
    return (
        `${settings.file}: aio-secrets:deployers is not set, so the identity running this update (its type read from its access token; where the token does not say, taken as a ${guess.type}: ${guess.reason}) ` +
        `${roles.join(" and ")}; whoever runs the next \`pulumi up\` (a person instead of CI) takes that over. ` +
        `Name the deploying principals: aio-secrets:deployers: [{ objectId: <object id>, type: ServicePrincipal | User | Group }]`
    );
}

/** The default `clusterIdentifier`. */
export const DEFAULT_CLUSTER_IDENTIFIER = "aio-secrets";

/**
 * The Kubernetes provider's `clusterIdentifier`: the provider is replaced only when it changes,
 * so a different kubeconfig or context for the same cluster (a laptop vs the CI proxy) is an
 * update, never a replacement of every object on the cluster (create-before-delete, whose
 * delete would remove the fixed-name objects just upserted). A stack targets one cluster, so
 * the default is a constant (`aio-secrets`): it never changes by itself, not even with
 * `pulumi stack rename` (a name-based default would replace the provider then); set
 * `cluster.identifier` to a new value only when the stack really moves to another cluster.
 */
export function clusterIdentifier(settings: Pick<StackSettings, "project" | "stack" | "cluster">): string {
    return settings.cluster.identifier ?? DEFAULT_CLUSTER_IDENTIFIER;
}

import { z } from "zod";
import { strictObject } from "./schema";

/**
 * `aio-secrets:alerts` (issue 20): expiry alerts as part of the stack. An Event Grid system topic
 * on the vault and one subscription to Key Vault's near-expiry and expired events, delivered to
 * exactly one of a storage queue, a webhook (its URL kept secret) or Azure Monitor alerts. Pure:
 * schema and rules only.
 */

/** Azure Monitor alert severities (azure-native eventgrid `MonitorAlertSeverity`). */
export const ALERT_SEVERITIES = ["Sev0", "Sev1", "Sev2", "Sev3", "Sev4"] as const;

const ARM_ID = (provider: string, type: string) =>
    new RegExp(`^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/${provider}/${type}/[^/]+$`, "i");

const STORAGE_ACCOUNT_ID = ARM_ID("Microsoft\\.Storage", "storageAccounts");
const ACTION_GROUP_ID = ARM_ID("Microsoft\\.Insights", "actionGroups");

export const alertsSchema = strictObject({
    storageQueue: strictObject({
        storageAccountId: z
            .string()
            .regex(
                STORAGE_ACCOUNT_ID,
                "must be a storage account id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>",
            ),
        queueName: z
            .string()
            .regex(
                /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
                "must be a queue name: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
            ),
    }).optional(),
    // The URL is checked in alertsRules: offline it is a placeholder (a secure value is never decrypted there).
    webhook: strictObject({ url: z.string().min(1, "must not be empty") }).optional(),
    monitorAlert: strictObject({
        actionGroupIds: z
            .array(
                z
                    .string()
                    .regex(
                        ACTION_GROUP_ID,
                        "must be an action group id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Insights/actionGroups/<name>",
                    ),
            )
            .min(1, "must list at least one action group"),
        severity: z.enum(ALERT_SEVERITIES).default("Sev2"),
    }).optional(),
    systemTopic: strictObject({
        name: z
            .string()
            .regex(/^[A-Za-z0-9-]{3,128}$/, "must be 3-128 letters, digits and hyphens")
            .optional(),
        existing: z.boolean().default(false),
    }).optional(),
});

export type AlertsInput = z.infer<typeof alertsSchema>;

/** Where the alerts go: exactly one destination. */
export type AlertDestination =
    | { kind: "storageQueue"; storageAccountId: string; queueName: string }
    /** The URL is a secret (it usually carries a key); never shown. */
    | { kind: "webhook"; url: string }
    | { kind: "monitorAlert"; actionGroupIds: string[]; severity: (typeof ALERT_SEVERITIES)[number] };

/** Validated `aio-secrets:alerts`. */
export interface AlertsSettings {
    destination: AlertDestination;
    /**
     * The vault's system topic. Azure allows one system topic per source resource: `existing: true`
     * attaches the subscription to the one the vault has (named `name`) instead of creating it.
     */
    systemTopic: { name: string; existing: boolean };
}

/**
 * What the offline tools hand the program for the secure URL they cannot decrypt
 * (tools/stackfile.ts, securePlaceholder; test/alerts.test.ts checks the two agree): accepted, so
 * a stack with a webhook plans offline. Never the value of a real `pulumi up`.
 */
const OFFLINE_URL = /^placeholder-for-aio-secrets:alerts\.webhook\.url#[0-9a-f]{12}$/;

const DESTINATIONS = ["storageQueue", "webhook", "monitorAlert"] as const;

/** The default system topic name: the vault's name with `-events` (at most 24 + 7 characters). */
export function defaultSystemTopicName(vaultName: string): string {
    return `${vaultName}-events`;
}

/**
 * The rules of `alerts`: exactly one destination, the webhook URL a secret, an existing system topic
 * named. `isSecret(path)` tells whether a settings path holds a secure value.
 */
export function alertsRules(
    input: AlertsInput,
    vaultName: string,
    isSecret: (path: readonly string[]) => boolean,
    stack: string,
    existingVault = false,
): { settings?: AlertsSettings; problems: { path: string; rule: string }[]; warnings: string[] } {
    const problems: { path: string; rule: string }[] = [];
    const given = DESTINATIONS.filter((d) => input[d] !== undefined);
    if (given.length !== 1)
        problems.push({
            path: "alerts",
            rule: `needs exactly one destination of storageQueue, webhook and monitorAlert (${given.length === 0 ? "none" : given.join(" and ")} given)`,
        });
    if (input.webhook && !/^https:\/\/\S+$/.test(input.webhook.url) && !OFFLINE_URL.test(input.webhook.url))
        problems.push({ path: "alerts.webhook.url", rule: "must be an https:// URL" });
    if (input.webhook && !isSecret(["alerts", "webhook", "url"]))
        problems.push({
            path: "alerts.webhook.url",
            rule: `must be secure (a webhook URL carries its key): pulumi config set --secret --path 'alerts.webhook.url' <url> --stack ${stack}`,
        });
    if (input.systemTopic?.existing && input.systemTopic.name === undefined)
        problems.push({
            path: "alerts.systemTopic.name",
            rule: "is required with existing: true: the name of the system topic the vault already has (az eventgrid system-topic list)",
        });
    if (problems.length > 0 || given.length !== 1) return { problems, warnings: [] };
    // Azure allows one system topic per source resource; a vault made elsewhere may have one already (the portal's
    // Events blade creates it), and then creating ours fails at `up`.
    const warnings =
        existingVault && !input.systemTopic?.existing
            ? [
                  `aio-secrets:alerts creates an Event Grid system topic on the existing vault ${vaultName}; Azure allows one per vault, so if it ` +
                      `has one already (az eventgrid system-topic list --query "[?source=='<vault id>']") the up fails: set ` +
                      `alerts.systemTopic: { name: <its name>, existing: true } to attach to it`,
              ]
            : [];
    const destination: AlertDestination = input.storageQueue
        ? { kind: "storageQueue", ...input.storageQueue }
        : input.webhook
          ? { kind: "webhook", url: input.webhook.url }
          : { kind: "monitorAlert", ...input.monitorAlert! };
    return {
        problems,
        warnings,
        settings: {
            destination,
            systemTopic: {
                name: input.systemTopic?.name ?? defaultSystemTopicName(vaultName),
                existing: input.systemTopic?.existing ?? false,
            },
        },
    };
}

import * as pulumi from "@pulumi/pulumi";
import * as eventgrid from "@pulumi/azure-native/eventgrid";
import type * as types from "@pulumi/azure-native/types";
import { EXPIRY_EVENT_TYPES, type AlertDestination } from "../../model/alerts";
import { invariant } from "../invariant";

export interface ExpiryAlertsArgs {
    /** ARM id of the vault: the system topic's source. Required. */
    vaultId: pulumi.Input<string>;
    /** The vault's resource group; the system topic lives there too. Required. */
    resourceGroupName: pulumi.Input<string>;
    /** The vault's region: a system topic must be in its source's region. Required. */
    location: pulumi.Input<string>;
    /**
     * The system topic's name: 3-128 letters, digits, hyphens. Required (settings default: `<vault>-events`).
     */
    systemTopicName: string;
    /**
     * Use the system topic the vault already has instead of creating one (Azure allows one system topic per source
     * resource, so creating a second fails). Default false.
     */
    existingSystemTopic?: boolean;
    /** Where the alerts go: exactly one of storage queue, webhook (URL kept secret), Azure Monitor alerts. Required. */
    destination: AlertDestination;
    /** Tags on the system topic. Default none. */
    tags?: Record<string, string>;
    /** Protect the topic and the subscription (protected environments). Default false. */
    protect?: boolean;
}

/** The subscription's name, fixed: one per vault. */
export const EXPIRY_SUBSCRIPTION_NAME = "aio-secrets-expiry";

/**
 * The ARM destination of an alert destination (azure-native eventgrid, API 2025-02-15). Azure
 * Monitor alerts take only the CloudEvents v1.0 schema and only Key Vault system events
 * (azure-docs event-grid/handler-azure-monitor-alerts.md), hence the schema returned with it.
 */
export function eventDestination(destination: AlertDestination): {
    destination:
        | types.input.eventgrid.StorageQueueEventSubscriptionDestinationArgs
        | types.input.eventgrid.WebHookEventSubscriptionDestinationArgs
        | types.input.eventgrid.MonitorAlertEventSubscriptionDestinationArgs;
    eventDeliverySchema: "EventGridSchema" | "CloudEventSchemaV1_0";
} {
    switch (destination.kind) {
        case "storageQueue":
            return {
                destination: {
                    endpointType: "StorageQueue",
                    resourceId: destination.storageAccountId,
                    queueName: destination.queueName,
                },
                eventDeliverySchema: "EventGridSchema",
            };
        case "webhook":
            return {
                // The URL usually carries a key (a Logic App's sig=): a Pulumi secret, in state and in the plan.
                destination: { endpointType: "WebHook", endpointUrl: pulumi.secret(destination.url) },
                eventDeliverySchema: "EventGridSchema",
            };
        case "monitorAlert":
            return {
                destination: {
                    endpointType: "MonitorAlert",
                    actionGroups: destination.actionGroupIds,
                    severity: destination.severity,
                    description: "Key Vault secret or certificate near expiry or expired (aio-secrets)",
                },
                eventDeliverySchema: "CloudEventSchemaV1_0",
            };
        default: {
            const exhaustiveCheck: never = destination;
            throw new Error(`internal error: unknown alert destination ${JSON.stringify(exhaustiveCheck)}`);
        }
    }
}

/**
 * Expiry alerts of the vault (issue 20): an Event Grid system topic on the vault (topic type
 * `Microsoft.KeyVault.vaults`, in the vault's region) and one subscription to
 * SecretNearExpiry, SecretExpired, CertificateNearExpiry and CertificateExpired. Key Vault sends
 * the near-expiry events 30 days ahead. With `existingSystemTopic` only the subscription is created,
 * on the vault's topic.
 */
export class ExpiryAlerts extends pulumi.ComponentResource {
    /** The system topic's name. */
    readonly systemTopicName: pulumi.Output<string>;
    /** The event subscription's name. */
    readonly subscriptionName: pulumi.Output<string>;

    constructor(name: string, args: ExpiryAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:alerts:ExpiryAlerts", name, {}, opts);
        invariant(
            /^[A-Za-z0-9-]{3,128}$/.test(args.systemTopicName),
            name,
            "the system topic name is 3-128 letters, digits and hyphens (stacks/alerts.ts)",
        );
        let topicName: pulumi.Output<string>;
        if (args.existingSystemTopic) {
            topicName = pulumi.output(args.systemTopicName);
        } else {
            const topic = new eventgrid.SystemTopic(
                `${name}-topic`,
                {
                    resourceGroupName: args.resourceGroupName,
                    systemTopicName: args.systemTopicName,
                    source: args.vaultId,
                    topicType: "Microsoft.KeyVault.vaults",
                    location: args.location,
                    tags: args.tags,
                },
                { parent: this, protect: args.protect },
            );
            topicName = topic.name;
        }
        const { destination, eventDeliverySchema } = eventDestination(args.destination);
        const subscription = new eventgrid.SystemTopicEventSubscription(
            `${name}-subscription`,
            {
                resourceGroupName: args.resourceGroupName,
                systemTopicName: topicName,
                eventSubscriptionName: EXPIRY_SUBSCRIPTION_NAME,
                destination,
                eventDeliverySchema,
                filter: { includedEventTypes: [...EXPIRY_EVENT_TYPES] },
            },
            { parent: this, protect: args.protect },
        );
        this.systemTopicName = topicName;
        this.subscriptionName = subscription.name;
        this.registerOutputs({ systemTopicName: this.systemTopicName, subscriptionName: this.subscriptionName });
    }
}

import type { ComponentDescriptor } from "../descriptor";

/** EventGrid Contributor: what creating a system topic and its event subscriptions takes. */
const EVENTGRID_CONTRIBUTOR = "EventGrid Contributor (or Contributor) on the vault's resource group";

/** ExpiryAlerts (ExpiryAlerts.ts): the vault's Event Grid system topic and the expiry subscription. */
export const expiryAlertsDescriptor: ComponentDescriptor = {
    type: "aio-secrets:alerts:ExpiryAlerts",
    resources: {
        "azure-native:eventgrid:SystemTopic": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.EventGrid/systemTopics",
                        operations: ["read", "write"],
                        role: EVENTGRID_CONTRIBUTOR,
                    },
                ],
            },
            display: ["systemTopicName", "topicType", "source", "location"],
            fake: ({ inputs, subscriptionId }) => {
                const name = String(inputs.systemTopicName);
                return {
                    id: `/subscriptions/${subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.EventGrid/systemTopics/${name}`,
                    state: { ...inputs, name },
                };
            },
        },
        "azure-native:eventgrid:SystemTopicEventSubscription": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.EventGrid/systemTopics/eventSubscriptions",
                        operations: ["read", "write"],
                        role: EVENTGRID_CONTRIBUTOR,
                    },
                ],
            },
            display: [
                "eventSubscriptionName",
                "systemTopicName",
                "eventDeliverySchema",
                "filter.includedEventTypes",
                "destination",
            ],
            fake: ({ inputs }) => ({
                id: `${String(inputs.systemTopicName)}/${String(inputs.eventSubscriptionName)}`,
                state: { ...inputs, name: inputs.eventSubscriptionName },
            }),
        },
    },
};

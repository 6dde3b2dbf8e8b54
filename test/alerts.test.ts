import * as path from "node:path";
import { alertsRules, alertsSchema } from "../stacks/alerts";
import { EXPIRY_EVENT_TYPES } from "../model/alerts";
import { eventDestination } from "../components/alerts/ExpiryAlerts";
import { securePlaceholder } from "../tools/stackfile";
import { byName, byType, MINIMAL_STACK, plaintextPaths, runStack, scratch } from "./helpers";

/** Issue 20: `aio-secrets:alerts`, the vault's Event Grid system topic and the expiry subscription. */

const TOPIC = "azure-native:eventgrid:SystemTopic";
const SUBSCRIPTION = "azure-native:eventgrid:SystemTopicEventSubscription";
const HOOK = "https://hooks.example.com/expiry?sig=very-secret-hook-key";
const QUEUE_ACCOUNT =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Storage/storageAccounts/stops";

async function withAlerts(alerts: string, secureValues: Record<string, string> = {}) {
    const dir = scratch({
        "Pulumi.t.yaml": `${MINIMAL_STACK}  aio-secrets:environment: prod\n  aio-secrets:alerts:\n${alerts}`,
    });
    return runStack({ stack: "t", mode: "up", stackFile: path.join(dir, "Pulumi.t.yaml"), secureValues });
}

describe("a stack with alerts plans the system topic and the subscription", () => {
    test("prod (existing vault): Azure Monitor alerts, CloudEvents schema, the four expiry events", async () => {
        const run = await runStack({ stack: "prod", mode: "up" });
        expect(run.error).toBeUndefined();
        const topic = byName(run, "alerts-topic");
        expect(topic.type).toBe(TOPIC);
        expect(topic.inputs).toEqual(
            expect.objectContaining({
                topicType: "Microsoft.KeyVault.vaults",
                systemTopicName: "kv-aio-prod-01-events",
                resourceGroupName: "rg-aio-prod",
                source: expect.stringMatching(/\/providers\/Microsoft\.KeyVault\/vaults\/kv-aio-prod-01$/),
            }),
        );
        const sub = byName(run, "alerts-subscription");
        expect(sub.type).toBe(SUBSCRIPTION);
        expect(sub.inputs.systemTopicName).toBe("kv-aio-prod-01-events");
        expect(sub.inputs.eventDeliverySchema).toBe("CloudEventSchemaV1_0");
        expect(sub.inputs.filter).toEqual(expect.objectContaining({ includedEventTypes: [...EXPIRY_EVENT_TYPES] }));
        expect(sub.inputs.destination).toEqual(
            expect.objectContaining({ endpointType: "MonitorAlert", severity: "Sev2" }),
        );
        expect(sub.protect).toBe(true);
        // An existing vault may have its one system topic already: the plan says how to attach to it.
        expect(run.warnings.filter((w) => w.includes("Azure allows one per vault"))).toEqual([
            expect.stringMatching(/^Pulumi\.prod\.yaml: .*alerts\.systemTopic: \{ name: <its name>, existing: true \}/),
        ]);
    });

    test("a webhook: its URL travels only as a secret", async () => {
        const run = await withAlerts(`    webhook:\n      url:\n        secure: v1:abc\n`, {
            "aio-secrets:alerts.webhook.url": HOOK,
        });
        expect(run.error).toBeUndefined();
        const sub = byType(run, SUBSCRIPTION)[0];
        expect(plaintextPaths(run.resources, "very-secret-hook-key")).toEqual([]);
        expect(plaintextPaths(run.outputs, "very-secret-hook-key")).toEqual([]);
        expect(JSON.stringify(sub.inputs)).toContain("very-secret-hook-key");
        expect(run.warnings.join("\n")).not.toContain("very-secret-hook-key");
    });

    test("a storage queue; an existing system topic gets only the subscription", async () => {
        const run = await withAlerts(
            `    storageQueue: { storageAccountId: ${QUEUE_ACCOUNT}, queueName: kv-expiry }\n    systemTopic: { name: kv-test-01-topic, existing: true }\n`,
        );
        expect(run.error).toBeUndefined();
        expect(byType(run, TOPIC)).toEqual([]);
        const sub = byType(run, SUBSCRIPTION)[0];
        expect(sub.inputs.systemTopicName).toBe("kv-test-01-topic");
        expect(sub.inputs.destination).toEqual({
            endpointType: "StorageQueue",
            resourceId: QUEUE_ACCOUNT,
            queueName: "kv-expiry",
        });
    });

    test("a stack without alerts declares none", async () => {
        const run = await runStack({ stack: "dev", mode: "up" });
        expect(byType(run, TOPIC).concat(byType(run, SUBSCRIPTION))).toEqual([]);
    });
});

describe("alertsRules", () => {
    const parse = (v: unknown) => alertsSchema.parse(v);
    const secret = () => true;

    test("exactly one destination", () => {
        expect(alertsRules(parse({}), "kv", secret, "s").problems).toEqual([
            { path: "alerts", rule: expect.stringContaining("exactly one destination") },
        ]);
        const two = alertsRules(
            parse({
                webhook: { url: "https://x" },
                storageQueue: { storageAccountId: QUEUE_ACCOUNT, queueName: "q-1" },
            }),
            "kv",
            secret,
            "s",
        );
        expect(two.problems[0].rule).toContain("storageQueue and webhook given");
    });

    test("a plaintext webhook URL is refused with the command that fixes it", () => {
        const { problems } = alertsRules(parse({ webhook: { url: "https://x" } }), "kv", () => false, "dev");
        expect(problems).toEqual([
            {
                path: "alerts.webhook.url",
                rule: expect.stringContaining(
                    "pulumi config set --secret --path 'alerts.webhook.url' <url> --stack dev",
                ),
            },
        ]);
    });

    test("an existing system topic must be named; the default name is the vault's", () => {
        expect(
            alertsRules(parse({ webhook: { url: "https://x" }, systemTopic: { existing: true } }), "kv", secret, "s")
                .problems[0].path,
        ).toBe("alerts.systemTopic.name");
        expect(alertsRules(parse({ webhook: { url: "https://x" } }), "kv1", secret, "s").settings?.systemTopic).toEqual(
            {
                name: "kv1-events",
                existing: false,
            },
        );
    });

    test("ids and names are checked by the schema", () => {
        expect(alertsSchema.safeParse({ monitorAlert: { actionGroupIds: ["/bad"] } }).success).toBe(false);
        expect(
            alertsSchema.safeParse({ storageQueue: { storageAccountId: QUEUE_ACCOUNT, queueName: "Q" } }).success,
        ).toBe(false);
        expect(alertsRules(parse({ webhook: { url: "http://x" } }), "kv", secret, "s").problems).toEqual([
            { path: "alerts.webhook.url", rule: "must be an https:// URL" },
        ]);
        // The offline tools' placeholder for the secure URL is accepted (a webhook stack plans offline).
        const offline = securePlaceholder("aio-secrets:alerts.webhook.url", "v1:abc");
        expect(alertsRules(parse({ webhook: { url: offline } }), "kv", secret, "s").problems).toEqual([]);
    });

    test("Azure Monitor alerts take only the CloudEvents schema", () => {
        expect(
            eventDestination({ kind: "monitorAlert", actionGroupIds: ["/a"], severity: "Sev0" }).eventDeliverySchema,
        ).toBe("CloudEventSchemaV1_0");
        expect(
            eventDestination({ kind: "storageQueue", storageAccountId: "x", queueName: "q" }).eventDeliverySchema,
        ).toBe("EventGridSchema");
    });
});

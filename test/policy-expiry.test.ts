import type { PolicyResource } from "@pulumi/policy";
import { secretExpiryConfig, secretExpiryViolations } from "../policy/expiry";
import { RecordedResource, RunResult, SECRET_SIG_KEY } from "../tools/harness";
import { runStack } from "./helpers";

/** Issue 20: the policy that wants an expiry on config-sourced vault secrets of protected environments. */

type Resource = Pick<PolicyResource, "type" | "name" | "props" | "dependencies">;

function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (SECRET_SIG_KEY in record) return plain(record.value);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

/** The run's resources as the analyzer hands them to a stack policy: plain inputs, dependencies resolved. */
function asPolicyResources(run: RunResult): Resource[] {
    const byUrn = new Map<string, Resource>();
    const out = run.resources.map((r: RecordedResource) => {
        const resource: Resource = {
            type: r.type,
            name: r.name,
            props: plain(r.inputs) as Record<string, unknown>,
            dependencies: [],
        };
        byUrn.set(r.urn, resource);
        return resource;
    });
    run.resources.forEach((r, i) => {
        out[i].dependencies = r.dependsOn.flatMap((urn) => (byUrn.has(urn) ? [byUrn.get(urn) as PolicyResource] : []));
    });
    return out;
}

describe("vault-secret-expiry-in-protected-environments", () => {
    test("the prod example passes: its secrets are generated (and dataflow-api-token expires)", async () => {
        const run = await runStack({ stack: "prod", mode: "up" });
        expect(secretExpiryViolations(asPolicyResources(run), secretExpiryConfig())).toEqual([]);
    });

    test("not vacuous: staging as a protected environment flags its config secret, not the generated ones", async () => {
        const run = await runStack({ stack: "staging", mode: "up" });
        const violations = secretExpiryViolations(
            asPolicyResources(run),
            secretExpiryConfig({ protectedEnvironments: ["staging"] }),
        );
        expect(violations).toEqual([
            expect.stringMatching(
                /^vault secret "mq-password" \(environment "staging"\) takes its value from config and has no expiry/,
            ),
        ]);
    });

    test("an expiry satisfies it; other environments are not checked", () => {
        const secret = (attributes?: object, env = "prod"): Resource => ({
            type: "azure-native:keyvault:Secret",
            name: "vault-secrets-x",
            props: {
                secretName: "x",
                tags: { "aio-secrets-environment": env },
                properties: { value: "v", ...(attributes ? { attributes } : {}) },
            },
            dependencies: [],
        });
        const config = secretExpiryConfig();
        expect(secretExpiryViolations([secret()], config)).toHaveLength(1);
        expect(secretExpiryViolations([secret({ expires: 1 })], config)).toEqual([]);
        expect(secretExpiryViolations([secret(undefined, "dev")], config)).toEqual([]);
        expect(() => secretExpiryConfig({ protectedEnvironments: "prod" })).toThrow(/list of environment names/);
    });
});

import * as path from "node:path";
import type { PolicyPackArgs, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import * as policyDeserialize from "@pulumi/policy/deserialize";
import * as policyProxy from "@pulumi/policy/proxy";
import { renderSpcObjects, type SpcObject } from "../model/spc";
import {
    CSI_SECRET_NAME,
    CSI_USED_LABEL,
    ENVIRONMENT_TAG,
    PACK_NAME,
    policies,
    Secret,
    SECRETNESS_UNOBSERVABLE,
    SPC_TYPE,
    VAULT_PROTECTION_DEFAULTS,
    vaultProtectionConfig,
} from "../policy/policies";
import type { RecordedResource } from "../tools/harness";
import { SECRET_SIG, SECRET_SIG_KEY } from "../tools/harness";
import { PROJECT_DIR, runStack } from "./helpers";

/**
 * The policy pack (policy/), without the Pulumi CLI: each policy's `validateResource` is called
 * with hand-built arguments and a mocked `reportViolation`, and the real program's resources of
 * every example stack are run through the whole pack.
 */

// ---------------------------------------------------------------------------------------------
// Harness: what the analyzer host hands a policy (node_modules/@pulumi/policy/server.js)

class NotApplicableError extends Error {}

interface TestResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
}

interface Outcome {
    violations: string[];
    /** The reason given to `args.notApplicable`, when a validation called it. */
    notApplicable?: string;
}

const VAULT = "azure-native:keyvault:Vault";
const VAULT_SECRET = "azure-native:keyvault:Secret";
const ACCESS_POLICY = "azure-native:keyvault:AccessPolicy";
const K8S_SECRET = "kubernetes:core/v1:Secret";
const TENANT = "11111111-2222-3333-4444-555555555555";

function pulumiTypeOf(resourceClass: unknown): string | undefined {
    const type = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
    return typeof type === "string" ? type : undefined;
}

/** The arguments the analyzer host builds for one resource (isType compares `__pulumiType`, as the host does). */
function makeArgs(resource: TestResource, config: object = {}): ResourceValidationArgs {
    const isType = (resourceClass: unknown) => pulumiTypeOf(resourceClass) === resource.type;
    return {
        type: resource.type,
        name: resource.name,
        urn: `urn:pulumi:test::aio-secrets::${resource.type}::${resource.name}`,
        props: resource.props,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map<string, string>(),
        isType,
        asType: ((resourceClass: unknown) =>
            isType(resourceClass) ? resource.props : undefined) as unknown as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicableError(reason ?? "not applicable");
        },
    };
}

/** Runs every validation of a policy (one function or a list) on one resource. */
async function check(policy: ResourceValidationPolicy, resource: TestResource, config: object = {}): Promise<Outcome> {
    const reportViolation = jest.fn<void, [string, string?]>();
    const report: ReportViolation = reportViolation;
    const validations =
        policy.validateResource === undefined
            ? []
            : Array.isArray(policy.validateResource)
              ? policy.validateResource
              : [policy.validateResource];
    let notApplicable: string | undefined;
    for (const validate of validations) {
        try {
            await validate(makeArgs(resource, config), report);
        } catch (e) {
            if (!(e instanceof NotApplicableError)) throw e;
            notApplicable = e.message;
        }
    }
    return { violations: reportViolation.mock.calls.map(([message]) => message), notApplicable };
}

function policy(name: string): ResourceValidationPolicy {
    const found = policies.find((p) => p.name === name);
    if (!found) throw new Error(`no policy ${name}`);
    return found;
}

// ---------------------------------------------------------------------------------------------
// The pack

describe("the pack", () => {
    test("has the six mandatory resource policies, each with a description", () => {
        expect(policies.map((p) => p.name)).toEqual([
            "vault-purge-protection-in-protected-environments",
            "vault-secret-value-is-secret",
            "service-principal-never-writes",
            "csi-credential-secret-labelled",
            "spc-azure-provider-well-formed",
            "vault-network-restricted-in-protected-environments",
        ]);
        for (const p of policies) {
            expect(p.enforcementLevel).toBe("mandatory");
            expect(p.description.length).toBeGreaterThan(20);
            expect(p.validateResource).toBeDefined();
        }
    });

    test("importing policies.ts serves nothing; index.ts serves exactly these policies", () => {
        jest.isolateModules(() => {
            // The server module index.ts will load (policy/node_modules when the pack was installed there).
            const serverPath = require.resolve("@pulumi/policy/server", { paths: [path.join(PROJECT_DIR, "policy")] });
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const server = require(serverPath) as {
                serve: (name: string, version: string, level: string, args: PolicyPackArgs) => void;
            };
            const serve = jest.spyOn(server, "serve").mockImplementation(() => undefined);

            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const isolated = require("../policy/policies") as typeof import("../policy/policies");
            expect(serve).not.toHaveBeenCalled();

            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const index = require("../policy/index") as typeof import("../policy/index");
            expect(index.pack).toBeDefined();
            expect(serve).toHaveBeenCalledTimes(1);
            const [name, , level, args] = serve.mock.calls[0];
            expect(name).toBe(PACK_NAME);
            expect(level).toBe("mandatory");
            // The resource policies, the stack policies (policy/policies.ts), then the stack policy of
            // issue 20 (policy/expiry.ts).
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const expiry = require("../policy/expiry") as typeof import("../policy/expiry");
            expect(args.policies).toEqual([...isolated.policies, ...isolated.stackPolicies, expiry.vaultSecretExpiry]);
        });
    });
});

// ---------------------------------------------------------------------------------------------
// 1. vault-purge-protection-in-protected-environments

describe("vault-purge-protection-in-protected-environments", () => {
    const p = policy("vault-purge-protection-in-protected-environments");
    const vault = (environment: string | undefined, properties: Record<string, unknown>): TestResource => ({
        type: VAULT,
        name: "keyvault-vault",
        props: {
            vaultName: "kv-aio-test-01",
            resourceGroupName: "rg-aio-test",
            tags: environment === undefined ? { "managed-by": "aio-secrets" } : { [ENVIRONMENT_TAG]: environment },
            properties: {
                tenantId: TENANT,
                sku: { family: "A", name: "standard" },
                enableSoftDelete: true,
                ...properties,
            },
        },
    });

    test("passes a protected vault with purge protection and enough retention", async () => {
        expect(
            (await check(p, vault("prod", { enablePurgeProtection: true, softDeleteRetentionInDays: 90 }))).violations,
        ).toEqual([]);
        expect(
            (await check(p, vault("prod", { enablePurgeProtection: true, softDeleteRetentionInDays: 7 }))).violations,
        ).toEqual([]);
        // Absent retention is Azure's default, 90 days.
        expect((await check(p, vault("prod", { enablePurgeProtection: true }))).violations).toEqual([]);
    });

    test("passes an unprotected or untagged vault without purge protection", async () => {
        expect((await check(p, vault("dev", { softDeleteRetentionInDays: 7 }))).violations).toEqual([]);
        expect((await check(p, vault(undefined, {}))).violations).toEqual([]);
    });

    test("fails a protected vault without purge protection", async () => {
        const { violations } = await check(p, vault("prod", { softDeleteRetentionInDays: 90 }));
        expect(violations).toHaveLength(1);
        expect(violations[0]).toContain('vault "kv-aio-test-01" (environment "prod" is protected)');
        expect(violations[0]).toContain("enablePurgeProtection must be true, got absent");
        const off = await check(p, vault("prod", { enablePurgeProtection: false, softDeleteRetentionInDays: 90 }));
        expect(off.violations[0]).toContain("enablePurgeProtection must be true, got false");
    });

    test("fails a protected vault with too short a retention, or soft delete off", async () => {
        const short = await check(p, vault("prod", { enablePurgeProtection: true, softDeleteRetentionInDays: 5 }));
        expect(short.violations).toEqual([
            expect.stringContaining("softDeleteRetentionInDays must be at least 7 days, got 5"),
        ]);
        const noSoftDelete = await check(p, vault("prod", { enablePurgeProtection: true, enableSoftDelete: false }));
        expect(noSoftDelete.violations).toEqual([expect.stringContaining("enableSoftDelete must not be false")]);
        const both = await check(p, vault("prod", { softDeleteRetentionInDays: 3 }));
        expect(both.violations).toHaveLength(2);
    });

    test("config: more protected environments and a longer minimum", async () => {
        const config = { protectedEnvironments: ["prod", "staging"], minSoftDeleteRetentionDays: 30 };
        expect((await check(p, vault("staging", { softDeleteRetentionInDays: 30 }))).violations).toEqual([]);
        const staging = await check(p, vault("staging", { softDeleteRetentionInDays: 14 }), config);
        expect(staging.violations).toEqual([
            expect.stringContaining(
                '(environment "staging" is protected): properties.enablePurgeProtection must be true',
            ),
            expect.stringContaining("softDeleteRetentionInDays must be at least 30 days, got 14"),
        ]);
        expect(
            (await check(p, vault("staging", { enablePurgeProtection: true, softDeleteRetentionInDays: 30 }), config))
                .violations,
        ).toEqual([]);
        // prod is no longer protected when the list leaves it out.
        expect((await check(p, vault("prod", {}), { protectedEnvironments: ["production"] })).violations).toEqual([]);
    });

    test("config defaults: schema and resolution agree (prod, 7 days in 7..90)", () => {
        expect(VAULT_PROTECTION_DEFAULTS).toEqual({ protectedEnvironments: ["prod"], minSoftDeleteRetentionDays: 7 });
        expect(p.configSchema?.properties.protectedEnvironments).toMatchObject({ type: "array", default: ["prod"] });
        expect(p.configSchema?.properties.minSoftDeleteRetentionDays).toMatchObject({
            type: "integer",
            default: 7,
            minimum: 7,
            maximum: 90,
        });
        expect(p.configSchema?.required ?? []).toEqual([]);
        // What the CLI hands over without a config file (an empty object), or with one.
        expect(vaultProtectionConfig({})).toEqual({ protectedEnvironments: ["prod"], minSoftDeleteRetentionDays: 7 });
        expect(vaultProtectionConfig({ minSoftDeleteRetentionDays: 90 })).toEqual({
            protectedEnvironments: ["prod"],
            minSoftDeleteRetentionDays: 90,
        });
        expect(vaultProtectionConfig({ protectedEnvironments: [] })).toEqual({
            protectedEnvironments: [],
            minSoftDeleteRetentionDays: 7,
        });
    });

    test("config out of range fails loudly instead of weakening the check", async () => {
        expect(() => vaultProtectionConfig({ minSoftDeleteRetentionDays: 6 })).toThrow(
            "minSoftDeleteRetentionDays must be a whole number of days from 7 to 90, got 6",
        );
        expect(() => vaultProtectionConfig({ minSoftDeleteRetentionDays: 91 })).toThrow("from 7 to 90, got 91");
        expect(() => vaultProtectionConfig({ minSoftDeleteRetentionDays: 7.5 })).toThrow("got 7.5");
        expect(() => vaultProtectionConfig({ protectedEnvironments: "prod" })).toThrow(
            'protectedEnvironments must be a list of environment names, got "prod"',
        );
        await expect(
            check(p, vault("prod", { enablePurgeProtection: true }), { minSoftDeleteRetentionDays: 3 }),
        ).rejects.toThrow("got 3");
    });

    test("applies to vaults only", async () => {
        const outcome = await check(p, { type: VAULT_SECRET, name: "x", props: {} });
        expect(outcome).toEqual({
            violations: [],
            notApplicable: `Policy only applies to resources of type '${VAULT}'`,
        });
    });
});

// ---------------------------------------------------------------------------------------------
// 2. vault-secret-value-is-secret

type DeserializeModule = {
    deserializeProperties(
        struct: { toJavaScript(): Record<string, unknown> },
        proxySecrets: boolean,
    ): Record<string, unknown>;
};
type ProxyModule = { unknownCheckingProxy<T>(value: T): T };
const { deserializeProperties } = policyDeserialize as unknown as DeserializeModule;
const { unknownCheckingProxy } = policyProxy as unknown as ProxyModule;

describe("vault-secret-value-is-secret", () => {
    const p = policy("vault-secret-value-is-secret");
    const PLAINTEXT = "hunter2-plaintext-value";
    const vaultSecret = (properties: unknown): TestResource => ({
        type: VAULT_SECRET,
        name: "vault-secrets-mq-password",
        props: { vaultName: "kv-aio-test-01", resourceGroupName: "rg-aio-test", secretName: "mq-password", properties },
    });
    const wire = (value: unknown) => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });

    test("passes a value marked secret (policy Secret, wire envelope, or all of properties secret)", async () => {
        expect((await check(p, vaultSecret({ value: new Secret(PLAINTEXT) }))).violations).toEqual([]);
        expect((await check(p, vaultSecret({ value: wire(PLAINTEXT), contentType: "text/plain" }))).violations).toEqual(
            [],
        );
        expect((await check(p, vaultSecret(new Secret({ value: PLAINTEXT })))).violations).toEqual([]);
        expect((await check(p, vaultSecret(wire({ value: PLAINTEXT })))).violations).toEqual([]);
    });

    test("passes a secret without a value (nothing to leak)", async () => {
        expect((await check(p, vaultSecret({ contentType: "text/plain" }))).violations).toEqual([]);
        expect((await check(p, vaultSecret(undefined))).violations).toEqual([]);
    });

    test("fails a plaintext value, without echoing it", async () => {
        const { violations } = await check(p, vaultSecret({ value: PLAINTEXT }));
        expect(violations).toHaveLength(1);
        expect(violations[0]).toContain('vault secret "mq-password": properties.value is plaintext');
        expect(violations[0]).toContain("pulumi.secret(");
        expect(violations[0]).not.toContain(PLAINTEXT);
    });

    test("finding: inside the analyzer host the marker is gone, so the policy says it is not applicable", async () => {
        // What the engine sends (secrets kept) ...
        const sent = { vaultName: "kv-aio-test-01", secretName: "mq-password", properties: { value: wire(PLAINTEXT) } };
        // ... and what @pulumi/policy 1.21's analyze RPC makes of it before any policy runs.
        const deserialized = deserializeProperties({ toJavaScript: () => sent }, false);
        expect(deserialized).toEqual({
            vaultName: "kv-aio-test-01",
            secretName: "mq-password",
            properties: { value: PLAINTEXT },
        });
        // Even the remediation path (markers kept as Secret objects) unwraps them on every read.
        const remediation = deserializeProperties({ toJavaScript: () => sent }, true);
        expect((remediation.properties as Record<string, unknown>).value).toBe(PLAINTEXT);

        const hostProps = unknownCheckingProxy(deserialized);
        const outcome = await check(p, { type: VAULT_SECRET, name: "vault-secrets-mq-password", props: hostProps });
        expect(outcome.violations).toEqual([]);
        expect(outcome.notApplicable).toBe(SECRETNESS_UNOBSERVABLE);
        expect(outcome.notApplicable).toContain("pulumi/pulumi-policy#241");
        // A plaintext value looks exactly the same there: that is the limitation.
        const plain = unknownCheckingProxy(
            deserializeProperties({ toJavaScript: () => ({ properties: { value: PLAINTEXT } }) }, false),
        );
        expect((await check(p, { type: VAULT_SECRET, name: "s", props: plain })).notApplicable).toBe(
            SECRETNESS_UNOBSERVABLE,
        );
    });

    test("applies to vault secrets only", async () => {
        const outcome = await check(p, { type: K8S_SECRET, name: "x", props: { stringData: { a: PLAINTEXT } } });
        expect(outcome.violations).toEqual([]);
        expect(outcome.notApplicable).toContain(VAULT_SECRET);
    });
});

// ---------------------------------------------------------------------------------------------
// 3. service-principal-never-writes

describe("service-principal-never-writes", () => {
    const p = policy("service-principal-never-writes");
    const accessPolicy = (name: string, permissions: Record<string, string[]>): TestResource => ({
        type: ACCESS_POLICY,
        name,
        props: {
            vaultName: "kv-aio-test-01",
            resourceGroupName: "rg-aio-test",
            policy: { tenantId: TENANT, objectId: "95f38ee9-b206-4d46-a221-4931528d7029", permissions },
        },
    });
    const none = { keys: [], certificates: [], storage: [] };

    test("passes the reader with read permissions only, and a writer without purge", async () => {
        expect(
            (await check(p, accessPolicy("access-reader", { secrets: ["get", "list"], ...none }))).violations,
        ).toEqual([]);
        expect(
            (
                await check(
                    p,
                    accessPolicy("access-reader", {
                        secrets: ["Get", "List"],
                        keys: ["get"],
                        certificates: ["get"],
                        storage: [],
                    }),
                )
            ).violations,
        ).toEqual([]);
        expect((await check(p, accessPolicy("access-reader", {}))).violations).toEqual([]);
        const writer = {
            secrets: ["get", "list", "set", "delete", "recover"],
            keys: ["get", "list", "create", "update", "delete", "recover"],
            certificates: [],
            storage: [],
        };
        expect((await check(p, accessPolicy("access-writer", writer))).violations).toEqual([]);
    });

    test("fails a reader that may write, delete, recover or touch storage", async () => {
        const { violations } = await check(
            p,
            accessPolicy("access-reader", {
                secrets: ["get", "list", "set", "delete"],
                keys: ["get", "backup"],
                certificates: ["get", "restore"],
                storage: ["get"],
            }),
        );
        expect(violations).toHaveLength(1);
        expect(violations[0]).toContain(`access policy "access-reader" is the CSI driver's service principal`);
        expect(violations[0]).toContain("secrets: set, delete; keys: backup; certificates: restore; storage: get");
        const list = await check(p, accessPolicy("access-reader", { secrets: ["get"], keys: ["list"] }));
        expect(list.violations).toEqual([expect.stringContaining("it also grants keys: list")]);
        const recover = await check(p, accessPolicy("access-reader", { secrets: ["get", "list", "recover"] }));
        expect(recover.violations).toEqual([expect.stringContaining("secrets: recover")]);
    });

    test("fails any access policy that grants purge, the writer included (all implies purge)", async () => {
        const writer = await check(p, accessPolicy("access-writer", { secrets: ["get", "set", "purge"] }));
        expect(writer.violations).toEqual([
            expect.stringContaining('access policy "access-writer" grants purge (secrets: purge)'),
        ]);
        expect(writer.violations[0]).toContain("the deploying identity included");
        const all = await check(p, accessPolicy("deployer", { keys: ["All"] }));
        expect(all.violations).toEqual([expect.stringContaining("grants purge (keys: all)")]);
        const storage = await check(p, accessPolicy("deployer", { storage: ["purge"] }));
        expect(storage.violations).toEqual([expect.stringContaining("grants purge (storage: purge)")]);
        // A reader with purge breaks both rules.
        const reader = await check(p, accessPolicy("access-reader", { secrets: ["get", "list", "purge"] }));
        expect(reader.violations).toEqual([
            expect.stringContaining("it also grants secrets: purge"),
            expect.stringContaining("grants purge (secrets: purge)"),
        ]);
    });

    test("checks inline access policies of a vault for purge", async () => {
        const vault = (accessPolicies: unknown[]): TestResource => ({
            type: VAULT,
            name: "keyvault-vault",
            props: { vaultName: "kv-aio-test-01", properties: { tenantId: TENANT, accessPolicies } },
        });
        expect(
            (await check(p, vault([{ objectId: "a", tenantId: TENANT, permissions: { secrets: ["get", "set"] } }])))
                .violations,
        ).toEqual([]);
        const { violations } = await check(
            p,
            vault([
                { objectId: "a", permissions: { secrets: ["get"] } },
                { objectId: "b", permissions: { certificates: ["purge"] } },
            ]),
        );
        expect(violations).toEqual([
            expect.stringContaining(
                'vault "kv-aio-test-01": inline properties.accessPolicies[1] (object b) grants purge (certificates: purge)',
            ),
        ]);
    });

    test("applies to access policies and vaults only", async () => {
        const outcome = await check(p, {
            type: "azure-native:authorization:RoleAssignment",
            name: "access-reader-secretsUser",
            props: {},
        });
        expect(outcome.violations).toEqual([]);
        expect(outcome.notApplicable).toContain(ACCESS_POLICY);
    });
});

// ---------------------------------------------------------------------------------------------
// 4. csi-credential-secret-labelled

describe("csi-credential-secret-labelled", () => {
    const p = policy("csi-credential-secret-labelled");
    const k8sSecret = (name: string, labels: Record<string, string> | undefined, type?: string): TestResource => ({
        type: K8S_SECRET,
        name: "cluster-sp-secret",
        props: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name, namespace: "azure-iot-operations", ...(labels ? { labels } : {}) },
            ...(type === undefined ? {} : { type }),
            stringData: new Secret({ clientid: "id", clientsecret: "secret" }),
        },
    });

    test("passes the labelled Opaque credential Secret, and leaves other Secrets alone", async () => {
        expect((await check(p, k8sSecret(CSI_SECRET_NAME, { [CSI_USED_LABEL]: "true" }, "Opaque"))).violations).toEqual(
            [],
        );
        // No type is Opaque (the API server's default).
        expect(
            (await check(p, k8sSecret(CSI_SECRET_NAME, { [CSI_USED_LABEL]: "true", app: "aio" }))).violations,
        ).toEqual([]);
        expect((await check(p, k8sSecret("some-other-secret", undefined, "kubernetes.io/tls"))).violations).toEqual([]);
    });

    test("fails a missing or wrong label", async () => {
        const missing = await check(p, k8sSecret(CSI_SECRET_NAME, undefined, "Opaque"));
        expect(missing.violations).toEqual([`Secret "aio-akv-sp": label ${CSI_USED_LABEL} must be "true", got absent`]);
        const wrong = await check(p, k8sSecret(CSI_SECRET_NAME, { [CSI_USED_LABEL]: "false" }, "Opaque"));
        expect(wrong.violations).toEqual([expect.stringContaining('must be "true", got "false"')]);
    });

    test("fails a type other than Opaque", async () => {
        const { violations } = await check(
            p,
            k8sSecret(CSI_SECRET_NAME, { [CSI_USED_LABEL]: "true" }, "kubernetes.io/basic-auth"),
        );
        expect(violations).toEqual(['Secret "aio-akv-sp": type must be Opaque, got "kubernetes.io/basic-auth"']);
    });

    test("applies to Kubernetes Secrets only", async () => {
        expect((await check(p, { type: VAULT_SECRET, name: "x", props: {} })).notApplicable).toContain(K8S_SECRET);
    });
});

// ---------------------------------------------------------------------------------------------
// 5. spc-azure-provider-well-formed

describe("spc-azure-provider-well-formed", () => {
    const p = policy("spc-azure-provider-well-formed");
    const objects = (list: SpcObject[]) => renderSpcObjects(list);
    const DEFAULT_OBJECTS: SpcObject[] = [
        { objectName: "azure-iot-operations", objectType: "secret", objectVersion: "" },
        { objectName: "mq-password", objectType: "secret", objectVersion: "", objectAlias: "mq-password.txt" },
        { objectName: "opcua-cert", objectType: "cert", objectVersion: "" },
        { objectName: "signing-key", objectType: "key", objectVersion: "" },
    ];
    const spc = (parameters: Record<string, unknown>, provider: unknown = "azure"): TestResource => ({
        type: SPC_TYPE,
        name: "spc-aio-default-spc-spc",
        props: {
            apiVersion: "secrets-store.csi.x-k8s.io/v1",
            kind: "SecretProviderClass",
            metadata: { name: "aio-default-spc", namespace: "azure-iot-operations" },
            spec: {
                provider,
                parameters: {
                    keyvaultName: "kv-aio-test-01",
                    tenantId: TENANT,
                    usePodIdentity: "false",
                    objects: objects(DEFAULT_OBJECTS),
                    ...parameters,
                },
            },
        },
    });
    const handWritten = (...items: string[]) =>
        `array:\n${items
            .map(
                (i) =>
                    `  - |\n${i
                        .split("\n")
                        .map((l) => `    ${l}`)
                        .join("\n")}\n`,
            )
            .join("")}`;

    test("passes an SPC as the project renders it", async () => {
        expect((await check(p, spc({}))).violations).toEqual([]);
        expect(
            (
                await check(
                    p,
                    spc({
                        objects: handWritten(
                            "objectName: a\nobjectType: secret",
                            "objectName: b\nobjectType: secret\nobjectAlias: c",
                        ),
                    }),
                )
            ).violations,
        ).toEqual([]);
    });

    test("fails a wrong provider, pod identity, missing vault or tenant", async () => {
        const { violations } = await check(
            p,
            spc({ usePodIdentity: "true", keyvaultName: "", tenantId: undefined }, "gcp"),
        );
        expect(violations).toEqual([
            'SecretProviderClass "aio-default-spc": spec.provider must be "azure", got "gcp"',
            'SecretProviderClass "aio-default-spc": spec.parameters.usePodIdentity must be "false" (a string), got "true"',
            'SecretProviderClass "aio-default-spc": spec.parameters.keyvaultName must be a non-empty string, got ""',
            'SecretProviderClass "aio-default-spc": spec.parameters.tenantId must be a non-empty string, got absent',
        ]);
        // A boolean false is not the string the provider reads.
        expect((await check(p, spc({ usePodIdentity: false }))).violations).toEqual([
            expect.stringContaining('usePodIdentity must be "false" (a string), got false'),
        ]);
    });

    test("fails objects the provider cannot parse", async () => {
        const nested = await check(p, spc({ objects: "array:\n  - objectName: a\n    objectType: secret\n" }));
        expect(nested.violations).toEqual([
            expect.stringContaining(
                "spec.parameters.objects does not parse: objects: array[0] must be a YAML string, not a nested map",
            ),
        ]);
        const noArray = await check(p, spc({ objects: "objects:\n  - a\n" }));
        expect(noArray.violations).toEqual([expect.stringContaining("missing `array`")]);
        const absent = await check(p, spc({ objects: undefined }));
        expect(absent.violations).toEqual([
            expect.stringContaining("spec.parameters.objects must be a YAML string, got absent"),
        ]);
    });

    test("fails an object without a name or with a wrong type", async () => {
        const { violations } = await check(
            p,
            spc({
                objects: handWritten(
                    "objectType: secret",
                    "objectName: b\nobjectType: Secret",
                    "objectName: c\nobjectType: password",
                    "objectName: d",
                ),
            }),
        );
        expect(violations).toEqual([
            expect.stringContaining("array[0]: objectName must be a non-empty string, got absent"),
            expect.stringContaining('array[1]: objectType must be one of secret, key, cert (lower case), got "Secret"'),
            expect.stringContaining(
                'array[2]: objectType must be one of secret, key, cert (lower case), got "password"',
            ),
            expect.stringContaining("array[3]: objectType must be one of secret, key, cert (lower case), got absent"),
        ]);
    });

    test("fails two objects that write the same file", async () => {
        const sameName = await check(
            p,
            spc({ objects: handWritten("objectName: a\nobjectType: secret", "objectName: a\nobjectType: cert") }),
        );
        expect(sameName.violations).toEqual([
            expect.stringContaining(
                'array[1]: file name "a" (objectAlias, else objectName) is already used by array[0]',
            ),
        ]);
        const aliasClash = await check(
            p,
            spc({
                objects: handWritten(
                    "objectName: mq-password\nobjectType: secret",
                    "objectName: other\nobjectType: secret\nobjectAlias: mq-password",
                ),
            }),
        );
        expect(aliasClash.violations).toEqual([expect.stringContaining('file name "mq-password"')]);
        // Same object name under different aliases is fine.
        const aliased = await check(
            p,
            spc({
                objects: handWritten(
                    "objectName: a\nobjectType: secret\nobjectAlias: a1",
                    "objectName: a\nobjectType: secret\nobjectAlias: a2",
                ),
            }),
        );
        expect(aliased.violations).toEqual([]);
    });

    test("applies to SecretProviderClasses only", async () => {
        const outcome = await check(p, { type: "kubernetes:core/v1:ConfigMap", name: "x", props: {} });
        expect(outcome).toEqual({
            violations: [],
            notApplicable: `Policy only applies to resources of type '${SPC_TYPE}'`,
        });
    });
});

// ---------------------------------------------------------------------------------------------
// The project's own stacks pass its own pack

/** Recorded inputs as a policy would see them with markers kept: wire envelopes become `Secret`s. */
function withSecretMarkers(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withSecretMarkers);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SECRET_SIG_KEY] === SECRET_SIG) return new Secret(withSecretMarkers(record.value));
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, withSecretMarkers(v)]));
    }
    return value;
}

/** Recorded inputs with every secret unwrapped, as if the program had forgotten `pulumi.secret`. */
function withoutSecretMarkers(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutSecretMarkers);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SECRET_SIG_KEY] === SECRET_SIG) return withoutSecretMarkers(record.value);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, withoutSecretMarkers(v)]));
    }
    return value;
}

interface PackResult {
    /** `policy: resource: message` for every violation. */
    violations: string[];
    /** How many resources each policy applied to. */
    applied: Record<string, number>;
}

async function runPack(
    resources: RecordedResource[],
    props: (inputs: Record<string, unknown>) => unknown = withSecretMarkers,
): Promise<PackResult> {
    const result: PackResult = { violations: [], applied: Object.fromEntries(policies.map((p) => [p.name, 0])) };
    for (const r of resources.filter((x) => x.custom)) {
        for (const p of policies) {
            const outcome = await check(p, {
                type: r.type,
                name: r.name,
                props: props(r.inputs) as Record<string, unknown>,
            });
            if (outcome.notApplicable === undefined) result.applied[p.name] += 1;
            result.violations.push(...outcome.violations.map((v) => `${p.name}: ${r.name}: ${v}`));
        }
    }
    return result;
}

describe("the project's stacks pass the pack", () => {
    const STACKS = ["dev", "staging", "prod"];
    const runs = new Map<string, Awaited<ReturnType<typeof runStack>>>();
    /** prod with a vault the stack creates (the example looks its vault up): the protected branch of policy 1. */
    let prodCreated: Awaited<ReturnType<typeof runStack>>;

    beforeAll(async () => {
        for (const stack of STACKS) runs.set(stack, await runStack({ stack, mode: "up" }));
        prodCreated = await runStack({
            stack: "prod",
            mode: "up",
            configOverrides: {
                "aio-secrets:keyVault": JSON.stringify({
                    name: "kv-aio-prod-01",
                    resourceGroupName: "rg-aio-prod",
                    permissionModel: "accessPolicy",
                    network: { defaultAction: "Deny", ipRules: ["203.0.113.10"] },
                }),
            },
        });
    });

    function runOf(stack: string): Awaited<ReturnType<typeof runStack>> {
        const run = runs.get(stack);
        if (!run) throw new Error(`stack ${stack} did not run`);
        expect(run.error).toBeUndefined();
        return run;
    }

    test.each(STACKS)("%s: no violations", async (stack) => {
        const result = await runPack(runOf(stack).resources);
        expect(result.violations).toEqual([]);
    });

    test.each(STACKS)(
        "%s: not vacuous: with the secret markers stripped, every vault secret is flagged",
        async (stack) => {
            const run = runOf(stack);
            const vaultSecrets = run.resources.filter((r) => r.type === VAULT_SECRET).map((r) => r.name);
            expect(vaultSecrets.length).toBeGreaterThan(0);
            const stripped = await runPack(run.resources, withoutSecretMarkers);
            expect(stripped.violations).toHaveLength(vaultSecrets.length);
            for (const name of vaultSecrets) {
                expect(stripped.violations).toContainEqual(
                    expect.stringMatching(new RegExp(`^vault-secret-value-is-secret: ${name}: .*plaintext`)),
                );
            }
        },
    );

    test.each(STACKS)(
        "%s: through the analyzer host's own deserialization and proxy: no violations; the secretness check says why it cannot run",
        async (stack) => {
            const run = runOf(stack);
            const asHost = (inputs: Record<string, unknown>) =>
                unknownCheckingProxy(deserializeProperties({ toJavaScript: () => inputs }, false));
            const result = await runPack(run.resources, asHost);
            expect(result.violations).toEqual([]);
            expect(result.applied["vault-secret-value-is-secret"]).toBe(0);
            for (const p of policies.filter(
                (x) =>
                    x.name !== "vault-secret-value-is-secret" &&
                    x.name !== "vault-purge-protection-in-protected-environments" &&
                    // Vault-typed too: prod looks its vault up (no Vault resource).
                    x.name !== "vault-network-restricted-in-protected-environments",
            )) {
                expect({ policy: p.name, applied: result.applied[p.name] > 0 }).toEqual({
                    policy: p.name,
                    applied: true,
                });
            }
            const secret = run.resources.find((r) => r.type === VAULT_SECRET);
            if (!secret) throw new Error("no vault secret");
            const outcome = await check(policy("vault-secret-value-is-secret"), {
                type: secret.type,
                name: secret.name,
                props: asHost(secret.inputs),
            });
            expect(outcome.notApplicable).toBe(SECRETNESS_UNOBSERVABLE);
        },
    );

    test("prod with a vault the stack creates: the protected vault passes, and fails without purge protection", async () => {
        expect(prodCreated.error).toBeUndefined();
        const vaults = prodCreated.resources.filter((r) => r.type === VAULT);
        expect(vaults).toHaveLength(1);
        expect(vaults[0].inputs.tags).toMatchObject({ [ENVIRONMENT_TAG]: "prod" });
        const result = await runPack(prodCreated.resources);
        expect(result.violations).toEqual([]);
        expect(result.applied["vault-purge-protection-in-protected-environments"]).toBe(1);

        const properties = { ...(vaults[0].inputs.properties as Record<string, unknown>) };
        delete properties.enablePurgeProtection;
        const caught = await runPack([{ ...vaults[0], inputs: { ...vaults[0].inputs, properties } }]);
        expect(caught.violations).toEqual([expect.stringContaining("enablePurgeProtection must be true, got absent")]);
    });

    test("every policy applies to some of the project's resources", async () => {
        const applied: Record<string, number> = Object.fromEntries(policies.map((p) => [p.name, 0]));
        for (const run of [...STACKS.map(runOf), prodCreated]) {
            const result = await runPack(run.resources);
            for (const [name, n] of Object.entries(result.applied)) applied[name] += n;
        }
        for (const p of policies)
            expect({ policy: p.name, applied: applied[p.name] > 0 }).toEqual({ policy: p.name, applied: true });
    });
});

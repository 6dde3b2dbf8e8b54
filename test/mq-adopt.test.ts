import * as path from "node:path";
import { parseCatalog } from "../stacks/catalog";
import { formatProblem } from "../stacks/errors";
import { inputAt } from "../tools/harness";
import { outputFiles } from "../tools/planRender";
import { byName, byType, runStack, scratch } from "./helpers";

/** Azure IoT MQ vault references, and adopting a cluster `az iot ops init` set up. */

const STACK = `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555
  aio-secrets:keyVault: { name: kv-mq-01, resourceGroupName: rg-mq }
  aio-secrets:secretValues:
    broker-password:
      secure: v1:abc
`;

const CATALOG = `environments: [dev, prod]
secretProviderClasses:
  broker-spc: {}
secrets:
  - { name: broker-password, source: config, spcs: [broker-spc], mq: secret }
  - { name: broker-server-cert, type: cert, source: existing, mq: cert, version: 0123456789abcdef0123456789abcdef }
  - { name: broker-ca-chain, source: existing, mq: caChain }
mqResources:
  - apiVersion: mq.iotoperations.azure.com/v1beta1
    kind: BrokerAuthentication
    metadata: { name: authn }
    spec:
      listenerRef: [listener]
      authenticationMethods:
        - usernamePassword:
            keyVault: { keyVaultRef: broker-password }
  - apiVersion: mq.iotoperations.azure.com/v1beta1
    kind: BrokerListener
    metadata: { name: listener }
    spec:
      ports:
        - port: 8883
          tls:
            keyVault: { keyVaultRef: broker-server-cert }
            caChain: { keyVaultRef: broker-ca-chain }
`;

async function plan(catalog = CATALOG, stack = STACK) {
    const dir = scratch({ "Pulumi.mq.yaml": stack, "secrets.yaml": catalog });
    return runStack({
        stack: "mq",
        stackFile: path.join(dir, "Pulumi.mq.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        mode: "up",
    });
}

const VAULT = {
    name: "kv-mq-01",
    directoryId: "11111111-2222-3333-4444-555555555555",
    credentials: { servicePrincipalLocalSecretName: "aio-akv-sp" },
};

describe("MQ vault references", () => {
    let run: Awaited<ReturnType<typeof plan>>;
    beforeAll(async () => {
        run = await plan();
    });

    test("a stack output keyed by secret name holds each keyVault block", () => {
        expect(run.error).toBeUndefined();
        expect(run.outputs.mqVaultReferences).toEqual({
            "broker-password": { vault: VAULT, vaultSecret: { name: "broker-password", version: "" } },
            "broker-server-cert": {
                vault: VAULT,
                vaultCert: { name: "broker-server-cert", version: "0123456789abcdef0123456789abcdef" },
            },
            "broker-ca-chain": { vault: VAULT, vaultCaChainSecret: { name: "broker-ca-chain", version: "" } },
        });
    });

    test("a secret used by MQ and an SPC at once is written once and mounted", () => {
        expect(
            byType(run, "azure-native:keyvault:Secret").filter(
                (r) => inputAt(r.inputs, "secretName") === "broker-password",
            ),
        ).toHaveLength(1);
        expect(String(inputAt(byName(run, "spc-broker-spc-spc").inputs, "spec.parameters.objects"))).toContain(
            "objectName: broker-password",
        );
    });

    test("mqResources are applied in the AIO namespace with keyVaultRef replaced by the block", () => {
        const authn = byName(run, "mq-brokerauthentication-authn");
        expect(authn.type).toBe("kubernetes:mq.iotoperations.azure.com/v1beta1:BrokerAuthentication");
        expect(inputAt(authn.inputs, "metadata")).toEqual({
            name: "authn",
            namespace: "azure-iot-operations",
            // Fixed names that may exist already: force-applied.
            annotations: { "pulumi.com/patchForce": "true" },
        });
        expect(inputAt(authn.inputs, "spec")).toEqual({
            listenerRef: ["listener"],
            authenticationMethods: [
                {
                    usernamePassword: {
                        keyVault: { vault: VAULT, vaultSecret: { name: "broker-password", version: "" } },
                    },
                },
            ],
        });
        const listener = byName(run, "mq-brokerlistener-listener");
        expect(inputAt(listener.inputs, "spec.ports")).toEqual([
            {
                port: 8883,
                tls: {
                    keyVault: {
                        vault: VAULT,
                        vaultCert: { name: "broker-server-cert", version: "0123456789abcdef0123456789abcdef" },
                    },
                    caChain: { vault: VAULT, vaultCaChainSecret: { name: "broker-ca-chain", version: "" } },
                },
            },
        ]);
        expect(JSON.stringify(run.resources.map((r) => r.inputs))).not.toContain("keyVaultRef");
        expect(run.outputs.mqResources).toEqual(["BrokerAuthentication/authn", "BrokerListener/listener"]);
    });

    test("--out writes the references as a YAML file, and the MQ resources as manifests", () => {
        const files = outputFiles(run);
        const refs = files.find((f) => f.fileName === "mq-keyvault-references.yaml");
        expect(refs?.yaml).toMatch(/broker-password:\n\s+vault:\n/);
        expect(refs?.yaml).toContain("vaultCaChainSecret:");
        expect(files.map((f) => f.fileName)).toEqual(
            expect.arrayContaining(["mq-brokerauthentication-authn.yaml", "mq-brokerlistener-listener.yaml"]),
        );
    });
});

describe("MQ reference errors", () => {
    const problems = (catalog: string) => parseCatalog(catalog).problems.map(formatProblem);

    test("a reference to an unknown secret", () => {
        expect(problems(CATALOG.replace("keyVaultRef: broker-password", "keyVaultRef: nope"))).toEqual([
            'stacks/secrets.yaml:16: mqResources[0].spec.authenticationMethods[0].usernamePassword.keyVault.keyVaultRef "nope": names no secret of the catalog',
        ]);
    });

    test("a reference to a secret without mq:", () => {
        const text = CATALOG.replace(", mq: caChain }", " }");
        expect(problems(text)).toEqual([
            expect.stringMatching(
                /mqResources\[1\]\.spec\.ports\[0\]\.tls\.caChain\.keyVaultRef "broker-ca-chain": secret "broker-ca-chain" has no mq:/,
            ),
        ]);
    });

    test("a malformed reference, and mq kinds that do not fit the object type", () => {
        const text = CATALOG.replace(
            "{ keyVaultRef: broker-password }",
            "{ keyVaultRef: broker-password, extra: 1 }",
        ).replace("source: existing, mq: caChain", "type: cert, source: existing, mq: caChain");
        const found = problems(text);
        expect(found).toContainEqual(
            expect.stringMatching(
                /secrets\[2\] \(broker-ca-chain\)\.mq: mq: caChain refers to a vault secret, but the entry has type cert/,
            ),
        );
        expect(found).toContainEqual(
            expect.stringMatching(
                /usernamePassword\.keyVault: a vault reference is written \{ keyVaultRef: <secret name> \}/,
            ),
        );
    });

    test("a referenced secret not enabled in the stack's environment, and a foreign namespace", async () => {
        const text = CATALOG.replace("mq: caChain }", "mq: caChain, environments: [prod] }").replace(
            "metadata: { name: listener }",
            "metadata: { name: listener, namespace: other }",
        );
        const run = await plan(text);
        expect(run.error).toContain(
            'mqResources[1].spec.ports[0].tls.caChain.keyVaultRef "broker-ca-chain": secret "broker-ca-chain" is not enabled in environment dev',
        );
        expect(run.error).toContain(
            'mqResources[1].metadata.namespace "other": MQ resources are applied in the AIO namespace (azure-iot-operations)',
        );
        expect(run.resources).toHaveLength(0);
    });
});

describe("adopting a cluster set up by az iot ops init (Pulumi.adopt.yaml)", () => {
    let adopt: Awaited<ReturnType<typeof runStack>>;
    let fresh: Awaited<ReturnType<typeof runStack>>;
    beforeAll(async () => {
        adopt = await runStack({ stack: "adopt", mode: "up" });
        fresh = await runStack({ stack: "staging", mode: "up" });
    });

    test("creates no vault, app, service principal, password or default secret", () => {
        expect(adopt.error).toBeUndefined();
        for (const type of [
            "azure-native:keyvault:Vault",
            "azure-native:resources:ResourceGroup",
            "azuread:index/application:Application",
            "azuread:index/servicePrincipal:ServicePrincipal",
            "azuread:index/applicationPassword:ApplicationPassword",
            "random:index/randomBytes:RandomBytes",
        ]) {
            expect({ type, count: byType(adopt, type).length }).toEqual({ type, count: 0 });
        }
        expect(adopt.resources.some((r) => r.name === "vault-secrets-azure-iot-operations")).toBe(false);
        expect(String(inputAt(byName(adopt, "spc-aio-default-spc-spc").inputs, "spec.parameters.objects"))).toContain(
            "objectName: azure-iot-operations",
        );
    });

    test("takes init's objects over in place and never deletes them", () => {
        const adopted = [
            byName(adopt, "cluster-namespace"),
            byName(adopt, "cluster-sp-secret"),
            ...byType(adopt, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"),
        ];
        expect(adopted.length).toBe(7);
        for (const r of adopted)
            expect({ name: r.name, retainOnDelete: r.retainOnDelete }).toEqual({ name: r.name, retainOnDelete: true });
        for (const r of adopted.filter((x) => x.type.startsWith("kubernetes:"))) {
            expect(inputAt(r.inputs, "metadata.annotations")).toEqual({ "pulumi.com/patchForce": "true" });
        }
        expect(inputAt(byName(adopt, "cluster-sp-secret").inputs, "metadata.name")).toBe("aio-akv-sp");
    });

    test("leaves the vault's access as init granted it (azure-native refuses a second policy for a principal)", () => {
        expect(byType(adopt, "azure-native:keyvault:AccessPolicy")).toHaveLength(0);
        expect(byType(adopt, "azure-native:authorization:RoleAssignment")).toHaveLength(0);
    });

    test("every Kubernetes object goes through a provider that upserts existing objects and mutates Secrets in place", () => {
        for (const run of [adopt, fresh]) {
            const providers = byType(run, "pulumi:providers:kubernetes");
            expect(providers).toHaveLength(1);
            expect(inputAt(providers[0].inputs, "upsertExistingObjects")).toBe("true");
            expect(inputAt(providers[0].inputs, "enableSecretMutable")).toBe("true");
            expect(inputAt(providers[0].inputs, "enableConfigMapMutable")).toBe("true");
            const k8s = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            expect(k8s.length).toBeGreaterThan(5);
            for (const r of k8s)
                expect({ name: r.name, provider: r.provider?.split("::")[3] }).toEqual({
                    name: r.name,
                    provider: "kubernetes",
                });
        }
    });

    test("adopted objects have the same identities as in a stack that created them", () => {
        const names = (run: typeof adopt) =>
            run.resources
                .filter((r) => r.type.startsWith("kubernetes:") && !r.type.endsWith("Patch"))
                .map((r) => r.urn.split("::").slice(2).join("::"))
                .sort();
        // Except the CA: an adopted cluster keeps init's (ca.mode defaults to none there).
        expect(names(adopt)).toEqual(names(fresh).filter((n) => !n.startsWith("aio-secrets:ca:")));
        expect(names(fresh).filter((n) => n.startsWith("aio-secrets:ca:"))).toHaveLength(2);
    });

    test("a fresh stack also force-applies every fixed-name object (init may have made it) but does not retain its SPCs", () => {
        const spc = byName(fresh, "spc-aio-default-spc-spc");
        expect(spc.retainOnDelete).toBe(false);
        const fixedNames = fresh.resources.filter(
            (r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes",
        );
        expect(fixedNames.length).toBeGreaterThan(5);
        for (const r of fixedNames) {
            const annotations = inputAt(r.inputs, "metadata.annotations") as Record<string, string> | undefined;
            expect({ name: r.name, force: annotations?.["pulumi.com/patchForce"] }).toEqual({
                name: r.name,
                force: "true",
            });
        }
        // The credential Secret is never deleted by the stack, adopted or not.
        expect(byName(fresh, "cluster-sp-secret").retainOnDelete).toBe(true);
    });
});

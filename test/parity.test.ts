import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseSpcObjects } from "../model/spc";
import { inputAt, SECRET_SIG, SECRET_SIG_KEY } from "../tools/harness";
import type { RecordedResource, RunResult } from "../tools/harness";
import { byName, byType, FIXTURES, runStack, scratch, SHARED_FIXTURES, sharedFixturesReason, testIf } from "./helpers";

/**
 * Parity with what `az iot ops init` wrote, field by field, against the reference objects in
 * test/fixtures/az-iot-ops-init (a copy of ../shared/fixtures/az-iot-ops-init; see its README).
 * The stack runs with an empty catalog, so it declares exactly what init did and nothing more.
 */

const FIXTURE_DIR = FIXTURES;
const TENANT = "11111111-2222-3333-4444-555555555555";
const VAULT = "kv-parity-01";
const DEFAULT_SECRET = "azure-iot-operations";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INIT_SPCS = [
    "aio-default-spc",
    "aio-opc-ua-broker-client-certificate",
    "aio-opc-ua-broker-user-authentication",
    "aio-opc-ua-broker-trust-list",
    "aio-opc-ua-broker-issuer-list",
];

const SPC_TYPE = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";
const SECRET_TYPE = "kubernetes:core/v1:Secret";
const EXTENSION_TYPE = "azure-native:kubernetesconfiguration:Extension";
const ACCESS_POLICY_TYPE = "azure-native:keyvault:AccessPolicy";

function stackFile(csiDriver: string): string {
    return `config:
  azure-native:location: westeurope
  aio-secrets:environment: parity
  aio-secrets:tenantId: ${TENANT}
  aio-secrets:keyVault:
    name: ${VAULT}
    resourceGroupName: rg-parity
  aio-secrets:cluster:
    namespace: azure-iot-operations
    arcClusterName: arc-parity
    arcResourceGroupName: rg-arc-parity
${csiDriver}`;
}

async function runParity(csiDriver = ""): Promise<RunResult> {
    const dir = scratch({ "Pulumi.parity.yaml": stackFile(csiDriver), "secrets.yaml": "secrets: []\n" });
    const run = await runStack({
        stack: "parity",
        stackFile: path.join(dir, "Pulumi.parity.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        mode: "up",
    });
    expect(run.error).toBeUndefined();
    return run;
}

/** Replaces init's per-deployment placeholders with this stack's values. */
function instantiate(text: string): string {
    return text
        .replace(/<vault>/g, VAULT)
        .replace(/<tenant>/g, TENANT)
        .replace(/<default-secret>/g, DEFAULT_SECRET);
}

function readYaml(file: string): Record<string, unknown> {
    return parse(instantiate(fs.readFileSync(path.join(FIXTURE_DIR, file), "utf8"))) as Record<string, unknown>;
}

function readJson(file: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, file), "utf8")) as Record<string, unknown>;
}

function at(value: unknown, dotted: string): unknown {
    let node = value;
    for (const key of dotted.split(".")) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string, unknown>)[key];
    }
    return node;
}

function isEnvelope(value: unknown): boolean {
    return (
        value !== null && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
    );
}

let run: RunResult;
beforeAll(async () => {
    run = await runParity();
});

describe("SecretProviderClasses (secretproviderclass.yaml)", () => {
    const fixture = readYaml("secretproviderclass.yaml");
    const fixtureParams = at(fixture, "spec.parameters") as Record<string, unknown>;

    test("the fixture is what the README describes", () => {
        expect(Object.keys(fixtureParams).sort()).toEqual(["keyvaultName", "objects", "tenantId", "usePodIdentity"]);
        expect(fixtureParams.keyvaultName).toBe(VAULT);
    });

    test("exactly init's five SPCs exist", () => {
        const names = byType(run, SPC_TYPE).map((r) => inputAt(r.inputs, "metadata.name"));
        expect([...names].sort()).toEqual([...INIT_SPCS].sort());
    });

    describe.each(INIT_SPCS)("%s", (spcName) => {
        let spc: RecordedResource;
        beforeAll(() => {
            const found = byType(run, SPC_TYPE).find((r) => inputAt(r.inputs, "metadata.name") === spcName);
            if (!found) throw new Error(`no SecretProviderClass ${spcName}`);
            spc = found;
        });

        test("apiVersion, kind, name and namespace", () => {
            expect(inputAt(spc.inputs, "apiVersion")).toBe(fixture.apiVersion);
            expect(inputAt(spc.inputs, "kind")).toBe(fixture.kind);
            expect(inputAt(spc.inputs, "metadata.name")).toBe(spcName);
            expect(inputAt(spc.inputs, "metadata.namespace")).toBe(at(fixture, "metadata.namespace"));
        });

        test("provider and plain parameters", () => {
            expect(inputAt(spc.inputs, "spec.provider")).toBe(at(fixture, "spec.provider"));
            expect(inputAt(spc.inputs, "spec.parameters.usePodIdentity")).toBe(fixtureParams.usePodIdentity);
            expect(inputAt(spc.inputs, "spec.parameters.usePodIdentity")).toBe("false");
            expect(inputAt(spc.inputs, "spec.parameters.keyvaultName")).toBe(VAULT);
            expect(inputAt(spc.inputs, "spec.parameters.tenantId")).toBe(TENANT);
            expect(inputAt(spc.inputs, "spec.parameters.tenantId")).toBe(fixtureParams.tenantId);
        });

        test("objects, compared after parsing", () => {
            const objects = inputAt(spc.inputs, "spec.parameters.objects");
            expect(typeof objects).toBe("string");
            const expected = parseSpcObjects(String(fixtureParams.objects));
            expect(expected).toEqual([{ objectName: DEFAULT_SECRET, objectType: "secret", objectVersion: "" }]);
            expect(parseSpcObjects(String(objects))).toEqual(expected);
        });

        test("parameters have no keys beyond the fixture's", () => {
            const params = inputAt(spc.inputs, "spec.parameters") as Record<string, unknown>;
            expect(Object.keys(params).sort()).toEqual(Object.keys(fixtureParams).sort());
            for (const value of Object.values(params)) expect(typeof value).toBe("string");
        });

        test("spec has no keys beyond the fixture's", () => {
            const spec = inputAt(spc.inputs, "spec") as Record<string, unknown>;
            expect(Object.keys(spec).sort()).toEqual(Object.keys(fixture.spec as Record<string, unknown>).sort());
        });
    });
});

describe("credential Secret aio-akv-sp (secret-aio-akv-sp.yaml)", () => {
    const fixture = readYaml("secret-aio-akv-sp.yaml");
    let secret: RecordedResource;
    beforeAll(() => {
        const found = byType(run, SECRET_TYPE).find(
            (r) => inputAt(r.inputs, "metadata.name") === at(fixture, "metadata.name"),
        );
        if (!found) throw new Error("no aio-akv-sp Secret");
        secret = found;
    });

    test("the Secrets declared are init's: aio-akv-sp and the test CA's key pair", () => {
        expect(
            byType(run, SECRET_TYPE)
                .map((r) => inputAt(r.inputs, "metadata.name"))
                .sort(),
        ).toEqual(["aio-akv-sp", "aio-ca-key-pair-test-only"]);
    });

    test("name, namespace, label and type", () => {
        expect(inputAt(secret.inputs, "apiVersion") ?? "v1").toBe(fixture.apiVersion);
        expect(inputAt(secret.inputs, "kind") ?? "Secret").toBe(fixture.kind);
        expect(inputAt(secret.inputs, "metadata.name")).toBe("aio-akv-sp");
        expect(inputAt(secret.inputs, "metadata.namespace")).toBe(at(fixture, "metadata.namespace"));
        expect(inputAt(secret.inputs, "metadata.labels")).toEqual(at(fixture, "metadata.labels"));
        expect(
            (inputAt(secret.inputs, "metadata.labels") as Record<string, unknown>)["secrets-store.csi.k8s.io/used"],
        ).toBe("true");
        expect(inputAt(secret.inputs, "type")).toBe("Opaque");
        expect(inputAt(secret.inputs, "type")).toBe(fixture.type);
    });

    test("the keys are clientid and clientsecret, nothing else", () => {
        const fixtureKeys = Object.keys(fixture.data as Record<string, unknown>).sort();
        expect(fixtureKeys).toEqual(["clientid", "clientsecret"]);
        const stringData = inputAt(secret.inputs, "stringData") as Record<string, unknown>;
        expect(Object.keys(stringData).sort()).toEqual(fixtureKeys);
        expect(inputAt(secret.inputs, "data")).toBeUndefined();
    });

    test("clientid is the service principal's client id", () => {
        expect(inputAt(secret.inputs, "stringData.clientid")).toBe(run.outputs.servicePrincipalClientId);
        expect(String(inputAt(secret.inputs, "stringData.clientid"))).toMatch(GUID);
    });

    test("clientsecret travels wrapped in the secret envelope", () => {
        const stringData = at(secret.inputs, "stringData");
        // Either the whole map or the clientsecret leaf is enveloped; the value must never be bare.
        const leaf = isEnvelope(stringData) ? (stringData as { value: unknown }).value : stringData;
        const clientsecret = isEnvelope(stringData) ? stringData : (leaf as Record<string, unknown>).clientsecret;
        expect(isEnvelope(clientsecret)).toBe(true);
        expect((clientsecret as Record<string, unknown>)[SECRET_SIG_KEY]).toBe(SECRET_SIG);
        expect(inputAt(secret.inputs, "stringData.clientsecret")).toBe("mock-password-value-identity-password-b");
    });
});

describe("CSI driver extension (extension-akvsecretsprovider.json)", () => {
    const fixture = readJson("extension-akvsecretsprovider.json");
    const props = fixture.properties as Record<string, unknown>;
    let extension: RecordedResource;
    beforeAll(() => {
        const all = byType(run, EXTENSION_TYPE);
        expect(all).toHaveLength(1);
        extension = all[0];
    });

    test("type, version and auto-upgrade", () => {
        expect(inputAt(extension.inputs, "extensionType")).toBe(props.extensionType);
        expect(inputAt(extension.inputs, "autoUpgradeMinorVersion")).toBe(false);
        expect(inputAt(extension.inputs, "autoUpgradeMinorVersion")).toBe(props.autoUpgradeMinorVersion);
        expect(inputAt(extension.inputs, "version")).toBe(props.version);
    });

    test("configuration settings exactly equal", () => {
        expect(inputAt(extension.inputs, "configurationSettings")).toEqual(props.configurationSettings);
        expect(inputAt(extension.inputs, "configurationProtectedSettings")).toEqual({});
        expect(inputAt(extension.inputs, "configurationProtectedSettings")).toEqual(
            props.configurationProtectedSettings,
        );
    });

    test("identity, cluster and name", () => {
        expect(inputAt(extension.inputs, "identity")).toEqual(fixture.identity);
        expect(inputAt(extension.inputs, "identity.type")).toBe("SystemAssigned");
        expect(inputAt(extension.inputs, "clusterRp")).toBe("Microsoft.Kubernetes");
        expect(inputAt(extension.inputs, "clusterResourceName")).toBe("connectedClusters");
        expect(inputAt(extension.inputs, "extensionName")).toBe("akvsecretsprovider");
        expect(inputAt(extension.inputs, "clusterName")).toBe("arc-parity");
        expect(inputAt(extension.inputs, "resourceGroupName")).toBe("rg-arc-parity");
    });

    test("custom CSI settings in the stack file are reflected", async () => {
        const custom = await runParity(`    csiDriver:
      rotationPollInterval: 30m
      settings:
        "secrets-store-csi-driver.foo": "bar"
`);
        const [ext] = byType(custom, EXTENSION_TYPE);
        expect(ext).toBeDefined();
        expect(inputAt(ext.inputs, "configurationSettings")).toEqual({
            ...(props.configurationSettings as Record<string, string>),
            "secrets-store-csi-driver.rotationPollInterval": "30m",
            "secrets-store-csi-driver.foo": "bar",
        });
        expect(inputAt(ext.inputs, "version")).toBe(props.version);
        expect(inputAt(ext.inputs, "autoUpgradeMinorVersion")).toBe(false);
    });
});

describe("vault access policy for the service principal (vault-access-policy.json)", () => {
    const fixture = readJson("vault-access-policy.json");
    let policy: RecordedResource;
    beforeAll(() => {
        policy = byName(run, "access-reader");
    });

    test("is a separate AccessPolicy resource", () => {
        expect(policy.type).toBe(ACCESS_POLICY_TYPE);
        expect(inputAt(policy.inputs, "vaultName")).toBe(VAULT);
    });

    test("permissions exactly as init granted", () => {
        expect(inputAt(policy.inputs, "policy.permissions")).toEqual({
            secrets: ["get", "list"],
            keys: [],
            certificates: [],
            storage: [],
        });
        expect(inputAt(policy.inputs, "policy.permissions")).toEqual(fixture.permissions);
    });

    test("objectId is the service principal's object id", () => {
        const objectId = inputAt(policy.inputs, "policy.objectId");
        expect(String(objectId)).toMatch(GUID);
        expect(objectId).toBe(run.outputs.servicePrincipalObjectId);
        const sp = byType(run, "azuread:index/servicePrincipal:ServicePrincipal");
        expect(sp).toHaveLength(1);
        expect(objectId).not.toBe(run.outputs.servicePrincipalClientId);
        // Not the deploying identity, which has its own (writer) policy.
        expect(objectId).not.toBe(inputAt(byName(run, "access-writer").inputs, "policy.objectId"));
    });

    test("tenantId is the tenant", () => {
        expect(inputAt(policy.inputs, "policy.tenantId")).toBe(TENANT);
        expect(Object.keys(inputAt(policy.inputs, "policy") as Record<string, unknown>).sort()).toEqual(
            Object.keys(fixture).sort(),
        );
    });
});

describe("the committed fixtures", () => {
    testIf(fs.existsSync(SHARED_FIXTURES), sharedFixturesReason(SHARED_FIXTURES))(
        "are the design brief's fixtures, byte for byte",
        () => {
            for (const file of fs.readdirSync(SHARED_FIXTURES)) {
                expect({ file, text: fs.readFileSync(path.join(FIXTURES, file), "utf8") }).toEqual({
                    file,
                    text: fs.readFileSync(path.join(SHARED_FIXTURES, file), "utf8"),
                });
            }
        },
    );
});

import * as fs from "node:fs";
import * as path from "node:path";
import { parseCatalog, secretsForEnvironment, type Catalog } from "../stacks/catalog";
import { formatProblem } from "../stacks/errors";
import { OPCUA_SPC_NAME, OPCUA_SYNC_NAMES } from "../stacks/opcua";
import { parseSpcObjects } from "../model/spc";
import {
    checkConsumers,
    CONSUMER_CONTRACTS,
    consumersOfEntry,
    consumersOfSecret,
    contractTable,
    outageConsumers,
    outageConsumersOfEntry,
    type ConsumerUse,
} from "../model/consumers";
import { parseExport } from "../tools/liveExport";
import {
    contentlessConsumers,
    declaredConsumerNotes,
    referencesOf,
    resolveReferences,
    stackConfigMapsOf,
    stackSecretsOf,
} from "../tools/liveRefs";
import { consumerTouches } from "../tools/planDiff";
import type { RecordedResource, RunResult } from "../tools/harness";
import { byType, PROJECT_DIR, runStack, scratch } from "./helpers";

/**
 * Issue 18: the catalog names who reads each synced Secret, the plan holds the wiring to the
 * consumer contracts, OPC UA certificates are presets, and `check --live` resolves an export's
 * references (the pure parts; the command itself: test/check-cli.test.ts).
 */

const KAFKA = `secrets:
  - { name: kafka-user, source: existing, sync: { secret: kafka-sasl, key: username } }
  - { name: kafka-pass, source: existing, sync: { secret: kafka-sasl, key: password }, environments: [dev] }
secretSyncs:
  kafka-sasl:
    consumers: [{ kind: dataflowEndpoint, name: kafka-out, auth: sasl }]
`;

function catalogOf(text: string): Catalog {
    const { catalog, problems } = parseCatalog(text);
    expect(problems.map(formatProblem)).toEqual([]);
    return catalog!;
}

function check(text: string, env = "dev") {
    const catalog = catalogOf(text);
    return checkConsumers(catalog, secretsForEnvironment(catalog, env), env);
}

describe("consumers in the catalog", () => {
    test("a Kafka SASL consumer of a Secret without password is refused, naming consumer, Secret and key", () => {
        expect(check(KAFKA, "dev").problems).toEqual([]);
        const { problems } = check(KAFKA, "prod");
        expect(problems.map(formatProblem)).toEqual([
            'stacks/secrets.yaml: secretSyncs.kafka-sasl.consumers[0]: dataflow endpoint kafka-out (auth sasl) reads key "password" of Secret kafka-sasl, which in environment prod has only username; add an entry with sync: { secret: kafka-sasl, key: password }',
        ]);
    });

    test("the uses list what each consumer reads, and keys nobody reads are a warning", () => {
        const text = KAFKA.replace(
            "secretSyncs:",
            "  - { name: kafka-extra, source: existing, sync: { secret: kafka-sasl, key: clientId } }\nsecretSyncs:",
        );
        const { uses, warnings, problems } = check(text);
        expect(problems).toEqual([]);
        expect(uses).toEqual([
            {
                secret: "kafka-sasl",
                kind: "dataflowEndpoint",
                name: "kafka-out",
                auth: "sasl",
                requiredKeys: ["username", "password"],
                onValueChange: "outage",
            },
        ]);
        expect(warnings).toEqual([
            "stacks/secrets.yaml: Secret kafka-sasl has a key no consumer reads: clientId (its consumers: kafka-out)",
        ]);
        expect(outageConsumers(uses, "kafka-sasl").map((u) => u.name)).toEqual(["kafka-out"]);
        expect(consumersOfSecret(uses, "other")).toEqual([]);
        const entry = (key: string) => ({ sync: { secret: "kafka-sasl", key } });
        expect(outageConsumersOfEntry(uses, entry("password")).map((u) => u.name)).toEqual(["kafka-out"]);
        expect(consumersOfEntry(uses, entry("clientId"))).toEqual([]);
        expect(consumersOfEntry(uses, {})).toEqual([]);
    });

    test("unknown kinds and auths get a did-you-mean; a kind with several auths needs one; hostile names find nothing", () => {
        const with_ = (consumer: string) =>
            KAFKA.replace("{ kind: dataflowEndpoint, name: kafka-out, auth: sasl }", consumer);
        expect(check(with_("{ kind: dataflowEndpont, name: a }")).problems.map(formatProblem)).toEqual([
            expect.stringContaining(
                'consumers[0].kind "dataflowEndpont": is not a consumer kind (did you mean "dataflowEndpoint"?)',
            ),
        ]);
        expect(check(with_("{ kind: dataflowEndpoint, name: a, auth: sals }")).problems[0].rule).toContain(
            'did you mean "sasl"?',
        );
        expect(check(with_("{ kind: dataflowEndpoint, name: a }")).problems[0].rule).toContain(
            "set auth to one of sasl, x509",
        );
        expect(
            check(
                with_(
                    "{ kind: dataflowEndpoint, name: a, auth: sasl }, { kind: dataflowEndpoint, name: a, auth: sasl }",
                ),
            ).problems.map((p) => `${p.path}: ${p.rule}`),
        ).toEqual(["secretSyncs.kafka-sasl.consumers[1]: lists dataflowEndpoint a twice"]);
        // `auth` left out of a kind with one auth is that auth: the same consumer twice.
        const tls = (consumers: string) => `secrets:
  - { name: l-crt, source: existing, sync: { secret: broker-tls, key: tls.crt } }
  - { name: l-key, source: existing, sync: { secret: broker-tls, key: tls.key } }
secretSyncs:
  broker-tls:
    type: kubernetes.io/tls
    consumers: [${consumers}]
`;
        expect(check(tls("{ kind: brokerListener, name: l }")).problems).toEqual([]);
        const twice = check(tls("{ kind: brokerListener, name: l }, { kind: brokerListener, name: l, auth: tls }"));
        expect(twice.problems.map((p) => `${p.path}: ${p.rule}`)).toEqual([
            "secretSyncs.broker-tls.consumers[1]: lists brokerListener l twice",
        ]);
        expect(twice.uses.map((u) => `${u.kind} ${u.name} ${u.auth}`)).toEqual(["brokerListener l tls"]);
        for (const hostile of ["constructor", "toString", "hasOwnProperty"])
            expect(check(with_(`{ kind: ${hostile}, name: a }`)).problems[0].rule).toContain("is not a consumer kind");
        expect(parseCatalog(with_("{ kind: __proto__, name: a }")).problems.length).toBeGreaterThan(0);
    });

    test("a ConfigMap contract, a wrong Secret type and a Key Vault certificate are refused", () => {
        const base = (consumer: string, extra = "") => `secrets:
  - { name: ca-chain, type: ${extra || "secret"}, source: existing, sync: { secret: broker-tls, key: tls.crt } }
  - { name: ca-key, source: existing, sync: { secret: broker-tls, key: tls.key } }
secretSyncs:
  broker-tls:
    consumers: [${consumer}]
`;
        expect(check(base("{ kind: dataflowEndpoint, name: e, auth: trustedCa }")).problems[0].rule).toContain(
            "reads a ConfigMap",
        );
        expect(check(base("{ kind: brokerListener, name: l }")).problems.map((p) => p.rule)).toEqual([
            "broker listener l (auth tls) reads a kubernetes.io/tls Secret, but broker-tls is Opaque",
        ]);
        const cert = check(
            base("{ kind: brokerAuthentication, name: c, auth: customX509 }", "cert").replace(
                "broker-tls:\n",
                "broker-tls:\n    type: kubernetes.io/tls\n",
            ),
        );
        expect(cert.problems.map((p) => `${p.path}: ${p.rule}`)).toEqual([
            expect.stringContaining(
                'secrets[0] (ca-chain).type: broker authentication c (auth customX509) reads key "tls.crt" as a file the vault stores as a secret',
            ),
        ]);
    });

    test("kinds whose reference names the keys read the catalog's keys; a managed PEM entry gets its content type", () => {
        const text = `secrets:
  - { name: plc-user, source: existing, sync: { secret: plc-cred, key: username } }
  - { name: plc-pass, source: config, sync: { secret: plc-cred, key: password } }
  - { name: client-pem, source: config, sync: { secret: mqtt-x509, key: client_cert.pem } }
  - { name: client-key, source: config, contentType: text/plain, sync: { secret: mqtt-x509, key: client_key.pem } }
secretSyncs:
  plc-cred:
    consumers: [{ kind: device, name: plc-line-1, auth: usernamePassword, keys: [username, password, pin] }]
  mqtt-x509:
    consumers: [{ kind: dataflowEndpoint, name: mqtt-out, auth: x509 }]
`;
        const result = check(text);
        expect(result.problems.map((p) => p.rule)).toEqual([
            expect.stringContaining('device plc-line-1 (auth usernamePassword) reads key "pin" of Secret plc-cred'),
        ]);
        expect(result.contentTypes).toEqual(new Map([["client-pem", "application/x-pem-file"]]));
        const keysOnFixed = check(text.replace("auth: x509 }", "auth: x509, keys: [a] }").replace(", pin", ""));
        expect(keysOnFixed.problems.map((p) => p.path)).toEqual(["secretSyncs.mqtt-x509.consumers[0].keys"]);
    });

    test("the contract table: every row has keys, a type, a source and how it takes a change; the JSON keys are the contract", () => {
        const table = contractTable();
        expect(table.length).toBe(CONSUMER_CONTRACTS.length);
        for (const row of table) {
            expect(Object.keys(row)).toEqual(["kind", "auth", "requiredKeys", "secretType", "source", "onValueChange"]);
            expect(row.source.length).toBeGreaterThan(20);
        }
        const ids = table.map((r) => `${r.kind}/${r.auth}`);
        expect(new Set(ids).size).toBe(ids.length);
        expect(table.find((r) => r.kind === "dataflowEndpoint" && r.auth === "sasl")?.requiredKeys).toEqual([
            "username",
            "password",
        ]);
    });
});

describe("OPC UA certificates as presets", () => {
    const preset = (entries: string) => parseCatalog(`secrets:\n${entries}`);
    const entry = (name: string, list: string, file: string, extra = "") =>
        `  - { name: ${name}, source: existing, opcua: { list: ${list}, file: ${file} }${extra} }\n`;

    test("an entry lands in the fixed SecretSync under its file name, hex-encoded, with the CLI's content type", () => {
        const { catalog, problems } = preset(
            entry("ca-der", "trustList", "ca.der") +
                entry("iss-crt", "issuerList", "iss.crt") +
                entry("iss-crl", "issuerList", "iss.crl") +
                entry("cl-der", "clientCertificate", "cl.der") +
                entry("cl-pem", "clientCertificate", "cl.pem"),
        );
        expect(problems.map(formatProblem)).toEqual([]);
        const byName = new Map(catalog!.secrets.map((s) => [s.name, s]));
        expect(byName.get("ca-der")).toMatchObject({
            sync: { secret: OPCUA_SYNC_NAMES.trustList, key: "ca.der" },
            encoding: "hex",
            contentType: "application/pkix-cert",
        });
        expect(byName.get("iss-crl")?.contentType).toBe("application/pkix-crl");
        expect(byName.get("cl-pem")?.contentType).toBe("application/x-pem-file");
        expect([...catalog!.syncSecrets.keys()].sort()).toEqual(Object.values(OPCUA_SYNC_NAMES).sort());
    });

    test("the CLI's file rules are catalog rules", () => {
        const rules = (entries: string) => preset(entries).problems.map((p) => `${p.path}: ${p.rule}`);
        // A plain sync: into a fixed OPC UA Secret would skip these rules and the hex encoding.
        expect(
            rules("  - { name: raw, source: existing, sync: { secret: aio-opc-ua-broker-trust-list, key: ca.txt } }\n"),
        ).toEqual([
            "secrets[0] (raw).sync.secret: is the OPC UA connector's trustList: declare the entry with opcua: { list: trustList, file: <name> } instead of sync:",
        ]);
        expect(rules(entry("a", "trustList", "ca.pem"))).toEqual([
            expect.stringContaining("opcua.file: the OPC UA trustList takes .der, .crt files"),
        ]);
        expect(rules(entry("crl", "issuerList", "xy.crl"))).toEqual([
            expect.stringContaining("a CRL goes into the issuer list only with its certificate: add xy.crt or xy.der"),
        ]);
        // A half-removed pair is refused, not orphaned.
        expect(rules(entry("cl-der", "clientCertificate", "cl.der"))).toEqual([
            expect.stringContaining("cl.pem is missing (remove both, or neither)"),
        ]);
        expect(
            rules(
                entry("a-der", "clientCertificate", "aa.der") +
                    entry("a-pem", "clientCertificate", "ca.pem") +
                    entry("b-der", "clientCertificate", "bb.der") +
                    entry("b-pem", "clientCertificate", "bb.pem"),
            ).filter((r) => r.includes("one client certificate pair")).length,
        ).toBe(4);
        // Pairs in environments that never meet are two stacks' pairs.
        expect(
            rules(
                entry("a-der", "clientCertificate", "aa.der", ", environments: [dev]") +
                    entry("a-pem", "clientCertificate", "ca.pem", ", environments: [prod]"),
            ),
        ).toHaveLength(2);
        // A pair (or a CRL's certificate) that only overlaps leaves the other half alone where it is not.
        expect(
            rules(
                entry("d", "clientCertificate", "cl.der", ", environments: [dev, prod]") +
                    entry("p", "clientCertificate", "cl.pem", ", environments: [dev]"),
            ),
        ).toEqual([expect.stringContaining("cl.pem is missing in environment prod (remove both, or neither)")]);
        expect(
            rules(
                entry("d", "clientCertificate", "cl.der") +
                    entry("p", "clientCertificate", "cl.pem", ", environments: [dev]"),
            ),
        ).toEqual([expect.stringContaining("cl.pem is missing in the environments its partner does not list")]);
        expect(
            rules(
                entry("d", "clientCertificate", "cl.der", ", environments: [dev, prod]") +
                    entry("p1", "clientCertificate", "cl.pem", ", environments: [dev]") +
                    entry("p2", "clientCertificate", "cl.pem", ", environments: [prod]"),
            ).filter((r) => r.includes("is missing")),
        ).toEqual([]);
        expect(
            rules(entry("c", "issuerList", "xy.crt", ", environments: [dev]") + entry("l", "issuerList", "xy.crl")),
        ).toEqual([
            expect.stringContaining(
                "add xy.crt or xy.der to the issuer list (in the same environments) in the environments",
            ),
        ]);
        expect(rules(entry("s", "trustList", "st.der", ", sync: { secret: x, key: y }"))).toEqual([
            expect.stringContaining("opcua: sets it"),
        ]);
        expect(rules(entry("s", "trustList", "st.der", ", encoding: base64"))).toEqual([
            expect.stringContaining("stored hex-encoded"),
        ]);
        expect(rules(entry("s", "trustList", "st.der", ", type: cert"))[0]).toContain("not a Key Vault certificate");
        expect(
            preset(`  - { name: g, source: generated, opcua: { list: trustList, file: st.der } }\n`).problems.map(
                (p) => `${p.path}: ${p.rule}`,
            ),
        ).toEqual([expect.stringContaining("source: an OPC UA certificate is a file")]);
    });
});

describe("the program", () => {
    const catalogText = fs.readFileSync(path.join(PROJECT_DIR, "stacks", "secrets.yaml"), "utf8");

    test("the ga example plans the three fixed OPC UA SecretSyncs and lists its consumers", async () => {
        const run = await runStack({ stack: "ga" });
        expect(run.error).toBeUndefined();
        const names = byType(run, "azure-native:secretsynccontroller:SecretSync").map((r) => r.inputs.secretSyncName);
        expect(names).toEqual(expect.arrayContaining(Object.values(OPCUA_SYNC_NAMES)));
        // As the CLI: the three read the SPC opc-ua-connector, which lists exactly their hex objects;
        // the stack's own SPC lists the rest.
        const spcs = byType(run, "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass");
        const connector = spcs.find((r) => r.inputs.azureKeyVaultSecretProviderClassName === OPCUA_SPC_NAME)!;
        const own = spcs.find((r) => r !== connector)!;
        expect(spcs).toHaveLength(2);
        const listed = (r: typeof own) => parseSpcObjects(String(r.inputs.objects)).map((o) => o.objectName);
        expect(listed(connector)).toEqual([
            "opcua-client-der",
            "opcua-client-pem",
            "plant-ca-der",
            "plant-issuer-crl",
            "plant-issuer-crt",
        ]);
        expect(parseSpcObjects(String(connector.inputs.objects)).every((o) => o.objectEncoding === "hex")).toBe(true);
        expect(listed(own)).not.toContain("plant-ca-der");
        expect(listed(own)).toContain("kafka-sasl-password");
        for (const sync of byType(run, "azure-native:secretsynccontroller:SecretSync")) {
            const opcua = (Object.values(OPCUA_SYNC_NAMES) as string[]).includes(String(sync.inputs.secretSyncName));
            expect(sync.inputs.secretProviderClassName).toBe(
                opcua ? OPCUA_SPC_NAME : own.inputs.azureKeyVaultSecretProviderClassName,
            );
            expect(sync.dependsOn).toContain(opcua ? connector.urn : own.urn);
        }
        expect(run.outputs.consumers).toEqual([
            {
                secret: OPCUA_SYNC_NAMES.clientCertificate,
                kind: "opcuaConnector",
                name: "opc-ua-connector",
                auth: "clientCertificate",
                requiredKeys: ["opcua-client.der", "opcua-client.pem"],
            },
            {
                secret: OPCUA_SYNC_NAMES.issuerList,
                kind: "opcuaConnector",
                name: "opc-ua-connector",
                auth: "issuerList",
                requiredKeys: ["plant-issuer.crl", "plant-issuer.crt"],
            },
            {
                secret: OPCUA_SYNC_NAMES.trustList,
                kind: "opcuaConnector",
                name: "opc-ua-connector",
                auth: "trustList",
                requiredKeys: ["plant-ca.der"],
            },
            {
                secret: "kafka-sasl",
                kind: "dataflowEndpoint",
                name: "kafka-out",
                auth: "sasl",
                requiredKeys: ["username", "password"],
            },
        ]);
    });

    test("a catalog whose Kafka consumer misses a key fails before any resource is declared", async () => {
        const broken = catalogText.replace(/ {2}- name: kafka-sasl-password\n(?: {4}.*\n)+/, "");
        expect(broken).not.toBe(catalogText);
        const dir = scratch({ "secrets.yaml": broken });
        const run = await runStack({ stack: "ga", catalogFile: path.join(dir, "secrets.yaml") });
        expect(run.error).toContain(
            'dataflow endpoint kafka-out (auth sasl) reads key "password" of Secret kafka-sasl',
        );
        expect(run.resources).toEqual([]);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("check --live: references in an export", () => {
    const fixture = (name: string) => fs.readFileSync(path.join(PROJECT_DIR, "test", "fixtures", "live", name), "utf8");
    const synced = [
        { name: "kafka-sasl", type: "Opaque", keys: ["password", "username"] },
        { name: "aio-ca-key-pair", type: "kubernetes.io/tls", keys: ["tls.crt", "tls.key"] },
    ];

    test("ARM exports: both reference forms, systemData and extra fields", () => {
        const refs = parseExport(fixture("arm-resources.json"), "live.json").flatMap(referencesOf);
        expect(refs.map((r) => `${r.object} ${r.field} -> ${r.target} ${r.name} [${r.keys.join(",")}]`)).toEqual([
            "dataflow endpoint kafka-out kafkaSettings.authentication.saslSettings.secretRef -> Secret kafka-sasl [username,password]",
            "dataflow endpoint default mqttSettings.tls.trustedCaCertificateConfigMapRef -> ConfigMap azure-iot-operations-aio-ca-trust-bundle []",
            "device plc-line-1 endpoints.inbound.opc-plc.authentication.usernamePasswordCredentials.usernameSecretName -> Secret kafka-sasl [username]",
            "device plc-line-1 endpoints.inbound.opc-plc.authentication.usernamePasswordCredentials.passwordSecretName -> Secret kafka-sasl [password]",
            "device plc-line-1 endpoints.inbound.opc-plc.trustSettings.trustList -> Secret aio-opc-ua-broker-trust-list []",
        ]);
        const results = resolveReferences(
            refs,
            [...synced, { name: "aio-opc-ua-broker-trust-list", type: "Opaque", keys: ["a.der"] }],
            [],
            [],
            "ga",
        );
        expect(results.filter((r) => r.problem)).toEqual([]);
    });

    test("a missing key in the <secret>/<key> form, an unknown Secret, a wrong type, --managed", () => {
        const text = fixture("arm-resources.json").replace('"kafka-sasl/password"', '"kafka-sasl/token"');
        const refs = parseExport(text, "live.json").flatMap(referencesOf);
        const problems = resolveReferences(refs, synced, [], [], "ga").filter((r) => r.problem);
        expect(problems.map((r) => `${r.object}: ${r.problem}`)).toEqual([
            "device plc-line-1: Secret kafka-sasl lacks key token (it has password, username)",
            expect.stringContaining(
                "device plc-line-1: Secret aio-opc-ua-broker-trust-list is not synced or written by stack ga",
            ),
        ]);
        expect(
            resolveReferences(refs, synced, ["aio-opc-ua-broker-trust-list"], [], "ga").filter((r) => r.problem),
        ).toHaveLength(1);
        const listener = parseExport(fixture("kubectl-resources.json"), "k.json").flatMap(referencesOf);
        const wrongType = resolveReferences(
            listener,
            [{ name: "aio-ca-key-pair", type: "Opaque", keys: ["tls.crt", "tls.key"] }, synced[0]],
            [],
            ["azure-iot-operations-aio-ca-trust-bundle"],
            "ga",
        );
        expect(wrongType.filter((r) => r.problem).map((r) => r.problem)).toEqual([
            "Secret aio-ca-key-pair is Opaque, but a broker listener reads a kubernetes.io/tls Secret here",
        ]);
    });

    test("kubectl exports: custom resources, ConfigMaps in the export resolve ConfigMap references", () => {
        const objects = parseExport(fixture("kubectl-resources.json"), "k.json");
        const refs = objects.flatMap(referencesOf);
        expect(refs.map((r) => `${r.object} -> ${r.name}`)).toEqual([
            "dataflow endpoint kafka-out -> kafka-sasl",
            "dataflow endpoint default -> azure-iot-operations-aio-ca-trust-bundle",
            "broker listener ca-listener -> aio-ca-key-pair",
        ]);
        expect(
            resolveReferences(refs, synced, [], ["azure-iot-operations-aio-ca-trust-bundle"], "ga").every(
                (r) => !r.problem,
            ),
        ).toBe(true);
    });

    test("a CSI stack's own Secrets and ConfigMaps count, by their keys when known (values never read out)", async () => {
        const run = await runStack({ stack: "dev" });
        expect(run.error).toBeUndefined();
        // Offline, the content of a secret map is known only after up: its keys are not checked then.
        expect(stackSecretsOf(run)).toEqual([
            { name: "aio-akv-sp", type: "Opaque", keys: undefined },
            { name: "aio-ca-key-pair-test-only", type: "kubernetes.io/tls", keys: undefined },
        ]);
        const up = await runStack({ stack: "dev", mode: "up" });
        expect(stackSecretsOf(up).find((s) => s.name === "aio-akv-sp")?.keys).toEqual(["clientid", "clientsecret"]);
        expect(stackConfigMapsOf(run)).toEqual(["aio-ca-trust-bundle-test-only"]);
    });

    test("a declared consumer the cluster wires to another Secret is a note", () => {
        const refs = parseExport(fixture("arm-unresolved.json"), "live.json").flatMap(referencesOf);
        const kafka = { secret: "kafka-sasl", kind: "dataflowEndpoint", name: "kafka-out", auth: "sasl" };
        expect(declaredConsumerNotes([kafka], refs)).toEqual([
            "the catalog says dataflow endpoint kafka-out reads Secret kafka-sasl (auth sasl); in the export it reads kafka-sasl-creds",
        ]);
        expect(declaredConsumerNotes([{ ...kafka, auth: "x509" }], refs)).toEqual([
            "the catalog says dataflow endpoint kafka-out reads Secret kafka-sasl (auth x509); in the export it has no x509 reference",
        ]);
        expect(declaredConsumerNotes([{ ...kafka, name: "absent" }], refs)).toEqual([]);
        const good = parseExport(fixture("arm-resources.json"), "live.json").flatMap(referencesOf);
        expect(declaredConsumerNotes([kafka], good)).toEqual([]);
    });

    test("a consumer exported without its content (az resource list: properties null; no spec) is not a pass", () => {
        const listed = JSON.stringify([
            {
                id: "/subscriptions/x/resourceGroups/g/providers/Microsoft.IoTOperations/instances/i/dataflowEndpoints/kafka-out",
                name: "i/kafka-out",
                type: "Microsoft.IoTOperations/instances/dataflowEndpoints",
                location: "westeurope",
                properties: null,
                resourceGroup: "g",
            },
            {
                id: "/subscriptions/x/resourceGroups/g/providers/Microsoft.SecretSyncController/secretSyncs/aio-opc-ua-broker-trust-list",
                name: "aio-opc-ua-broker-trust-list",
                type: "Microsoft.SecretSyncController/secretSyncs",
                properties: null,
            },
            {
                id: "/subscriptions/x/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv",
                name: "kv",
                type: "Microsoft.KeyVault/vaults",
                properties: null,
            },
        ]);
        const objects = parseExport(listed, "list.json");
        expect(objects.flatMap(referencesOf)).toEqual([]);
        expect(contentlessConsumers(objects).map((c) => [c.object.at, c.problem])).toEqual([
            [
                "[0]",
                "has no properties (az resource list leaves them out): export it with az resource show --ids /subscriptions/x/resourceGroups/g/providers/Microsoft.IoTOperations/instances/i/dataflowEndpoints/kafka-out",
            ],
        ]);
        const bare = parseExport(
            JSON.stringify({
                apiVersion: "connectivity.iotoperations.azure.com/v1",
                kind: "DataflowEndpoint",
                metadata: { name: "kafka-out", namespace: "azure-iot-operations" },
            }),
            "cr.json",
        );
        expect(contentlessConsumers(bare).map((c) => c.problem)).toEqual([
            "has no spec: export it with kubectl get ... -o json",
        ]);
        expect(contentlessConsumers(parseExport(fixture("arm-resources.json"), "a.json"))).toEqual([]);
    });

    test("<secret>/<key> is the Device Registry form only: in an IoT Operations field it names no Secret", () => {
        const endpoint = JSON.stringify({
            id: "/subscriptions/x/resourceGroups/g/providers/Microsoft.IoTOperations/instances/i/dataflowEndpoints/kafka-out",
            name: "i/kafka-out",
            type: "Microsoft.IoTOperations/instances/dataflowEndpoints",
            properties: { kafkaSettings: { authentication: { saslSettings: { secretRef: "kafka-sasl/password" } } } },
        });
        const refs = parseExport(endpoint, "e.json").flatMap(referencesOf);
        expect(refs.map((r) => [r.name, r.keys])).toEqual([["kafka-sasl/password", ["username", "password"]]]);
        expect(resolveReferences(refs, synced, [], [], "ga").map((r) => r.problem)).toEqual([
            expect.stringContaining("kafka-sasl/password is no Secret name"),
        ]);
    });

    test("hostile names in an export are ordinary names", () => {
        const hostile = JSON.stringify([
            {
                id: "/subscriptions/x/resourceGroups/g/providers/Microsoft.IoTOperations/instances/i/dataflowEndpoints/__proto__",
                name: "i/__proto__",
                type: "Microsoft.IoTOperations/instances/dataflowEndpoints",
                properties: { kafkaSettings: { authentication: { saslSettings: { secretRef: "constructor" } } } },
            },
        ]);
        const refs = parseExport(hostile, "h.json").flatMap(referencesOf);
        expect(resolveReferences(refs, synced, [], [], "ga").map((r) => r.problem)).toEqual([
            expect.stringContaining("Secret constructor is not synced or written by stack ga"),
        ]);
    });
});

describe("plan --against names the consumers a change touches", () => {
    const sync = (mapping: [string, string][]): RecordedResource => ({
        urn: "urn:sync",
        type: "azure-native:secretsynccontroller:SecretSync",
        name: "secret-sync-kafka-sasl",
        custom: true,
        inputs: {
            secretSyncName: "kafka-sasl",
            objectSecretMapping: mapping.map(([targetKey, sourcePath]) => ({ targetKey, sourcePath })),
        },
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        replaceOnChanges: [],
        dependsOn: [],
    });
    const consumer = {
        secret: "kafka-sasl",
        kind: "dataflowEndpoint",
        name: "kafka-out",
        auth: "sasl",
        requiredKeys: ["username", "password"],
    };
    const run = (resources: RecordedResource[], consumers: unknown[]): RunResult => ({
        stack: "ga",
        project: "aio-secrets",
        resources,
        outputs: { consumers },
        warnings: [],
    });
    const vaultSecret: RecordedResource = {
        ...sync([]),
        urn: "urn:kv",
        type: "azure-native:keyvault:Secret",
        name: "vault-secrets-kafka-pass",
        inputs: { secretName: "kafka-pass" },
    };

    test("a new value of the vault secret behind a key, a remapped key, new and dropped consumers", () => {
        const before = run(
            [
                sync([
                    ["username", "kafka-user"],
                    ["password", "kafka-pass"],
                ]),
                vaultSecret,
            ],
            [consumer],
        );
        const changed = [
            {
                urn: "urn:kv",
                type: vaultSecret.type,
                name: vaultSecret.name,
                fields: [{ path: "value", before: "[secret]", after: "[secret] (new value)" }],
            },
        ];
        expect(consumerTouches(before, before, changed)).toEqual([
            "dataflow endpoint kafka-out reads kafka-sasl: password changes",
        ]);
        const remapped = run(
            [
                sync([
                    ["username", "kafka-user-2"],
                    ["password", "kafka-pass"],
                ]),
                vaultSecret,
            ],
            [consumer],
        );
        expect(consumerTouches(before, remapped, [])).toEqual([
            "dataflow endpoint kafka-out reads kafka-sasl: username now holds kafka-user-2 (was kafka-user)",
        ]);
        // A consumer that reads any key (a registry endpoint's signing key Secret) is touched by every key.
        const anyKey = {
            ...consumer,
            kind: "registryEndpoint",
            name: "acr",
            auth: "trustedSigningKey",
            requiredKeys: [],
        };
        expect(consumerTouches(run(before.resources, [anyKey]), run(remapped.resources, [anyKey]), changed)).toEqual([
            "registry endpoint acr reads kafka-sasl: password changes",
            "registry endpoint acr reads kafka-sasl: username now holds kafka-user-2 (was kafka-user)",
        ]);
        expect(consumerTouches(run([], []), before, [])).toEqual([
            "dataflow endpoint kafka-out reads kafka-sasl: newly declared (auth sasl)",
        ]);
        expect(consumerTouches(before, run([], []), [])).toEqual([
            "dataflow endpoint kafka-out reads kafka-sasl: no longer declared",
        ]);
        expect(consumerTouches(before, before, [])).toEqual([]);
        // One endpoint declared with two auths: dropping one, or changing the auth, is named.
        const x509 = { ...consumer, auth: "x509", requiredKeys: ["client_cert.pem", "client_key.pem"] };
        expect(consumerTouches(run(before.resources, [consumer, x509]), before, [])).toEqual([
            "dataflow endpoint kafka-out reads kafka-sasl: no longer declared",
        ]);
        expect(consumerTouches(before, run(before.resources, [x509]), [])).toEqual([
            "dataflow endpoint kafka-out reads kafka-sasl: newly declared (auth x509)",
            "dataflow endpoint kafka-out reads kafka-sasl: no longer declared",
        ]);
    });

    test("the uses type the rotation branch reads stays plain data", () => {
        const use: ConsumerUse = {
            secret: "s",
            kind: "device",
            name: "d",
            auth: "usernamePassword",
            requiredKeys: [],
            onValueChange: "outage",
        };
        expect(JSON.parse(JSON.stringify(use))).toEqual(use);
    });
});

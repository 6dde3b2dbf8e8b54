import type { Catalog, CatalogSecret, ConsumerDecl, SyncSecretType } from "../stacks/catalog";
import type { Problem } from "../stacks/errors";
import { didYouMean, someNames } from "../stacks/names";
import { OPCUA_SYNC_NAMES } from "../stacks/opcua";

/**
 * Who reads a synced Secret (issue 18): the Azure IoT Operations 1.x resources that name a
 * Kubernetes Secret or ConfigMap, and what each one reads from it. Pure data and pure checks;
 * the secretSync mode's model part runs them (delivery/secretSync/model.ts), `check` prints the
 * table and validates live exports against it (tools/check.ts).
 *
 * Field names are from the ARM types, Azure/azure-rest-api-specs
 * `specification/iotoperations/resource-manager/Microsoft.IoTOperations` 2025-07-01-preview (as
 * generated in Azure/bicep-types-az `generated/iotoperations/microsoft.iotoperations/2025-07-01-preview/types.md`)
 * and `specification/deviceregistry` 2025-10-01 (`.../microsoft.deviceregistry/2025-10-01/types.md`).
 * Key names are from the AIO docs (MicrosoftDocs/azure-docs `articles/iot-operations/...`), each
 * cited on its contract below.
 */

/** How a consumer takes a changed value of the Secret. */
export type OnValueChange =
    /** It reads the new value while running. */
    | "live"
    /** It reads the value at start: its pods must restart to see a new one. */
    | "restart"
    /** The far side holds the same value: changing one side breaks the connection until the other matches. */
    | "outage";

/** What a contract's Secret must be: a Secret type, any Secret, or a ConfigMap (not a Secret at all). */
export type ConsumerSecretType = SyncSecretType | "kubernetes.io/dockerconfigjson" | "any" | "ConfigMap";

/** One consumer contract: a kind of AIO resource, one way it authenticates, and what it reads. */
export interface ConsumerContract {
    /** The catalog's `consumers[].kind`. */
    kind: string;
    /** The catalog's `consumers[].auth`. */
    auth: string;
    /** Keys the consumer reads; [] when the reference names them itself or any key will do. */
    requiredKeys: readonly string[];
    /** Keys it reads when present. */
    optionalKeys: readonly string[];
    /**
     * The reference names its keys (`<secret>/<key>`, `secretKey`, `usernameKey`): the catalog lists
     * them as `keys`.
     */
    keysFromReference: boolean;
    secretType: ConsumerSecretType;
    /** Where the reference sits in the resource's ARM `properties` (`*` = any map key, `[]` = any item). */
    field: string;
    /** ARM resource type (lower case), as `az resource list` prints it. */
    armType: string;
    /** Kubernetes custom resource (`kind.group`, lower case), as `kubectl get -o json` prints it. */
    kubernetesType: string;
    /** The source of the field and the keys. */
    source: string;
    onValueChange: OnValueChange;
    /** Why `onValueChange` is what it is. */
    onValueChangeSource: string;
}

const ARM_IOTOPS = "specification/iotoperations Microsoft.IoTOperations 2025-07-01-preview";
const ARM_ADR = "specification/deviceregistry Microsoft.DeviceRegistry 2025-10-01";
const DOCS = "https://learn.microsoft.com/azure/iot-operations";
const FAR_SIDE =
    "the far side (broker, server or registry) holds the same credential: a new value works only once both sides have it";
const AT_START =
    "not documented as reloaded: the AIO docs describe no watch of this Secret, so count on a restart of the reading pods";
/**
 * The Akri connector template's custom resource: not confirmed (no public manifest of it found;
 * `akri.sh` is the group of Akri's own resources in the AIO CLI). Its ARM form is the confirmed one.
 */
const AKRI_TEMPLATE_CR = "connectortemplate.akri.sh";
const ENDPOINT_TYPE = "microsoft.iotoperations/instances/dataflowendpoints";
const ENDPOINT_CR = "dataflowendpoint.connectivity.iotoperations.azure.com";

type Contract = Omit<ConsumerContract, "optionalKeys" | "keysFromReference"> &
    Partial<Pick<ConsumerContract, "optionalKeys" | "keysFromReference">>;

function contract(c: Contract): ConsumerContract {
    return { optionalKeys: [], keysFromReference: false, ...c };
}

/** Every consumer contract, by kind then auth. */
export const CONSUMER_CONTRACTS: readonly ConsumerContract[] = [
    contract({
        kind: "dataflowEndpoint",
        auth: "sasl",
        requiredKeys: ["username", "password"],
        secretType: "Opaque",
        field: "kafkaSettings.authentication.saslSettings.secretRef",
        armType: ENDPOINT_TYPE,
        kubernetesType: ENDPOINT_CR,
        source: `${ARM_IOTOPS} DataflowEndpointAuthenticationSasl.secretRef (with saslType); keys: ${DOCS}/connect-to-cloud/howto-configure-kafka-endpoint ("The secret must have both the username and password as key-value pairs")`,
        onValueChange: "outage",
        onValueChangeSource: FAR_SIDE,
    }),
    contract({
        kind: "dataflowEndpoint",
        auth: "x509",
        requiredKeys: ["client_cert.pem", "client_key.pem"],
        optionalKeys: ["client_intermediate_certs.pem"],
        secretType: "Opaque",
        field: "{kafka,mqtt,openTelemetry}Settings.authentication.x509CertificateSettings.secretRef",
        armType: ENDPOINT_TYPE,
        kubernetesType: ENDPOINT_CR,
        source: `${ARM_IOTOPS} DataflowEndpointAuthenticationX509.secretRef; keys: ${DOCS}/connect-to-cloud/howto-configure-mqtt-endpoint ("the secret must have client_cert.pem and client_key.pem as the key names")`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "dataflowEndpoint",
        auth: "accessToken",
        requiredKeys: ["accessToken"],
        secretType: "Opaque",
        field: "dataLakeStorageSettings.authentication.accessTokenSettings.secretRef",
        armType: ENDPOINT_TYPE,
        kubernetesType: ENDPOINT_CR,
        source: `${ARM_IOTOPS} DataflowEndpointAuthenticationAccessToken.secretRef; key: ${DOCS}/connect-to-cloud/howto-configure-adlsv2-endpoint (kubectl create secret generic my-sas --from-literal=accessToken=...)`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "dataflowEndpoint",
        auth: "trustedCa",
        requiredKeys: [],
        secretType: "ConfigMap",
        field: "{kafka,mqtt,openTelemetry}Settings.tls.trustedCaCertificateConfigMapRef",
        armType: ENDPOINT_TYPE,
        kubernetesType: ENDPOINT_CR,
        source: `${ARM_IOTOPS} TlsProperties.trustedCaCertificateConfigMapRef (a ConfigMap)`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "brokerListener",
        auth: "tls",
        requiredKeys: ["tls.crt", "tls.key"],
        secretType: "kubernetes.io/tls",
        field: "ports[].tls.manual.secretRef",
        armType: "microsoft.iotoperations/instances/brokers/listeners",
        kubernetesType: "brokerlistener.mqttbroker.iotoperations.azure.com",
        source: `${ARM_IOTOPS} TlsCertMethod.manual (X509ManualCertificate.secretRef); type: ${DOCS}/manage-mqtt-broker/howto-configure-tls-manual (kubectl create secret tls)`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "brokerAuthentication",
        auth: "x509ClientCa",
        requiredKeys: [],
        secretType: "ConfigMap",
        field: "authenticationMethods[].x509Settings.trustedClientCaCert",
        armType: "microsoft.iotoperations/instances/brokers/authentications",
        kubernetesType: "brokerauthentication.mqttbroker.iotoperations.azure.com",
        source: `${ARM_IOTOPS} BrokerAuthenticatorMethodX509.trustedClientCaCert (a ConfigMap, ${DOCS}/manage-mqtt-broker/howto-configure-authentication)`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "brokerAuthentication",
        auth: "customX509",
        requiredKeys: ["tls.crt", "tls.key"],
        secretType: "kubernetes.io/tls",
        field: "authenticationMethods[].customSettings.auth.x509.secretRef",
        armType: "microsoft.iotoperations/instances/brokers/authentications",
        kubernetesType: "brokerauthentication.mqttbroker.iotoperations.azure.com",
        source: `${ARM_IOTOPS} BrokerAuthenticatorCustomAuth.x509 (X509ManualCertificate.secretRef: "Kubernetes secret containing an X.509 client certificate")`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "brokerAuthentication",
        auth: "customCa",
        requiredKeys: [],
        secretType: "ConfigMap",
        field: "authenticationMethods[].customSettings.caCertConfigMap",
        armType: "microsoft.iotoperations/instances/brokers/authentications",
        kubernetesType: "brokerauthentication.mqttbroker.iotoperations.azure.com",
        source: `${ARM_IOTOPS} BrokerAuthenticatorMethodCustom.caCertConfigMap (a ConfigMap)`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "registryEndpoint",
        auth: "artifactPullSecret",
        requiredKeys: [".dockerconfigjson"],
        secretType: "kubernetes.io/dockerconfigjson",
        field: "authentication.artifactPullSecretSettings.secretRef",
        armType: "microsoft.iotoperations/instances/registryendpoints",
        kubernetesType: "registryendpoint.connectivity.iotoperations.azure.com",
        source: `${ARM_IOTOPS} RegistryEndpointArtifactPullSecretSettings.secretRef ("the kubernetes secret that contains the artifact pull secret"; kubectl create secret docker-registry)`,
        onValueChange: "outage",
        onValueChangeSource: FAR_SIDE,
    }),
    contract({
        kind: "registryEndpoint",
        auth: "trustedSigningKey",
        requiredKeys: [],
        secretType: "any",
        field: "trustSettings.trustedSigningKeys.secretRef",
        armType: "microsoft.iotoperations/instances/registryendpoints",
        kubernetesType: "registryendpoint.connectivity.iotoperations.azure.com",
        source: `${ARM_IOTOPS} RegistryEndpointTrustedSigningKeySecret.secretRef (type: Secret; the ConfigMap form is configMapRef)`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "registryEndpoint",
        auth: "trustedSigningKeyConfigMap",
        requiredKeys: [],
        secretType: "ConfigMap",
        field: "trustSettings.trustedSigningKeys.configMapRef",
        armType: "microsoft.iotoperations/instances/registryendpoints",
        kubernetesType: "registryendpoint.connectivity.iotoperations.azure.com",
        source: `${ARM_IOTOPS} RegistryEndpointTrustedSigningKeyConfigMap.configMapRef (type: ConfigMap)`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "akriConnectorTemplate",
        auth: "secret",
        requiredKeys: [],
        keysFromReference: true,
        secretType: "any",
        field: "runtimeConfiguration.managedConfigurationSettings.secrets[].{secretRef,secretKey,secretAlias}",
        armType: "microsoft.iotoperations/instances/akriconnectortemplates",
        kubernetesType: AKRI_TEMPLATE_CR,
        source: `${ARM_IOTOPS} AkriConnectorsSecret (secretRef, secretKey, secretAlias: "Connector secrets that will be mounted onto all connector instances")`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "akriConnectorTemplate",
        auth: "trustList",
        requiredKeys: [],
        secretType: "any",
        field: "runtimeConfiguration.managedConfigurationSettings.trustSettings.trustListSecretRef",
        armType: "microsoft.iotoperations/instances/akriconnectortemplates",
        kubernetesType: AKRI_TEMPLATE_CR,
        source: `${ARM_IOTOPS} AkriConnectorTemplateTrustList.trustListSecretRef ("certificates that all connector instances should trust")`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "akriConnectorTemplate",
        auth: "imagePull",
        requiredKeys: [".dockerconfigjson"],
        secretType: "kubernetes.io/dockerconfigjson",
        field: "runtimeConfiguration.managedConfigurationSettings.imageConfigurationSettings.registrySettings.containerRegistrySettings.imagePullSecrets[].secretRef",
        armType: "microsoft.iotoperations/instances/akriconnectortemplates",
        kubernetesType: AKRI_TEMPLATE_CR,
        source: `${ARM_IOTOPS} AkriConnectorsImagePullSecret.secretRef (a Kubernetes image pull secret)`,
        onValueChange: "outage",
        onValueChangeSource: FAR_SIDE,
    }),
    contract({
        kind: "akriConnectorTemplate",
        auth: "helmAuth",
        requiredKeys: [],
        keysFromReference: true,
        secretType: "any",
        field: "runtimeConfiguration.helmConfigurationSettings.registrySettings.containerRegistrySettings.authSecretRef.{secretRef,usernameKey,passwordKey}",
        armType: "microsoft.iotoperations/instances/akriconnectortemplates",
        kubernetesType: AKRI_TEMPLATE_CR,
        source: `${ARM_IOTOPS} AkriConnectorTemplateHelmAuthSecretRef (secretRef, usernameKey, passwordKey)`,
        onValueChange: "outage",
        onValueChangeSource: FAR_SIDE,
    }),
    contract({
        kind: "device",
        auth: "usernamePassword",
        requiredKeys: [],
        keysFromReference: true,
        secretType: "any",
        field: "endpoints.inbound.*.authentication.usernamePasswordCredentials.{usernameSecretName,passwordSecretName}",
        armType: "microsoft.deviceregistry/namespaces/devices",
        kubernetesType: "device.namespaces.deviceregistry.microsoft.com",
        source: `${ARM_ADR} UsernamePasswordCredentials (usernameSecretName, passwordSecretName; on the cluster as <secret>/<key>)`,
        onValueChange: "outage",
        onValueChangeSource: FAR_SIDE,
    }),
    contract({
        kind: "device",
        auth: "x509",
        requiredKeys: [],
        keysFromReference: true,
        secretType: "any",
        field: "endpoints.inbound.*.authentication.x509Credentials.{certificateSecretName,keySecretName,intermediateCertificatesSecretName}",
        armType: "microsoft.deviceregistry/namespaces/devices",
        kubernetesType: "device.namespaces.deviceregistry.microsoft.com",
        source: `${ARM_ADR} X509CertificateCredentials (certificateSecretName, keySecretName, intermediateCertificatesSecretName; hashicorp/go-azure-sdk resource-manager/deviceregistry/2025-10-01/namespacedevices)`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    contract({
        kind: "device",
        auth: "trustList",
        requiredKeys: [],
        secretType: "any",
        field: "endpoints.inbound.*.trustSettings.trustList",
        armType: "microsoft.deviceregistry/namespaces/devices",
        kubernetesType: "device.namespaces.deviceregistry.microsoft.com",
        source: `${ARM_ADR} TrustSettings.trustList ("a secret reference for certificates to trust")`,
        onValueChange: "restart",
        onValueChangeSource: AT_START,
    }),
    ...(Object.entries(OPCUA_SYNC_NAMES) as [keyof typeof OPCUA_SYNC_NAMES, string][]).map(([list, secret]) =>
        contract({
            kind: "opcuaConnector",
            auth: list,
            requiredKeys: list === "clientCertificate" ? ["<stem>.der", "<stem>.pem"] : [],
            secretType: "Opaque",
            field: `SecretSync ${secret} (fixed name)`,
            armType: "microsoft.secretsynccontroller/secretsyncs",
            kubernetesType: "secretsync.secret-sync.x-k8s.io",
            source: `Azure/azure-iot-ops-cli-extension azext_edge/edge/providers/orchestration/resources/connector/opcua/certs.py (az iot ops connector opcua ${list === "trustList" ? "trust" : list === "issuerList" ? "issuer" : "client"} add)`,
            onValueChange: "restart" as const,
            onValueChangeSource: AT_START,
        }),
    ),
];

/** `dataflow endpoint` for `dataflowEndpoint`: how messages name a kind. */
export function kindLabel(kind: string): string {
    return kind.replace(/([A-Z])/g, " $1").toLowerCase();
}

/** The contracts of a kind (own lookups only: a hostile kind such as `__proto__` finds none). */
export function contractsOf(kind: string): ConsumerContract[] {
    return CONSUMER_CONTRACTS.filter((c) => c.kind === kind);
}

/** A consumer of a synced Secret in this stack, with its contract. */
export interface ConsumerUse {
    /** The Kubernetes Secret it reads. */
    secret: string;
    kind: string;
    name: string;
    auth: string;
    /** The keys it reads: the contract's, or those the catalog lists for a kind whose reference names them. */
    requiredKeys: string[];
    onValueChange: OnValueChange;
}

/** What the plan JSON lists per consumer (`consumers: [{secret, kind, name, auth, requiredKeys}]`). */
export function consumerRow(use: ConsumerUse): Pick<ConsumerUse, "secret" | "kind" | "name" | "auth" | "requiredKeys"> {
    return { secret: use.secret, kind: use.kind, name: use.name, auth: use.auth, requiredKeys: use.requiredKeys };
}

/** Every consumer of one synced Secret. */
export function consumersOfSecret(uses: readonly ConsumerUse[], secret: string): ConsumerUse[] {
    return uses.filter((u) => u.secret === secret);
}

/** The consumers that cannot take a changed value of `secret` without an outage. */
export function outageConsumers(uses: readonly ConsumerUse[], secret: string): ConsumerUse[] {
    return consumersOfSecret(uses, secret).filter((u) => u.onValueChange === "outage");
}

/**
 * The consumers that read a catalog entry's value: those of the Secret it syncs into that read its
 * key (or read any key). For a rotation: the entry's new value reaches exactly these.
 */
export function consumersOfEntry(uses: readonly ConsumerUse[], entry: Pick<CatalogSecret, "sync">): ConsumerUse[] {
    if (entry.sync === undefined) return [];
    const { secret, key } = entry.sync;
    return consumersOfSecret(uses, secret).filter((u) => u.requiredKeys.length === 0 || u.requiredKeys.includes(key));
}

/** The consumers of a catalog entry's value that cannot take a new one without an outage. */
export function outageConsumersOfEntry(
    uses: readonly ConsumerUse[],
    entry: Pick<CatalogSecret, "sync">,
): ConsumerUse[] {
    return consumersOfEntry(uses, entry).filter((u) => u.onValueChange === "outage");
}

/** The result of checking the catalog's consumers for one environment. */
export interface ConsumerCheck {
    uses: ConsumerUse[];
    problems: Problem[];
    warnings: string[];
    /**
     * The content type of each entry a consumer reads as a PEM file (`tls.crt`, `tls.key`, `*.pem`,
     * `*.crt`) that sets none: certificates for AIO consumers are vault secrets, typed as the
     * files they are (`application/x-pem-file`, as `az keyvault secret set` and the AIO CLI write them).
     */
    contentTypes: Map<string, string>;
}

/** The content type of a key a consumer reads as a PEM file; undefined for other keys. */
export function pemContentType(key: string): string | undefined {
    return /^tls\.(crt|key)$|\.(pem|crt)$/.test(key) ? "application/x-pem-file" : undefined;
}

/** Resolves one declared consumer to its contract, or the problem with it. */
function resolve(
    decl: ConsumerDecl,
    at: string,
    file: string,
): { contract: ConsumerContract; problem?: undefined } | { contract?: undefined; problem: Problem } {
    const kinds = [...new Set(CONSUMER_CONTRACTS.map((c) => c.kind))];
    const ofKind = contractsOf(decl.kind);
    if (ofKind.length === 0)
        return {
            problem: {
                file,
                path: `${at}.kind`,
                value: JSON.stringify(decl.kind),
                rule: `is not a consumer kind${didYouMean(decl.kind, kinds)}; the kinds: ${kinds.join(", ")}`,
            },
        };
    const auths = ofKind.map((c) => c.auth);
    if (decl.auth === undefined) {
        if (ofKind.length === 1) return { contract: ofKind[0] };
        return {
            problem: {
                file,
                path: `${at}.auth`,
                rule: `a ${decl.kind} reads Secrets in several ways: set auth to one of ${auths.join(", ")}`,
            },
        };
    }
    const found = ofKind.find((c) => c.auth === decl.auth);
    if (!found)
        return {
            problem: {
                file,
                path: `${at}.auth`,
                value: JSON.stringify(decl.auth),
                rule: `is not an auth of ${decl.kind}${didYouMean(decl.auth, auths)}; its auths: ${auths.join(", ")}`,
            },
        };
    return { contract: found };
}

/** The keys a consumer reads, as far as the catalog can know them. */
function keysRead(decl: ConsumerDecl, c: ConsumerContract): string[] {
    return c.keysFromReference ? [...(decl.keys ?? [])] : [...c.requiredKeys];
}

/**
 * Checks the declared consumers of every synced Secret against what the catalog maps into it in
 * this environment: a consumer whose contract names a key the Secret lacks is a problem (naming
 * the consumer, the Secret and the key), as are a wrong Secret type, a ConfigMap contract on a
 * Secret and a Key Vault certificate or key where a consumer reads a secret; keys that no
 * consumer reads are a warning. A Secret with no entry in this environment is not synced here,
 * so its consumers are not checked.
 */
export function checkConsumers(
    catalog: Catalog,
    enabled: readonly CatalogSecret[],
    environment: string,
): ConsumerCheck {
    const uses: ConsumerUse[] = [];
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const contentTypes = new Map<string, string>();
    const file = catalog.file;
    for (const decl of catalog.syncSecrets.values()) {
        const consumers = decl.consumers ?? [];
        const entries = enabled.filter((s) => s.sync?.secret === decl.name);
        if (consumers.length === 0 || entries.length === 0) continue;
        const keys = new Map(entries.map((s) => [s.sync!.key, s]));
        const read = new Set<string>();
        let readsAnyKey = false;
        const seen = new Set<string>();
        consumers.forEach((consumer, i) => {
            const at = `secretSyncs.${decl.name}.consumers[${i}]`;
            const resolved = resolve(consumer, at, file);
            if (resolved.problem) {
                problems.push(resolved.problem);
                return;
            }
            const c = resolved.contract;
            // By the resolved auth: `auth` left out of a one-auth kind is that auth.
            const id = `${consumer.kind}\u0000${consumer.name}\u0000${c.auth}`;
            if (seen.has(id)) {
                problems.push({ file, path: at, rule: `lists ${consumer.kind} ${consumer.name} twice` });
                return;
            }
            seen.add(id);
            const who = `${kindLabel(c.kind)} ${consumer.name} (auth ${c.auth})`;
            if (c.secretType === "ConfigMap") {
                problems.push({
                    file,
                    path: `${at}.auth`,
                    rule: `${who} reads a ConfigMap (${c.field}), not a Secret: it is no consumer of Secret ${decl.name}`,
                });
                return;
            }
            if (consumer.keys !== undefined && !c.keysFromReference)
                problems.push({
                    file,
                    path: `${at}.keys`,
                    rule: `${who} reads the keys its contract names (${c.requiredKeys.join(", ") || "any"}); keys: is for the kinds whose reference names its keys`,
                });
            if (c.secretType !== "any" && c.secretType !== decl.type)
                problems.push({
                    file,
                    path: `secretSyncs.${decl.name}.type`,
                    rule: `${who} reads a ${c.secretType} Secret, but ${decl.name} is ${decl.type}`,
                });
            const needed = keysRead(consumer, c).filter((k) => !k.startsWith("<"));
            for (const key of needed) {
                read.add(key);
                if (!keys.has(key))
                    problems.push({
                        file,
                        path: at,
                        rule: `${who} reads key "${key}" of Secret ${decl.name}, which in environment ${environment} has only ${[...keys.keys()].join(", ")}; add an entry with sync: { secret: ${decl.name}, key: ${key} }`,
                    });
            }
            for (const key of c.optionalKeys) read.add(key);
            if (needed.length === 0) readsAnyKey = true;
            for (const key of needed) {
                const entry = keys.get(key);
                const pem = pemContentType(key);
                if (entry && pem && entry.type === "secret" && entry.contentType === undefined)
                    contentTypes.set(entry.name, pem);
                if (entry && entry.type !== "secret")
                    problems.push({
                        file,
                        path: `secrets[${entry.index}] (${entry.name}).type`,
                        value: JSON.stringify(entry.type),
                        rule: `${who} reads key "${key}" as a file the vault stores as a secret: AIO docs say to add certificates for external endpoints as secrets, not Key Vault ${entry.type === "cert" ? "certificates" : "keys"} (az keyvault secret set --file ... --content-type application/x-pem-file)`,
                    });
            }
            uses.push({
                secret: decl.name,
                kind: c.kind,
                name: consumer.name,
                auth: c.auth,
                requiredKeys: needed,
                onValueChange: c.onValueChange,
            });
        });
        const unread = [...keys.keys()].filter((k) => !read.has(k));
        if (!readsAnyKey && unread.length > 0)
            warnings.push(
                `${file}: Secret ${decl.name} has ${unread.length === 1 ? "a key" : "keys"} no consumer reads: ${someNames(unread)} (its consumers: ${consumers.map((c) => c.name).join(", ")})`,
            );
    }
    uses.push(...opcuaUses(enabled, uses));
    const byName = (a: ConsumerUse, b: ConsumerUse) =>
        a.secret < b.secret ? -1 : a.secret > b.secret ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return { uses: uses.sort(byName), problems, warnings, contentTypes };
}

/**
 * The OPC UA connector reads its three fixed Secrets (stacks/opcua.ts) whether or not the catalog
 * says so: each one the environment syncs gets an implicit consumer `opcuaConnector` (named after
 * the SPC the CLI created for it, `opc-ua-connector`) reading its file names, unless the catalog
 * declares one.
 */
function opcuaUses(enabled: readonly CatalogSecret[], declared: readonly ConsumerUse[]): ConsumerUse[] {
    const contract = (auth: string) => CONSUMER_CONTRACTS.find((c) => c.kind === "opcuaConnector" && c.auth === auth)!;
    return (Object.entries(OPCUA_SYNC_NAMES) as [string, string][]).flatMap(([list, secret]) => {
        const keys = enabled.filter((s) => s.sync?.secret === secret).map((s) => s.sync!.key);
        if (keys.length === 0 || declared.some((u) => u.secret === secret && u.kind === "opcuaConnector")) return [];
        const c = contract(list);
        return [
            {
                secret,
                kind: c.kind,
                name: "opc-ua-connector",
                auth: c.auth,
                requiredKeys: keys.sort(),
                onValueChange: c.onValueChange,
            },
        ];
    });
}

/** The contract table as `check --kinds --json` prints it. */
export function contractTable(): {
    kind: string;
    auth: string;
    requiredKeys: string[];
    secretType: string;
    source: string;
    onValueChange: OnValueChange;
}[] {
    return CONSUMER_CONTRACTS.map((c) => ({
        kind: c.kind,
        auth: c.auth,
        requiredKeys: [...c.requiredKeys],
        secretType: c.secretType,
        source: c.source,
        onValueChange: c.onValueChange,
    }));
}

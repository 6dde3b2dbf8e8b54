import { CONSUMER_CONTRACTS, kindLabel, type ConsumerContract } from "../model/consumers";
import { SECRET_SIG, SECRET_SIG_KEY, type RunResult } from "./harness";
import { isRecord, own, ownArray, ownRecord, ownString, type LiveObject } from "./liveExport";

/**
 * The Secret and ConfigMap references in an export of AIO resources (issue 18, `check --live`).
 * Pure. The ARM `properties` and the custom resource's `spec` hold the same fields (the AIO
 * custom resources are what the custom location writes from the ARM resources), so one walker
 * per kind serves both; the fields are model/consumers.ts's contracts.
 */

/** One reference an exported resource holds. */
export interface LiveReference {
    /** `dataflow endpoint kafka-out`: the kind and the resource's name. */
    object: string;
    /** The resource's own name (`kafka-out`). */
    objectName: string;
    /** Where the object is in the export (`[3]`, `items[0]`). */
    at: string;
    /** The contract it falls under. */
    contract: ConsumerContract;
    /**
     * The field's concrete path in `properties` / `spec`, e.g.
     * `kafkaSettings.authentication.saslSettings.secretRef`.
     */
    field: string;
    target: "Secret" | "ConfigMap";
    /** The Secret or ConfigMap name (the part before `/` in the `<secret>/<key>` form). */
    name: string;
    /** The keys it reads: the contract's, the one after `/`, or those the reference names (`secretKey`). */
    keys: string[];
}

type Emit = (auth: string, field: string, value: unknown, keys?: string[]) => void;

/** The contracts of one exported type: ARM (`microsoft.iotoperations/...`) or a custom resource (`kind.group`). */
function contractsFor(type: string): ConsumerContract[] {
    return CONSUMER_CONTRACTS.filter((c) => c.armType === type || c.kubernetesType === type);
}

function walkDataflowEndpoint(body: Record<string, unknown>, emit: Emit): void {
    for (const settings of ["kafkaSettings", "mqttSettings", "openTelemetrySettings", "dataLakeStorageSettings"]) {
        const s = ownRecord(body, settings);
        const auth = ownRecord(s, "authentication");
        const at = `${settings}.authentication`;
        emit("sasl", `${at}.saslSettings.secretRef`, own(ownRecord(auth, "saslSettings"), "secretRef"));
        emit(
            "x509",
            `${at}.x509CertificateSettings.secretRef`,
            own(ownRecord(auth, "x509CertificateSettings"), "secretRef"),
        );
        emit(
            "accessToken",
            `${at}.accessTokenSettings.secretRef`,
            own(ownRecord(auth, "accessTokenSettings"), "secretRef"),
        );
        emit(
            "trustedCa",
            `${settings}.tls.trustedCaCertificateConfigMapRef`,
            own(ownRecord(s, "tls"), "trustedCaCertificateConfigMapRef"),
        );
    }
}

function walkBrokerListener(body: Record<string, unknown>, emit: Emit): void {
    ownArray(body, "ports").forEach((port, i) =>
        emit("tls", `ports[${i}].tls.manual.secretRef`, own(ownRecord(ownRecord(port, "tls"), "manual"), "secretRef")),
    );
}

function walkBrokerAuthentication(body: Record<string, unknown>, emit: Emit): void {
    ownArray(body, "authenticationMethods").forEach((method, i) => {
        const at = `authenticationMethods[${i}]`;
        emit(
            "x509ClientCa",
            `${at}.x509Settings.trustedClientCaCert`,
            own(ownRecord(method, "x509Settings"), "trustedClientCaCert"),
        );
        const custom = ownRecord(method, "customSettings");
        emit(
            "customX509",
            `${at}.customSettings.auth.x509.secretRef`,
            own(ownRecord(ownRecord(custom, "auth"), "x509"), "secretRef"),
        );
        emit("customCa", `${at}.customSettings.caCertConfigMap`, own(custom, "caCertConfigMap"));
    });
}

function walkRegistryEndpoint(body: Record<string, unknown>, emit: Emit): void {
    const auth = ownRecord(body, "authentication");
    emit(
        "artifactPullSecret",
        "authentication.artifactPullSecretSettings.secretRef",
        own(ownRecord(auth, "artifactPullSecretSettings"), "secretRef"),
    );
    const key = ownRecord(ownRecord(body, "trustSettings"), "trustedSigningKeys");
    emit("trustedSigningKey", "trustSettings.trustedSigningKeys.secretRef", own(key, "secretRef"));
    emit("trustedSigningKeyConfigMap", "trustSettings.trustedSigningKeys.configMapRef", own(key, "configMapRef"));
}

function walkAkriTemplate(body: Record<string, unknown>, emit: Emit): void {
    const runtime = ownRecord(body, "runtimeConfiguration");
    const managed = ownRecord(runtime, "managedConfigurationSettings");
    const m = "runtimeConfiguration.managedConfigurationSettings";
    ownArray(managed, "secrets").forEach((secret, i) => {
        const key = ownString(secret, "secretKey");
        emit("secret", `${m}.secrets[${i}].secretRef`, own(secret, "secretRef"), key !== undefined ? [key] : []);
    });
    emit(
        "trustList",
        `${m}.trustSettings.trustListSecretRef`,
        own(ownRecord(managed, "trustSettings"), "trustListSecretRef"),
    );
    const registry = ownRecord(
        ownRecord(ownRecord(managed, "imageConfigurationSettings"), "registrySettings"),
        "containerRegistrySettings",
    );
    ownArray(registry, "imagePullSecrets").forEach((pull, i) =>
        emit(
            "imagePull",
            `${m}.imageConfigurationSettings.registrySettings.containerRegistrySettings.imagePullSecrets[${i}].secretRef`,
            own(pull, "secretRef"),
        ),
    );
    const helm = ownRecord(
        ownRecord(ownRecord(runtime, "helmConfigurationSettings"), "registrySettings"),
        "containerRegistrySettings",
    );
    const authRef = ownRecord(helm, "authSecretRef");
    const helmKeys = [ownString(authRef, "usernameKey"), ownString(authRef, "passwordKey")].filter(
        (k): k is string => k !== undefined,
    );
    emit(
        "helmAuth",
        "runtimeConfiguration.helmConfigurationSettings.registrySettings.containerRegistrySettings.authSecretRef.secretRef",
        own(authRef, "secretRef"),
        helmKeys,
    );
}

function walkDevice(body: Record<string, unknown>, emit: Emit): void {
    const inbound = ownRecord(ownRecord(body, "endpoints"), "inbound");
    for (const name of Object.keys(inbound)) {
        const endpoint = ownRecord(inbound, name);
        const at = `endpoints.inbound.${name}`;
        const auth = ownRecord(endpoint, "authentication");
        const user = ownRecord(auth, "usernamePasswordCredentials");
        for (const field of ["usernameSecretName", "passwordSecretName"])
            emit("usernamePassword", `${at}.authentication.usernamePasswordCredentials.${field}`, own(user, field));
        const x509 = ownRecord(auth, "x509Credentials");
        for (const field of ["certificateSecretName", "keySecretName", "intermediateCertificatesSecretName"])
            emit("x509", `${at}.authentication.x509Credentials.${field}`, own(x509, field));
        emit("trustList", `${at}.trustSettings.trustList`, own(ownRecord(endpoint, "trustSettings"), "trustList"));
    }
}

const WALKERS: Readonly<Record<string, (body: Record<string, unknown>, emit: Emit) => void>> = {
    dataflowEndpoint: walkDataflowEndpoint,
    brokerListener: walkBrokerListener,
    brokerAuthentication: walkBrokerAuthentication,
    registryEndpoint: walkRegistryEndpoint,
    akriConnectorTemplate: walkAkriTemplate,
    device: walkDevice,
};

/** Every Secret and ConfigMap reference of one exported object ([] for a type that reads none). */
export function referencesOf(obj: LiveObject): LiveReference[] {
    const contracts = contractsFor(obj.type);
    const kind = contracts[0]?.kind;
    const walk = kind !== undefined && Object.hasOwn(WALKERS, kind) ? WALKERS[kind] : undefined;
    if (!walk) return [];
    const found: LiveReference[] = [];
    walk(obj.body as Record<string, unknown>, (auth, field, value, keys) => {
        if (typeof value !== "string" || value === "") return;
        const contract = contracts.find((c) => c.auth === auth);
        if (!contract) return;
        const target = contract.secretType === "ConfigMap" ? "ConfigMap" : "Secret";
        // `<secret>/<key>` (Device Registry only): the key is read too. The IoT Operations fields
        // take a Kubernetes name, which has no `/`: there the whole value is the name, and resolves to nothing.
        const slash = contract.kind === "device" ? value.indexOf("/") : -1;
        const name = slash < 0 ? value : value.slice(0, slash);
        const named = slash < 0 ? [] : [value.slice(slash + 1)];
        const read = [...new Set([...contract.requiredKeys, ...(keys ?? []), ...named])].filter((k) => k !== "");
        found.push({
            object: `${kindLabel(contract.kind)} ${obj.name}`,
            objectName: obj.name,
            at: obj.at,
            contract,
            field,
            target,
            name,
            keys: read,
        });
    });
    return found;
}

/**
 * ConfigMaps Azure IoT Operations writes itself: the trust bundle of its own CA, which the default
 * dataflow endpoint's `tls.trustedCaCertificateConfigMapRef` names (AIO docs, "Configure MQTT
 * dataflow endpoints"). They resolve without `--managed`.
 */
export const AIO_OWN_CONFIG_MAPS: readonly string[] = ["azure-iot-operations-aio-ca-trust-bundle"];

/** A Secret the stack syncs (or writes): its type and keys (undefined: not known offline, not checked). */
export interface SyncedSecret {
    name: string;
    type: string;
    keys?: string[];
}

/** What `check --live` says about one reference: resolved, or why not. */
export interface ReferenceResult {
    object: string;
    objectName: string;
    at: string;
    kind: string;
    auth: string;
    field: string;
    target: "Secret" | "ConfigMap";
    name: string;
    keys: string[];
    /** Undefined when it resolves. */
    problem?: string;
}

/**
 * Resolves each reference: to a Secret the stack syncs (with the keys and type its contract
 * reads), to a name managed elsewhere (`--managed`), or for a ConfigMap to one in the export.
 */
export function resolveReferences(
    refs: readonly LiveReference[],
    synced: readonly SyncedSecret[],
    managed: readonly string[],
    configMapsInExport: readonly string[],
    stack: string,
): ReferenceResult[] {
    const byName = new Map(synced.map((s) => [s.name, s]));
    return refs.map((ref) => {
        const base: ReferenceResult = {
            object: ref.object,
            objectName: ref.objectName,
            at: ref.at,
            kind: ref.contract.kind,
            auth: ref.contract.auth,
            field: ref.field,
            target: ref.target,
            name: ref.name,
            keys: ref.keys,
        };
        if (managed.includes(ref.name)) return base;
        if (ref.target === "ConfigMap") {
            if (configMapsInExport.includes(ref.name) || AIO_OWN_CONFIG_MAPS.includes(ref.name)) return base;
            return { ...base, problem: `ConfigMap ${ref.name} is neither in the export nor given with --managed` };
        }
        const secret = byName.get(ref.name);
        if (!secret && ref.name.includes("/"))
            return {
                ...base,
                problem: `${ref.name} is no Secret name (a Kubernetes name has no '/'; only Device Registry references take <secret>/<key>): a ${kindLabel(ref.contract.kind)} reads the Secret named in full`,
            };
        if (!secret)
            return {
                ...base,
                problem: `Secret ${ref.name} is not synced or written by stack ${stack}${
                    synced.length > 0
                        ? ` (it has ${synced
                              .map((s) => s.name)
                              .sort()
                              .join(", ")})`
                        : ""
                }; add it to the catalog, or give --managed ${ref.name} if something else writes it`,
            };
        const missing = secret.keys === undefined ? [] : ref.keys.filter((k) => !secret.keys!.includes(k));
        if (missing.length > 0)
            return {
                ...base,
                problem: `Secret ${ref.name} lacks ${missing.length === 1 ? "key" : "keys"} ${missing.join(", ")} (it has ${(secret.keys ?? []).join(", ")})`,
            };
        const type = ref.contract.secretType;
        if (type !== "any" && type !== secret.type)
            return {
                ...base,
                problem: `Secret ${ref.name} is ${secret.type}, but a ${kindLabel(ref.contract.kind)} reads a ${type} Secret here`,
            };
        return base;
    });
}

/** A consumer the catalog declares (the plan's `consumers`). */
export interface DeclaredConsumer {
    secret: string;
    kind: string;
    name: string;
    auth: string;
}

/**
 * Where the catalog and the cluster disagree about a declared consumer: the export holds a
 * resource of that kind and name whose references of that auth name another Secret, or none.
 * Notes only (a partial export is normal): the exit code is the references'.
 */
export function declaredConsumerNotes(declared: readonly DeclaredConsumer[], refs: readonly LiveReference[]): string[] {
    const notes: string[] = [];
    for (const c of declared) {
        const same = refs.filter((r) => r.contract.kind === c.kind && r.objectName === c.name);
        if (same.length === 0) continue;
        const names = [...new Set(same.filter((r) => r.contract.auth === c.auth).map((r) => r.name))];
        if (names.includes(c.secret)) continue;
        notes.push(
            `the catalog says ${kindLabel(c.kind)} ${c.name} reads Secret ${c.secret} (auth ${c.auth}); in the export it ${
                names.length > 0 ? `reads ${names.join(", ")}` : `has no ${c.auth} reference`
            }`,
        );
    }
    return notes;
}

/** Names of the ConfigMaps an export holds (a `kubectl get configmap -o json` beside the resources). */
export function configMapsOf(objects: readonly LiveObject[]): string[] {
    return objects.filter((o) => o.source === "kubernetes" && o.type === "configmap").map((o) => o.name);
}

/**
 * True when the export holds an object of a type `check` reads references from (a resource that
 * names Secrets; not the SecretSyncs the OPC UA contracts name by their fixed names).
 */
export function isConsumerObject(obj: LiveObject): boolean {
    const kind = contractsFor(obj.type)[0]?.kind;
    return kind !== undefined && Object.hasOwn(WALKERS, kind) && isRecord(obj.body);
}

/**
 * The consumer resources an export names without their content: `az resource list` prints every
 * resource with `properties: null` (the generic list of Azure Resource Manager returns no
 * properties), and a custom resource without `spec` says nothing either. Their references cannot
 * be checked, so they must not pass as resolved; each one says how to export it whole.
 */
export function contentlessConsumers(objects: readonly LiveObject[]): { object: LiveObject; problem: string }[] {
    return objects
        .filter((o) => isConsumerObject(o) && Object.keys(o.body).length === 0)
        .map((object) => ({
            object,
            problem:
                object.source === "arm"
                    ? `has no properties (az resource list leaves them out): export it with az resource show --ids ${object.id}`
                    : "has no spec: export it with kubectl get ... -o json",
        }));
}

/** A secret input's value as the program gave it (the harness wraps secrets in an envelope). Keys only are read. */
function unwrapped(value: unknown): unknown {
    const record = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
    return record && record[SECRET_SIG_KEY] === SECRET_SIG ? record.value : value;
}

/**
 * The keys of a Kubernetes Secret's `data` / `stringData` input, never its values; undefined when
 * the offline plan cannot know them (a secret map whose content is known only after `up`).
 */
function dataKeys(inputs: Record<string, unknown>): string[] | undefined {
    const found: string[] = [];
    for (const given of [inputs.data, inputs.stringData]) {
        if (given === undefined) continue;
        const v = unwrapped(given);
        if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
        found.push(...Object.keys(v));
    }
    return [...new Set(found)];
}

/**
 * The Secrets the run puts on the cluster: the ones it syncs (SecretSync resources: name, type,
 * target keys) and the ones it writes itself (CSI mode: `aio-akv-sp`, the test CA's Secret).
 */
export function stackSecretsOf(run: Pick<RunResult, "resources">): SyncedSecret[] {
    return run.resources.flatMap((r) => {
        if (r.type === "azure-native:secretsynccontroller:SecretSync") {
            const mappings = Array.isArray(r.inputs.objectSecretMapping) ? r.inputs.objectSecretMapping : [];
            return [
                {
                    name: String(r.inputs.secretSyncName),
                    type: typeof r.inputs.kubernetesSecretType === "string" ? r.inputs.kubernetesSecretType : "Opaque",
                    keys: mappings.map((m: unknown) => String((m as { targetKey?: unknown }).targetKey)),
                },
            ];
        }
        if (r.type === "kubernetes:core/v1:Secret") {
            const name = (r.inputs.metadata as { name?: unknown } | undefined)?.name;
            const type = typeof r.inputs.type === "string" ? r.inputs.type : "Opaque";
            return typeof name === "string" ? [{ name, type, keys: dataKeys(r.inputs) }] : [];
        }
        return [];
    });
}

/** The ConfigMaps the run writes (CSI mode: the CA's trust bundle). */
export function stackConfigMapsOf(run: Pick<RunResult, "resources">): string[] {
    return run.resources
        .filter((r) => r.type === "kubernetes:core/v1:ConfigMap")
        .map((r) => (r.inputs.metadata as { name?: unknown } | undefined)?.name)
        .filter((n): n is string => typeof n === "string");
}

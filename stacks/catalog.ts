import { z } from "zod";
import { Document, isMap, LineCounter } from "yaml";
import { Problem } from "./errors";
import { didYouMean } from "./names";
import { readYaml } from "./yaml";
import { intRange, issuesToProblems, protoKeyProblems, ruled, strictObject } from "./schema";
import * as rules from "./rules";
import { expandOpcuaPresets, opcuaSchema } from "./opcua";

/**
 * The catalog, `stacks/secrets.yaml`: which secrets exist, where they are mounted and in
 * which environments. Shared by every stack; holds no values. Pure: parse and validate only.
 */

export const CATALOG_FILE = "stacks/secrets.yaml";

/** The five SecretProviderClasses `az iot ops init` created; they always exist. */
export const DEFAULT_SPC_NAMES = [
    "aio-default-spc",
    "aio-opc-ua-broker-client-certificate",
    "aio-opc-ua-broker-user-authentication",
    "aio-opc-ua-broker-trust-list",
    "aio-opc-ua-broker-issuer-list",
] as const;

export const OBJECT_TYPES = ["secret", "key", "cert"] as const;
export const SOURCES = ["config", "generated", "existing"] as const;
export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
/** How Azure IoT MQ refers to a vault object: `vaultSecret`, `vaultCert`, `vaultCaChainSecret`. */
export const MQ_REFERENCE_KINDS = ["secret", "cert", "caChain"] as const;

export type ObjectType = (typeof OBJECT_TYPES)[number];
export type SecretSource = (typeof SOURCES)[number];
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

const restartSchema = strictObject({
    kind: z.enum(WORKLOAD_KINDS),
    name: ruled(rules.dns1123Subdomain),
    namespace: ruled(rules.dns1123Label).optional(),
});

const spcSchema = strictObject({
    restart: z.array(restartSchema).default([]),
    pods: intRange(1, 100000).optional(),
});

/** Kubernetes Secret types a SecretSync may write. */
export const SYNC_SECRET_TYPES = ["Opaque", "kubernetes.io/tls"] as const;
export type SyncSecretType = (typeof SYNC_SECRET_TYPES)[number];
/** The keys Kubernetes requires (and allows) in a `kubernetes.io/tls` Secret. */
export const TLS_KEYS = ["tls.crt", "tls.key"] as const;

/** Where an entry lands in secret-sync mode: a key of a Kubernetes Secret. */
const syncSchema = strictObject({
    secret: ruled(rules.dns1123Subdomain),
    key: ruled(rules.syncTargetKey),
});

/**
 * Issue 20: a generated value's rotation schedule. `days`: a new value every N days (a `time:Rotating` clock per
 * entry, fired by `pulumi up --refresh`). `outage`: consumers outside the stack's delivery that hold a copy of the
 * value and break when it changes (a password on the other side of a dataflow endpoint); the plan names them and
 * docs/rotation.md says how to stage such a rotation.
 */
const rotateSchema = strictObject({
    days: intRange(1, 3650),
    // Printed in every plan and by pulumi up's warning: no control characters (a newline would forge plan lines).
    outage: z
        .array(
            z
                .string()
                .min(1, "must not be empty")
                .max(253, "must be at most 253 characters")
                .regex(
                    // eslint-disable-next-line no-control-regex
                    /^[^\u0000-\u001f\u007f-\u009f]*$/,
                    "must not contain control characters (newlines, tabs, escapes)",
                ),
        )
        .default([]),
});

/** `notBefore`: an RFC 3339 UTC date or timestamp (`2026-01-01`, `2026-01-01T00:00:00Z`). */
const NOT_BEFORE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$/;

/** A lower-camel-case name of the consumer contract table (model/consumers.ts), checked against it there. */
const contractName = (what: string) =>
    z.string().regex(/^[a-z][A-Za-z0-9]*$/, `must be ${what} (npm run -s check -- --kinds lists them)`);

/**
 * An Azure IoT Operations resource that reads a synced Secret by name (issue 18): its kind and
 * auth pick a contract of model/consumers.ts (the keys it reads); `keys` for the kinds whose
 * reference names the keys itself (a device's `<secret>/<key>`, an Akri `secretKey`).
 */
const consumerSchema = strictObject({
    kind: contractName("a consumer kind such as dataflowEndpoint"),
    name: ruled(rules.dns1123Subdomain),
    auth: contractName("an auth of the kind, such as sasl").optional(),
    keys: z.array(ruled(rules.syncTargetKey)).min(1, "must list at least one key (omit it for none)").optional(),
});

/** A Kubernetes Secret that secret sync writes, when it needs more than the defaults. */
const secretSyncDeclSchema = strictObject({
    type: z.enum(SYNC_SECRET_TYPES).default("Opaque"),
    /** Change it to make the controller sync again now (any new string). */
    forceSynchronization: ruled(rules.forceSynchronization).optional(),
    /** Who reads this Secret (issue 18). */
    consumers: z.array(consumerSchema).default([]),
});

/** A consumer as the catalog declares it. */
export type ConsumerDecl = z.infer<typeof consumerSchema>;

const secretSchema = strictObject({
    name: ruled(rules.vaultObjectName),
    type: z.enum(OBJECT_TYPES).default("secret"),
    source: z.enum(SOURCES),
    spcs: z.array(ruled(rules.dns1123Subdomain)).default([]),
    alias: ruled(rules.relativeFileName).optional(),
    version: z
        .string()
        .regex(/^([0-9a-fA-F]{32})?$/, 'must be "" (latest) or a 32-character Key Vault version id')
        .default(""),
    environments: z
        .array(ruled(rules.environmentName))
        .min(1, "must list at least one environment (omit the key for all)")
        .optional(),
    deleteOnRemove: z.boolean().default(false),
    length: intRange(16, 4096).optional(),
    keySize: z
        .union([z.literal(2048), z.literal(3072), z.literal(4096)], { error: "must be 2048, 3072 or 4096" })
        .optional(),
    contentType: z.string().max(255, "must be at most 255 characters (Key Vault limit)").optional(),
    encoding: z.enum(["utf-8", "hex", "base64"]).optional(),
    format: z.enum(["pem", "pfx"]).optional(),
    filePermission: ruled(rules.octalFileMode).optional(),
    mq: z.enum(MQ_REFERENCE_KINDS).optional(),
    sync: syncSchema.optional(),
    rotate: rotateSchema.optional(),
    expiresInDays: intRange(1, 36500).optional(),
    notBefore: ruled((v) =>
        NOT_BEFORE.test(v) &&
        !Number.isNaN(Date.parse(v)) &&
        new Date(Date.parse(v)).toISOString().startsWith(v.slice(0, 10))
            ? undefined
            : "must be a real UTC date (2026-01-01) or timestamp (2026-01-01T00:00:00Z)",
    ).optional(),
    /** An OPC UA certificate preset (stacks/opcua.ts): sets sync, encoding and contentType. */
    opcua: opcuaSchema.optional(),
});

/** A whole Azure IoT MQ custom resource; `{ keyVaultRef: <secret> }` marks where a vault reference goes. */
const mqResourceSchema = strictObject({
    // Only Azure IoT Operations' own API groups: the stack force-applies these objects and deletes
    // them when they leave the catalog, which must never reach a Deployment or another tool's object.
    apiVersion: z
        .string()
        .regex(/^[a-z0-9.-]+\/[a-z0-9]+$/, "must be group/version, e.g. mq.iotoperations.azure.com/v1beta1")
        .regex(
            /^([a-z0-9-]+\.)*iotoperations\.azure\.com\//,
            "must be an Azure IoT Operations API group (*.iotoperations.azure.com), e.g. mq.iotoperations.azure.com/v1beta1",
        ),
    kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, "must be a Kubernetes kind, e.g. BrokerListener"),
    metadata: strictObject({
        name: ruled(rules.dns1123Subdomain),
        namespace: ruled(rules.dns1123Label).optional(),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
    }),
    spec: z.record(z.string(), z.unknown()),
});

/** The whole catalog (docs/reference.md lists its keys; test/reference.test.ts checks). */
export const catalogSchema = strictObject({
    environments: z.array(ruled(rules.environmentName)).min(1, "must list at least one environment").optional(),
    secretProviderClasses: z.record(z.string(), spcSchema.nullable()).default({}),
    secrets: z.array(secretSchema, { error: "must be a list of secrets (may be empty: secrets: [])" }),
    mqResources: z.array(mqResourceSchema).default([]),
    secretSyncs: z.record(z.string(), secretSyncDeclSchema.nullable()).default({}),
});

/** A Kubernetes Secret written by secret sync: declared under `secretSyncs`, or implied by a `sync`. */
export interface SyncSecretDecl {
    name: string;
    type: SyncSecretType;
    forceSynchronization?: string;
    /** Its readers as declared under `secretSyncs.<name>.consumers` ([] when none). */
    consumers?: ConsumerDecl[];
}

export type MqResource = z.infer<typeof mqResourceSchema>;
export type MqReferenceKind = (typeof MQ_REFERENCE_KINDS)[number];

/** Where a `{ keyVaultRef: <secret> }` sits inside an MQ resource. */
export interface KeyVaultRefSite {
    /** Index of the resource in `mqResources`. */
    resource: number;
    /** Path inside the resource, e.g. `spec.authenticationMethods[0].x509.keyVault`. */
    path: (string | number)[];
    secret: string;
}

/** Finds every `{ keyVaultRef: name }` object in a value (and malformed ones, as problems). */
export function findKeyVaultRefs(
    value: unknown,
    at: (string | number)[] = [],
): { sites: Omit<KeyVaultRefSite, "resource">[]; malformed: (string | number)[][] } {
    const sites: Omit<KeyVaultRefSite, "resource">[] = [];
    const malformed: (string | number)[][] = [];
    const walk = (node: unknown, path: (string | number)[]) => {
        if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, i]));
        else if (node !== null && typeof node === "object") {
            const record = node as Record<string, unknown>;
            if ("keyVaultRef" in record) {
                if (Object.keys(record).length === 1 && typeof record.keyVaultRef === "string")
                    sites.push({ path, secret: record.keyVaultRef });
                else malformed.push(path);
                return;
            }
            for (const [k, v] of Object.entries(record)) walk(v, [...path, k]);
        }
    };
    walk(value, at);
    return { sites, malformed };
}

export type RestartTarget = z.infer<typeof restartSchema>;

/** A SecretProviderClass as declared (or one of init's five, implicitly). */
export interface SpcDecl {
    name: string;
    /** Workloads rolled when the SPC's content changes. */
    restart: RestartTarget[];
    /** Expected pods mounting it (for the vault read budget); unknown when undefined. */
    pods?: number;
    /** One of the five SPCs `az iot ops init` created. */
    isDefault: boolean;
}

/** A catalog entry, validated and defaulted. */
export interface CatalogSecret extends z.infer<typeof secretSchema> {
    /** Position in the catalog, for messages only: never part of a resource identity. */
    index: number;
    /** Line in the catalog file, for messages. */
    line?: number;
}

export interface Catalog {
    file: string;
    /** Azure IoT MQ resources to apply, with their vault reference sites. */
    mqResources: MqResource[];
    keyVaultRefs: KeyVaultRefSite[];
    /** Environments the catalog knows; when set, every `environments` entry must be one of them. */
    environments?: string[];
    spcs: Map<string, SpcDecl>;
    secrets: CatalogSecret[];
    /** Kubernetes Secrets of secret-sync mode, by name: every `sync.secret` and every `secretSyncs` entry. */
    syncSecrets: Map<string, SyncSecretDecl>;
}

/** `secrets[2] (mq-password).alias`, `secretProviderClasses.my-spc.restart[0].kind`. */
function catalogPath(input: unknown, path: readonly PropertyKey[]): string {
    let out = "";
    path.forEach((key, i) => {
        if (typeof key === "number") out += `[${key}]`;
        else out += out === "" ? String(key) : `.${String(key)}`;
        if (i === 1 && path[0] === "secrets" && typeof key === "number") {
            const entry = (input as { secrets?: unknown[] } | undefined)?.secrets?.[key];
            const name = entry && typeof entry === "object" ? (entry as { name?: unknown }).name : undefined;
            if (typeof name === "string") out += ` (${name})`;
        }
    });
    return out;
}

function lineFinder(doc: Document, counter: LineCounter): (path: readonly PropertyKey[]) => number | undefined {
    return (path) => {
        for (let n = path.length; n >= 0; n--) {
            const node = doc.getIn(path.slice(0, n) as unknown[], true) as
                { range?: [number, number, number] } | undefined;
            if (node && node.range) return counter.linePos(node.range[0]).line;
            if (n > 0 && typeof path[n - 1] === "string") {
                // An unknown key: point at the key itself in its parent map.
                const parent = doc.getIn(path.slice(0, n - 1) as unknown[], true);
                if (isMap(parent)) {
                    const pair = parent.items.find((p) => (p.key as { value?: unknown })?.value === path[n - 1]);
                    const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
                    if (range) return counter.linePos(range[0]).line;
                }
            }
        }
        return undefined;
    };
}

/** Whether two `environments` lists can be on at the same time (undefined = all). */
export function environmentsOverlap(a?: readonly string[], b?: readonly string[]): boolean {
    return !a || !b || a.some((e) => b.includes(e));
}

/** The name of the file a secret becomes inside the pod. */
export function fileNameOf(secret: Pick<CatalogSecret, "name" | "alias">): string {
    return secret.alias ?? secret.name;
}

/**
 * Parses and validates the catalog text. Returns every problem found; `catalog` only when
 * there are none.
 */
export function parseCatalog(text: string, file: string = CATALOG_FILE): { catalog?: Catalog; problems: Problem[] } {
    const read = readYaml(text, file);
    if (read.problems.length > 0) return { problems: read.problems };
    const { doc, counter } = read;
    const problems: Problem[] = [];
    const input: unknown = read.value;
    if (input === null || input === undefined) {
        return { problems: [{ file, path: "", rule: "is empty: declare at least `secrets: []`" }] };
    }
    if (typeof input !== "object" || Array.isArray(input)) {
        return {
            problems: [
                { file, line: 1, path: "", rule: "must be a map with the keys secretProviderClasses and secrets" },
            ],
        };
    }
    const lineOf = lineFinder(doc, counter);
    const at = (path: PropertyKey[], rule: string, value?: string) =>
        problems.push({ file, line: lineOf(path), path: catalogPath(input, path), rule, value });

    const issueContext = { file, input, pathOf: (p: readonly PropertyKey[]) => catalogPath(input, p), lineOf };
    problems.push(...protoKeyProblems(input, issueContext));
    const result = catalogSchema.safeParse(input);
    if (!result.success) {
        problems.push(...issuesToProblems(result.error.issues, issueContext));
        return { problems };
    }
    const parsed = result.data;

    const spcs = new Map<string, SpcDecl>();
    for (const name of DEFAULT_SPC_NAMES) spcs.set(name, { name, restart: [], isDefault: true });
    for (const [name, decl] of Object.entries(parsed.secretProviderClasses)) {
        const nameProblem = rules.dns1123Subdomain(name);
        if (nameProblem) {
            at(["secretProviderClasses", name], `SecretProviderClass name ${nameProblem}`);
            continue;
        }
        const restart = decl?.restart ?? [];
        const seen = new Set<string>();
        restart.forEach((target, i) => {
            const id = `${target.kind}/${target.namespace ?? ""}/${target.name}`;
            if (seen.has(id)) at(["secretProviderClasses", name, "restart", i], "lists the same workload twice");
            seen.add(id);
        });
        spcs.set(name, { name, restart, pods: decl?.pods, isDefault: spcs.get(name)?.isDefault ?? false });
    }

    const knownEnvs = parsed.environments;
    if (knownEnvs && new Set(knownEnvs).size !== knownEnvs.length) at(["environments"], "lists an environment twice");

    const secrets: CatalogSecret[] = [];
    const byName = new Map<string, number>();
    parsed.secrets.forEach((entry, index) => {
        const path = (...rest: PropertyKey[]) => ["secrets", index, ...rest];
        const key = entry.name.toLowerCase();
        const first = byName.get(key);
        if (first !== undefined) {
            at(
                path("name"),
                `duplicate secret name (first at secrets[${first}]; Key Vault names are case-insensitive)`,
                JSON.stringify(entry.name),
            );
        } else byName.set(key, index);

        if (entry.type === "cert" && entry.source !== "existing") {
            at(
                path("source"),
                "certificates must be `existing`: import them into the vault (az keyvault certificate import), then mount them",
                JSON.stringify(entry.source),
            );
        }
        if (entry.type === "key" && entry.source === "config") {
            at(
                path("source"),
                "keys cannot take a value from config; use `generated` (the stack creates a vault key) or `existing`",
                JSON.stringify(entry.source),
            );
        }
        if (entry.length !== undefined && !(entry.type === "secret" && entry.source === "generated")) {
            at(path("length"), "applies only to generated secrets (type secret, source generated)");
        }
        if (entry.keySize !== undefined && !(entry.type === "key" && entry.source === "generated")) {
            at(path("keySize"), "applies only to generated keys (type key, source generated)");
        }
        if (entry.encoding !== undefined && entry.type !== "secret") {
            at(path("encoding"), "objectEncoding applies only to secrets (type secret)");
        }
        if (entry.format === "pfx" && entry.type !== "secret") {
            at(path("format"), "pfx applies only to type secret (a certificate's secret); keys and certs are pem");
        }
        if (entry.contentType !== undefined && entry.type !== "secret") {
            at(path("contentType"), "applies only to secrets the stack writes (type secret)");
        }
        for (const p of lifetimeProblems(entry)) at(path(p.key), p.rule);
        if (entry.deleteOnRemove && entry.source === "existing") {
            at(path("deleteOnRemove"), "the stack never owned an existing object, so it cannot delete it");
        }
        if (entry.version !== "" && entry.source !== "existing") {
            at(
                path("version"),
                "a pinned version applies only to existing objects; the stack's own secrets mount their latest version",
            );
        }
        if (entry.environments) {
            if (new Set(entry.environments).size !== entry.environments.length)
                at(path("environments"), "lists an environment twice");
            entry.environments.forEach((env, i) => {
                if (knownEnvs && !knownEnvs.includes(env)) {
                    at(
                        path("environments", i),
                        `is not one of the catalog's environments (${knownEnvs.join(", ")})`,
                        JSON.stringify(env),
                    );
                }
            });
        }
        if (new Set(entry.spcs).size !== entry.spcs.length) at(path("spcs"), "lists a SecretProviderClass twice");
        entry.spcs.forEach((spc, i) => {
            if (!spcs.has(spc)) {
                const hint = didYouMean(spc, spcs.keys());
                at(
                    path("spcs", i),
                    `is not a declared SecretProviderClass${hint}; add it under secretProviderClasses (declared: ${[...spcs.keys()].join(", ")})`,
                    JSON.stringify(spc),
                );
            }
        });
        secrets.push({ ...entry, index, line: lineOf(path()) });
    });
    // OPC UA presets become ordinary synced entries before anything reads `sync`.
    expandOpcuaPresets(secrets, at, environmentsOverlap);

    // Two objects with the same file name in one SPC overwrite each other in the pod; the
    // provider does not notice. Only entries that can be on in the same environment clash.
    // Grouped by (SPC, file name) so the check stays linear in the catalog size.
    const byFile = new Map<string, CatalogSecret[]>();
    for (const secret of secrets) {
        for (const spc of new Set(secret.spcs)) {
            const key = `${spc}\u0000${fileNameOf(secret)}`;
            const earlier = byFile.get(key) ?? [];
            const clash = earlier.find((a) => environmentsOverlap(a.environments, secret.environments));
            if (clash) {
                at(
                    ["secrets", secret.index, secret.alias !== undefined ? "alias" : "name"],
                    `file name "${fileNameOf(secret)}" is already used in SecretProviderClass ${spc} by secrets[${clash.index}] (${clash.name}); set a distinct alias`,
                );
            }
            earlier.push(secret);
            byFile.set(key, earlier);
        }
    }

    // The driver writes `a/b` by making a directory `a`: a file named `a` in the same SPC makes
    // the mount fail. Checked per parent directory, so still linear in the catalog size.
    for (const secret of secrets) {
        const parts = fileNameOf(secret).split("/");
        for (const spc of new Set(secret.spcs)) {
            for (let n = 1; n < parts.length; n++) {
                const dir = parts.slice(0, n).join("/");
                const file = (byFile.get(`${spc}\u0000${dir}`) ?? []).find((f) =>
                    environmentsOverlap(f.environments, secret.environments),
                );
                if (file) {
                    at(
                        ["secrets", secret.index, secret.alias !== undefined ? "alias" : "name"],
                        `file name "${fileNameOf(secret)}" needs a directory "${dir}", but secrets[${file.index}] (${file.name}) is the file "${dir}" in SecretProviderClass ${spc}; the driver cannot write both`,
                    );
                    break;
                }
            }
        }
    }

    // MQ: the object type must fit the reference, and every `keyVaultRef` must name an mq secret.
    for (const secret of secrets) {
        const expected = secret.mq === "cert" ? "cert" : "secret";
        if (secret.mq !== undefined && secret.type !== expected) {
            at(
                ["secrets", secret.index, "mq"],
                `mq: ${secret.mq} refers to a vault ${expected}, but the entry has type ${secret.type}`,
            );
        }
    }
    const keyVaultRefs: KeyVaultRefSite[] = [];
    const seenResources = new Map<string, number>();
    parsed.mqResources.forEach((resource, index) => {
        const id = `${resource.apiVersion.split("/")[0]}/${resource.kind}/${resource.metadata.name}`;
        const first = seenResources.get(id);
        if (first !== undefined)
            at(
                ["mqResources", index, "metadata", "name"],
                `duplicate ${resource.kind} "${resource.metadata.name}" (first at mqResources[${first}])`,
            );
        else seenResources.set(id, index);
        const { sites, malformed } = findKeyVaultRefs(resource.spec, ["spec"]);
        for (const path of malformed) {
            at(
                ["mqResources", index, ...path],
                "a vault reference is written { keyVaultRef: <secret name> } and nothing else",
            );
        }
        for (const site of sites) {
            const secret = secrets.find((s) => s.name === site.secret);
            if (!secret)
                at(
                    ["mqResources", index, ...site.path, "keyVaultRef"],
                    `names no secret of the catalog`,
                    JSON.stringify(site.secret),
                );
            else if (secret.mq === undefined) {
                at(
                    ["mqResources", index, ...site.path, "keyVaultRef"],
                    `secret "${site.secret}" has no mq: (secret, cert or caChain) in its catalog entry`,
                    JSON.stringify(site.secret),
                );
            } else keyVaultRefs.push({ resource: index, ...site });
        }
    });

    const syncSecrets = syncSecretsOf(parsed.secretSyncs, secrets, at);

    if (problems.length > 0) return { problems };
    return {
        catalog: {
            file,
            environments: knownEnvs,
            spcs,
            secrets,
            mqResources: parsed.mqResources,
            keyVaultRefs,
            syncSecrets,
        },
        problems,
    };
}

/**
 * The Kubernetes Secrets of secret-sync mode, checked: DNS-1123 names, a mapping for every
 * declared Secret, no key twice in one Secret (among entries that can be on together), and
 * only `tls.crt` / `tls.key` in a `kubernetes.io/tls` Secret.
 */
function syncSecretsOf(
    declared: Record<string, z.infer<typeof secretSyncDeclSchema> | null>,
    secrets: readonly CatalogSecret[],
    at: (path: PropertyKey[], rule: string, value?: string) => void,
): Map<string, SyncSecretDecl> {
    const result = new Map<string, SyncSecretDecl>();
    for (const [name, decl] of Object.entries(declared)) {
        const nameProblem = rules.dns1123Subdomain(name);
        if (nameProblem) {
            at(["secretSyncs", name], `Kubernetes Secret name ${nameProblem}`);
            continue;
        }
        result.set(name, {
            name,
            type: decl?.type ?? "Opaque",
            forceSynchronization: decl?.forceSynchronization,
            ...(decl?.consumers.length ? { consumers: decl.consumers } : {}),
        });
    }
    const mapped = new Set<string>();
    const byKey = new Map<string, CatalogSecret[]>();
    for (const secret of secrets) {
        if (!secret.sync) continue;
        const { secret: target, key } = secret.sync;
        const sourceProblem = rules.syncSourcePath(secret.name);
        if (sourceProblem) at(["secrets", secret.index, "name"], sourceProblem, JSON.stringify(secret.name));
        mapped.add(target);
        if (!result.has(target)) result.set(target, { name: target, type: "Opaque" });
        const id = `${target}\u0000${key}`;
        const earlier = byKey.get(id) ?? [];
        const clash = earlier.find((e) => environmentsOverlap(e.environments, secret.environments));
        if (clash) {
            at(
                ["secrets", secret.index, "sync", "key"],
                `key "${key}" of Kubernetes Secret ${target} is already mapped by secrets[${clash.index}] (${clash.name}); one key holds one vault object`,
            );
        }
        byKey.set(id, [...earlier, secret]);
        if (result.get(target)!.type === "kubernetes.io/tls" && !(TLS_KEYS as readonly string[]).includes(key)) {
            at(
                ["secrets", secret.index, "sync", "key"],
                `Kubernetes Secret ${target} has type kubernetes.io/tls, whose keys are ${TLS_KEYS.join(" and ")}`,
                JSON.stringify(key),
            );
        }
    }
    for (const name of Object.keys(declared)) {
        if (result.has(name) && !mapped.has(name)) {
            at(
                ["secretSyncs", name],
                "no catalog entry maps into this Secret; add sync: { secret: " +
                    name +
                    ", key: <key> } to an entry, or remove it",
            );
        }
    }
    return result;
}

/** A rule broken by an entry's rotation or vault attributes, at one of its keys. */
export interface LifetimeProblem {
    key: "rotate" | "expiresInDays" | "notBefore";
    rule: string;
}

/**
 * The rules of `rotate`, `expiresInDays` and `notBefore` (issue 20), pure: only generated secrets rotate (a config
 * value changes when its config does, an existing object is not the stack's); only objects the stack writes as
 * secrets carry attributes; an expiry shorter than the rotation period would let the value expire before its
 * replacement is written.
 */
export function lifetimeProblems(
    entry: Pick<CatalogSecret, "type" | "source" | "rotate" | "expiresInDays" | "notBefore">,
): LifetimeProblem[] {
    const out: LifetimeProblem[] = [];
    if (entry.rotate !== undefined && !(entry.type === "secret" && entry.source === "generated"))
        out.push({
            key: "rotate",
            rule: "applies only to generated secrets (type secret, source generated): a config value changes with its config, an existing object is not the stack's",
        });
    for (const key of ["expiresInDays", "notBefore"] as const) {
        if (entry[key] !== undefined && !(entry.type === "secret" && entry.source !== "existing"))
            out.push({
                key,
                rule: "applies only to secrets the stack writes (type secret, source config or generated)",
            });
    }
    if (entry.rotate !== undefined && entry.expiresInDays !== undefined && entry.expiresInDays < entry.rotate.days)
        out.push({
            key: "expiresInDays",
            rule: `(${entry.expiresInDays}) must be at least rotate.days (${entry.rotate.days}): the value would expire before the rotation that replaces it`,
        });
    return out;
}

/** The catalog entries that exist in an environment. */
export function secretsForEnvironment(catalog: Catalog, environment: string): CatalogSecret[] {
    return catalog.secrets.filter((s) => !s.environments || s.environments.includes(environment));
}

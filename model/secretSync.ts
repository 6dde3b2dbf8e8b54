import { createHash } from "node:crypto";
import type { CatalogSecret, SyncSecretType } from "../stacks/catalog";
import { OPCUA_SPC_NAME, OPCUA_SYNC_NAMES } from "../stacks/opcua";
import { renderSpcObjects, SpcObject } from "./spc";

/**
 * Secret sync (AIO GA), as plain data: which vault objects the SecretProviderClass lists and
 * which Kubernetes Secrets the SecretSyncs write, from the catalog entries of one environment.
 * Pure: no Pulumi here. The same entries give the same model whatever the catalog's order.
 */

/** One key of a Kubernetes Secret and the vault object it holds (ARM `objectSecretMapping`). */
export interface SyncMapping {
    /** The vault object's name, as the SPC's `objects` lists it. */
    sourcePath: string;
    targetKey: string;
}

/** One SecretSync: the Kubernetes Secret it writes (same name) and its keys. */
export interface SyncModel {
    name: string;
    type: SyncSecretType;
    /** Sorted by key. At least one (Secrets with none in this environment are left out). */
    mappings: SyncMapping[];
    /** This Secret's own resync trigger (catalog `secretSyncs.<name>.forceSynchronization`). */
    forceSynchronization?: string;
    /**
     * The SPC it reads when not the stack's own (`secretSync.spcName`): the three OPC UA Secrets
     * read `opc-ua-connector`, as the CLI sets them up (stacks/opcua.ts).
     */
    spc?: string;
}

export interface SecretSyncModel {
    /** Exactly the vault objects some SecretSync maps, once each, in render order. */
    objects: SpcObject[];
    /** One per Kubernetes Secret, sorted by name. */
    syncs: SyncModel[];
}

/**
 * The SPC entry of a synced vault object: name and type, plus encoding and format (they
 * change the content). No version (only the latest is synced), no alias or file permission
 * (no file is written): the fixture's two lines for a plain secret.
 */
export function syncObjectOf(secret: Pick<CatalogSecret, "name" | "type" | "encoding" | "format">): SpcObject {
    const object: SpcObject = { objectName: secret.name, objectType: secret.type };
    if (secret.encoding !== undefined) object.objectEncoding = secret.encoding;
    if (secret.format !== undefined) object.objectFormat = secret.format;
    return object;
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

const OPCUA_SECRETS: ReadonlySet<string> = new Set(Object.values(OPCUA_SYNC_NAMES));

/**
 * The SPCs the SecretSyncs read, each with exactly the objects its SecretSyncs map: the stack's
 * own (`spcName`, first, also when no sync reads it) and each other one a sync names (`spc`).
 */
export function spcsOfSyncs(
    spcName: string,
    model: Pick<SecretSyncModel, "objects" | "syncs">,
): { name: string; objects: SpcObject[]; syncs: SyncModel[] }[] {
    const names = [...new Set([spcName, ...model.syncs.flatMap((s) => (s.spc !== undefined ? [s.spc] : []))])];
    return names.map((name) => {
        const syncs = model.syncs.filter((s) => (s.spc ?? spcName) === name);
        const mapped = new Set(syncs.flatMap((s) => s.mappings.map((m) => m.sourcePath)));
        return { name, objects: model.objects.filter((o) => mapped.has(o.objectName)), syncs };
    });
}

/** The secret-sync model of the enabled catalog entries. */
export function secretSyncModel(
    enabled: readonly Pick<CatalogSecret, "name" | "type" | "encoding" | "format" | "sync">[],
    declared: ReadonlyMap<string, { type: SyncSecretType; forceSynchronization?: string }>,
): SecretSyncModel {
    const objects = new Map<string, SpcObject>();
    const syncs = new Map<string, SyncModel>();
    for (const secret of enabled) {
        if (!secret.sync) continue;
        if (!objects.has(secret.name)) objects.set(secret.name, syncObjectOf(secret));
        const decl = declared.get(secret.sync.secret);
        const sync = syncs.get(secret.sync.secret) ?? {
            name: secret.sync.secret,
            type: decl?.type ?? "Opaque",
            mappings: [],
            ...(decl?.forceSynchronization !== undefined ? { forceSynchronization: decl.forceSynchronization } : {}),
            ...(OPCUA_SECRETS.has(secret.sync.secret) ? { spc: OPCUA_SPC_NAME } : {}),
        };
        sync.mappings.push({ sourcePath: secret.name, targetKey: secret.sync.key });
        syncs.set(secret.sync.secret, sync);
    }
    for (const sync of syncs.values()) sync.mappings.sort((a, b) => compare(a.targetKey, b.targetKey));
    return {
        objects: [...objects.values()].sort((a, b) => compare(a.objectName, b.objectName)),
        syncs: [...syncs.values()].sort((a, b) => compare(a.name, b.name)),
    };
}

/** The SPC's `objects` string: the CSI driver's format (same provider), one line per synced object. */
export function renderSyncObjects(objects: readonly SpcObject[]): string {
    return renderSpcObjects(objects);
}

/** The federated credential's subject: the Secret Store's service account in the AIO namespace. */
export function workloadSubject(namespace: string, serviceAccount: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/** The Secret Store extension's settings: AIO's (init / edge-ai), then `extra` (never the checked key). */
export function secretStoreSettings(
    rotationPollIntervalInSeconds: number,
    extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
    return {
        rotationPollIntervalInSeconds: String(rotationPollIntervalInSeconds),
        "validatingAdmissionPolicies.applyPolicies": "false",
        ...extra,
    };
}

/** ARM id of a custom location. */
export function customLocationId(subscriptionId: string, resourceGroupName: string, name: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.ExtendedLocation/customLocations/${name}`;
}

/**
 * The name `az iot ops` gives its SPC: `spc-ops-` + 7 hex of sha256("<cluster>-<resource group>-<instance>").
 * Only to recognise (and adopt) the CLI's SPC: the stack's default (stacks/settings.ts
 * defaultSpcName) has the same form but hashes the custom location, so it never claims the CLI's.
 */
export function cliSpcName(cluster: string, resourceGroup: string, instance: string): string {
    return `spc-ops-${createHash("sha256").update(`${cluster}-${resourceGroup}-${instance}`).digest("hex").slice(0, 7)}`;
}

/**
 * The federated credential of a custom location: `aio-ssc-<custom location>`, with every
 * character Azure refuses in a credential name (letters, digits, `-`, `_` only; 3-120 chars)
 * turned into `-`. A custom location name may hold `.`, which would fail the PUT.
 */
export function federatedCredentialName(customLocation: string): string {
    return `aio-ssc-${customLocation}`.replace(/[^-_A-Za-z0-9]/g, "-").slice(0, 120);
}

/** Azure's rule for federated identity credential names. */
export const FEDERATED_CREDENTIAL_NAME = /^[A-Za-z0-9][-_A-Za-z0-9]{2,119}$/;

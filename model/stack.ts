import { spcObjectOf, SpcObject } from "./spc";
import type { SecretSyncModel, SyncModel } from "./secretSync";
import type { CaSettings } from "../stacks/ca";
import type { VaultUsage } from "./permissions";
import type { CatalogSecret, MqReferenceKind, MqResource, RestartTarget } from "../stacks/catalog";
import type { ProgramInputs } from "../stacks/load";
import { caModel, CaModel } from "./ca";
import type { ReadBudget } from "./budget";
import type { StackSettings } from "../stacks/settings";
import { catalogOutageConsumers, OutageConsumersOf, rotationModel, RotationModel } from "./rotation";
import { kindLabel, outageConsumersOfEntry, type ConsumerCheck, type ConsumerUse } from "./consumers";
import { ConfigError } from "../stacks/errors";

/**
 * What the stack declares, derived from the validated inputs. Pure: the same inputs give the
 * same model, whatever the catalog's order.
 */

/** A vault object the stack writes (values are attached at the edge, in index.ts). */
export interface ManagedObject {
    name: string;
    type: "secret" | "key";
    source: "config" | "generated";
    length?: number;
    randomBytes?: number;
    keySize?: number;
    contentType?: string;
    deleteOnRemove: boolean;
    /** Generated secrets: a new value every this many days (catalog `rotate.days`). */
    rotateDays?: number;
    /** Vault attribute `exp`: this many days after the value is written (catalog `expiresInDays`). */
    expiresInDays?: number;
    /** Vault attribute `nbf` (catalog `notBefore`), RFC 3339. */
    notBefore?: string;
}

export interface SpcModel {
    name: string;
    objects: SpcObject[];
    restart: RestartTarget[];
    pods?: number;
    isDefault: boolean;
}

/** Catalog types the components take with the model (stacks/catalog.ts). */
export type { MqResource, RestartTarget };

/** An Azure IoT MQ vault reference of a catalog entry (rendered with the vault's outputs by model/mq.ts). */
export interface MqReference {
    /** The vault object's name. */
    name: string;
    /** Pinned version; "" = latest. */
    version: string;
    kind: MqReferenceKind;
}

export interface StackModel {
    /** Objects written to the vault, sorted by name. */
    managed: ManagedObject[];
    /** Every SPC with its objects, sorted by name. */
    spcs: SpcModel[];
    /** What the cluster reads and the stack writes: decides the access granted. */
    usage: VaultUsage;
    /** Secret sync's SPC objects and SecretSyncs (secretSync mode only; undefined in csiDriver mode). */
    sync?: SecretSyncModel;
    /** Azure IoT MQ: the catalog entries referenced by vault (catalog order) and the MQ resources to apply. */
    mq: { references: MqReference[]; resources: MqResource[] };
    /** The CA of AIO's TLS as plain data; undefined for `ca.mode: none`. */
    ca?: CaModel;
    /** The vault read budget of the delivery mode, and its warning (undefined within budget). */
    budget: { budget: ReadBudget; warning?: string };
    /** Who reads the synced Secrets (catalog `secretSyncs.<name>.consumers`), sorted; none in a mode without syncs. */
    consumers: { uses: ConsumerUse[]; warnings: string[] };
    /** Generated secrets that rotate on a schedule, sorted by name (model/rotation.ts). */
    rotations: RotationModel[];
}

/**
 * The content type of a secret that holds a certificate (catalog `format`), as Key Vault itself
 * stores a certificate's secret: `application/x-pem-file` or `application/x-pkcs12`. An explicit
 * `contentType` wins.
 */
export function contentTypeOf(entry: Pick<CatalogSecret, "contentType" | "format">): string | undefined {
    if (entry.contentType !== undefined) return entry.contentType;
    if (entry.format === "pem") return "application/x-pem-file";
    if (entry.format === "pfx") return "application/x-pkcs12";
    return undefined;
}

/** The default secret `az iot ops init` created, as a catalog-like entry. */
function defaultSecretEntry(
    inputs: ProgramInputs,
): Pick<CatalogSecret, "name" | "type" | "version" | "alias" | "encoding" | "format" | "filePermission"> {
    return { name: inputs.settings.defaultSecret.name, type: "secret", version: "" };
}

function byName<T extends { name: string }>(a: T, b: T): number {
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * What a delivery mode adds to the model (delivery/<mode>/model.ts): which catalog entries the
 * cluster reads, the mode's own objects (secret sync's SPC and SecretSyncs), and its vault read
 * budget. Pure.
 */
export interface ModeModel {
    /** The enabled entries the cluster reads: they decide the access granted (`usage`). */
    delivered(enabled: readonly CatalogSecret[]): CatalogSecret[];
    /** Secret sync's SPC objects and SecretSyncs; absent for a mode without them. */
    sync?(inputs: ProgramInputs): SecretSyncModel;
    /** The mode's vault read budget and its warning (undefined within budget). */
    budget(settings: StackSettings, model: Pick<StackModel, "spcs" | "sync">): StackModel["budget"];
    /** The consumers of the mode's synced Secrets, checked against their contracts (model/consumers.ts). */
    consumers?(inputs: ProgramInputs): ConsumerCheck;
}

/** Everything the stack declares, built once from the validated inputs and the stack's delivery mode. */
export function buildModel(inputs: ProgramInputs, mode: ModeModel, outageOf?: OutageConsumersOf): StackModel {
    const { settings, catalog, enabled } = inputs;
    // A consumer that cannot read its Secret stops the run here, before anything is declared.
    const consumers = mode.consumers?.(inputs);
    if (consumers && consumers.problems.length > 0) throw new ConfigError(consumers.problems);
    const managed: ManagedObject[] = [];
    if (settings.defaultSecret.source === "generated") {
        managed.push({
            name: settings.defaultSecret.name,
            type: "secret",
            source: "generated",
            randomBytes: 32,
            deleteOnRemove: false,
        });
    }
    for (const s of enabled) {
        switch (s.source) {
            case "existing":
                continue; // already in the vault: only mounted or synced
            case "config":
            case "generated":
                break;
            default: {
                const exhaustiveCheck: never = s.source;
                throw new Error(`internal error: unknown secret source ${String(exhaustiveCheck)}`);
            }
        }
        if (s.type === "cert") continue;
        managed.push({
            name: s.name,
            type: s.type,
            source: s.source,
            length: s.length,
            keySize: s.keySize,
            contentType: contentTypeOf(s) ?? consumers?.contentTypes.get(s.name),
            deleteOnRemove: s.deleteOnRemove,
            ...(s.rotate !== undefined ? { rotateDays: s.rotate.days } : {}),
            ...(s.expiresInDays !== undefined ? { expiresInDays: s.expiresInDays } : {}),
            ...(s.notBefore !== undefined ? { notBefore: s.notBefore } : {}),
        });
    }
    managed.sort(byName);

    const members = new Map<string, SpcObject[]>();
    for (const spc of catalog.spcs.values())
        members.set(spc.name, spc.isDefault ? [spcObjectOf(defaultSecretEntry(inputs))] : []);
    for (const s of enabled) for (const spc of s.spcs) members.get(spc)?.push(spcObjectOf(s));

    const spcs: SpcModel[] = [...catalog.spcs.values()]
        .map((spc) => ({
            name: spc.name,
            objects: members.get(spc.name) ?? [],
            restart: spc.restart,
            pods: spc.pods,
            isDefault: spc.isDefault,
        }))
        .sort(byName);

    // What the cluster reads: the mounted entries (CSI driver), or the synced ones (secret sync).
    const mounted = mode.delivered(enabled);
    const usage: VaultUsage = {
        mountsKeys: mounted.some((s) => s.type === "key"),
        mountsCerts: mounted.some((s) => s.type === "cert"),
        writesKeys: managed.some((m) => m.type === "key"),
    };
    const mq = {
        references: enabled.flatMap((s) =>
            s.mq !== undefined ? [{ name: s.name, version: s.version, kind: s.mq }] : [],
        ),
        resources: catalog.mqResources,
    };
    const sync = mode.sync?.(inputs);
    const parts = { managed, spcs, usage, ...(sync ? { sync } : {}) };
    // SPC restarts happen only where the CSI side runs: a csiDriver stack (it has a service
    // principal) or a secret-sync stack beside it during a migration (`csiSide`).
    const csiRuns = "servicePrincipal" in settings || ("csiSide" in settings && settings.csiSide !== undefined);
    // Who a rotation would break: the catalog's own `rotate.outage` and every declared consumer
    // whose contract says a changed value is an outage (model/consumers.ts, issue 18).
    const uses = consumers?.uses ?? [];
    const outage: OutageConsumersOf =
        outageOf ??
        ((entry) => [
            ...catalogOutageConsumers(entry),
            ...outageConsumersOfEntry(uses, entry).map((u) => `${kindLabel(u.kind)} ${u.name} (reads ${u.secret})`),
        ]);
    const rotations = rotationModel(enabled, csiRuns ? spcs : [], sync, outage);
    return {
        ...parts,
        mq,
        ca: caModel(settings.ca),
        budget: mode.budget(settings, parts),
        rotations,
        consumers: { uses: consumers?.uses ?? [], warnings: consumers?.warnings ?? [] },
    };
}

/**
 * Your own CA in secret-sync mode: its certificate chain and private key (two vault secrets)
 * land as `tls.crt` and `tls.key` of the `kubernetes.io/tls` Secret `ca.secretName` (default `aio-ca-key-pair`), synced
 * like any catalog Secret (the SPC lists both objects). Nothing for the other CA modes.
 */
export function withCaSync(model: SecretSyncModel, ca: CaSettings): SecretSyncModel {
    if (ca.mode !== "vault" || ca.privateKey === undefined) return model;
    const objects = new Map(model.objects.map((o) => [o.objectName, o]));
    for (const name of [ca.certificate, ca.privateKey])
        if (!objects.has(name)) objects.set(name, { objectName: name, objectType: "secret" });
    const caSync: SyncModel = {
        name: ca.secretName,
        type: "kubernetes.io/tls",
        mappings: [
            { sourcePath: ca.certificate, targetKey: "tls.crt" },
            { sourcePath: ca.privateKey, targetKey: "tls.key" },
        ],
    };
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return {
        objects: [...objects.values()].sort((a, b) => byName(a.objectName, b.objectName)),
        syncs: [...model.syncs, caSync].sort((a, b) => byName(a.name, b.name)),
    };
}

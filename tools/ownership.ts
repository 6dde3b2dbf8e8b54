import { parseSpcObjects } from "../model/spc";
import type { SyncMapping } from "../model/secretSync";
import type { RecordedResource, RunResult } from "./harness";
import { isRecord, LiveObject, own, ownArray, ownRecord, ownString } from "./liveExport";

/**
 * Ownership of what a cluster already holds (issue 19): the live state of an export (read by
 * tools/liveExport.ts) and the state a stack's plan declares, as the same plain data, and the
 * differences between them. Pure: shared by `import --from`, `drift --live` and `plan --live`.
 *
 * Why it matters: the stack PUTs (ARM) or server-side applies (Kubernetes) each SecretProviderClass
 * whole, so an object that someone added beside the stack (`az iot ops secretsync secret set`
 * appends `objectName`/`objectType` entries to the default SPC's `objects` YAML string and creates
 * or merges a SecretSync named after the Kubernetes Secret, merging `objectSecretMapping`;
 * `secret remove` drops the SPC entry only when no other SecretSync maps it: Azure/azure-iot-ops-cli-extension,
 * `iot ops secretsync secret set/remove` help and `_add_entry_to_fortos_yaml`) is wiped by the next
 * `up`. A SecretSync the stack does not declare is not in its state, so `up` leaves it, but
 * without its SPC object it stops syncing.
 */

/** An SPC entry as the export holds it: the provider's keys, values as strings. */
export type LiveSpcObject = Readonly<Record<string, string>>;

/** A SecretProviderClass of the export. */
export interface LiveSpc {
    source: "arm" | "kubernetes";
    name: string;
    /** ARM resource id, or `namespace/name`: the id `pulumi import` takes. */
    id: string;
    objects: LiveSpcObject[];
    /** Why `objects` could not be read (then `objects` is empty). */
    problem?: string;
    /** Kubernetes: the namespace. */
    namespace?: string;
    /** The vault its objects are read from (`keyvaultName`), when the export has it. */
    vault?: string;
    at: string;
}

/** A SecretSync of the export (ARM `Microsoft.SecretSyncController/secretSyncs`). */
export interface LiveSync {
    name: string;
    id: string;
    spcName: string;
    secretType: string;
    mappings: SyncMapping[];
    at: string;
}

/** A vault secret of the export (`az keyvault secret list`). */
export interface LiveVaultSecret {
    name: string;
    vault: string;
    at: string;
}

export interface LiveSecrets {
    spcs: LiveSpc[];
    syncs: LiveSync[];
    vault: LiveVaultSecret[];
    /** The subscription of the ARM objects, when the export holds any. */
    subscriptionId?: string;
    /**
     * SPCs and SecretSyncs exported without `properties` (`az resource list` prints none): left
     * out above, since their objects and mappings are unknown. Where each is in the file.
     */
    unread: { at: string; name: string }[];
}

const ARM_SPC = "microsoft.secretsynccontroller/azurekeyvaultsecretproviderclasses";
const ARM_SYNC = "microsoft.secretsynccontroller/secretsyncs";
const K8S_SPC = "secretproviderclass.secrets-store.csi.x-k8s.io";

/** Pulumi types of what the program declares for SPCs, SecretSyncs and vault secrets. */
export const PLANNED_TYPES = {
    armSpc: "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass",
    sync: "azure-native:secretsynccontroller:SecretSync",
    k8sSpc: "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass",
    vaultSecret: "azure-native:keyvault:Secret",
} as const;

/** The entries of an `objects` string, each with string values (others dropped). */
function spcObjectsOf(text: string): LiveSpcObject[] {
    return parseSpcObjects(text).map((entry) => {
        const out: Record<string, string> = {};
        for (const key of Object.keys(entry)) {
            const value = entry[key];
            if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
                Object.defineProperty(out, key, { value: String(value), enumerable: true });
        }
        return out;
    });
}

function liveSpc(o: LiveObject, parameters: Readonly<Record<string, unknown>>): LiveSpc {
    const objectsText = own(parameters, "objects");
    const vault = ownString(parameters, "keyvaultName");
    const spc: LiveSpc = {
        source: o.source === "arm" ? "arm" : "kubernetes",
        name: o.name,
        id: o.id,
        objects: [],
        ...(o.source === "kubernetes" && o.scope !== undefined ? { namespace: o.scope } : {}),
        ...(vault !== undefined ? { vault } : {}),
        at: o.at,
    };
    if (objectsText === undefined || objectsText === "") return spc; // the CLI creates its SPC without objects
    if (typeof objectsText !== "string") return { ...spc, problem: "objects is not a string" };
    try {
        return { ...spc, objects: spcObjectsOf(objectsText) };
    } catch (e) {
        return { ...spc, problem: (e as Error).message };
    }
}

function mappingsOf(body: Readonly<Record<string, unknown>>): SyncMapping[] {
    return ownArray(body, "objectSecretMapping").flatMap((m) => {
        const sourcePath = ownString(m, "sourcePath");
        const targetKey = ownString(m, "targetKey");
        return sourcePath !== undefined && targetKey !== undefined ? [{ sourcePath, targetKey }] : [];
    });
}

/** The SPCs, SecretSyncs and vault secrets of an export; everything else in it is left out. */
export function liveSecrets(objects: readonly LiveObject[]): LiveSecrets {
    const live: LiveSecrets = { spcs: [], syncs: [], vault: [], unread: [] };
    for (const o of objects) {
        if (o.source === "arm") {
            const sub = /^\/subscriptions\/([^/]+)\//i.exec(o.id)?.[1];
            if (sub !== undefined && live.subscriptionId === undefined) live.subscriptionId = sub;
        }
        if ((o.type === ARM_SPC || o.type === ARM_SYNC) && Object.keys(o.body).length === 0)
            live.unread.push({ at: o.at, name: o.name });
        else if (o.type === ARM_SPC) live.spcs.push(liveSpc(o, o.body));
        else if (o.type === K8S_SPC) live.spcs.push(liveSpc(o, ownRecord(o.body, "parameters")));
        else if (o.type === ARM_SYNC)
            live.syncs.push({
                name: o.name,
                id: o.id,
                spcName: ownString(o.body, "secretProviderClassName") ?? "",
                secretType: ownString(o.body, "kubernetesSecretType") ?? "Opaque",
                mappings: mappingsOf(o.body),
                at: o.at,
            });
        else if (o.type === "keyvault/secret") live.vault.push({ name: o.name, vault: o.scope ?? "", at: o.at });
    }
    return live;
}

/** A resource of the plan as `pulumi import` needs it: type, name, parent component. */
export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    parent?: { type: string; name: string; urn: string };
    provider?: string;
}

export interface PlannedSpc extends PlannedResource {
    kind: "arm" | "kubernetes";
    /** The SPC's own name (ARM name, or metadata.name). */
    spcName: string;
    namespace?: string;
    /** The vault the plan points it at (`keyvaultName`), when known offline. */
    vault?: string;
    objects: LiveSpcObject[];
}

export interface PlannedSync extends PlannedResource {
    syncName: string;
    spcName: string;
    secretType: string;
    mappings: SyncMapping[];
}

export interface PlannedSecrets {
    spcs: PlannedSpc[];
    syncs: PlannedSync[];
    /** Vault secrets the stack writes, by their name in the vault. */
    vaultSecrets: (PlannedResource & {
        secretName: string;
        resourceGroupName?: string;
        vaultName?: string;
        /** Its value is generated by the stack (a `random:` resource it depends on). */
        generated?: boolean;
    })[];
}

function plainString(inputs: unknown, ...path: string[]): string | undefined {
    let node: unknown = inputs;
    for (const key of path) node = own(node, key);
    return typeof node === "string" ? node : undefined;
}

function plannedResource(r: RecordedResource, byUrn: ReadonlyMap<string, RecordedResource>): PlannedResource {
    const parent = r.parent !== undefined ? byUrn.get(r.parent) : undefined;
    // The recorder keeps a provider reference as `urn::id`, the plan's JSON as the URN.
    const provider =
        r.provider !== undefined
            ? [...byUrn.keys()].find((u) => r.provider === u || r.provider!.startsWith(`${u}::`))
            : undefined;
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        ...(parent ? { parent: { type: parent.type, name: parent.name, urn: parent.urn } } : {}),
        ...(provider !== undefined ? { provider } : {}),
    };
}

/** What a plan (`runProgram`'s result) declares for SPCs, SecretSyncs and vault secrets. */
export function plannedSecrets(run: Pick<RunResult, "resources">): PlannedSecrets {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const planned: PlannedSecrets = { spcs: [], syncs: [], vaultSecrets: [] };
    for (const r of run.resources) {
        const base = plannedResource(r, byUrn);
        if (r.type === PLANNED_TYPES.armSpc) {
            const objects = plainString(r.inputs, "objects");
            const vault = plainString(r.inputs, "keyvaultName");
            planned.spcs.push({
                ...base,
                kind: "arm",
                spcName: plainString(r.inputs, "azureKeyVaultSecretProviderClassName") ?? r.name,
                ...(vault !== undefined ? { vault } : {}),
                objects: objects ? spcObjectsOf(objects) : [],
            });
        } else if (r.type === PLANNED_TYPES.k8sSpc) {
            const objects = plainString(r.inputs, "spec", "parameters", "objects");
            const namespace = plainString(r.inputs, "metadata", "namespace");
            const vault = plainString(r.inputs, "spec", "parameters", "keyvaultName");
            planned.spcs.push({
                ...base,
                kind: "kubernetes",
                spcName: plainString(r.inputs, "metadata", "name") ?? r.name,
                ...(namespace !== undefined ? { namespace } : {}),
                ...(vault !== undefined ? { vault } : {}),
                objects: objects ? spcObjectsOf(objects) : [],
            });
        } else if (r.type === PLANNED_TYPES.sync) {
            planned.syncs.push({
                ...base,
                syncName: plainString(r.inputs, "secretSyncName") ?? r.name,
                spcName: plainString(r.inputs, "secretProviderClassName") ?? "",
                secretType: plainString(r.inputs, "kubernetesSecretType") ?? "Opaque",
                mappings: mappingsOf(isRecord(r.inputs) ? r.inputs : {}),
            });
        } else if (r.type === PLANNED_TYPES.vaultSecret) {
            const secretName = plainString(r.inputs, "secretName");
            const resourceGroupName = plainString(r.inputs, "resourceGroupName");
            const vaultName = plainString(r.inputs, "vaultName");
            const generated = (r.dependsOn ?? []).some((u) => byUrn.get(u)?.type.startsWith("random:") === true);
            if (secretName !== undefined)
                planned.vaultSecrets.push({
                    ...base,
                    secretName,
                    ...(resourceGroupName !== undefined ? { resourceGroupName } : {}),
                    ...(vaultName !== undefined ? { vaultName } : {}),
                    ...(generated ? { generated } : {}),
                });
        }
    }
    return planned;
}

/** Kinds of difference between the live state and the plan. */
export const DRIFT_KINDS = [
    /** A SecretProviderClass the stack does not declare. */
    "spc",
    /** An SPC object the stack does not declare (added by the CLI, the portal or by hand). */
    "object",
    /** A SecretSync the stack does not declare. */
    "sync",
    /** A mapping of a declared SecretSync that the stack does not declare. */
    "mapping",
    /** A declared SPC object or mapping whose fields were changed by hand. */
    "changed",
    /** A declared SPC object or mapping that is gone from the live object. */
    "missing",
    /** A vault secret an SPC reads that the catalog lacks. */
    "vaultSecret",
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** One difference, with what the next `up` does to it and the catalog entry that would adopt it. */
export interface Drift {
    kind: DriftKind;
    /** `spc <name>` or `secretSync <name>`: the live object it is in. */
    in: string;
    /** The SPC object's name (vault object), the SecretSync's name, or `<secret>/<key>` of a mapping. */
    name: string;
    /** What differs, in words. */
    detail: string;
    /** The next `up` removes (or reverts) it: it is in an object the stack PUTs whole. */
    removedByUp: boolean;
    /** The catalog change that would adopt it, when there is one. */
    adopt?: string;
}

/**
 * An SPC object's field as the provider reads it: a missing `objectVersion` is `""`, the latest
 * version (Azure/secrets-store-csi-driver-provider-azure docs: "objectVersion: [OPTIONAL] object
 * versions, default to latest if empty"). The catalog cannot declare it absent (the model writes
 * `objectVersion: ""`), and objects added by the CLI or by hand often lack it.
 */
function objectField(o: LiveSpcObject, key: string): string | undefined {
    if (Object.hasOwn(o, key)) return o[key];
    return key === "objectVersion" ? "" : undefined;
}

function sameObject(a: LiveSpcObject, b: LiveSpcObject): string | undefined {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    const changed = keys.filter((k) => objectField(a, k) !== objectField(b, k));
    return changed.length === 0
        ? undefined
        : changed
              .map(
                  (k) =>
                      `${k} ${JSON.stringify(objectField(a, k) ?? null)} (declared ${JSON.stringify(objectField(b, k) ?? null)})`,
              )
              .join(", ");
}

function objectName(o: LiveSpcObject): string {
    return Object.hasOwn(o, "objectName") ? o.objectName : "";
}

/** Whether a live SPC is the planned one: same kind and name, and for Kubernetes the same namespace. */
export function sameSpc(live: LiveSpc, planned: PlannedSpc): boolean {
    return (
        live.source === planned.kind &&
        live.name === planned.spcName &&
        (live.source === "arm" || live.namespace === planned.namespace)
    );
}

const VAULT_CHANGE = "reads vault";

/**
 * Whether two vault names are the same vault: a vault's name is its DNS label, without regard to
 * case (`az keyvault secret list` ids carry the host as the service prints it, the stack's
 * settings allow capitals: stacks/rules.ts vaultName).
 */
export function sameVault(a: string, b: string): boolean {
    return a.toLowerCase() === b.toLowerCase();
}

/**
 * A declared SPC that reads another vault than the stack's: the next `up` points it at the
 * stack's vault, so every object it lists must exist there (a CLI-made SPC reads the vault that
 * `az iot ops secretsync enable` was given).
 */
function vaultChangeDetail(live: string, declared: string): string {
    return `${VAULT_CHANGE} ${live} (declared ${declared}): the next up points it at ${declared}, so each of its objects must be in that vault first`;
}

const UNREADABLE = "its objects cannot be read";

/** Whether a difference is a declared SPC whose live objects cannot be read (import's adoption says so already). */
export function isUnreadable(d: Drift): boolean {
    return d.kind === "changed" && d.detail.startsWith(`${UNREADABLE} (`);
}

/** Whether a difference is an SPC reading another vault (no catalog entry changes that: the stack's keyVault does). */
export function isVaultChange(d: Drift): boolean {
    return d.kind === "changed" && d.detail.startsWith(`${VAULT_CHANGE} `);
}

/** Differences between the SPCs of the export and the plan, SPC by SPC (matched by name). */
function spcDrift(live: LiveSecrets, planned: PlannedSecrets, adopt: (name: string) => string | undefined): Drift[] {
    const out: Drift[] = [];
    for (const spc of live.spcs) {
        const mine = planned.spcs.find((p) => sameSpc(spc, p));
        const at = `spc ${spc.name}`;
        if (!mine) {
            // Not the stack's: `up` leaves it alone (import adopts it, or secretSync.spcName takes it over).
            const names = spc.objects.map(objectName).join(", ");
            out.push({
                kind: "spc",
                in: at,
                name: spc.name,
                detail: `an SPC the stack does not declare (objects: ${names || "none"})`,
                removedByUp: false,
            });
            continue;
        }
        if (spc.vault !== undefined && mine.vault !== undefined && !sameVault(spc.vault, mine.vault))
            out.push({
                kind: "changed",
                in: at,
                name: spc.name,
                detail: vaultChangeDetail(spc.vault, mine.vault),
                removedByUp: true,
            });
        if (spc.problem !== undefined) {
            // Its objects are unknown: not gone, and the next up writes the declared ones over them.
            out.push({
                kind: "changed",
                in: at,
                name: spc.name,
                detail: `${UNREADABLE} (${spc.problem}); the next up writes the declared ones`,
                removedByUp: true,
            });
            continue;
        }
        const declared = new Map(mine.objects.map((o) => [objectName(o), o]));
        const seen = new Set<string>();
        for (const object of spc.objects) {
            const name = objectName(object);
            seen.add(name);
            const decl = declared.get(name);
            if (!decl) {
                out.push({
                    kind: "object",
                    in: at,
                    name,
                    detail: "an SPC object the stack does not declare",
                    removedByUp: true,
                    ...withAdopt(adopt(name)),
                });
                continue;
            }
            const changed = sameObject(object, decl);
            if (changed)
                out.push({ kind: "changed", in: at, name, detail: `changed by hand: ${changed}`, removedByUp: true });
        }
        for (const name of declared.keys())
            if (!seen.has(name))
                out.push({
                    kind: "missing",
                    in: at,
                    name,
                    detail: "declared, gone from the live SPC (the next up puts it back)",
                    removedByUp: false,
                });
    }
    return out;
}

function withAdopt(adopt: string | undefined): { adopt?: string } {
    return adopt !== undefined ? { adopt } : {};
}

/** Differences between the SecretSyncs of the export and the plan. */
function syncDrift(live: LiveSecrets, planned: PlannedSecrets, adopt: (name: string) => string | undefined): Drift[] {
    const out: Drift[] = [];
    const declaredSpcs = new Set(planned.spcs.map((s) => s.spcName));
    for (const sync of live.syncs) {
        const mine = planned.syncs.find((p) => p.syncName === sync.name);
        const at = `secretSync ${sync.name}`;
        if (!mine) {
            const keys = sync.mappings.map((m) => `${m.sourcePath} -> ${m.targetKey}`).join(", ");
            out.push({
                kind: "sync",
                in: at,
                name: sync.name,
                detail: `a SecretSync the stack does not declare (${keys || "no mappings"}) on SPC ${sync.spcName}${declaredSpcs.has(sync.spcName) ? ": the next up removes its objects from that SPC" : ""}`,
                removedByUp: false,
                ...withAdopt(
                    sync.mappings
                        .map((m) => adopt(m.sourcePath))
                        .filter((a) => a !== undefined)
                        .join("\n") || undefined,
                ),
            });
            continue;
        }
        const byKey = new Map(mine.mappings.map((m) => [m.targetKey, m.sourcePath]));
        const liveKeys = new Set(sync.mappings.map((m) => m.targetKey));
        for (const m of sync.mappings) {
            const source = byKey.get(m.targetKey);
            const name = `${sync.name}/${m.targetKey}`;
            if (source === undefined)
                out.push({
                    kind: "mapping",
                    in: at,
                    name,
                    detail: `a mapping the stack does not declare (${m.sourcePath} -> ${m.targetKey})`,
                    removedByUp: true,
                    ...withAdopt(adopt(m.sourcePath)),
                });
            else if (source !== m.sourcePath)
                out.push({
                    kind: "changed",
                    in: at,
                    name,
                    detail: `changed by hand: key ${m.targetKey} holds ${m.sourcePath} (declared ${source})`,
                    removedByUp: true,
                });
        }
        for (const m of mine.mappings)
            if (!liveKeys.has(m.targetKey))
                out.push({
                    kind: "missing",
                    in: at,
                    name: `${sync.name}/${m.targetKey}`,
                    detail: `declared (${m.sourcePath} -> ${m.targetKey}), gone from the live SecretSync`,
                    removedByUp: false,
                });
        if (sync.secretType !== mine.secretType)
            out.push({
                kind: "changed",
                in: at,
                name: sync.name,
                detail: `changed by hand: kubernetesSecretType ${sync.secretType} (declared ${mine.secretType}; the next up replaces the SecretSync)`,
                removedByUp: true,
            });
    }
    return out;
}

/**
 * The stack's vaults as its SPCs name them: a vault secret of another vault is not the stack's
 * (an export may hold several vaults). Empty when the plan does not know them offline: then any.
 */
function stackVaults(planned: PlannedSecrets): ReadonlySet<string> {
    return new Set(planned.spcs.flatMap((s) => (s.vault !== undefined ? [s.vault.toLowerCase()] : [])));
}

/** Whether a live SPC reads vault secrets of `vault` (an SPC without `keyvaultName` in the export may). */
function readsVault(spc: LiveSpc, vault: string): boolean {
    return spc.vault === undefined || sameVault(spc.vault, vault);
}

/** Vault secrets of the stack's vault that a live SPC reading that vault lists, and that no planned SPC lists. */
function vaultDrift(live: LiveSecrets, planned: PlannedSecrets, adopt: (name: string) => string | undefined): Drift[] {
    const vaults = stackVaults(planned);
    const declared = new Set(planned.spcs.flatMap((s) => s.objects.map(objectName)));
    const read = (v: LiveVaultSecret) =>
        live.spcs.some((s) => readsVault(s, v.vault) && s.objects.some((o) => objectName(o) === v.name));
    return live.vault
        .filter((v) => (vaults.size === 0 || vaults.has(v.vault.toLowerCase())) && read(v) && !declared.has(v.name))
        .map((v) => ({
            kind: "vaultSecret" as const,
            in: `vault ${v.vault}`,
            name: v.name,
            detail: "a vault secret in use (an SPC lists it) that the catalog lacks",
            removedByUp: false,
            ...withAdopt(adopt(v.name)),
        }));
}

/**
 * Every difference between an export and a plan: SPC objects, SecretSyncs and mappings that the
 * stack does not declare, ones changed or removed by hand, and vault secrets in use that the
 * catalog lacks. `adopt(name)` gives the catalog entry that would adopt vault object `name`.
 */
export function driftOf(
    live: LiveSecrets,
    planned: PlannedSecrets,
    adopt: (name: string) => string | undefined = () => undefined,
): Drift[] {
    return [...spcDrift(live, planned, adopt), ...syncDrift(live, planned, adopt), ...vaultDrift(live, planned, adopt)];
}

/** The differences the next `up` would remove: out-of-band entries in objects the stack PUTs whole. */
export function removedByNextUp(drift: readonly Drift[]): Drift[] {
    return drift.filter((d) => d.removedByUp && (d.kind === "object" || d.kind === "mapping"));
}

/**
 * One resource of a `pulumi import --file` file (pulumi/pulumi `ImportResource`; engine >= 3.94 for
 * `component` and in-file parents: pulumi/pulumi#14467, #14461, #14524).
 */
export interface ImportEntry {
    type: string;
    name: string;
    id?: string;
    /** Name of another entry of the file (a component made empty by the import) or of `nameTable`. */
    parent?: string;
    /** Name of a provider in `nameTable`. */
    provider?: string;
    /** An empty component resource, the parent of imported children. */
    component?: boolean;
}

/** The `pulumi import --file` JSON. */
export interface ImportFile {
    nameTable?: Record<string, string>;
    resources: ImportEntry[];
}

/**
 * The import file that makes the first `up` adopt what the export holds: each planned SPC,
 * SecretSync and written vault secret that the export has, with the exact type and name the
 * program declares (so the URN is the program's) and the live id, under its component (created
 * empty by the import, then declared by the program with the same URN). Vault secrets need an
 * ARM id: the subscription comes from the export's ARM objects. Returns the lines for what cannot
 * be imported.
 */
export function importFileOf(live: LiveSecrets, planned: PlannedSecrets): { file: ImportFile; unmapped: string[] } {
    const resources: ImportEntry[] = [];
    const nameTable: Record<string, string> = {};
    const unmapped: string[] = [];
    const parents = new Map<string, ImportEntry>();
    const add = (r: PlannedResource, id: string) => {
        if (r.parent && !parents.has(r.parent.name))
            parents.set(r.parent.name, { type: r.parent.type, name: r.parent.name, component: true });
        const entry: ImportEntry = { type: r.type, name: r.name, id, ...(r.parent ? { parent: r.parent.name } : {}) };
        if (r.provider !== undefined) {
            const providerName = r.provider.slice(r.provider.lastIndexOf("::") + 2);
            nameTable[providerName] = r.provider;
            entry.provider = providerName;
        }
        resources.push(entry);
    };
    for (const spc of planned.spcs) {
        const found = live.spcs.find((l) => sameSpc(l, spc));
        if (found) add(spc, found.id);
    }
    for (const sync of planned.syncs) {
        const found = live.syncs.find((l) => l.name === sync.syncName);
        if (found) add(sync, found.id);
    }
    for (const secret of planned.vaultSecrets) {
        // The same name in another vault of the export is another secret: importing it would
        // give the program's Secret another vault's id (the first up would replace it).
        const found = live.vault.find(
            (v) =>
                v.name === secret.secretName &&
                (secret.vaultName === undefined || sameVault(v.vault, secret.vaultName)),
        );
        if (!found) continue;
        if (secret.generated) {
            // Imported, the Secret would take the stack's new random value on the first up and
            // overwrite the one in use: nothing may be lost on the way in.
            unmapped.push(
                `vault secret ${secret.secretName}: the stack generates its value (source: generated) and the vault already holds one; imported, the first up would write a new value over it: set the catalog entry's source: existing to keep the value`,
            );
            continue;
        }
        if (live.subscriptionId === undefined || secret.resourceGroupName === undefined) {
            unmapped.push(
                `vault secret ${secret.secretName}: the stack writes it and it exists; its ARM id needs the subscription: export the secret-sync resources with az resource list too, or import it by hand`,
            );
            continue;
        }
        add(
            secret,
            `/subscriptions/${live.subscriptionId}/resourceGroups/${secret.resourceGroupName}/providers/Microsoft.KeyVault/vaults/${found.vault}/secrets/${secret.secretName}`,
        );
    }
    const file: ImportFile = {
        ...(Object.keys(nameTable).length > 0 ? { nameTable } : {}),
        resources: [...parents.values(), ...resources],
    };
    return { file, unmapped };
}

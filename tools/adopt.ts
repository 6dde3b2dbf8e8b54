import { Document, isMap, isSeq, parseDocument, stringify } from "yaml";
import { ConfigError } from "../stacks/errors";
import { OBJECT_TYPES } from "../stacks/catalog";
import { extensionOf, OPCUA_EXTENSIONS, OPCUA_LISTS, OPCUA_SPC_NAME, OPCUA_SYNC_NAMES } from "../stacks/opcua";
import * as rules from "../stacks/rules";
import { sameSpc, sameVault } from "./ownership";
import type { LiveSecrets, LiveSpc, LiveSpcObject, LiveSync, PlannedSecrets } from "./ownership";

/**
 * From a live export and the stack's plan to catalog entries (issue 19, `import --from`): what
 * the catalog needs so that the plan declares everything the export holds, and, for what
 * cannot be declared, one line each saying why. Pure.
 */

/** A new catalog entry, with the catalog's key names (stacks/secrets.yaml). */
export type CatalogEntry = Record<string, unknown> & { name: string };

export interface Adoption {
    /** New `secrets:` entries, in the order found. */
    secrets: CatalogEntry[];
    /** New `secretProviderClasses:` names (CSI). */
    secretProviderClasses: string[];
    /** New `secretSyncs:` declarations (only for a Secret type other than Opaque). */
    secretSyncs: Record<string, { type: string }>;
    /** Stack settings to set (`aio-secrets:<key>` -> value), e.g. the CLI's SPC name. */
    settings: Record<string, Record<string, unknown>>;
    /** One line per entry that cannot be mapped, saying why. */
    unmapped: string[];
}

export interface AdoptionContext {
    environment: string;
    /** Names of every catalog entry (any environment): a second entry of one name is refused. */
    catalogNames: ReadonlySet<string>;
    /** The stack's default secret (aio-secrets:defaultSecret.name): the model lists it itself. */
    defaultSecret: string;
}

const OBJECT_KEYS: Readonly<Record<string, string>> = {
    objectType: "type",
    objectAlias: "alias",
    objectVersion: "version",
    objectEncoding: "encoding",
    objectFormat: "format",
    filePermission: "filePermission",
};
const ENUMS: Readonly<Record<string, readonly string[]>> = {
    objectType: OBJECT_TYPES,
    objectEncoding: ["utf-8", "hex", "base64"],
    objectFormat: ["pem", "pfx"],
};
const VALUE_RULES: Readonly<Record<string, rules.Rule>> = {
    objectAlias: rules.relativeFileName,
    filePermission: rules.octalFileMode,
    objectVersion: (v) =>
        /^([0-9a-fA-F]{32})?$/.test(v) ? undefined : 'must be "" (latest) or a 32-character version id',
};

/** The catalog fields of one SPC object (objectName aside), or the reason it has none. */
export function catalogFieldsOf(
    object: LiveSpcObject,
    sync: boolean,
): { fields: Record<string, string> } | { why: string } {
    const fields: Record<string, string> = {};
    for (const key of Object.keys(object)) {
        if (key === "objectName") continue;
        const value = object[key];
        if (!Object.hasOwn(OBJECT_KEYS, key)) return { why: `its ${key} has no catalog field` };
        if (Object.hasOwn(ENUMS, key) && !ENUMS[key].includes(value))
            return { why: `its ${key} ${JSON.stringify(value)} must be one of ${ENUMS[key].join(", ")}` };
        const rule = Object.hasOwn(VALUE_RULES, key) ? VALUE_RULES[key](value) : undefined;
        if (rule) return { why: `its ${key} ${JSON.stringify(value)} ${rule}` };
        // Secret sync syncs the latest version and writes no file: the SPC of the mode has neither.
        if (sync && (key === "objectAlias" || key === "filePermission" || (key === "objectVersion" && value !== "")))
            return { why: `its ${key} has no meaning in secret sync (the stack's SPC would drop it)` };
        if (key === "objectVersion" && value === "") continue;
        fields[OBJECT_KEYS[key]] = value;
    }
    if (fields.type === undefined) fields.type = "secret";
    return { fields };
}

function emptyAdoption(): Adoption {
    return { secrets: [], secretProviderClasses: [], secretSyncs: {}, settings: {}, unmapped: [] };
}

function objectNameOf(o: LiveSpcObject): string {
    return Object.hasOwn(o, "objectName") ? o.objectName : "";
}

/** Why an object of this name cannot get a new entry, or undefined when it can. */
function nameProblem(name: string, ctx: AdoptionContext): string | undefined {
    const rule = rules.vaultObjectName(name);
    if (rule) return `its name ${rule}`;
    if (name === ctx.defaultSecret)
        return "it is the stack's default secret (aio-secrets:defaultSecret), which only the SPCs of az iot ops init list";
    if (ctx.catalogNames.has(name))
        return `the catalog has an entry ${name} already, not delivered there in environment ${ctx.environment}: add the SPC or the environment to that entry`;
    return undefined;
}

/** An entry in the catalog's key order: name, type, source, the object's fields, where it goes, environments. */
function entryOf(
    name: string,
    fields: Record<string, string>,
    where: Record<string, unknown>,
    ctx: AdoptionContext,
): CatalogEntry {
    const { type, ...rest } = fields;
    return { name, type, source: "existing", ...where, ...rest, environments: [ctx.environment] };
}

/** Secret sync: the export's SPC and SecretSyncs to entries with `sync:`. */
function adoptSync(live: LiveSecrets, planned: PlannedSecrets, ctx: AdoptionContext): Adoption {
    const out = emptyAdoption();
    const mine = planned.spcs.find((s) => s.kind === "arm");
    const armSpcs = live.spcs.filter((s) => s.source === "arm");
    if (!mine) return out;
    let target: LiveSpc | undefined = armSpcs.find((s) => s.name === mine.spcName);
    const others = armSpcs.filter((s) => s.name !== OPCUA_SPC_NAME);
    if (!target && others.length === 1) {
        target = others[0];
        out.settings["aio-secrets:secretSync"] = { spcName: target.name };
    }
    // The CLI's OPC UA SPC is the stack's too: its three SecretSyncs read it (stacks/opcua.ts).
    const connector = armSpcs.find((s) => s.name === OPCUA_SPC_NAME && s !== target);
    for (const spc of armSpcs)
        if (spc !== target && spc !== connector)
            out.unmapped.push(
                `spc ${spc.name}: the stack has one SPC (${target?.name ?? mine.spcName}) besides ${OPCUA_SPC_NAME}; set secretSync.spcName to take this one instead`,
            );
    const targets = [...(target ? [target] : []), ...(connector ? [connector] : [])];
    if (targets.length === 0) return out;
    const declaredObjects = new Set(
        planned.spcs.filter((s) => s.kind === "arm").flatMap((s) => s.objects.map(objectNameOf)),
    );
    const declaredSyncs = new Map(planned.syncs.map((s) => [s.syncName, s]));
    for (const sync of live.syncs)
        if (!targets.some((t) => t.name === sync.spcName))
            out.unmapped.push(
                `secretSync ${sync.name}: it reads SPC ${sync.spcName}, not the stack's (${targets.map((t) => t.name).join(" or ")})`,
            );
    for (const spc of targets) {
        if (spc.problem) out.unmapped.push(`spc ${spc.name}: objects cannot be read: ${spc.problem}`);
        const syncs = live.syncs.filter((s) => s.spcName === spc.name);
        const listed = new Set(spc.objects.map(objectNameOf));
        for (const object of spc.objects) {
            const name = objectNameOf(object);
            if (declaredObjects.has(name)) continue;
            const entry = syncEntry(object, syncs, declaredSyncs, ctx, out);
            if (entry) out.secrets.push(entry);
        }
        for (const sync of syncs)
            for (const m of sync.mappings) {
                if (!listed.has(m.sourcePath))
                    out.unmapped.push(
                        `secretSync ${sync.name}: mapping ${m.sourcePath} -> ${m.targetKey}: its vault object is not in SPC ${spc.name}, so it cannot sync`,
                    );
                else if (
                    declaredObjects.has(m.sourcePath) &&
                    !declaredSyncs
                        .get(sync.name)
                        ?.mappings.some((d) => d.sourcePath === m.sourcePath && d.targetKey === m.targetKey)
                )
                    out.unmapped.push(
                        `secretSync ${sync.name}: mapping ${m.sourcePath} -> ${m.targetKey}: the catalog syncs ${m.sourcePath} elsewhere, and an entry has one sync`,
                    );
            }
    }
    return out;
}

/** The entry of one out-of-band object of the secret-sync SPC, or undefined (with the reason in `out.unmapped`). */
function syncEntry(
    object: LiveSpcObject,
    syncs: readonly LiveSync[],
    declaredSyncs: ReadonlyMap<string, { secretType: string }>,
    ctx: AdoptionContext,
    out: Adoption,
): CatalogEntry | undefined {
    const name = objectNameOf(object);
    const why = (reason: string) => {
        out.unmapped.push(`object ${name}: ${reason}`);
        return undefined;
    };
    const problem = nameProblem(name, ctx);
    if (problem) return why(problem);
    const mappings = syncs.flatMap((s) =>
        s.mappings.filter((m) => m.sourcePath === name).map((m) => ({ sync: s, key: m.targetKey })),
    );
    if (mappings.length === 0) return why("it is in no SecretSync (nothing writes it to the cluster)");
    const [first, ...others] = mappings;
    const keyRule = rules.dns1123Subdomain(first.sync.name) ?? rules.syncTargetKey(first.key);
    if (keyRule) return why(`its mapping ${first.sync.name}/${first.key} breaks the rules: ${keyRule}`);
    for (const o of others)
        out.unmapped.push(
            `object ${name}: mapping ${o.sync.name}/${o.key}: a catalog entry has one sync (${first.sync.name}/${first.key} taken)`,
        );
    const fields = catalogFieldsOf(object, true);
    if ("why" in fields) return why(fields.why);
    // The three OPC UA Secrets take presets only (stacks/opcua.ts): the entry says which list and
    // file, the preset sets the sync, the hex encoding and the content type.
    const list = OPCUA_LISTS.find((l) => OPCUA_SYNC_NAMES[l] === first.sync.name);
    if (list !== undefined) {
        if (!OPCUA_EXTENSIONS[list].includes(extensionOf(first.key)))
            return why(`the OPC UA ${list} takes ${OPCUA_EXTENSIONS[list].join(", ")} files, not ${first.key}`);
        const encoding = fields.fields.encoding;
        if (encoding !== undefined && encoding !== "hex")
            return why(`an OPC UA file is stored hex-encoded, not ${encoding}`);
        const rest = { ...fields.fields };
        delete rest.encoding;
        delete rest.contentType;
        return { name, ...rest, source: "existing", opcua: { list, file: first.key }, environments: [ctx.environment] };
    }
    const type = first.sync.secretType;
    if (type !== "Opaque" && !declaredSyncs.has(first.sync.name)) out.secretSyncs[first.sync.name] = { type };
    return {
        name,
        ...fields.fields,
        source: "existing",
        sync: { secret: first.sync.name, key: first.key },
        environments: [ctx.environment],
    };
}

/** CSI: the export's SPCs to `secretProviderClasses` and entries with `spcs:`. */
function adoptCsi(live: LiveSecrets, planned: PlannedSecrets, ctx: AdoptionContext): Adoption {
    const out = emptyAdoption();
    const byName = new Map<string, { object: LiveSpcObject; spcs: string[] }>();
    const namespace = planned.spcs.find((p) => p.kind === "kubernetes")?.namespace;
    for (const spc of live.spcs.filter((s) => s.source === "kubernetes")) {
        if (namespace !== undefined && spc.namespace !== namespace) {
            out.unmapped.push(`spc ${spc.namespace ?? ""}/${spc.name}: the stack's SPCs are in namespace ${namespace}`);
            continue;
        }
        if (spc.problem) {
            out.unmapped.push(`spc ${spc.name}: objects cannot be read: ${spc.problem}`);
            continue;
        }
        const mine = planned.spcs.find((p) => sameSpc(spc, p));
        if (!mine) {
            const rule = rules.dns1123Subdomain(spc.name);
            if (rule) {
                out.unmapped.push(`spc ${spc.name}: its name ${rule}`);
                continue;
            }
            out.secretProviderClasses.push(spc.name);
        }
        const declared = new Set((mine?.objects ?? []).map(objectNameOf));
        for (const object of spc.objects) {
            const name = objectNameOf(object);
            if (declared.has(name)) continue;
            const seen = byName.get(name);
            if (!seen) byName.set(name, { object, spcs: [spc.name] });
            else if (JSON.stringify(seen.object) === JSON.stringify(object)) seen.spcs.push(spc.name);
            else
                out.unmapped.push(
                    `object ${name} in spc ${spc.name}: its fields differ from its entry in spc ${seen.spcs[0]}; one catalog entry has one set`,
                );
        }
    }
    for (const [name, { object, spcs }] of byName) {
        const problem = nameProblem(name, ctx);
        if (problem) {
            out.unmapped.push(`object ${name} (spc ${spcs.join(", ")}): ${problem}`);
            continue;
        }
        const fields = catalogFieldsOf(object, false);
        if ("why" in fields) out.unmapped.push(`object ${name} (spc ${spcs.join(", ")}): ${fields.why}`);
        else out.secrets.push(entryOf(name, fields.fields, { spcs }, ctx));
    }
    return out;
}

/**
 * The catalog entries and settings that adopt what the export holds beside the plan, and one
 * line for each thing that cannot be adopted. Vault secrets that no SPC of the export lists and
 * the catalog lacks are reported as read by nothing.
 */
export function adoptionOf(live: LiveSecrets, planned: PlannedSecrets, ctx: AdoptionContext): Adoption {
    const arm = planned.spcs.some((s) => s.kind === "arm");
    const out = arm ? adoptSync(live, planned, ctx) : adoptCsi(live, planned, ctx);
    if (arm)
        for (const spc of live.spcs.filter((s) => s.source === "kubernetes"))
            out.unmapped.push(`spc ${spc.name}: a CSI SecretProviderClass, and the stack delivers with secret sync`);
    else
        for (const spc of live.spcs.filter((s) => s.source === "arm"))
            out.unmapped.push(`spc ${spc.name}: a secret-sync SPC, and the stack delivers with the CSI driver`);
    if (!arm)
        for (const sync of live.syncs)
            out.unmapped.push(`secretSync ${sync.name}: the stack delivers with the CSI driver`);
    const read = new Set(live.spcs.flatMap((s) => s.objects.map(objectNameOf)));
    const declared = new Set(planned.spcs.flatMap((s) => s.objects.map(objectNameOf)));
    const vaults = [...new Set(planned.spcs.flatMap((s) => (s.vault !== undefined ? [s.vault] : [])))];
    for (const v of live.vault)
        if (vaults.length > 0 && !vaults.some((name) => sameVault(name, v.vault)))
            out.unmapped.push(`vault secret ${v.name}: in vault ${v.vault}, not the stack's (${vaults.join(", ")})`);
        else if (
            !read.has(v.name) &&
            !declared.has(v.name) &&
            !ctx.catalogNames.has(v.name) &&
            v.name !== ctx.defaultSecret
        )
            out.unmapped.push(`vault secret ${v.name}: nothing reads it (no SPC lists it), so no entry is written`);
    return out;
}

/** One catalog entry as a line of flow YAML: `- { name: x, ... }` (drift's "adopt with"). */
export function entryLine(entry: CatalogEntry): string {
    return `- ${stringify(entry, { collectionStyle: "flow", lineWidth: 0, flowCollectionPadding: false }).trim()}`;
}

/** The adoption's catalog part as an object with the catalog's keys (only those with entries). */
export function catalogFragment(a: Adoption): Record<string, unknown> {
    return {
        ...(a.secretProviderClasses.length > 0
            ? { secretProviderClasses: Object.fromEntries(a.secretProviderClasses.map((n) => [n, {}])) }
            : {}),
        ...(Object.keys(a.secretSyncs).length > 0 ? { secretSyncs: a.secretSyncs } : {}),
        ...(a.secrets.length > 0 ? { secrets: a.secrets } : {}),
    };
}

/** The YAML lines of a value at `indent`, nested collections of an entry in flow style. */
function blockLines(value: unknown, indent: number, dash: boolean): string[] {
    const doc = new Document(value);
    if (isMap(doc.contents))
        for (const item of doc.contents.items) if (isSeq(item.value) || isMap(item.value)) item.value.flow = true;
    const lines = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd().split("\n");
    const pad = " ".repeat(indent);
    return lines.map((l, i) => (dash ? `${pad}${i === 0 ? "- " : "  "}${l}` : `${pad}${l}`));
}

/** The offset just after the line where `end` falls (the end of a block collection). */
function afterLine(text: string, end: number): number {
    const nl = text.indexOf("\n", Math.max(0, end - 1));
    return nl === -1 ? text.length : nl + 1;
}

/** The column of the line where `offset` falls, at its first non-space character. */
function indentAt(text: string, offset: number): number {
    const start = text.lastIndexOf("\n", offset - 1) + 1;
    return /^ */.exec(text.slice(start))![0].length;
}

type Edit = { at: number; end: number; text: string };

/** The edit that adds `lines` (rendered at an indent) to the root collection `key`, or appends the key. */
function collectionEdit(
    doc: Document,
    text: string,
    key: string,
    render: (indent: number, first: boolean) => string[],
): Edit {
    const node = doc.get(key, true);
    if ((isSeq(node) || isMap(node)) && node.range) {
        if (node.flow) {
            if (node.items.length > 0)
                throw new ConfigError([
                    {
                        file: "catalog",
                        path: key,
                        rule: "is a non-empty flow collection; write it as a block to add entries with --write",
                    },
                ]);
            return { at: node.range[0], end: node.range[1], text: `\n${render(2, true).join("\n")}` };
        }
        const first = node.items[0];
        const firstAt = isSeq(node)
            ? (first as { range?: [number, number, number] }).range?.[0]
            : (first as { key: { range?: [number, number, number] } }).key.range?.[0];
        const indent = firstAt !== undefined ? indentAt(text, firstAt) : 2;
        const at = afterLine(text, node.range[1]);
        return { at, end: at, text: `${render(indent, false).join("\n")}\n` };
    }
    const lead = text.length === 0 || text.endsWith("\n") ? "" : "\n";
    return { at: text.length, end: text.length, text: `${lead}${key}:\n${render(2, true).join("\n")}\n` };
}

/**
 * The catalog text with the adoption's entries added, as text edits at the end of each root
 * collection (or a new one at the end of the file): every byte already there (comments,
 * alignment, flow lists, order) stays as it was. New secrets get a blank line before each, as
 * the catalog writes them.
 */
export function withAdoption(text: string, a: Adoption): string {
    const doc = parseDocument(text);
    const edits: Edit[] = [];
    if (a.secretProviderClasses.length > 0)
        edits.push(
            collectionEdit(doc, text, "secretProviderClasses", (i) =>
                a.secretProviderClasses.flatMap((n) => blockLines({ [n]: {} }, i, false)),
            ),
        );
    if (Object.keys(a.secretSyncs).length > 0)
        edits.push(
            collectionEdit(doc, text, "secretSyncs", (i) =>
                Object.entries(a.secretSyncs).flatMap(([n, d]) => blockLines({ [n]: d }, i, false)),
            ),
        );
    if (a.secrets.length > 0)
        edits.push(
            collectionEdit(doc, text, "secrets", (i, first) =>
                a.secrets.flatMap((e, k) => [...(first && k === 0 ? [] : [""]), ...blockLines(e, i, true)]),
            ),
        );
    let out = text;
    // From the end, so offsets stay valid; at one offset the later edit first, so they read in order.
    const order = edits.map((e, i) => ({ e, i })).sort((x, y) => y.e.at - x.e.at || y.i - x.i);
    for (const { e } of order) out = out.slice(0, e.at) + e.text + out.slice(e.end);
    return out;
}

/** The adoption's catalog part as YAML to paste, laid out as {@link withAdoption} writes it. */
export function fragmentText(a: Adoption): string {
    return withAdoption("", a);
}

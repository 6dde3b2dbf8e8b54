import { createHash } from "node:crypto";
import { parse, stringify } from "yaml";
import type { CatalogSecret } from "../stacks/catalog";

/**
 * The `objects` parameter of an Azure-provider SecretProviderClass, rendered and parsed.
 * The provider reads it with Go's yaml.v3 as `array:`, a list of YAML *strings*, each one an
 * object (objectName, objectType, objectVersion, objectAlias, objectEncoding, objectFormat,
 * filePermission). Unknown keys are ignored silently by the provider, so we only ever write
 * known ones. Pure: no Pulumi here.
 */

/** One entry of the `objects` array, with the provider's key names. */
export interface SpcObject {
    objectName: string;
    objectType: "secret" | "key" | "cert";
    /** Always set by the CSI flow ("" = latest); secret sync leaves it out (it syncs the latest only). */
    objectVersion?: string;
    objectAlias?: string;
    objectEncoding?: "utf-8" | "hex" | "base64";
    objectFormat?: "pem" | "pfx";
    filePermission?: string;
}

const KEY_ORDER: (keyof SpcObject)[] = [
    "objectName",
    "objectType",
    "objectVersion",
    "objectAlias",
    "objectEncoding",
    "objectFormat",
    "filePermission",
];

/** The SPC entry for a catalog secret. */
export function spcObjectOf(
    secret: Pick<CatalogSecret, "name" | "type" | "version" | "alias" | "encoding" | "format" | "filePermission">,
): SpcObject {
    const object: SpcObject = { objectName: secret.name, objectType: secret.type, objectVersion: secret.version };
    if (secret.alias !== undefined) object.objectAlias = secret.alias;
    if (secret.encoding !== undefined) object.objectEncoding = secret.encoding;
    if (secret.format !== undefined) object.objectFormat = secret.format;
    if (secret.filePermission !== undefined) object.filePermission = secret.filePermission;
    return object;
}

/** File name in the pod: alias, else object name. */
export function spcFileName(object: SpcObject): string {
    return object.objectAlias ?? object.objectName;
}

/**
 * Deterministic order, independent of catalog order: by file name, then type and name.
 * File names are unique within an SPC (validated), so this is a total order.
 */
export function sortSpcObjects(objects: readonly SpcObject[]): SpcObject[] {
    const key = (o: SpcObject) => `${spcFileName(o)}\u0000${o.objectType}\u0000${o.objectName}`;
    return [...objects].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const YAML_WORDS = new Set(["y", "n", "yes", "no", "on", "off", "true", "false", "null"]);

/**
 * Whether a string is read back as the same string by any YAML resolver (the `yaml` package's
 * 1.2 core schema, YAML 1.1, Go's yaml.v3): starts with a letter, no indicator characters, not a
 * bool/null word. Everything else is double-quoted ("0644", "", "0o17", "yes").
 */
export function isPlainSafe(value: string): boolean {
    return /^[A-Za-z][A-Za-z0-9._/-]*$/.test(value) && !YAML_WORDS.has(value.toLowerCase());
}

function renderOne(object: SpcObject): string {
    // One `key: value` line per set field. A value that is not plain-safe is written as a
    // JSON string, which is a valid YAML double-quoted scalar (JSON is a subset of YAML 1.2).
    let out = "";
    for (const k of KEY_ORDER) {
        const v = object[k];
        if (v !== undefined) out += `${k}: ${isPlainSafe(v) ? v : JSON.stringify(v)}\n`;
    }
    return out;
}

/**
 * Renders the `objects` string: `array:` followed by one block-literal string per object,
 * the shape `az iot ops init` wrote.
 */
export function renderSpcObjects(objects: readonly SpcObject[]): string {
    const items = sortSpcObjects(objects).map(renderOne);
    return stringify({ array: items }, { blockQuote: "literal" });
}

/**
 * Parses an `objects` string the way the provider does: `array` must be a list of strings,
 * each a YAML map. Throws on anything else. Used by tests, the plan and the policy pack.
 */
export function parseSpcObjects(text: string): Record<string, unknown>[] {
    const root: unknown = parse(text);
    if (root === null || typeof root !== "object" || !("array" in root)) throw new Error("objects: missing `array`");
    const array = (root as { array: unknown }).array;
    if (!Array.isArray(array)) throw new Error("objects: `array` must be a list");
    return array.map((item, i) => {
        if (typeof item !== "string") throw new Error(`objects: array[${i}] must be a YAML string, not a nested map`);
        const object: unknown = parse(item);
        if (object === null || typeof object !== "object" || Array.isArray(object)) {
            throw new Error(`objects: array[${i}] must hold a map`);
        }
        return object as Record<string, unknown>;
    });
}

/** Annotation prefix on pod templates for an SPC's objects; the suffix names the SPC. */
export const RESTART_ANNOTATION_PREFIX = "secrets.aio-secrets.io/";
/** Annotation prefix on pod templates for the versions of the objects an SPC mounts. */
export const VERSIONS_ANNOTATION_PREFIX = "versions.secrets.aio-secrets.io/";

function sha256Hex(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** The name part of an annotation key for an SPC, within Kubernetes' 63-character limit. */
function annotationName(spcName: string): string {
    return spcName.length <= 63 ? spcName : `${spcName.slice(0, 54)}-${sha256Hex(spcName).slice(0, 8)}`;
}

/** Pod-template annotation key carrying the hash of an SPC's rendered objects. */
export function restartAnnotationKey(spcName: string): string {
    return `${RESTART_ANNOTATION_PREFIX}${annotationName(spcName)}`;
}

/** Pod-template annotation key carrying the hash of the versions of the objects an SPC mounts. */
export function versionsAnnotationKey(spcName: string): string {
    return `${VERSIONS_ANNOTATION_PREFIX}${annotationName(spcName)}`;
}

/**
 * The restart annotations are two hashes, so that a plan can tell what will roll:
 * - objects: the rendered `objects` string. Known when the program runs, so `plan --against`
 *   sees a moved, added or removed object, a new alias or a pinned version.
 * - versions: the current version of every object the stack writes. Known only after `up`
 *   (Azure assigns version ids), so a new value rolls the workloads once.
 * Both are deterministic (never a timestamp): an unchanged SPC yields the same values on every
 * `up`, and a no-op `up` rolls nothing.
 */
export function objectsHash(objects: string): string {
    return sha256Hex(objects);
}

/** The versions part of the restart annotations (see objectsHash); independent of key order. */
export function versionsHash(versions: Readonly<Record<string, string>>): string {
    // JSON keeps name/version boundaries unambiguous whatever characters they hold.
    return sha256Hex(
        JSON.stringify(
            Object.keys(versions)
                .sort()
                .map((name) => [name, versions[name]]),
        ),
    );
}

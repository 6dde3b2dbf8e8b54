import * as fs from "node:fs";
import { ConfigError } from "../stacks/errors";
import { readUtf8File } from "../stacks/text";

/**
 * Reads an export of what a cluster or a vault already holds, as the standard tools print it,
 * into one flat list of objects. Shared by the tools that compare the live state with a stack
 * (`check --live`, `import --from`, `drift --live`). Accepted shapes, detected from the JSON:
 *
 * - Azure Resource Manager: `az resource list` (an array) or `az resource show` / `az iot ops ...
 *   show` (one object), each resource with `id`, `type`, `name` and `properties`; `az rest`'s
 *   `{value: [...]}` page as well.
 * - Kubernetes: `kubectl get ... -o json` (a `List` with `items`) or one object (`apiVersion`,
 *   `kind`, `metadata`), with `spec`.
 * - Key Vault: `az keyvault secret list` / `show` (an array of / one object with an `id` like
 *   `https://<vault>.vault.azure.net/secrets/<name>[/<version>]` and `attributes`).
 *
 * Untidy parts are expected and kept out of the way: `systemData`, `etag`, `managedFields`,
 * extra fields. Nothing here trusts the file: lookups are by own property, and a value of the
 * wrong JSON type is reported naming the file and the item.
 */

/** Where an exported object came from. */
export type ExportSource = "arm" | "kubernetes" | "keyVault";

/** One object of an export, normalised. */
export interface LiveObject {
    /** Which tool printed it. */
    readonly source: ExportSource;
    /**
     * What it is: the ARM resource type in lower case (`microsoft.iotoperations/instances/dataflowendpoints`),
     * the Kubernetes `kind` in lower case with its API group (`secretproviderclass.secrets-store.csi.x-k8s.io`),
     * or `keyvault/secret`.
     */
    readonly type: string;
    /** The object's own name (the last segment of an ARM name like `instance/endpoint`). */
    readonly name: string;
    /**
     * ARM: the full name (`instance/endpoint`); Kubernetes: `namespace/name`; Key Vault: the vault name
     * and the secret.
     */
    readonly fullName: string;
    /** ARM resource id, Kubernetes `namespace/name`, or the secret's id URL without its version. */
    readonly id: string;
    /** ARM: `properties`; Kubernetes: `spec`; Key Vault: `{attributes, contentType, tags}`. Never undefined. */
    readonly body: Readonly<Record<string, unknown>>;
    /** Kubernetes `metadata.namespace`, ARM `extendedLocation.name`, Key Vault's vault name. */
    readonly scope?: string;
    /** Where in the file it is, for messages: `items[3]`, `[0]`, or `` (the whole file). */
    readonly at: string;
}

/** Refuses exports larger than this: an export of a namespace is kilobytes, not gigabytes. */
export const MAX_EXPORT_BYTES = 64 * 1024 * 1024;

/** True when `value` is a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `obj[key]` when `key` is the object's own property; undefined otherwise (no prototype lookups). */
export function own(obj: unknown, key: string): unknown {
    return isRecord(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** `obj[key]` when it is an own string property. */
export function ownString(obj: unknown, key: string): string | undefined {
    const value = own(obj, key);
    return typeof value === "string" ? value : undefined;
}

/** `obj[key]` when it is an own object property; an empty object otherwise. */
export function ownRecord(obj: unknown, key: string): Record<string, unknown> {
    const value = own(obj, key);
    return isRecord(value) ? value : {};
}

/** `obj[key]` when it is an own array property; an empty array otherwise. */
export function ownArray(obj: unknown, key: string): readonly unknown[] {
    const value = own(obj, key);
    return Array.isArray(value) ? value : [];
}

const VAULT_SECRET_ID = /^https:\/\/([a-z0-9-]+)\.vault\.[a-z0-9.-]+\/secrets\/([A-Za-z0-9-]+)(?:\/([0-9a-f]+))?\/?$/i;

function fail(shown: string, at: string, rule: string): never {
    throw new ConfigError([{ file: shown, path: at, rule }]);
}

/** Normalises one exported item; `at` names it in messages. */
function normalise(item: unknown, shown: string, at: string): LiveObject {
    if (!isRecord(item)) fail(shown, at, "each exported item must be a JSON object");
    const apiVersion = ownString(item, "apiVersion");
    const kind = ownString(item, "kind");
    const metadata = own(item, "metadata");
    if (apiVersion !== undefined && kind !== undefined && isRecord(metadata)) {
        const name = ownString(metadata, "name");
        if (!name) fail(shown, `${at}.metadata.name`, "a Kubernetes object needs metadata.name");
        const namespace = ownString(metadata, "namespace");
        const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
        const type = group ? `${kind.toLowerCase()}.${group.toLowerCase()}` : kind.toLowerCase();
        const fullName = namespace ? `${namespace}/${name}` : name;
        return {
            source: "kubernetes",
            type,
            name,
            fullName,
            id: fullName,
            body: ownRecord(item, "spec"),
            ...(namespace !== undefined && { scope: namespace }),
            at,
        };
    }
    const id = ownString(item, "id");
    const type = ownString(item, "type");
    if (id !== undefined && type !== undefined && id.startsWith("/")) {
        const fullName = ownString(item, "name") ?? id.split("/").pop() ?? "";
        if (!fullName) fail(shown, `${at}.name`, "an Azure resource needs a name");
        const location = ownString(ownRecord(item, "extendedLocation"), "name");
        return {
            source: "arm",
            type: type.toLowerCase(),
            name: fullName.split("/").pop() ?? fullName,
            fullName,
            id,
            body: ownRecord(item, "properties"),
            ...(location !== undefined && { scope: location }),
            at,
        };
    }
    const vaultId = id !== undefined ? VAULT_SECRET_ID.exec(id) : null;
    if (vaultId) {
        const [, vault, secret] = vaultId;
        const body: Record<string, unknown> = { attributes: ownRecord(item, "attributes") };
        const contentType = ownString(item, "contentType");
        if (contentType !== undefined) body.contentType = contentType;
        body.tags = ownRecord(item, "tags");
        return {
            source: "keyVault",
            type: "keyvault/secret",
            name: secret,
            fullName: `${vault}/${secret}`,
            id: id!.replace(/\/[0-9a-f]+\/?$/i, "").replace(/\/$/, ""),
            body,
            scope: vault,
            at,
        };
    }
    return fail(
        shown,
        at,
        "is neither an Azure resource (id, type, name, properties), a Kubernetes object (apiVersion, kind, metadata) " +
            "nor a Key Vault secret (id https://<vault>.vault.azure.net/secrets/<name>)",
    );
}

/** Parses the JSON text of an export; `shown` is the file as the user named it. */
export function parseExport(text: string, shown: string): LiveObject[] {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        return fail(
            shown,
            "",
            `is not JSON (${(err as Error).message}); export with -o json (az) or -o json (kubectl)`,
        );
    }
    if (Array.isArray(value)) return value.map((item, i) => normalise(item, shown, `[${i}]`));
    if (isRecord(value)) {
        const items = own(value, "items");
        if (Array.isArray(items) && ownString(value, "kind")?.endsWith("List")) {
            return items.map((item, i) => normalise(item, shown, `items[${i}]`));
        }
        const page = own(value, "value");
        if (Array.isArray(page) && own(value, "id") === undefined) {
            return page.map((item, i) => normalise(item, shown, `value[${i}]`));
        }
        return [normalise(value, shown, "")];
    }
    return fail(shown, "", "must be a JSON array or object, as az and kubectl print with -o json");
}

/** Reads and parses an export file (UTF-8, at most {@link MAX_EXPORT_BYTES}, a regular file). */
export function readExport(file: string, shown: string = file): LiveObject[] {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        return fail(shown, "", "cannot be read: no such file");
    }
    if (!stat.isFile()) fail(shown, "", "must be a regular file (an export written by az or kubectl)");
    if (stat.size > MAX_EXPORT_BYTES) fail(shown, "", `is larger than ${MAX_EXPORT_BYTES} bytes; export one namespace`);
    return parseExport(readUtf8File(file, shown), shown);
}

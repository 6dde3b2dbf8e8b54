import { z } from "zod";
import type { CatalogSecret } from "./catalog";
import * as rules from "./rules";
import { ruled, strictObject } from "./schema";

/**
 * OPC UA certificates as catalog presets (issue 18 item 3): an entry with
 * `opcua: { list: trustList | issuerList | clientCertificate, file: <name>.<ext> }` lands in the
 * fixed SecretSync the OPC UA connector reads, under its file name, as the CLI puts it there.
 * Pure: the parsing layer expands and checks these entries before anything else reads `sync`.
 *
 * Facts from Azure/azure-iot-ops-cli-extension,
 * `azext_edge/edge/providers/orchestration/resources/connector/opcua/certs.py` (`az iot ops
 * connector opcua trust|issuer|client add`):
 * - SecretSync names `aio-opc-ua-broker-trust-list`, `aio-opc-ua-broker-issuer-list`,
 *   `aio-opc-ua-broker-client-certificate`; `kubernetesSecretType: Opaque`; each mapping is
 *   `{sourcePath: <vault secret>, targetKey: <file name>}`.
 * - The vault secret holds the file's bytes as hex (`read_file_content(...).hex()`, tag
 *   `file-encoding: hex`), and the SPC object is `{objectType: secret, objectEncoding: hex}`, so the
 *   Secret gets the original bytes back.
 * - Content type by extension: `.crl` application/pkix-crl, `.der` application/pkix-cert, anything
 *   else (`.crt`, `.pem`) application/x-pem-file.
 * - trust list: `.der` or `.crt`; issuer list: `.der`, `.crt` or `.crl`, and a `.crl` only when a
 *   `.crt` or `.der` of the same stem is already in the issuer list; client certificate: a `.der`
 *   public key and a `.pem` private key with the same stem, and `client add` replaces the whole
 *   mapping (one pair at a time).
 * - The CLI puts the objects into an SPC named `opc-ua-connector` (`OPCUA_SPC_NAME`, in both
 *   stored versions of certs.py read for this, commits dabd611 and 069723c) and points the three
 *   SecretSyncs at it. The stack does the same ({@link OPCUA_SPC_NAME}, model/secretSync.ts): the
 *   three SecretSyncs read that SPC, whatever entry fills them, so a later `az iot ops connector
 *   opcua ... add` on the cluster lands in the SPC the stack declares (and `drift` shows it).
 */

/** The SPC the CLI gives the OPC UA certificates (certs.py `OPCUA_SPC_NAME`); the three SecretSyncs read it. */
export const OPCUA_SPC_NAME = "opc-ua-connector";

/** The three OPC UA lists and the fixed SecretSync (and Kubernetes Secret) each one fills. */
export const OPCUA_SYNC_NAMES = {
    trustList: "aio-opc-ua-broker-trust-list",
    issuerList: "aio-opc-ua-broker-issuer-list",
    clientCertificate: "aio-opc-ua-broker-client-certificate",
} as const;

export type OpcuaList = keyof typeof OPCUA_SYNC_NAMES;
export const OPCUA_LISTS = Object.keys(OPCUA_SYNC_NAMES) as [OpcuaList, ...OpcuaList[]];

/** The file extensions the CLI accepts per list. */
export const OPCUA_EXTENSIONS: Readonly<Record<OpcuaList, readonly string[]>> = {
    trustList: [".der", ".crt"],
    issuerList: [".der", ".crt", ".crl"],
    clientCertificate: [".der", ".pem"],
};

/** The content type the CLI sets on the vault secret, by file extension. */
export function opcuaContentType(file: string): string {
    const ext = extensionOf(file);
    if (ext === ".crl") return "application/pkix-crl";
    if (ext === ".der") return "application/pkix-cert";
    return "application/x-pem-file";
}

/** The catalog key `opcua` of an entry. */
export const opcuaSchema = strictObject({
    list: z.enum(OPCUA_LISTS),
    file: ruled(rules.syncTargetKey),
});

export type OpcuaPreset = z.infer<typeof opcuaSchema>;

/** A file name's extension in lower case (`.der`), or `` for none. */
export function extensionOf(file: string): string {
    const dot = file.lastIndexOf(".");
    return dot <= 0 ? "" : file.slice(dot).toLowerCase();
}

function stemOf(file: string): string {
    const dot = file.lastIndexOf(".");
    return dot <= 0 ? file : file.slice(0, dot);
}

/**
 * Where an entry is on but none of `partners` is: undefined when they cover every environment of
 * the entry (an entry without `environments` is on everywhere), else `""` (everywhere) or
 * ` in environment(s) a, b`. A partner that merely overlaps leaves the entry alone elsewhere: a
 * half-removed pair there.
 */
function uncovered(
    environments: readonly string[] | undefined,
    partners: readonly Pick<CatalogSecret, "environments">[],
): string | undefined {
    if (partners.some((p) => p.environments === undefined)) return undefined;
    if (partners.length === 0) return "";
    if (environments === undefined) return " in the environments its partner does not list";
    const alone = environments.filter((e) => !partners.some((p) => p.environments!.includes(e)));
    return alone.length === 0 ? undefined : ` in environment${alone.length === 1 ? "" : "s"} ${alone.join(", ")}`;
}

type At = (path: PropertyKey[], rule: string, value?: string) => void;

/**
 * Expands the OPC UA entries in place (their `sync`, `encoding: hex` and `contentType`) and
 * reports what the CLI would refuse: a wrong extension, a CRL without its certificate, half a
 * client certificate pair, more than one pair, and settings that contradict the preset.
 */
export function expandOpcuaPresets(
    secrets: CatalogSecret[],
    at: At,
    overlap: (a?: readonly string[], b?: readonly string[]) => boolean,
): void {
    const presets = secrets.filter((s): s is CatalogSecret & { opcua: OpcuaPreset } => s.opcua !== undefined);
    // The three fixed Secrets take presets only: a plain `sync:` into one would skip the CLI's
    // file rules and the hex encoding, and still land in the connector's SPC.
    for (const s of secrets) {
        const list = OPCUA_LISTS.find((l) => OPCUA_SYNC_NAMES[l] === s.sync?.secret);
        if (s.opcua === undefined && s.sync !== undefined && list !== undefined)
            at(
                ["secrets", s.index, "sync", "secret"],
                `is the OPC UA connector's ${list}: declare the entry with opcua: { list: ${list}, file: <name> } instead of sync:`,
                JSON.stringify(s.sync.secret),
            );
    }
    for (const s of presets) {
        const path = (...rest: PropertyKey[]) => ["secrets", s.index, ...rest];
        const { list, file } = s.opcua;
        const allowed = OPCUA_EXTENSIONS[list];
        if (!allowed.includes(extensionOf(file)))
            at(
                path("opcua", "file"),
                `the OPC UA ${list} takes ${allowed.join(", ")} files (as the CLI)`,
                JSON.stringify(file),
            );
        if (s.type !== "secret")
            at(
                path("type"),
                "an OPC UA certificate is a vault secret holding the file as hex (az iot ops connector opcua), not a Key Vault certificate or key",
                JSON.stringify(s.type),
            );
        if (s.source === "generated")
            at(
                path("source"),
                "an OPC UA certificate is a file: upload it (source: existing; az keyvault secret set --file <f> --encoding hex) or give its bytes as hex (source: config); a generated value is no certificate, and the provider cannot hex-decode it",
                JSON.stringify(s.source),
            );
        if (s.sync !== undefined)
            at(path("sync"), `opcua: sets it (Secret ${OPCUA_SYNC_NAMES[list]}, key ${file}); remove sync:`);
        if (s.encoding !== undefined && s.encoding !== "hex")
            at(
                path("encoding"),
                "an OPC UA file is stored hex-encoded (the CLI's objectEncoding: hex)",
                JSON.stringify(s.encoding),
            );
        const contentType = opcuaContentType(file);
        if (s.contentType !== undefined && s.contentType !== contentType)
            at(
                path("contentType"),
                `the CLI stores a ${extensionOf(file) || "file"} file as ${contentType}`,
                JSON.stringify(s.contentType),
            );
        s.sync = { secret: OPCUA_SYNC_NAMES[list], key: file };
        s.encoding = "hex";
        s.contentType = contentType;
    }
    const together = (a: CatalogSecret, b: CatalogSecret) => overlap(a.environments, b.environments);
    for (const s of presets) {
        const { list, file } = s.opcua;
        const stem = stemOf(file);
        const sameList = presets.filter((o) => o !== s && o.opcua.list === list && together(o, s));
        if (list === "issuerList" && extensionOf(file) === ".crl") {
            const certificates = sameList.filter(
                (o) => stemOf(o.opcua.file) === stem && [".crt", ".der"].includes(extensionOf(o.opcua.file)),
            );
            const without = uncovered(s.environments, certificates);
            if (without !== undefined)
                at(
                    ["secrets", s.index, "opcua", "file"],
                    `a CRL goes into the issuer list only with its certificate: add ${stem}.crt or ${stem}.der to the issuer list (in the same environments)${without}`,
                    JSON.stringify(file),
                );
        }
        if (list === "clientCertificate") {
            const want = extensionOf(file) === ".der" ? ".pem" : ".der";
            const without = uncovered(
                s.environments,
                sameList.filter((o) => o.opcua.file === `${stem}${want}`),
            );
            if (without !== undefined)
                at(
                    ["secrets", s.index, "opcua", "file"],
                    `the OPC UA client certificate is a pair: ${stem}.der (public key) and ${stem}.pem (private key), in the same environments; ` +
                        `${stem}${want} is missing${without} (remove both, or neither)`,
                    JSON.stringify(file),
                );
            const otherStems = new Set(sameList.map((o) => stemOf(o.opcua.file)).filter((x) => x !== stem));
            if (otherStems.size > 0)
                at(
                    ["secrets", s.index, "opcua", "file"],
                    `the connector takes one client certificate pair (the CLI replaces it); also listed: ${[...otherStems].join(", ")}`,
                    JSON.stringify(file),
                );
        }
    }
}

import type { MqReferenceKind } from "../stacks/catalog";

/**
 * Azure IoT MQ's vault references, pure. MQ resources do not mount an SPC: they carry a
 * `keyVault` block naming the vault, the local Secret with the service principal's
 * credentials, and the object (`vaultSecret`, `vaultCert` or `vaultCaChainSecret`).
 */

export const MQ_REFERENCE_FIELD: Record<MqReferenceKind, "vaultSecret" | "vaultCert" | "vaultCaChainSecret"> = {
    secret: "vaultSecret",
    cert: "vaultCert",
    caChain: "vaultCaChainSecret",
};

/** The value of an MQ `keyVault:` field for one vault object. `T` is a string or a Pulumi input. */
export function mqKeyVaultBlock<T>(
    kind: MqReferenceKind,
    object: { name: string; version: string },
    vault: { name: T; directoryId: T; servicePrincipalLocalSecretName: T },
): Record<string, unknown> {
    return {
        vault: {
            name: vault.name,
            directoryId: vault.directoryId,
            credentials: { servicePrincipalLocalSecretName: vault.servicePrincipalLocalSecretName },
        },
        [MQ_REFERENCE_FIELD[kind]]: { name: object.name, version: object.version },
    };
}

/**
 * A deep copy of `value` with every `{ keyVaultRef: <name> }` replaced by `blocks[name]`.
 * Unknown names are left for validation to report (it runs first).
 */
export function substituteKeyVaultRefs(value: unknown, blocks: Readonly<Record<string, unknown>>): unknown {
    if (Array.isArray(value)) return value.map((v) => substituteKeyVaultRefs(v, blocks));
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record);
        if (
            keys.length === 1 &&
            keys[0] === "keyVaultRef" &&
            typeof record.keyVaultRef === "string" &&
            record.keyVaultRef in blocks
        ) {
            return blocks[record.keyVaultRef];
        }
        return Object.fromEntries(keys.map((k) => [k, substituteKeyVaultRefs(record[k], blocks)]));
    }
    return value;
}

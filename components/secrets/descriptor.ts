import type { ComponentDescriptor } from "../descriptor";
import { KEY_VAULT_CONTRIBUTOR } from "../keyvault/descriptor";
import { ROTATING } from "../identity/descriptor";

/** VaultSecrets (VaultSecrets.ts): the catalog's secrets and keys, and generated values. */
export const vaultSecretsDescriptor: ComponentDescriptor = {
    type: "aio-secrets:secrets:VaultSecrets",
    resources: {
        "azure-native:keyvault:Secret": {
            rights: {
                kind: "azure",
                rights: [
                    // Written through Azure Resource Manager; a delete goes to the data plane instead.
                    {
                        resourceType: "Microsoft.KeyVault/vaults/secrets",
                        operations: ["read", "write"],
                        role: KEY_VAULT_CONTRIBUTOR,
                        deletes: false,
                    },
                    {
                        resourceType: "Microsoft.KeyVault/vaults/secrets",
                        operations: [],
                        plane: "data",
                        role: "Key Vault Secrets Officer on the vault (rbac), or an access policy with secrets delete (keyVault.grantDeployer)",
                    },
                ],
            },
            display: ["secretName", "vaultName", "properties.value", "properties.contentType", "properties.attributes"],
            fake: ({ name, inputs, input, isSecret, secret, version }) => {
                // The secret value makes all of `properties` secret on the wire; the engine keeps
                // outputs secret where inputs were, so the answer is enveloped again.
                const props = (input("properties") ?? {}) as Record<string, unknown>;
                const uri = `https://${String(inputs.vaultName)}.vault.azure.net/secrets/${String(inputs.secretName)}`;
                const properties = { ...props, secretUri: uri, secretUriWithVersion: `${uri}/${version(props.value)}` };
                return {
                    id: `${name}-id`,
                    state: { ...inputs, properties: isSecret(inputs.properties) ? secret(properties) : properties },
                };
            },
        },
        "azure-native:keyvault:Key": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.KeyVault/vaults/keys",
                        operations: ["read", "write"],
                        role: KEY_VAULT_CONTRIBUTOR,
                        deletes: false,
                    },
                ],
            },
            display: ["keyName", "vaultName", "properties.kty", "properties.keySize"],
            fake: ({ name, inputs, version }) => {
                const uri = `https://${String(inputs.vaultName)}.vault.azure.net/keys/${String(inputs.keyName)}`;
                return {
                    id: `${name}-id`,
                    state: { ...inputs, keyUri: uri, keyUriWithVersion: `${uri}/${version(inputs.properties)}` },
                };
            },
        },
        "random:index/randomPassword:RandomPassword": {
            rights: { kind: "local" },
            display: ["length", "special", "keepers"],
            // A new value when the keepers change (a rotation clock re-created), as the provider replaces it.
            fake: ({ name, inputs, secret, version }) => ({
                id: "none",
                state: {
                    ...inputs,
                    result: secret(
                        inputs.keepers === undefined
                            ? `mock-generated-value-${name}`
                            : `mock-generated-value-${name}-${version(inputs.keepers).slice(0, 8)}`,
                    ),
                },
            }),
        },
        "time:index/rotating:Rotating": ROTATING,
        // When a value was written: created with it, replaced when it changes (its trigger), kept in state.
        "time:index/static:Static": {
            rights: { kind: "local" },
            display: [],
            fake: ({ inputs, clock }) => ({ id: clock, state: { ...inputs, rfc3339: clock } }),
        },
        "random:index/randomBytes:RandomBytes": {
            rights: { kind: "local" },
            display: ["length"],
            fake: ({ name, inputs, secret, sha256 }) => {
                const bytes = sha256(name);
                return {
                    id: "none",
                    state: { ...inputs, base64: secret(bytes.toString("base64")), hex: secret(bytes.toString("hex")) },
                };
            },
        },
    },
};

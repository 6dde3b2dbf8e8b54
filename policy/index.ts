/**
 * # aio-secrets policy pack
 *
 * Mandatory checks that Pulumi runs on every resource the program declares, during
 * `pulumi preview` and `pulumi up`, before anything reaches Azure or the cluster. A violation
 * fails the command and names the resource and what is wrong.
 *
 * | policy | checks |
 * | --- | --- |
 * | `vault-purge-protection-in-protected-environments` | a vault tagged `aio-secrets-environment: <protected env>` (default `prod`) has `enablePurgeProtection: true` and `softDeleteRetentionInDays` >= the minimum (default 7; absent = Azure's 90) |
 * | `vault-secret-value-is-secret` | a Key Vault secret's `properties.value` is a Pulumi secret (see "Limits") |
 * | `service-principal-never-writes` | the `*-reader` access policy (the CSI driver's SP) holds only secrets get/list, keys get, certificates get; no access policy, separate or inline, grants purge |
 * | `csi-credential-secret-labelled` | Secret `aio-akv-sp` is Opaque and labelled `secrets-store.csi.k8s.io/used: "true"` |
 * | `vault-secret-expiry-in-protected-environments` | advisory (a warning; make it `mandatory` in the pack config): in a protected environment (default `prod`), a vault secret from config has `expiresInDays` (policy/expiry.ts) |
 * | `spc-azure-provider-well-formed` | every SecretProviderClass: provider `azure`, `usePodIdentity: "false"`, `keyvaultName`, `tenantId`, an `objects` string the provider can parse, unique file names |
 *
 * ## Run it
 *
 * From the project root (the pack imports `../model/spc` and resolves
 * `@pulumi/azure-native`, `@pulumi/kubernetes` and `yaml` from the project's own install):
 *
 * ```bash
 * npm install                              # the project
 * (cd policy && npm install)               # the pack: @pulumi/policy, @pulumi/pulumi, TypeScript, ts-node
 * pulumi preview --policy-pack policy --stack dev
 * pulumi up --policy-pack policy --stack prod
 * ```
 *
 * `--policy-pack` takes this folder: the CLI starts `index.ts` here with ts-node (using
 * `policy/tsconfig.json`), and the `PolicyPack` below serves the policies to the engine over
 * gRPC. To change the defaults, give a config file (the CLI validates it against each policy's
 * schema; `enforcementLevel` may be lowered per policy there too, e.g. while adopting the pack):
 *
 * ```bash
 * cat > policy-config.json <<'JSON'
 * { "vault-purge-protection-in-protected-environments":
 *     { "protectedEnvironments": ["prod", "staging"], "minSoftDeleteRetentionDays": 30 } }
 * JSON
 * pulumi preview --policy-pack policy --policy-pack-config policy-config.json
 * ```
 *
 * ## Limits
 *
 * - `vault-secret-value-is-secret`: `@pulumi/policy` unwraps every secret before a policy sees
 *   the inputs (pulumi/pulumi-policy#241), so inside `pulumi preview` the policy cannot tell a
 *   secret from plaintext and reports itself "not applicable" with that reason. It does check
 *   wherever the secret markers survive: `test/policy.test.ts` runs it on the inputs the real
 *   program sends to the engine for every stack (and `test/secrecy.test.ts` proves the same
 *   property more broadly).
 * - A vault with `keyVault.existing: true` (the `prod` example) is looked up, not declared, so
 *   no policy sees it: its purge protection is whatever the team that made it set.
 *
 * ## Tests
 *
 * `test/policy.test.ts` calls each policy's `validateResource` directly (no Pulumi CLI), with
 * passing and failing inputs, and runs the real program's resources of `dev`, `staging` and
 * `prod` through the whole pack. Import the policies from `./policies` there, never this file:
 * constructing a `PolicyPack` starts the analyzer's gRPC server.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_NAME, policies, stackPolicies } from "./policies";
import { vaultSecretExpiry } from "./expiry";

export const pack = new PolicyPack(PACK_NAME, {
    policies: [...policies, ...stackPolicies, vaultSecretExpiry],
    enforcementLevel: "mandatory",
    description: PACK_DESCRIPTION,
    displayName: "aio-secrets: Azure IoT Operations secrets",
    provider: "azure",
    tags: ["azure", "key-vault", "kubernetes", "secrets-store-csi"],
});

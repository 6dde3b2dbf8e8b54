import type * as inputs from "@pulumi/azure-native/types/input";
import type { Problem } from "../../stacks/errors";
import { normalizedIpRule, type VaultNetwork } from "../../model/vaultSecurity";

/**
 * The vault's firewall as Key Vault takes it (`properties.networkAcls` of Microsoft.KeyVault/vaults, azure-native v3
 * `keyvault.NetworkRuleSetArgs`: defaultAction, bypass, ipRules[{value}], virtualNetworkRules[{id,
 * ignoreMissingVnetServiceEndpoint}]), and the check of an existing vault's firewall against the settings. Pure.
 */

/**
 * `properties.networkAcls` for the settings; undefined without `keyVault.network` (the vault keeps Azure's default).
 */
export function networkAcls(network: VaultNetwork | undefined): inputs.keyvault.NetworkRuleSetArgs | undefined {
    if (!network) return undefined;
    return {
        defaultAction: network.defaultAction,
        bypass: network.bypass,
        // Key Vault stores a single address as a.b.c.d/32 (stacks/vaultSecurity.ts): send it that way.
        ipRules: network.ipRules.map((value) => ({ value: normalizedIpRule(value) })),
        // Without the subnet's Microsoft.KeyVault service endpoint Azure refuses the rule: a missing endpoint is an
        // error at `up`, not a rule that silently lets nothing in. Key Vault stores the subnet id in lower case
        // (Azure/azure-cli#10365, "subnet ID getting converted to lowercase by keyvault service"): sent that way, a
        // refresh (rotate.yml, drift.yml) reads back what was sent and the next run sees no difference. ARM ids are
        // case-insensitive.
        virtualNetworkRules: network.virtualNetworkRules.map((id) => ({
            id: id.toLowerCase(),
            ignoreMissingVnetServiceEndpoint: false,
        })),
    };
}

/** An existing vault's firewall as `getVault` returns it. */
export interface FoundNetwork {
    publicNetworkAccess?: string;
    networkAcls?: {
        defaultAction?: string;
        bypass?: string;
        ipRules?: { value: string }[];
        virtualNetworkRules?: { id: string }[];
    };
}

/**
 * The stack never changes a vault it did not create, so on an existing vault `keyVault.network` is what the vault must
 * already have: a vault more open than the settings say (Allow where they say Deny, a rule they do not list) stops the
 * run. Rules the settings list but the vault lacks are the owner's to add and are reported too (the reader may
 * depend on them). Azure's defaults: defaultAction Allow, bypass AzureServices, publicNetworkAccess Enabled.
 */
export function existingNetworkProblem(
    file: string,
    vaultName: string,
    network: VaultNetwork | undefined,
    found: FoundNetwork,
    publicNetworkAccess: "Enabled" | "Disabled" = "Enabled",
): Problem | undefined {
    const differences: string[] = [];
    // Settings that say Disabled describe a vault only a private endpoint reaches (the lock-out warnings read them so):
    // a vault that still answers on its public endpoint is more open than that.
    if (publicNetworkAccess === "Disabled" && found.publicNetworkAccess !== "Disabled")
        differences.push(
            `publicNetworkAccess is ${found.publicNetworkAccess ?? "Enabled"}, the settings say Disabled (az keyvault update --public-network-access Disabled)`,
        );
    if (!network) return differences.length === 0 ? undefined : networkProblem(file, vaultName, differences);
    const acls = found.networkAcls ?? {};
    const defaultAction = acls.defaultAction ?? "Allow";
    if (found.publicNetworkAccess !== "Disabled" && defaultAction !== network.defaultAction)
        differences.push(`defaultAction is ${defaultAction}, the settings say ${network.defaultAction}`);
    const bypass = acls.bypass ?? "AzureServices";
    if (bypass !== network.bypass) differences.push(`bypass is ${bypass}, the settings say ${network.bypass}`);
    const want = new Set(network.ipRules.map(normalizedIpRule));
    const have = new Set((acls.ipRules ?? []).map((r) => normalizedIpRule(r.value)));
    const extraIps = [...have].filter((v) => !want.has(v));
    const missingIps = [...want].filter((v) => !have.has(v));
    if (extraIps.length > 0) differences.push(`it lets in ${extraIps.join(", ")}, which ipRules does not list`);
    if (missingIps.length > 0) differences.push(`it lacks the ipRules ${missingIps.join(", ")}`);
    const lower = (ids: readonly string[]) => new Set(ids.map((id) => id.toLowerCase()));
    const wantNets = lower(network.virtualNetworkRules);
    const haveNets = lower((acls.virtualNetworkRules ?? []).map((r) => r.id));
    if ([...haveNets].some((id) => !wantNets.has(id)) || [...wantNets].some((id) => !haveNets.has(id)))
        differences.push("its virtual network rules differ from virtualNetworkRules");
    if (differences.length === 0) return undefined;
    return networkProblem(file, vaultName, differences);
}

function networkProblem(file: string, vaultName: string, differences: readonly string[]): Problem {
    return {
        file,
        path: "aio-secrets:keyVault.network",
        rule: `existing vault ${vaultName} is not as the settings say (${differences.join("; ")}); the stack never changes a vault it did not create: have its owner apply the rules (az keyvault network-rule add / az keyvault update --default-action), or make the settings match the vault`,
    };
}

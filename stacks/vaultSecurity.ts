import { z } from "zod";
import type { Problem } from "./errors";
import { resourceGroupName as resourceGroupNameRule, type Rule } from "./rules";
import { ruled, strictObject } from "./schema";

/**
 * The vault as a production system (issue 23): `keyVault.network` (firewall), `keyVault.privateEndpoint` and
 * `keyVault.diagnostics` (audit logs): schemas, cross-field rules and the lock-out warnings. Pure.
 *
 * Facts (docs/vault-security.md, with sources):
 * - Key Vault's firewall and virtual network rules apply to the data plane only; control-plane operations, among them
 *   "deployment of secrets or keys through ARM templates", are not affected (MicrosoftDocs/azure-docs
 *   articles/key-vault/general/overview-vnet-service-endpoints.md, the note under "Usage scenarios"). azure-native's
 *   `keyvault.Secret`, `keyvault.Key`, `keyvault.AccessPolicy` and role assignments are such ARM writes.
 * - At most 1000 IPv4 rules and 200 virtual network rules; IP rules take public IPv4 addresses and ranges only (RFC
 *   1918 ranges are refused) (articles/key-vault/general/network-security.md). Azure answers `BadRequest ... belongs to
 *   forbidden range` for a private range (Azure/azure-powershell#11471).
 * - Key Vault stores a single address as `a.b.c.d/32`: sending the bare address makes every later run see a
 *   difference (hashicorp/terraform-provider-azurerm#2164), so a bare address is sent as `/32`.
 */

/** Most IPv4 rules and virtual network rules a vault takes (network-security.md, "configuration limitations"). */
export const MAX_IP_RULES = 1000;
export const MAX_VIRTUAL_NETWORK_RULES = 200;

/** A public IPv4 address or CIDR range, as Key Vault's firewall takes them. */
export const publicIpv4Cidr: Rule = (v) => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(v);
    if (!m) return "must be an IPv4 address or CIDR range (a.b.c.d or a.b.c.d/n; Key Vault takes no IPv6)";
    const octets = m.slice(1, 5).map(Number);
    if (octets.some((o, i) => o > 255 || String(o) !== m[i + 1]))
        return "must be an IPv4 address: four numbers 0-255 without leading zeros";
    const bits = m[5] === undefined ? 32 : Number(m[5]);
    if (bits > 32 || (m[5] !== undefined && String(bits) !== m[5])) return "the prefix length must be 0-32";
    const [a, b] = octets;
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
        return "is a private (RFC 1918) range; Key Vault's IP rules take public addresses only: list the cluster's public egress address, or use virtualNetworkRules or privateEndpoint for private networks";
    return undefined;
};

/** How Key Vault stores an IP rule: a bare address becomes `a.b.c.d/32`. */
export function normalizedIpRule(value: string): string {
    return value.includes("/") ? value : `${value}/32`;
}

const SUB = "/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\\w.()]+/providers";

/** An ARM id of a type, checked by shape only (the resource itself is Azure's to find). */
function armId(pattern: string, example: string): Rule {
    const re = new RegExp(`^${SUB}/${pattern}$`, "i");
    return (v) => (re.test(v) ? undefined : `must be the ARM id of a ${example}`);
}

export const subnetId = armId(
    "Microsoft\\.Network/virtualNetworks/[^/]+/subnets/[^/]+",
    "subnet (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>)",
);
export const privateDnsZoneId = armId(
    "Microsoft\\.Network/privateDnsZones/privatelink\\.vaultcore\\.azure\\.net",
    "private DNS zone named privatelink.vaultcore.azure.net (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net)",
);
export const workspaceId = armId(
    "Microsoft\\.OperationalInsights/workspaces/[^/]+",
    "Log Analytics workspace (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>)",
);
export const storageAccountId = armId(
    "Microsoft\\.Storage/storageAccounts/[^/]+",
    "storage account (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>)",
);

/** `keyVault.network`: the vault's firewall (`properties.networkAcls`). */
export const networkSchema = strictObject({
    /** What a request no rule matches gets. Default `Allow` (every network, Azure's default). */
    defaultAction: z.enum(["Allow", "Deny"]).default("Allow"),
    /** Let trusted Microsoft services through. Default `AzureServices`. */
    bypass: z.enum(["AzureServices", "None"]).default("AzureServices"),
    /** Public IPv4 addresses or CIDR ranges let through (a site's egress addresses). Default none. */
    ipRules: z.array(ruled(publicIpv4Cidr)).max(MAX_IP_RULES, `at most ${MAX_IP_RULES} rules`).default([]),
    /** Subnet ids let through (with a Microsoft.KeyVault service endpoint). Default none. */
    virtualNetworkRules: z
        .array(ruled(subnetId))
        .max(MAX_VIRTUAL_NETWORK_RULES, `at most ${MAX_VIRTUAL_NETWORK_RULES} rules`)
        .default([]),
    /** Why a protected vault stays open to every network (the policy pack asks for it). Default none. */
    openReason: z.string().trim().min(1, "must not be empty").max(256, "must be at most 256 characters").optional(),
});
export type VaultNetworkSettings = z.infer<typeof networkSchema>;

/** `keyVault.privateEndpoint`: a private endpoint for the vault's `vault` group, and its DNS zone group. */
export const privateEndpointSchema = strictObject({
    /** Subnet the endpoint's network interface goes into. Required. */
    subnetId: ruled(subnetId),
    /** The `privatelink.vaultcore.azure.net` zone the endpoint's A record goes into. Required. */
    privateDnsZoneId: ruled(privateDnsZoneId),
    /** Resource group of the endpoint (Azure's resource group name rules). Default: the vault's. */
    resourceGroupName: ruled(resourceGroupNameRule).optional(),
    /**
     * Region of the endpoint: it must be the subnet's virtual network's (ARM refuses another), which
     * need not be the vault's. An Azure region name such as `westeurope`. Default: the vault's
     * location (`azure-native:location`).
     */
    location: z
        .string()
        .regex(/^[a-z][a-z0-9]{1,49}$/, "must be an Azure region name such as westeurope (lower case, no spaces)")
        .optional(),
});
export type PrivateEndpointSettings = z.infer<typeof privateEndpointSchema>;

/** `keyVault.diagnostics`: a diagnostic setting on the vault (AuditEvent logs, AllMetrics). */
export const diagnosticsSchema = strictObject({
    /** Log Analytics workspace id. One of workspaceId and storageAccountId is required. */
    workspaceId: ruled(workspaceId).optional(),
    /**
     * Storage account id (archive): a standard account in the vault's region (Azure Monitor refuses others). One of
     * workspaceId and storageAccountId is required.
     */
    storageAccountId: ruled(storageAccountId).optional(),
    /** Also send the AllMetrics category. Default true. */
    metrics: z.boolean().default(true),
});
export type DiagnosticsSettings = z.infer<typeof diagnosticsSchema>;

/** The keys this module adds to `aio-secrets:keyVault` (stacks/settings.ts spreads them into its schema). */
export const vaultSecurityKeys = {
    network: networkSchema.optional(),
    privateEndpoint: privateEndpointSchema.optional(),
    diagnostics: diagnosticsSchema.optional(),
};

/** The parts of the parsed `keyVault` section the rules read. */
export interface VaultSecurityInput {
    existing: boolean;
    publicNetworkAccess: "Enabled" | "Disabled";
    network?: VaultNetworkSettings;
    privateEndpoint?: PrivateEndpointSettings;
    diagnostics?: DiagnosticsSettings;
}

/** Cross-field problems of `keyVault.network`, `privateEndpoint` and `diagnostics`. */
export function vaultSecurityProblems(file: string, kv: VaultSecurityInput): Problem[] {
    const problems: Problem[] = [];
    const at = (path: string, rule: string, value?: string) =>
        problems.push({ file, path: `aio-secrets:keyVault.${path}`, rule, value });
    if (kv.diagnostics && !kv.diagnostics.workspaceId && !kv.diagnostics.storageAccountId)
        at("diagnostics", "needs workspaceId (Log Analytics) or storageAccountId (archive), or both");
    const net = kv.network;
    if (net && kv.publicNetworkAccess === "Disabled" && (net.ipRules.length > 0 || net.virtualNetworkRules.length > 0))
        at(
            "network",
            "has IP or virtual network rules, but keyVault.publicNetworkAccess is Disabled, which overrides every firewall rule (only private endpoints and trusted services get through): remove the rules or set publicNetworkAccess: Enabled",
        );
    if (net?.openReason !== undefined && !openToAllNetworks(kv))
        at(
            "network.openReason",
            "says why the vault is open to every network, but it is not (defaultAction Deny or publicNetworkAccess Disabled): remove it",
        );
    const seen = new Set<string>();
    net?.ipRules.forEach((rule, i) => {
        const normal = normalizedIpRule(rule);
        if (seen.has(normal))
            at(
                `network.ipRules[${i}]`,
                "is listed twice (a.b.c.d and a.b.c.d/32 are the same rule)",
                JSON.stringify(rule),
            );
        seen.add(normal);
    });
    const subnets = new Set<string>();
    net?.virtualNetworkRules.forEach((id, i) => {
        // Key Vault keeps subnet ids in lower case: two spellings of one id are one rule.
        if (subnets.has(id.toLowerCase()))
            at(
                `network.virtualNetworkRules[${i}]`,
                "is listed twice (ARM ids are case-insensitive)",
                JSON.stringify(id),
            );
        subnets.add(id.toLowerCase());
    });
    return problems;
}

/** The addresses an IP rule lets in, as [first, last] (numbers 0..2^32-1); undefined when it is not a rule. */
function ipRuleRange(rule: string): [number, number] | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(rule.trim());
    if (!m) return undefined;
    const address = m.slice(1, 5).reduce((n, octet) => n * 256 + Number(octet), 0);
    const bits = m[5] === undefined ? 32 : Number(m[5]);
    if (bits > 32) return undefined;
    const size = 2 ** (32 - bits);
    const first = Math.floor(address / size) * size;
    return [first, first + size - 1];
}

/**
 * Whether IP rules together let in every IPv4 address (`0.0.0.0/0`, or `0.0.0.0/1` with `128.0.0.0/1`, ...): a
 * firewall that denies by default with such rules is open to every network all the same.
 */
export function ipRulesAdmitEveryAddress(rules: readonly string[]): boolean {
    const ranges = rules.map(ipRuleRange).filter((r): r is [number, number] => r !== undefined);
    ranges.sort((a, b) => a[0] - b[0]);
    let next = 0;
    for (const [first, last] of ranges) {
        if (first > next) return false;
        next = Math.max(next, last + 1);
    }
    return next > 0xffffffff;
}

/**
 * Whether the vault answers requests from any network: public access on, and no Deny, or a Deny whose IP rules let
 * in every address.
 */
export function openToAllNetworks(kv: Pick<VaultSecurityInput, "network" | "publicNetworkAccess">): boolean {
    if (kv.publicNetworkAccess !== "Enabled") return false;
    return (kv.network?.defaultAction ?? "Allow") === "Allow" || ipRulesAdmitEveryAddress(kv.network?.ipRules ?? []);
}

/** What the lock-out warnings need to know about a stack. */
export interface LockoutInput {
    file: string;
    vaultName: string;
    keyVault: VaultSecurityInput;
    /** Who reads the vault's data plane from the cluster in the stack's delivery mode (a mode fact). */
    reader: string;
    /** Whether the catalog mounts entries someone must put into the vault through the data plane (source existing). */
    dataPlaneWrites: boolean;
}

/**
 * The soft problems of network settings that would lock a principal out of the vault's data plane, each naming the
 * missing rule. The deployer's writes (azure-native keyvault.Secret, access policies, role assignments) go through
 * Azure Resource Manager and are not subject to the firewall; the cluster's reader and whoever puts the catalog's
 * `existing` entries into the vault are.
 */
export function vaultLockoutWarnings(input: LockoutInput): string[] {
    const { file, keyVault: kv } = input;
    if (openToAllNetworks(kv)) {
        if (kv.privateEndpoint && kv.publicNetworkAccess === "Enabled")
            return [
                `${file}: aio-secrets:keyVault.privateEndpoint is set, but the vault stays open to every network (keyVault.network.defaultAction Allow): set defaultAction: Deny with the rules the cluster needs, or publicNetworkAccess: Disabled when every reader uses the private endpoint`,
            ];
        return [];
    }
    const warnings: string[] = [];
    const publicRules =
        kv.publicNetworkAccess === "Enabled"
            ? (kv.network?.ipRules.length ?? 0) + (kv.network?.virtualNetworkRules.length ?? 0)
            : 0;
    const how =
        kv.publicNetworkAccess === "Disabled"
            ? "publicNetworkAccess is Disabled, so only a private endpoint reaches it: set aio-secrets:keyVault.privateEndpoint (a subnet the cluster routes to)"
            : "add the cluster's public egress address to aio-secrets:keyVault.network.ipRules, its Azure subnet to keyVault.network.virtualNetworkRules, or set keyVault.privateEndpoint";
    if (publicRules === 0 && !kv.privateEndpoint)
        warnings.push(
            `${file}: vault ${input.vaultName} would lock out the cluster's reader: ${input.reader}, and the vault's firewall lets no network in (trusted Microsoft services do not include an Arc cluster); ${how}`,
        );
    if (input.dataPlaneWrites)
        warnings.push(
            `${file}: the catalog mounts entries with source existing, which someone puts into vault ${input.vaultName} through its data plane (az keyvault secret set / certificate import), and the firewall applies to that: run it from an address in aio-secrets:keyVault.network.ipRules or through keyVault.privateEndpoint`,
        );
    return warnings;
}

/**
 * Vault tag holding `keyVault.network.openReason`: the policy pack accepts a protected vault open to every network only
 * with it, and an auditor reads it on the vault itself.
 */
export const OPEN_NETWORK_REASON_TAG = "aio-secrets-open-network-reason";

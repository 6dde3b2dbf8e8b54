import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { formatProblem } from "../stacks/errors";
import { parseStackSettings, type RawStackConfig } from "../stacks/settings";
import {
    ipRulesAdmitEveryAddress,
    normalizedIpRule,
    openToAllNetworks,
    publicIpv4Cidr,
    vaultLockoutWarnings,
    vaultSecurityProblems,
    type VaultSecurityInput,
} from "../stacks/vaultSecurity";
import { existingNetworkProblem, networkAcls } from "../components/keyvault/network";
import { existingProtectionWarnings } from "../components/keyvault/existing";
import { MODES } from "../delivery/modes";
import { accessReport, accessText, fleetAccessText } from "../tools/accessReport";
import { deployerTypes } from "../tools/access";
import { sendsAuditLog, stackPolicies, vaultAuditDiagnostics, vaultNetworkRestricted } from "../policy/policies";
import type { RecordedResource, RunResult } from "../tools/harness";
import { byName, byType, PROJECT_DIR, runStack, scratch } from "./helpers";

/**
 * The vault as a production system (issue 23): keyVault.network / privateEndpoint / diagnostics from settings to
 * resources, the lock-out warnings, existing vaults, `access`, and the two policies.
 */

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers";
const SUBNET = `${SUB}/Microsoft.Network/virtualNetworks/vnet/subnets/snet`;
const ZONE = `${SUB}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
const WORKSPACE = `${SUB}/Microsoft.OperationalInsights/workspaces/law`;
const STORAGE = `${SUB}/Microsoft.Storage/storageAccounts/starchive`;

function raw(keyVault: Record<string, unknown>): RawStackConfig {
    return {
        project: "aio-secrets",
        stack: "dev",
        config: {
            "aio-secrets:tenantId": "11111111-2222-3333-4444-555555555555",
            "aio-secrets:keyVault": JSON.stringify({ name: "kv-test-01", resourceGroupName: "rg-test", ...keyVault }),
        },
        secretKeys: [],
    };
}

function problems(keyVault: Record<string, unknown>): string[] {
    return parseStackSettings(raw(keyVault)).problems.map(formatProblem);
}

const base: VaultSecurityInput = { existing: false, publicNetworkAccess: "Enabled" };
const deny = { defaultAction: "Deny" as const, bypass: "AzureServices" as const, ipRules: [], virtualNetworkRules: [] };

describe("settings: keyVault.network, privateEndpoint, diagnostics", () => {
    test.each([
        ["203.0.113.10", undefined],
        ["203.0.113.0/24", undefined],
        ["0.0.0.0/0", undefined],
        ["10.1.2.3", "private (RFC 1918)"],
        ["172.20.0.0/16", "private (RFC 1918)"],
        ["192.168.1.1/32", "private (RFC 1918)"],
        ["172.32.0.1", undefined],
        ["2001:db8::1", "IPv4"],
        ["203.0.113.010", "leading zeros"],
        ["256.1.1.1", "0-255"],
        ["203.0.113.0/33", "prefix length"],
    ])("ipRules %s", (value, broken) => {
        const message = publicIpv4Cidr(value);
        if (broken === undefined) expect(message).toBeUndefined();
        else expect(message).toContain(broken);
    });

    test("a bare address is sent as /32, the form Key Vault stores", () => {
        expect(normalizedIpRule("203.0.113.10")).toBe("203.0.113.10/32");
        expect(normalizedIpRule("203.0.113.0/24")).toBe("203.0.113.0/24");
        expect(networkAcls({ ...deny, ipRules: ["203.0.113.10"], virtualNetworkRules: [SUBNET] })).toEqual({
            defaultAction: "Deny",
            bypass: "AzureServices",
            ipRules: [{ value: "203.0.113.10/32" }],
            // Lower case, as Key Vault stores it (a refresh reads back what was sent: no diff on the next run).
            virtualNetworkRules: [{ id: SUBNET.toLowerCase(), ignoreMissingVnetServiceEndpoint: false }],
        });
        expect(networkAcls(undefined)).toBeUndefined();
    });

    test("valid sections parse with their defaults", () => {
        const parsed = parseStackSettings(
            raw({
                network: { defaultAction: "Deny", ipRules: ["203.0.113.10"] },
                privateEndpoint: { subnetId: SUBNET, privateDnsZoneId: ZONE },
                diagnostics: { workspaceId: WORKSPACE },
            }),
        );
        expect(parsed.problems).toEqual([]);
        expect(parsed.settings?.keyVault).toMatchObject({
            network: {
                defaultAction: "Deny",
                bypass: "AzureServices",
                ipRules: ["203.0.113.10"],
                virtualNetworkRules: [],
            },
            privateEndpoint: { subnetId: SUBNET, privateDnsZoneId: ZONE },
            diagnostics: { workspaceId: WORKSPACE, metrics: true },
        });
    });

    test("each problem names the file, the key path and the rule", () => {
        expect(problems({ network: { ipRules: ["10.0.0.0/8"] } })).toEqual([
            expect.stringMatching(/^Pulumi\.dev\.yaml: aio-secrets:keyVault\.network\.ipRules\[0\] .*RFC 1918/),
        ]);
        expect(problems({ network: { defaultAction: "deny" } })[0]).toMatch(
            /aio-secrets:keyVault\.network\.defaultAction/,
        );
        expect(problems({ network: { virtualNetworkRules: ["snet"] } })[0]).toMatch(
            /keyVault\.network\.virtualNetworkRules\[0\].*ARM id of a subnet/,
        );
        expect(problems({ privateEndpoint: { subnetId: SUBNET } })[0]).toMatch(
            /keyVault\.privateEndpoint\.privateDnsZoneId/,
        );
        expect(
            problems({ privateEndpoint: { subnetId: SUBNET, privateDnsZoneId: ZONE.replace("vaultcore", "blob") } })[0],
        ).toMatch(/privatelink\.vaultcore\.azure\.net/);
        expect(problems({ diagnostics: {} })).toEqual([
            expect.stringContaining(
                "aio-secrets:keyVault.diagnostics: needs workspaceId (Log Analytics) or storageAccountId",
            ),
        ]);
        expect(problems({ diagnostics: { storageAccountId: WORKSPACE } })[0]).toMatch(/storage account/);
        expect(problems({ network: { toString: "x" } })[0]).toMatch(/keyVault\.network/);
        // The endpoint's resource group follows Azure's rules like the vault's (it goes into an ARM URL).
        expect(
            problems({ privateEndpoint: { subnetId: SUBNET, privateDnsZoneId: ZONE, resourceGroupName: "../rg" } }),
        ).toEqual([expect.stringContaining("aio-secrets:keyVault.privateEndpoint.resourceGroupName")]);
        expect(
            problems({ privateEndpoint: { subnetId: SUBNET, privateDnsZoneId: ZONE, resourceGroupName: "rg-net" } }),
        ).toEqual([]);
    });

    test("cross-field rules", () => {
        expect(
            vaultSecurityProblems("F", {
                ...base,
                publicNetworkAccess: "Disabled",
                network: { ...deny, ipRules: ["203.0.113.10"] },
            }).map(formatProblem),
        ).toEqual([expect.stringMatching(/^F: aio-secrets:keyVault\.network: .*publicNetworkAccess is Disabled/)]);
        expect(
            vaultSecurityProblems("F", { ...base, network: { ...deny, openReason: "lab" } }).map((p) => p.path),
        ).toEqual(["aio-secrets:keyVault.network.openReason"]);
        expect(
            vaultSecurityProblems("F", {
                ...base,
                network: { ...deny, ipRules: ["203.0.113.10", "203.0.113.10/32"] },
            }).map((p) => p.path),
        ).toEqual(["aio-secrets:keyVault.network.ipRules[1]"]);
        expect(
            vaultSecurityProblems("F", {
                ...base,
                network: { ...deny, virtualNetworkRules: [SUBNET, SUBNET.toUpperCase()] },
            }).map((p) => p.path),
        ).toEqual(["aio-secrets:keyVault.network.virtualNetworkRules[1]"]);
        expect(
            vaultSecurityProblems("F", { ...base, diagnostics: { storageAccountId: STORAGE, metrics: false } }),
        ).toEqual([]);
    });
});

describe("lock-out warnings", () => {
    const lockout = (keyVault: VaultSecurityInput, mode: keyof typeof MODES = "csiDriver", dataPlaneWrites = false) =>
        vaultLockoutWarnings({
            file: "F",
            vaultName: "kv",
            keyVault,
            reader: MODES[mode].vaultReader,
            dataPlaneWrites,
        });

    test("an open vault: nothing to warn about", () => {
        expect(openToAllNetworks(base)).toBe(true);
        expect(lockout(base, "csiDriver", true)).toEqual([]);
    });

    test("Deny with IP rules that together let in every address is open; it takes an openReason", () => {
        const every = { ...base, network: { ...deny, ipRules: ["0.0.0.0/1", "128.0.0.0/1"] } };
        expect(openToAllNetworks(every)).toBe(true);
        expect(ipRulesAdmitEveryAddress(["0.0.0.0/0"])).toBe(true);
        expect(ipRulesAdmitEveryAddress(["0.0.0.0/1", "128.0.0.0/2"])).toBe(false);
        expect(ipRulesAdmitEveryAddress(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"])).toBe(true);
        expect(openToAllNetworks({ ...base, network: { ...deny, ipRules: ["203.0.113.0/24"] } })).toBe(false);
        expect(openToAllNetworks({ ...every, publicNetworkAccess: "Disabled" })).toBe(false);
        expect(vaultSecurityProblems("F", { ...every, network: { ...every.network, openReason: "lab" } })).toEqual([]);
    });

    test("Deny without a rule or an endpoint locks the reader out: the warning names the mode's reader and the keys", () => {
        const [csi] = lockout({ ...base, network: deny });
        expect(csi).toContain("would lock out the cluster's reader: the CSI driver");
        expect(csi).toContain("keyVault.network.ipRules");
        expect(csi).toContain("keyVault.network.virtualNetworkRules");
        const [sync] = lockout({ ...base, network: deny }, "secretSync");
        expect(sync).toContain("the Secret Store extension");
        expect(sync).not.toEqual(csi);
    });

    test("a rule or an endpoint lets the reader in", () => {
        expect(lockout({ ...base, network: { ...deny, ipRules: ["203.0.113.10"] } })).toEqual([]);
        expect(lockout({ ...base, network: { ...deny, virtualNetworkRules: [SUBNET] } })).toEqual([]);
        expect(
            lockout({ ...base, network: deny, privateEndpoint: { subnetId: SUBNET, privateDnsZoneId: ZONE } }),
        ).toEqual([]);
    });

    test("public access off: only a private endpoint reaches the vault", () => {
        const [w] = lockout({ ...base, publicNetworkAccess: "Disabled" });
        expect(w).toContain("set aio-secrets:keyVault.privateEndpoint");
    });

    test("data-plane writers and an endpoint beside an open vault", () => {
        const warnings = lockout({ ...base, network: { ...deny, ipRules: ["203.0.113.10"] } }, "csiDriver", true);
        expect(warnings).toEqual([expect.stringContaining("source existing")]);
        expect(lockout({ ...base, privateEndpoint: { subnetId: SUBNET, privateDnsZoneId: ZONE } })).toEqual([
            expect.stringContaining("stays open to every network"),
        ]);
    });
});

describe("an existing vault's firewall is checked, never changed", () => {
    const network = { ...deny, ipRules: ["203.0.113.10"] };
    test("the same rules pass; a more open vault or a missing rule stops the run", () => {
        const found = {
            networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [{ value: "203.0.113.10/32" }] },
        };
        expect(existingNetworkProblem("F", "kv", network, found)).toBeUndefined();
        expect(existingNetworkProblem("F", "kv", undefined, {})).toBeUndefined();
        const open = existingNetworkProblem("F", "kv", network, {});
        expect(open?.path).toBe("aio-secrets:keyVault.network");
        expect(open?.rule).toContain("defaultAction is Allow, the settings say Deny");
        const extra = existingNetworkProblem("F", "kv", network, {
            networkAcls: {
                ...found.networkAcls,
                ipRules: [{ value: "203.0.113.10/32" }, { value: "198.51.100.0/24" }],
            },
        });
        expect(extra?.rule).toContain("it lets in 198.51.100.0/24");
    });

    test("an existing vault still public where the settings say publicNetworkAccess Disabled stops the run", () => {
        // The lock-out warnings take Disabled to mean only a private endpoint reaches the vault: hold the vault to it.
        const publicVault = existingNetworkProblem("F", "kv", undefined, {}, "Disabled");
        expect(publicVault?.path).toBe("aio-secrets:keyVault.network");
        expect(publicVault?.rule).toContain("publicNetworkAccess is Enabled, the settings say Disabled");
        const withRules = existingNetworkProblem(
            "F",
            "kv",
            { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
            { publicNetworkAccess: "Enabled", networkAcls: { defaultAction: "Deny" } },
            "Disabled",
        );
        expect(withRules?.rule).toContain("publicNetworkAccess is Enabled, the settings say Disabled");
        expect(existingNetworkProblem("F", "kv", undefined, { publicNetworkAccess: "Disabled" }, "Disabled")).toBe(
            undefined,
        );
        // Enabled (the default) asks nothing of the vault: a vault less open than that is its owner's choice.
        expect(existingNetworkProblem("F", "kv", undefined, { publicNetworkAccess: "Disabled" })).toBeUndefined();
    });

    test("a protected stack's existing vault: purge protection off, or open with no keyVault.network, is a warning", () => {
        const closed = { enablePurgeProtection: true, networkAcls: { defaultAction: "Deny" } };
        const on = { protect: true, network: undefined };
        expect(existingProtectionWarnings("F", "kv", on, closed)).toEqual([]);
        expect(existingProtectionWarnings("F", "kv", { ...on, protect: false }, {})).toEqual([]);
        const [purge] = existingProtectionWarnings("F", "kv", on, { ...closed, enablePurgeProtection: false });
        expect(purge).toContain("F: existing vault kv has purge protection off");
        expect(purge).toContain("az keyvault update --name kv --enable-purge-protection true");
        const [open] = existingProtectionWarnings("F", "kv", on, { enablePurgeProtection: true });
        expect(open).toContain("existing vault kv is open to every network");
        expect(
            existingProtectionWarnings("F", "kv", on, {
                enablePurgeProtection: true,
                networkAcls: { defaultAction: "Deny", ipRules: [{ value: "0.0.0.0/0" }] },
            }),
        ).toHaveLength(1);
        expect(
            existingProtectionWarnings("F", "kv", on, { enablePurgeProtection: true, publicNetworkAccess: "Disabled" }),
        ).toEqual([]);
        // With keyVault.network set, the lookup holds the vault to it (existingNetworkProblem): no warning.
        expect(
            existingProtectionWarnings("F", "kv", { ...on, network: deny }, { enablePurgeProtection: true }),
        ).toEqual([]);
    });

    test("prod (existing vault, protect): the lookup warns when the vault has purge protection off", async () => {
        const off = await runStack({ stack: "prod", mode: "up", existingVault: { enablePurgeProtection: false } });
        expect(off.error).toBeUndefined();
        expect(off.warnings).toContainEqual(
            expect.stringContaining("existing vault kv-aio-prod-01 has purge protection off"),
        );
        const on = await runStack({ stack: "prod", mode: "up" });
        expect(on.warnings.filter((w) => w.includes("purge protection off"))).toEqual([]);
    });

    test("the program stops before any grant when the existing vault is open", async () => {
        const run = await runStack({
            stack: "prod",
            mode: "up",
            existingVault: { network: { networkAcls: { defaultAction: "Allow" } } },
        });
        expect(run.error).toContain("aio-secrets:keyVault.network");
        expect(run.error).toContain("existing vault kv-aio-prod-01 is not as the settings say");
        expect(byType(run, "azure-native:keyvault:AccessPolicy")).toEqual([]);
    });
});

const PRODUCTION_VAULT = {
    name: "kv-aio-dev-01",
    resourceGroupName: "rg-aio-dev",
    network: { defaultAction: "Deny", ipRules: ["203.0.113.10"] },
    privateEndpoint: { subnetId: SUBNET, privateDnsZoneId: ZONE },
    diagnostics: { workspaceId: WORKSPACE },
};

describe("the program", () => {
    let run: RunResult;
    beforeAll(async () => {
        run = await runStack({
            stack: "dev",
            mode: "up",
            configOverrides: { "aio-secrets:keyVault": JSON.stringify(PRODUCTION_VAULT) },
        });
    });

    test("Deny with one IP rule reaches the vault's networkAcls", () => {
        expect(run.error).toBeUndefined();
        const vault = byName(run, "keyvault-vault");
        expect(vault.inputs.properties).toMatchObject({
            publicNetworkAccess: "Enabled",
            networkAcls: {
                defaultAction: "Deny",
                bypass: "AzureServices",
                ipRules: [{ value: "203.0.113.10/32" }],
                virtualNetworkRules: [],
            },
        });
    });

    test("a private endpoint for the vault group, after the vault, with its DNS zone group", () => {
        const vault = byName(run, "keyvault-vault");
        const endpoint = byName(run, "keyvault-pe");
        expect(endpoint.type).toBe("azure-native:network:PrivateEndpoint");
        expect(endpoint.parent).toBe(vault.parent);
        expect(endpoint.inputs).toMatchObject({
            privateEndpointName: "pe-kv-aio-dev-01",
            resourceGroupName: "rg-aio-dev",
            subnet: { id: SUBNET },
            privateLinkServiceConnections: [
                {
                    groupIds: ["vault"],
                    privateLinkServiceId: expect.stringMatching(
                        /\/providers\/Microsoft\.KeyVault\/vaults\/kv-aio-dev-01$/,
                    ),
                },
            ],
        });
        // Ordered after the vault: the endpoint's input is the vault's output.
        expect(endpoint.dependsOn ?? []).toContain(vault.urn);
        const zoneGroup = byName(run, "keyvault-pe-dns");
        expect(zoneGroup.inputs).toMatchObject({
            privateEndpointName: "pe-kv-aio-dev-01",
            privateDnsZoneConfigs: [{ privateDnsZoneId: ZONE }],
        });
        expect(zoneGroup.dependsOn ?? []).toContain(endpoint.urn);
    });

    test("the endpoint takes the vault's region, or privateEndpoint.location (the subnet's region)", async () => {
        expect(byName(run, "keyvault-pe").inputs.location).toBe(byName(run, "keyvault-vault").inputs.location);
        const elsewhere = await runStack({
            stack: "dev",
            configOverrides: {
                "aio-secrets:keyVault": JSON.stringify({
                    ...PRODUCTION_VAULT,
                    privateEndpoint: { ...PRODUCTION_VAULT.privateEndpoint, location: "northeurope" },
                }),
            },
        });
        expect(elsewhere.error).toBeUndefined();
        expect(byName(elsewhere, "keyvault-pe").inputs.location).toBe("northeurope");
        const bad = await runStack({
            stack: "dev",
            configOverrides: {
                "aio-secrets:keyVault": JSON.stringify({
                    ...PRODUCTION_VAULT,
                    privateEndpoint: { ...PRODUCTION_VAULT.privateEndpoint, location: "North Europe" },
                }),
            },
        });
        expect(bad.error).toMatch(/aio-secrets:keyVault\.privateEndpoint\.location.*Azure region name/);
    });

    test("a diagnostic setting with AuditEvent and AllMetrics on the vault", () => {
        const setting = byName(run, "keyvault-diagnostics");
        expect(setting.type).toBe("azure-native:monitor:DiagnosticSetting");
        expect(setting.inputs).toMatchObject({
            name: "aio-secrets-audit",
            workspaceId: WORKSPACE,
            resourceUri: expect.stringMatching(/\/vaults\/kv-aio-dev-01$/),
            logs: [{ category: "AuditEvent", enabled: true }],
            metrics: [{ category: "AllMetrics", enabled: true }],
        });
        expect(sendsAuditLog(setting.inputs)).toBe(true);
    });

    test("retention is written out as Azure stores it (days 0, off), so a refresh finds no change; metrics off is sent, not left out", async () => {
        const off = { days: 0, enabled: false };
        const setting = byName(run, "keyvault-diagnostics");
        expect(setting.inputs.logs).toEqual([{ category: "AuditEvent", enabled: true, retentionPolicy: off }]);
        expect(setting.inputs.metrics).toEqual([{ category: "AllMetrics", enabled: true, retentionPolicy: off }]);
        const noMetrics = await runStack({
            stack: "dev",
            configOverrides: {
                "aio-secrets:keyVault": JSON.stringify({
                    ...PRODUCTION_VAULT,
                    diagnostics: { workspaceId: WORKSPACE, metrics: false },
                }),
            },
        });
        expect(byName(noMetrics, "keyvault-diagnostics").inputs.metrics).toEqual([
            { category: "AllMetrics", enabled: false, retentionPolicy: off },
        ]);
    });

    test("an existing vault gets the diagnostic setting and the endpoint too", async () => {
        const prod = await runStack({ stack: "prod", mode: "up" });
        expect(prod.error).toBeUndefined();
        expect(byType(prod, "azure-native:keyvault:Vault")).toEqual([]);
        expect(byName(prod, "keyvault-diagnostics").inputs.resourceUri).toMatch(/\/vaults\/kv-aio-prod-01$/);
        expect(byName(prod, "keyvault-pe").inputs).toMatchObject({
            subnet: { id: expect.stringContaining("/subnets/") },
        });
    });

    test("the plan warns when Deny would lock the cluster's reader out", async () => {
        const locked = await runStack({
            stack: "dev",
            mode: "up",
            configOverrides: {
                "aio-secrets:keyVault": JSON.stringify({
                    ...PRODUCTION_VAULT,
                    network: { defaultAction: "Deny" },
                    privateEndpoint: undefined,
                }),
            },
        });
        expect(locked.warnings).toContainEqual(
            expect.stringContaining("would lock out the cluster's reader: the CSI driver"),
        );
        expect(run.warnings.filter((w) => w.includes("lock out"))).toEqual([]);
    });
});

describe("access", () => {
    test("dev: the reader and the deployer with their rights and the secrets they reach", async () => {
        const dev = await runStack({ stack: "dev", mode: "preview" });
        const report = accessReport(dev);
        expect(report.permissionModel).toBe("accessPolicy");
        expect(report.principals.map((p) => [p.source, p.rights])).toEqual([
            ["reader", ["secrets: get, list"]],
            ["deployer", ["secrets: get, list, set, delete, recover"]],
        ]);
        for (const p of report.principals) {
            expect(Object.keys(p)).toEqual(expect.arrayContaining(["objectId", "type", "source", "rights", "secrets"]));
            expect(p.secrets).toContain("secret/mq-password");
        }
        expect(accessText(report)).toContain("reader (known after up) (ServicePrincipal, grant reader)");
        // Access policies are vault-wide: the rights reach objects the plan does not know too.
        expect(report.principals.map((p) => p.objectTypes)).toEqual([["secret"], ["secret"]]);
        expect(accessText(report)).toContain("reaches: every secret in the vault; the plan's: secret/");
    });

    test("RBAC: roles, principal types, and the object types a role reaches", async () => {
        const staging = await runStack({ stack: "staging", mode: "preview" });
        const report = accessReport(staging);
        expect(report.permissionModel).toBe("rbac");
        const group = report.principals.find((p) => p.objectId === "88888888-9999-aaaa-bbbb-cccccccccccc");
        expect(group).toMatchObject({ source: "deployer", type: "Group", rights: ["Key Vault Secrets Officer"] });
        const ga = accessReport(await runStack({ stack: "ga", mode: "preview" }));
        const reader = ga.principals.find((p) => p.source === "reader");
        expect(reader?.rights).toEqual(["Key Vault Secrets User", "Key Vault Reader"]);
        expect(reader?.objectTypes).toEqual(["secret"]); // roles scoped to the vault: every secret in it
        expect(fleetAccessText([report, ga]).split("\n")).toHaveLength(4);
    });

    test("the deployers' types come from aio-secrets:deployers, looked up as own properties", () => {
        const types = deployerTypes({
            "aio-secrets:deployers": JSON.stringify([{ objectId: "AB", type: "User" }, { objectId: 1 }, null]),
        });
        expect([...types]).toEqual([["ab", "User"]]);
        expect([...deployerTypes(Object.create({ "aio-secrets:deployers": "[]" }) as Record<string, string>)]).toEqual(
            [],
        );
        expect([...deployerTypes({ "aio-secrets:deployers": "not json" })]).toEqual([]);
    });
});

// ---------------------------------------------------------------------------------------------
// The policies

function policyResource(
    r: RecordedResource,
    all: RecordedResource[],
    seen = new Map<string, PolicyResource>(),
): PolicyResource {
    const existing = seen.get(r.urn);
    if (existing) return existing;
    const parentRecord = all.find((x) => x.urn === r.parent);
    const resource = {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.inputs,
        parent: parentRecord ? policyResource(parentRecord, all, seen) : undefined,
    } as unknown as PolicyResource;
    seen.set(r.urn, resource);
    return resource;
}

function validateStack(policy: StackValidationPolicy, resources: RecordedResource[], config: object = {}): string[] {
    const violations: string[] = [];
    const args = {
        resources: resources.map((r) => policyResource(r, resources)),
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (): never => {
            throw new Error("not applicable");
        },
    } as unknown as StackValidationArgs;
    void policy.validateStack(args, (message) => violations.push(message));
    return violations;
}

describe("vault-audit-diagnostics-in-protected-environments", () => {
    test("is the pack's stack policy", () => {
        expect(stackPolicies).toEqual([vaultAuditDiagnostics]);
        expect(vaultAuditDiagnostics.enforcementLevel).toBe("mandatory");
    });

    test("prod passes with diagnostics, and fails without them", async () => {
        const prod = await runStack({ stack: "prod", mode: "up" });
        expect(validateStack(vaultAuditDiagnostics, prod.resources)).toEqual([]);
        const withoutDiagnostics = prod.resources.filter((r) => r.type !== "azure-native:monitor:DiagnosticSetting");
        expect(validateStack(vaultAuditDiagnostics, withoutDiagnostics)).toEqual([
            expect.stringMatching(
                /^keyvault: the vault of a stack in protected environment "prod" has no diagnostic setting/,
            ),
        ]);
        // A setting that is off, or sends nowhere, is no audit log.
        const off = prod.resources.map((r) =>
            r.type === "azure-native:monitor:DiagnosticSetting"
                ? { ...r, inputs: { ...r.inputs, logs: [{ category: "AuditEvent", enabled: false }] } }
                : r,
        );
        expect(validateStack(vaultAuditDiagnostics, off)).toHaveLength(1);
    });

    test("prod with a vault the stack creates, without diagnostics, fails; an unprotected stack passes", async () => {
        const created = await runStack({
            stack: "prod",
            mode: "up",
            configOverrides: {
                "aio-secrets:keyVault": JSON.stringify({
                    name: "kv-aio-prod-01",
                    resourceGroupName: "rg-aio-prod",
                    network: { defaultAction: "Deny", ipRules: ["203.0.113.10"] },
                }),
            },
        });
        expect(created.error).toBeUndefined();
        expect(validateStack(vaultAuditDiagnostics, created.resources)).toHaveLength(1);
        const dev = await runStack({ stack: "dev", mode: "up" });
        expect(validateStack(vaultAuditDiagnostics, dev.resources)).toEqual([]);
        expect(validateStack(vaultAuditDiagnostics, dev.resources, { protectedEnvironments: ["dev"] })).toHaveLength(1);
    });

    test("category group audit or allLogs counts; a destination is needed", () => {
        expect(sendsAuditLog({ workspaceId: WORKSPACE, logs: [{ categoryGroup: "audit", enabled: true }] })).toBe(true);
        expect(sendsAuditLog({ storageAccountId: STORAGE, logs: [{ categoryGroup: "allLogs", enabled: true }] })).toBe(
            true,
        );
        expect(sendsAuditLog({ logs: [{ category: "AuditEvent", enabled: true }] })).toBe(false);
        expect(
            sendsAuditLog({
                workspaceId: WORKSPACE,
                logs: [{ category: "AzurePolicyEvaluationDetails", enabled: true }],
            }),
        ).toBe(false);
    });
});

describe("vault-network-restricted-in-protected-environments", () => {
    const check = (props: Record<string, unknown>, config: object = {}) => {
        const violations: string[] = [];
        const validate = vaultNetworkRestricted.validateResource;
        const fn = Array.isArray(validate) ? validate[0] : validate;
        if (!fn) throw new Error("no validateResource");
        void fn(
            {
                type: "azure-native:keyvault:Vault",
                name: "keyvault-vault",
                urn: "urn",
                props,
                getConfig: <T extends object>() => config as T,
                isType: () => true,
                asType: () => props,
                notApplicable: () => {
                    throw new Error("not applicable");
                },
            } as never,
            (m: string) => violations.push(m),
        );
        return violations;
    };
    const prodVault = (properties: Record<string, unknown>, tags: Record<string, string> = {}) => ({
        vaultName: "kv",
        tags: { "aio-secrets-environment": "prod", ...tags },
        properties: { enablePurgeProtection: true, ...properties },
    });

    test("an open prod vault fails; Deny, public access off or a stated reason pass; other environments pass", () => {
        expect(check(prodVault({ publicNetworkAccess: "Enabled" }))).toEqual([
            expect.stringContaining('vault "kv" (environment "prod" is protected) is open to every network'),
        ]);
        expect(check(prodVault({ networkAcls: { defaultAction: "Deny" } }))).toEqual([]);
        expect(check(prodVault({ publicNetworkAccess: "Disabled" }))).toEqual([]);
        expect(check(prodVault({}, { "aio-secrets-open-network-reason": "lab site without NAT" }))).toEqual([]);
        expect(check(prodVault({}, { "aio-secrets-open-network-reason": " " }))).toHaveLength(1);
        expect(check({ ...prodVault({}), tags: { "aio-secrets-environment": "dev" } })).toEqual([]);
    });

    test("a Deny whose IP rules let in every address is open to every network", () => {
        const acls = (...values: string[]) => ({
            networkAcls: { defaultAction: "Deny", ipRules: values.map((value) => ({ value })) },
        });
        expect(check(prodVault(acls("0.0.0.0/0")))).toEqual([
            expect.stringContaining(`"Deny" with IP rules that let in every address`),
        ]);
        expect(check(prodVault(acls("128.0.0.0/1", "0.0.0.0/1")))).toHaveLength(1);
        expect(check(prodVault(acls("0.0.0.0/1", "203.0.113.10/32")))).toEqual([]);
        expect(check(prodVault(acls("0.0.0.0/0"), { "aio-secrets-open-network-reason": "lab" }))).toEqual([]);
        expect(check(prodVault({ ...acls("0.0.0.0/0"), publicNetworkAccess: "Disabled" }))).toEqual([]);
    });

    test("openReason reaches the vault's tag", async () => {
        const run = await runStack({
            stack: "dev",
            mode: "up",
            configOverrides: {
                "aio-secrets:keyVault": JSON.stringify({
                    name: "kv-aio-dev-01",
                    resourceGroupName: "rg-aio-dev",
                    network: { openReason: "lab site, no static egress" },
                }),
            },
        });
        expect(byName(run, "keyvault-vault").inputs.tags).toMatchObject({
            "aio-secrets-open-network-reason": "lab site, no static egress",
        });
    });
});

describe("a fleet shares the network rules through an ESC environment", () => {
    test("the environment's defaultAction and bypass, the site's own egress address", async () => {
        const dir = scratch({
            "Pulumi.yaml":
                "name: aio-secrets\nruntime: nodejs\nconfig:\n  azure-native:location: westeurope\n  aio-secrets:tenantId: 0f0e0d0c-0b0a-4909-8807-060504030201\n",
            "environments/aio-secrets/edge.yaml":
                "values:\n  pulumiConfig:\n    aio-secrets:environment: prod\n    aio-secrets:keyVault:\n      network: { defaultAction: Deny, bypass: None }\n      diagnostics: { workspaceId: " +
                WORKSPACE +
                " }\n",
            "Pulumi.site-1.yaml":
                "environment: [aio-secrets/edge]\nconfig:\n  aio-secrets:keyVault:\n    name: kv-site-1\n    resourceGroupName: rg-site-1\n    network: { ipRules: [198.51.100.7] }\n",
            "secrets.yaml":
                "secretProviderClasses: {}\nsecrets:\n  - { name: api-token, source: generated, spcs: [aio-default-spc] }\n",
        });
        const run = await runStack({
            stack: "site-1",
            stackFile: path.join(dir, "Pulumi.site-1.yaml"),
            configDir: dir,
            catalogFile: path.join(dir, "secrets.yaml"),
            mode: "up",
        });
        expect(run.error).toBeUndefined();
        expect(byName(run, "keyvault-vault").inputs.properties).toMatchObject({
            networkAcls: { defaultAction: "Deny", bypass: "None", ipRules: [{ value: "198.51.100.7/32" }] },
        });
        expect(byName(run, "keyvault-diagnostics").inputs.workspaceId).toBe(WORKSPACE);
    });
});

describe("the access command", () => {
    const bin = path.join(PROJECT_DIR, "tools", "aio-secrets.cjs");
    test("aio-secrets access --stack dev --json pipes the report; a bad flag is one line and the hint", () => {
        const ok = spawnSync(process.execPath, [bin, "access", "--stack", "dev", "--json"], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
            timeout: 60000,
        });
        expect(ok.status).toBe(0);
        const report = JSON.parse(ok.stdout) as { principals: { source: string; rights: string[]; who?: string }[] };
        expect(report.principals.map((p) => p.source)).toEqual(["reader", "deployer"]);
        expect(report.principals[1].who).toContain("the identity running pulumi up");
        const bad = spawnSync(process.execPath, [bin, "access", "--stack", "dev", "--bogus"], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
            timeout: 60000,
        });
        expect(bad.status).toBe(2);
        expect(bad.stderr.trim().split("\n")).toEqual([
            expect.stringContaining("aio-secrets access: Unknown option '--bogus'"),
            "Run 'npx aio-secrets access --help' for the flags.",
        ]);
        const neither = spawnSync(process.execPath, [bin, "access"], { cwd: PROJECT_DIR, encoding: "utf8" });
        expect(neither.status).toBe(2);
        expect(neither.stderr).toContain("give --stack <name> or --all");
    });
});

describe("vault-audit-diagnostics-in-protected-environments without component resources", () => {
    test("a created vault still needs its diagnostic setting beside it", async () => {
        const created = await runStack({
            stack: "prod",
            mode: "up",
            configOverrides: {
                "aio-secrets:keyVault": JSON.stringify({
                    name: "kv-aio-prod-01",
                    resourceGroupName: "rg-aio-prod",
                    network: { defaultAction: "Deny", ipRules: ["203.0.113.10"] },
                    diagnostics: { workspaceId: WORKSPACE },
                }),
            },
        });
        const customOnly = created.resources.filter((r) => r.custom);
        expect(validateStack(vaultAuditDiagnostics, customOnly)).toEqual([]);
        const without = customOnly.filter((r) => r.type !== "azure-native:monitor:DiagnosticSetting");
        expect(validateStack(vaultAuditDiagnostics, without)).toEqual([
            expect.stringMatching(/^keyvault-vault: the vault of a stack in protected environment "prod"/),
        ]);
    });
});

describe("the rights the new resources need (--permissions)", () => {
    test("prod: diagnostic settings, the endpoint, joining the subnet and the zone, approving the connection", async () => {
        const { permissionNeeds } = await import("../tools/permissions");
        const prod = await runStack({ stack: "prod", mode: "preview" });
        const needs = permissionNeeds(prod, ["kv-aio-prod-01"]);
        const line = (type: string) => needs.azure.find((n) => n.resourceType === type);
        expect(line("Microsoft.Insights/diagnosticSettings")).toMatchObject({
            operations: ["read", "write", "delete"],
            resources: ["keyvault-diagnostics"],
        });
        expect(line("Microsoft.Network/virtualNetworks/subnets/join")?.operations).toEqual(["action"]);
        expect(line("Microsoft.Network/privateDnsZones/join")?.operations).toEqual(["action"]);
        expect(line("Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval")?.role).toContain(
            "Key Vault Contributor",
        );
        // The lookup's read keeps its own role line.
        expect(line("Microsoft.KeyVault/vaults")).toMatchObject({ operations: ["read"] });
        expect(needs.unknownTypes).toEqual([]);
    });
});

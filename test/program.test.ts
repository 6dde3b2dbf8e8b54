import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { inputAt, MOCK_CLOCK, RunResult } from "../tools/harness";
import { addDays } from "../model/expiry";
import { projectSources, readStackConfig } from "../tools/stackfile";
import { byName, byType, PROJECT_DIR, runStack, scratch, stackNames } from "./helpers";

/** The stack file's `aio-secrets:delivery` (default csiDriver). */
function deliveryOf(stack: string): string {
    const file = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
    };
    return String(file.config["aio-secrets:delivery"] ?? "csiDriver");
}

/** A secret-sync stack: the GA objects, nothing of the CSI flow. */
function expectSecretSyncObjects(run: RunResult): void {
    expect(run.error).toBeUndefined();
    // The stack's own SPC, plus opc-ua-connector when the catalog has OPC UA certificates (issue 18).
    const spcs = byType(run, "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass");
    expect(spcs.filter((r) => r.name === "secret-sync-spc")).toHaveLength(1);
    expect(spcs.filter((r) => r.name !== "secret-sync-spc").map((r) => r.name)).toEqual(expect.arrayContaining([]));
    for (const r of spcs) expect(["secret-sync-spc", "secret-sync-spc-opc-ua-connector"]).toContain(r.name);
    expect(byType(run, "azure-native:secretsynccontroller:SecretSync").length).toBeGreaterThan(0);
    expect(byType(run, "azure-native:managedidentity:FederatedIdentityCredential").length).toBeGreaterThan(0);
    // AIO GA installed the Secret Store extension: checked, never declared by default (issue 17 item 3).
    expect(byType(run, "azure-native:kubernetesconfiguration:Extension")).toEqual([]);
    // No Entra app, no password, no aio-akv-sp, no Kubernetes provider or object.
    expect(
        run.resources.filter(
            (r) =>
                r.type.startsWith("azuread:") ||
                r.type.startsWith("kubernetes:") ||
                r.type === "pulumi:providers:kubernetes",
        ),
    ).toEqual([]);
}

/** A CSI stack: init's objects. */
function expectInitObjects(run: RunResult): void {
    expect(run.error).toBeUndefined();
    const spcs = byType(run, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass").map((r) =>
        inputAt(r.inputs, "metadata.name"),
    );
    expect(spcs).toEqual(
        expect.arrayContaining([
            "aio-default-spc",
            "aio-opc-ua-broker-client-certificate",
            "aio-opc-ua-broker-user-authentication",
            "aio-opc-ua-broker-trust-list",
            "aio-opc-ua-broker-issuer-list",
        ]),
    );
    // aio-akv-sp, and init's test CA key pair where the stack makes the test CA (ca.mode test).
    const secrets = byType(run, "kubernetes:core/v1:Secret").map((r) => inputAt(r.inputs, "metadata.name"));
    expect(secrets.sort()).toEqual(
        run.outputs.caMode === "test" ? ["aio-akv-sp", "aio-ca-key-pair-test-only"] : ["aio-akv-sp"],
    );
    expect(byType(run, "kubernetes:core/v1:Namespace")[0].retainOnDelete).toBe(true);
}

/** The whole program, run for every stack settings file of the project. */
describe.each(stackNames())("stack %s", (stack) => {
    let run: Awaited<ReturnType<typeof runStack>>;
    beforeAll(async () => {
        run = await runStack({ stack, mode: "up" });
    });

    const secretSync = deliveryOf(stack) === "secretSync";

    const declaresItsMode = secretSync
        ? "runs without error and declares the secret-sync objects, nothing of the CSI flow"
        : "runs without error and declares the init objects";
    test(declaresItsMode, () => (secretSync ? expectSecretSyncObjects(run) : expectInitObjects(run)));

    test("environment output matches the stack file (or the ESC environment it imports)", () => {
        const file = `Pulumi.${stack}.yaml`;
        const { config } = readStackConfig(
            fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"),
            file,
            "aio-secrets",
            {},
            projectSources(PROJECT_DIR, "aio-secrets"),
        );
        expect(run.outputs.environment).toBe(config["aio-secrets:environment"] ?? stack);
    });

    test("every child is named after its component and parented to it", () => {
        const components = new Map(run.resources.filter((r) => !r.custom).map((r) => [r.urn, r.name]));
        for (const r of run.resources.filter((x) => x.parent)) {
            const parentName = components.get(r.parent!);
            expect(parentName).toBeDefined();
            expect(r.name.startsWith(`${parentName}-`)).toBe(true);
        }
        const urns = run.resources.map((r) => r.urn);
        expect(new Set(urns).size).toBe(urns.length);
    });

    test("vault secrets are kept in the vault when removed from the catalog", () => {
        for (const s of byType(run, "azure-native:keyvault:Secret")) expect(s.retainOnDelete).toBe(true);
    });
});

describe("settings decide the shape", () => {
    test("an existing vault is looked up, never declared; bring-your-own SP declares no Graph resources", async () => {
        const run = await runStack({ stack: "prod", mode: "up" });
        expect(run.error).toBeUndefined();
        expect(byType(run, "azure-native:keyvault:Vault")).toHaveLength(0);
        expect(run.resources.filter((r) => r.type.startsWith("azuread:"))).toHaveLength(0);
        expect(run.outputs.vaultUri).toBe("https://kv-aio-prod-01.vault.azure.net/");
        expect(run.outputs.servicePrincipalClientId).toBe("22222222-3333-4444-5555-666666666666");
    });

    test("prod is protected: protect on every vault secret", async () => {
        const run = await runStack({ stack: "prod", mode: "up" });
        const secrets = byType(run, "azure-native:keyvault:Secret");
        expect(secrets.length).toBeGreaterThan(0);
        for (const s of secrets) expect(s.protect).toBe(true);
    });

    test("a created vault follows the settings and has no inline access policies", async () => {
        const run = await runStack({ stack: "dev", mode: "up" });
        const vault = byName(run, "keyvault-vault");
        expect(inputAt(vault.inputs, "properties.sku.name")).toBe("standard");
        expect(inputAt(vault.inputs, "properties.softDeleteRetentionInDays")).toBe(7);
        expect(inputAt(vault.inputs, "properties.enableRbacAuthorization")).toBe(false);
        expect(inputAt(vault.inputs, "properties.accessPolicies")).toBeUndefined();
        expect(inputAt(vault.inputs, "properties.tenantId")).toBe("11111111-2222-3333-4444-555555555555");
        expect(byName(run, "keyvault-rg")).toBeDefined();
    });

    test("the password end date is derived from the rotation clock, not the time of the run", async () => {
        const a = await runStack({ stack: "dev", mode: "up" });
        await new Promise((r) => setTimeout(r, 1100));
        const b = await runStack({ stack: "dev", mode: "up" });
        const end = (run: typeof a, slot: string) =>
            inputAt(byName(run, `identity-password-${slot}`).inputs, "endDate");
        expect(end(a, "a")).toBe(addDays(MOCK_CLOCK, 365)); // mock rotation base (today) + 365 days
        expect(end(a, "b")).toBe(addDays(MOCK_CLOCK, 180 + 365)); // slot b's base: half a rotation period (360 days) later
        expect(end(b, "a")).toBe(end(a, "a"));
        expect(end(b, "b")).toBe(end(a, "b"));
        // Slot b holds the newest password; slot a's stays valid through the overlap.
        expect(a.outputs.passwordExpiresAt).toBe(addDays(MOCK_CLOCK, 180 + 365));
        expect(a.outputs.previousPasswordExpiresAt).toBe(addDays(MOCK_CLOCK, 365));
        expect(inputAt(byName(a, "identity-password-a").inputs, "applicationId")).toMatch(/^\/applications\//);
    });

    test("RBAC mode assigns vault-scoped roles instead of access policies", async () => {
        const run = await runStack({ stack: "staging", mode: "up" });
        expect(byType(run, "azure-native:keyvault:AccessPolicy")).toHaveLength(0);
        const roles = byType(run, "azure-native:authorization:RoleAssignment");
        expect(roles.map((r) => r.name).sort()).toEqual([
            "access-reader-secretsUser",
            "access-writer-77777777-8888-9999-aaaa-bbbbbbbbbbbb-secretsOfficer",
            "access-writer-88888888-9999-aaaa-bbbb-cccccccccccc-secretsOfficer",
        ]);
        // Exactly the vault's ARM id (as the mock cloud assigns it), nothing wider.
        const vaultId = `/subscriptions/00000000-0000-0000-0000-0000000000cc/resourceGroups/rg-aio-staging/providers/Microsoft.KeyVault/vaults/kv-aio-staging-01`;
        for (const r of roles) expect(inputAt(r.inputs, "scope")).toBe(vaultId);
        expect(String(inputAt(roles[0].inputs, "roleDefinitionId"))).toContain(
            "/providers/Microsoft.Authorization/roleDefinitions/",
        );
    });

    test("without Arc settings no extension is declared", async () => {
        const dir = scratch({
            "Pulumi.min.yaml": `config:\n  azure-native:location: westeurope\n  aio-secrets:keyVault:\n    name: kv-min-01\n    resourceGroupName: rg\n`,
            "secrets.yaml": "secrets: []\n",
        });
        const run = await runStack({
            stack: "min",
            stackFile: path.join(dir, "Pulumi.min.yaml"),
            catalogFile: path.join(dir, "secrets.yaml"),
            mode: "up",
        });
        expect(run.error).toBeUndefined();
        expect(byType(run, "azure-native:kubernetesconfiguration:Extension")).toHaveLength(0);
        expect(run.outputs.environment).toBe("min");
    });

    test("bad input fails before any resource is declared", async () => {
        const dir = scratch({
            "Pulumi.bad.yaml": `config:\n  aio-secrets:keyVault:\n    name: kv--x\n    resourceGroupName: rg\n`,
        });
        const run = await runStack({ stack: "bad", stackFile: path.join(dir, "Pulumi.bad.yaml") });
        expect(run.error).toContain('Pulumi.bad.yaml: aio-secrets:keyVault.name "kv--x": no consecutive hyphens');
        expect(run.resources).toHaveLength(0);
    });
});

test("the default stacks exist", () => {
    expect(stackNames()).toEqual(expect.arrayContaining(["dev", "staging", "prod"]));
    expect(fs.existsSync(path.join(PROJECT_DIR, "stacks", "secrets.yaml"))).toBe(true);
});

/** Least privilege, per stack: exactly what the catalog mounts, never purge, never wider than the vault. */
describe.each(stackNames())("least privilege in stack %s", (stack) => {
    let run: Awaited<ReturnType<typeof runStack>>;
    beforeAll(async () => {
        run = await runStack({ stack, mode: "up" });
    });

    test("the reader reads exactly the object types the stack's SPCs mount (or sync)", () => {
        const secretSync = deliveryOf(stack) === "secretSync";
        const objects = secretSync
            ? byType(run, "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass").map((r) =>
                  String(inputAt(r.inputs, "objects")),
              )
            : byType(run, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass").map((r) =>
                  String(inputAt(r.inputs, "spec.parameters.objects")),
              );
        const mounts = (type: string) => objects.some((o) => o.includes(`objectType: ${type}`));
        const policies = byType(run, "azure-native:keyvault:AccessPolicy");
        const roles = byType(run, "azure-native:authorization:RoleAssignment");
        if (![...policies, ...roles].some((r) => r.name.startsWith("access-reader"))) {
            // Only an adopted cluster leaves the SP's access as init granted it (keyVault.grantReader).
            expect(stack).toBe("adopt");
            return;
        }
        if (policies.length > 0) {
            expect(roles).toHaveLength(0);
            expect(inputAt(byName(run, "access-reader").inputs, "policy.permissions")).toEqual({
                secrets: ["get", "list"],
                keys: mounts("key") ? ["get"] : [],
                certificates: mounts("cert") ? ["get"] : [],
                storage: [],
            });
        } else {
            const reader = roles
                .filter((r) => r.name.startsWith("access-reader-"))
                .map((r) => r.name)
                .sort();
            // Secret sync's identity also gets Key Vault Reader, as `az iot ops secretsync enable` grants.
            const expected = secretSync
                ? ["access-reader-secretsUser", "access-reader-vaultReader"]
                : ["access-reader-secretsUser"];
            if (mounts("cert")) expected.push("access-reader-certificateUser");
            if (mounts("key")) expected.push("access-reader-cryptoUser");
            expect(reader).toEqual(expected.sort());
        }
    });

    test("nobody is granted purge", () => {
        for (const p of byType(run, "azure-native:keyvault:AccessPolicy")) {
            const permissions = inputAt(p.inputs, "policy.permissions") as Record<string, string[]>;
            for (const list of Object.values(permissions)) expect(list).not.toContain("purge");
        }
    });

    test("role assignments are scoped to the vault, never a group or subscription", () => {
        for (const r of byType(run, "azure-native:authorization:RoleAssignment")) {
            expect(String(inputAt(r.inputs, "scope"))).toMatch(
                /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/,
            );
        }
    });

    test("days to expiry is exported for a created password, and only then", () => {
        if (run.resources.some((r) => r.type === "azuread:index/applicationPassword:ApplicationPassword")) {
            expect(typeof run.outputs.passwordDaysToExpiry).toBe("number");
        } else {
            expect(run.outputs.passwordDaysToExpiry).toBeUndefined();
        }
    });
});

test("a protected environment protects a created vault and every vault secret, and refuses purge protection off", async () => {
    const stack = `config:
  azure-native:location: westeurope
  aio-secrets:environment: prod
  aio-secrets:keyVault: { name: kv-prot-01, resourceGroupName: rg, createResourceGroup: true }
`;
    const dir = scratch({
        "Pulumi.prot.yaml": stack,
        "secrets.yaml": "secrets:\n  - { name: tok, source: generated }\n",
    });
    const run = await runStack({
        stack: "prot",
        stackFile: path.join(dir, "Pulumi.prot.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        mode: "up",
    });
    expect(run.error).toBeUndefined();
    expect(byName(run, "keyvault-vault").protect).toBe(true);
    expect(byName(run, "keyvault-rg").protect).toBe(true);
    for (const s of byType(run, "azure-native:keyvault:Secret")) expect(s.protect).toBe(true);

    const off = scratch({
        "Pulumi.prot.yaml": stack.replace("createResourceGroup: true", "purgeProtection: false"),
        "secrets.yaml": "secrets: []\n",
    });
    const refused = await runStack({
        stack: "prot",
        stackFile: path.join(off, "Pulumi.prot.yaml"),
        catalogFile: path.join(off, "secrets.yaml"),
    });
    expect(refused.error).toContain(
        "aio-secrets:keyVault.purgeProtection false: must be true in a protected environment",
    );
    expect(refused.resources).toHaveLength(0);

    const unprotected = scratch({
        "Pulumi.dev2.yaml": stack.replace("environment: prod", "environment: dev"),
        "secrets.yaml": "secrets: []\n",
    });
    const dev = await runStack({
        stack: "dev2",
        stackFile: path.join(unprotected, "Pulumi.dev2.yaml"),
        catalogFile: path.join(unprotected, "secrets.yaml"),
        mode: "up",
    });
    expect(byName(dev, "keyvault-vault").protect).toBe(false);
});

test("two plans of the same inputs are byte-identical (--json)", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { planJson } = require("../tools/planRender") as typeof import("../tools/planRender");
    for (const stack of stackNames()) {
        const a = JSON.stringify(planJson(await runStack({ stack })), null, 2);
        const b = JSON.stringify(planJson(await runStack({ stack })), null, 2);
        expect(b).toBe(a);
        expect(a.length).toBeGreaterThan(1000);
    }
});

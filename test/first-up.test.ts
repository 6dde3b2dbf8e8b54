import * as path from "node:path";
import { roleAssignmentName, uuidV5 } from "../model/permissions";
import { activeSlot, firstSlotLifetimeWarning } from "../model/expiry";
import { permissionModelProblem } from "../components/keyvault/existing";
import { formatProblem } from "../stacks/errors";
import {
    clusterIdentifier,
    defaultDeployerWarning,
    guessDeployerType,
    principalTypeFromToken,
} from "../stacks/deployers";
import { parseStackSettings, StackSettings } from "../stacks/settings";
import { inputAt } from "../tools/harness";
import { byName, byType, MINIMAL_STACK, runStack, scratch } from "./helpers";

/**
 * What a first real `pulumi up` needs that mocks would let slip (issue 10, items 1-7): principal
 * types and deterministic names on role assignments, deployers from the settings, serialized
 * vault writes, an existing vault's permission model, a stable cluster identifier, force-applied
 * fixed-name objects, and a rotation that keeps the old password valid.
 */

const GUID_CI = "12345678-1234-4123-8123-123456789abc";
const GUID_GROUP = "22345678-1234-4123-8123-123456789abc";

function settingsFor(yamlSections: Record<string, unknown>): StackSettings {
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(yamlSections)) config[`aio-secrets:${k}`] = JSON.stringify(v);
    // A brought client secret is secret to Pulumi; nothing else here is.
    const secretKeys = JSON.stringify(yamlSections).includes("clientSecret") ? ["aio-secrets:servicePrincipal"] : [];
    const { settings, problems } = parseStackSettings({ project: "aio-secrets", stack: "dev", config, secretKeys });
    if (!settings) throw new Error(problems.map(formatProblem).join("\n"));
    return settings;
}

describe("pure pieces", () => {
    test("uuidV5 follows RFC 4122 (known vectors)", () => {
        expect(uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
            "886313e1-3b8a-5372-9b90-0c9aee199e5d",
        );
        expect(uuidV5("a|b|c", "3f0c5a5e-8d7b-4c1e-9a57-6a4de2b0c7f1")).toBe("d76de4f8-f6a0-5286-8456-fcb5a2750de1");
    });

    test("role assignment names are deterministic, case-insensitive, and differ per principal and role", () => {
        const scope = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/kv";
        const a = roleAssignmentName(scope, GUID_CI, "/role/1");
        expect(a).toBe(roleAssignmentName(scope.toLowerCase(), GUID_CI.toUpperCase(), "/ROLE/1"));
        expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(roleAssignmentName(scope, GUID_GROUP, "/role/1")).not.toBe(a);
        expect(roleAssignmentName(scope, GUID_CI, "/role/2")).not.toBe(a);
    });

    test("the deployer type is a service principal only when the provider signs in as an application", () => {
        expect(guessDeployerType({}, {}).type).toBe("User");
        expect(guessDeployerType({ ARM_USE_OIDC: "true", ARM_CLIENT_ID: GUID_CI }, {})).toEqual({
            type: "ServicePrincipal",
            reason: "ARM_CLIENT_ID is set",
        });
        expect(guessDeployerType({ ARM_USE_MSI: "false" }, {}).type).toBe("User");
        expect(guessDeployerType({}, { "azure-native:useOidc": "true" })).toEqual({
            type: "ServicePrincipal",
            reason: "azure-native:useOidc is set",
        });
        expect(guessDeployerType({ toString: "x" } as unknown as Record<string, string>, {}).type).toBe("User");
    });

    test("the default-deployer warning says who takes over, and disappears once deployers are set", () => {
        const kv = { name: "kv-aio-dev-01", resourceGroupName: "rg" };
        const warning = defaultDeployerWarning(settingsFor({ keyVault: kv }), { type: "User", reason: "no sign-in" });
        expect(warning).toMatch(/^Pulumi\.dev\.yaml: aio-secrets:deployers is not set/);
        expect(warning).toMatch(/owns the app registration and its service principal and gets the vault writer grant/);
        expect(
            defaultDeployerWarning(
                settingsFor({ keyVault: kv, deployers: [{ objectId: GUID_CI, type: "ServicePrincipal" }] }),
                { type: "User", reason: "" },
            ),
        ).toBeUndefined();
        // Nothing to take over: bring-your-own SP and an existing vault (no writer grant).
        const quiet = settingsFor({
            keyVault: { ...kv, existing: true },
            servicePrincipal: { clientId: GUID_CI, objectId: GUID_GROUP, clientSecret: "s" },
        });
        expect(defaultDeployerWarning(quiet, { type: "User", reason: "" })).toBeUndefined();
    });

    test("the cluster identifier is a constant unless set: Arc names and a stack rename change nothing", () => {
        const kv = { name: "kv-aio-dev-01", resourceGroupName: "rg" };
        expect(clusterIdentifier({ ...settingsFor({ keyVault: kv }), stack: "renamed" })).toBe("aio-secrets");
        expect(clusterIdentifier(settingsFor({ keyVault: kv }))).toBe("aio-secrets");
        expect(
            clusterIdentifier(
                settingsFor({ keyVault: kv, cluster: { arcClusterName: "arc", arcResourceGroupName: "rg-arc" } }),
            ),
        ).toBe("aio-secrets");
        expect(clusterIdentifier(settingsFor({ keyVault: kv, cluster: { identifier: "edge-07" } }))).toBe("edge-07");
    });

    test("an existing vault's permission model must match, with the fix in the message", () => {
        expect(permissionModelProblem("Pulumi.x.yaml", "kv", "accessPolicy", undefined)).toBeUndefined();
        expect(permissionModelProblem("Pulumi.x.yaml", "kv", "accessPolicy", false)).toBeUndefined();
        expect(permissionModelProblem("Pulumi.x.yaml", "kv", "rbac", true)).toBeUndefined();
        const p = permissionModelProblem("Pulumi.x.yaml", "kv", "rbac", false);
        expect(p && formatProblem(p)).toBe(
            'Pulumi.x.yaml: aio-secrets:keyVault.permissionModel "rbac": existing vault kv uses access policies, so grants made as rbac would be ignored and every mount would fail with 403; ' +
                "set aio-secrets:keyVault.permissionModel: accessPolicy (the vault uses access policies), or migrate the vault to Azure RBAC first: az keyvault update --name kv --enable-rbac-authorization true",
        );
    });

    test("slot b's first password lifetime is warned about past the common 2-year cap", () => {
        expect(firstSlotLifetimeWarning(365, 180)).toBeUndefined();
        expect(firstSlotLifetimeWarning(550, 180)).toBeUndefined();
        expect(firstSlotLifetimeWarning(730, 180)).toMatch(
            /lives rotationDays \+ secretValidDays = 910 days; .*at most 730/,
        );
    });

    test("the principal type a token states (idtyp, scp), and nothing from a token that says nothing", () => {
        const jwt = (claims: unknown) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
        expect(principalTypeFromToken(jwt({ idtyp: "app" }))).toBe("ServicePrincipal");
        expect(principalTypeFromToken(jwt({ idtyp: "user" }))).toBe("User");
        expect(principalTypeFromToken(jwt({ scp: "user_impersonation" }))).toBe("User");
        for (const t of [undefined, "", "not-a-jwt", "a.!!!.c", jwt({}), jwt(null), jwt({ idtyp: 7 })])
            expect(principalTypeFromToken(t)).toBeUndefined();
    });

    test("the newest password slot is the active one", () => {
        expect(activeSlot("2026-01-01T00:00:00Z", "2026-06-30T00:00:00Z")).toBe("b");
        expect(activeSlot("2026-12-27T00:00:00Z", "2026-06-30T00:00:00Z")).toBe("a");
        expect(activeSlot("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")).toBe("a");
    });
});

/** The dev example in RBAC mode, with no deployers set. */
const RBAC_DEV = {
    "aio-secrets:keyVault": JSON.stringify({
        name: "kv-aio-dev-01",
        resourceGroupName: "rg-aio-dev",
        createResourceGroup: true,
        permissionModel: "rbac",
    }),
};

describe("the whole program", () => {
    const env = { ...process.env };
    afterEach(() => {
        process.env = { ...env };
    });
    const clearSignIn = () => {
        for (const k of [
            "ARM_CLIENT_ID",
            "AZURE_CLIENT_ID",
            "ARM_USE_OIDC",
            "ARM_USE_MSI",
            "ARM_OIDC_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
        ])
            delete process.env[k];
    };

    test("RBAC role assignments state the principal type of every principal (default deployer under CI's OIDC sign-in)", async () => {
        clearSignIn();
        process.env.ARM_USE_OIDC = "true";
        const run = await runStack({ stack: "dev", mode: "up", configOverrides: RBAC_DEV });
        const roles = byType(run, "azure-native:authorization:RoleAssignment");
        expect(roles.length).toBeGreaterThan(1);
        for (const r of roles) {
            expect(inputAt(r.inputs, "principalType")).toBe("ServicePrincipal");
            expect(inputAt(r.inputs, "roleAssignmentName")).toBe(
                roleAssignmentName(
                    String(inputAt(r.inputs, "scope")),
                    String(inputAt(r.inputs, "principalId")),
                    String(inputAt(r.inputs, "roleDefinitionId")),
                ),
            );
        }
        expect(
            run.warnings.some((w) =>
                /aio-secrets:deployers is not set.*taken as a ServicePrincipal: ARM_USE_OIDC is set/.test(w),
            ),
        ).toBe(true);
    });

    test("the access token's own claim decides the type over the environment", async () => {
        const jwt = (claims: Record<string, unknown>) =>
            `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
        clearSignIn();
        const app = await runStack({
            stack: "dev",
            mode: "up",
            configOverrides: RBAC_DEV,
            deployer: { token: jwt({ idtyp: "app", oid: "x" }) },
        });
        expect(inputAt(byName(app, "access-writer-secretsOfficer").inputs, "principalType")).toBe("ServicePrincipal");
        process.env.ARM_USE_OIDC = "true";
        const person = await runStack({
            stack: "dev",
            mode: "up",
            configOverrides: RBAC_DEV,
            deployer: { token: jwt({ scp: "user_impersonation" }) },
        });
        expect(inputAt(byName(person, "access-writer-secretsOfficer").inputs, "principalType")).toBe("User");
        // The token never travels anywhere: not in inputs, outputs or warnings.
        expect(JSON.stringify([person.resources.map((r) => r.inputs), person.outputs, person.warnings])).not.toContain(
            "user_impersonation",
        );
    });

    test("a person's sign-in is a User, and a second run names the same assignments", async () => {
        clearSignIn();
        const a = await runStack({ stack: "dev", mode: "up", configOverrides: RBAC_DEV });
        const b = await runStack({ stack: "dev", mode: "up", configOverrides: RBAC_DEV });
        const writer = byName(a, "access-writer-secretsOfficer");
        expect(inputAt(writer.inputs, "principalType")).toBe("User");
        const names = (run: typeof a) =>
            byType(run, "azure-native:authorization:RoleAssignment").map((r) =>
                inputAt(r.inputs, "roleAssignmentName"),
            );
        expect(names(b)).toEqual(names(a));
    });

    describe("deployers from the settings", () => {
        const dir = scratch({
            "Pulumi.ci.yaml": `${MINIMAL_STACK}  aio-secrets:deployers:
    - objectId: ${GUID_CI}
      type: ServicePrincipal
      name: github-actions
    - objectId: ${GUID_GROUP}
      type: Group
`,
            "secrets.yaml": "secrets: []\n",
        });
        const opts = {
            stack: "ci",
            stackFile: path.join(dir, "Pulumi.ci.yaml"),
            catalogFile: path.join(dir, "secrets.yaml"),
            mode: "up" as const,
        };

        test("own the app (groups cannot) and get one writer policy each, whoever runs up", async () => {
            const a = await runStack({ ...opts, deployer: { objectId: "aaaaaaaa-0000-4000-a000-00000000000a" } });
            const b = await runStack({ ...opts, deployer: { objectId: "bbbbbbbb-0000-4000-a000-00000000000b" } });
            for (const run of [a, b]) {
                expect(run.error).toBeUndefined();
                expect(inputAt(byName(run, "identity-app").inputs, "owners")).toEqual([GUID_CI]);
                expect(inputAt(byName(run, "identity-sp").inputs, "owners")).toEqual([GUID_CI]);
                const policies = byType(run, "azure-native:keyvault:AccessPolicy");
                expect(policies.map((p) => p.name)).toEqual([
                    "access-reader",
                    `access-writer-${GUID_CI}`,
                    `access-writer-${GUID_GROUP}`,
                ]);
                expect(policies.map((p) => inputAt(p.inputs, "policy.objectId"))).toEqual([
                    expect.any(String),
                    GUID_CI,
                    GUID_GROUP,
                ]);
                expect(run.warnings.some((w) => w.includes("aio-secrets:deployers is not set"))).toBe(false);
            }
            // Nothing about the grants or owners depends on who ran the update.
            expect(JSON.stringify(a.resources.map((r) => [r.urn, r.inputs]))).toBe(
                JSON.stringify(b.resources.map((r) => [r.urn, r.inputs])),
            );
        });
    });

    test("the staging example names its deployers: typed grants, no warning", async () => {
        const run = await runStack({ stack: "staging", mode: "up" });
        const writers = byType(run, "azure-native:authorization:RoleAssignment").filter((r) =>
            r.name.startsWith("access-writer-"),
        );
        expect(writers.map((r) => [r.name, inputAt(r.inputs, "principalType")])).toEqual([
            ["access-writer-77777777-8888-9999-aaaa-bbbbbbbbbbbb-secretsOfficer", "ServicePrincipal"],
            ["access-writer-88888888-9999-aaaa-bbbb-cccccccccccc-secretsOfficer", "Group"],
        ]);
        expect(run.warnings.some((w) => w.includes("aio-secrets:deployers is not set"))).toBe(false);
        // The example's object ids are placeholders, and the plan says so.
        expect(
            run.warnings.filter((w) => /aio-secrets:deployers\[\d\]\.objectId .* is an example placeholder id/.test(w)),
        ).toHaveLength(2);
    });

    test("every vault-level write waits for the one before: access policies, then each secret in name order", async () => {
        const run = await runStack({ stack: "dev", mode: "preview" });
        const policies = byType(run, "azure-native:keyvault:AccessPolicy");
        const objects = run.resources.filter(
            (r) => r.type === "azure-native:keyvault:Secret" || r.type === "azure-native:keyvault:Key",
        );
        const chain = [...policies, ...objects];
        expect(objects.length).toBeGreaterThan(2);
        for (let i = 1; i < chain.length; i++) {
            expect({ resource: chain[i].name, waitsFor: chain[i].dependsOn.includes(chain[i - 1].urn) }).toEqual({
                resource: chain[i].name,
                waitsFor: true,
            });
        }
        const names = objects.map((o) => String(inputAt(o.inputs, "secretName") ?? inputAt(o.inputs, "keyName")));
        expect(names).toEqual([...names].sort());
    });

    test("an existing vault whose permission model differs stops the run before anything is declared", async () => {
        const run = await runStack({
            stack: "adopt",
            mode: "preview",
            existingVault: { enableRbacAuthorization: true },
        });
        expect(run.error).toBe(
            'Pulumi.adopt.yaml: aio-secrets:keyVault.permissionModel "accessPolicy": existing vault kv-aio-edge-07 uses Azure RBAC, so grants made as accessPolicy would be ignored and every mount would fail with 403; ' +
                "set aio-secrets:keyVault.permissionModel: rbac (the vault uses Azure RBAC), or switch the vault to access policies first: az keyvault update --name kv-aio-edge-07 --enable-rbac-authorization false",
        );
        expect(run.resources.filter((r) => r.custom)).toEqual([]);
        const ok = await runStack({
            stack: "adopt",
            mode: "preview",
            existingVault: { enableRbacAuthorization: false },
        });
        expect(ok.error).toBeUndefined();
    });

    test("the Kubernetes provider has a stable cluster identifier; aio-akv-sp is never deleted", async () => {
        const dev = await runStack({ stack: "dev", mode: "preview" });
        const provider = byType(dev, "pulumi:providers:kubernetes")[0];
        expect(inputAt(provider.inputs, "clusterIdentifier")).toBe("aio-secrets");
        expect(byName(dev, "cluster-sp-secret").retainOnDelete).toBe(true);
        const other = await runStack({
            stack: "dev",
            mode: "preview",
            configOverrides: { "kubernetes:context": "ci-proxy" },
        });
        expect(inputAt(byType(other, "pulumi:providers:kubernetes")[0].inputs, "clusterIdentifier")).toBe(
            "aio-secrets",
        );
    });

    test("with an existing vault the default secret is mounted, not created (init made it)", async () => {
        const dir = scratch({
            "Pulumi.ex.yaml": MINIMAL_STACK.replace(
                "resourceGroupName: rg-test\n",
                "resourceGroupName: rg-test\n    existing: true\n",
            ),
            "secrets.yaml": "secrets: []\n",
        });
        const run = await runStack({
            stack: "ex",
            stackFile: path.join(dir, "Pulumi.ex.yaml"),
            catalogFile: path.join(dir, "secrets.yaml"),
            mode: "up",
        });
        expect(run.error).toBeUndefined();
        expect(byType(run, "azure-native:keyvault:Secret")).toHaveLength(0);
        expect(String(inputAt(byName(run, "spc-aio-default-spc-spc").inputs, "spec.parameters.objects"))).toContain(
            "objectName: azure-iot-operations",
        );
    });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { parseSpcObjects } from "../model/spc";
import { inputAt } from "../tools/harness";
import type { RunOptions, RunResult } from "../tools/harness";
import { diffRuns } from "../tools/planDiff";
import { kubernetesManifests, planJson, planText } from "../tools/planRender";
import {
    byName,
    byType,
    plaintextPaths,
    PROJECT_DIR,
    runStack,
    scratch,
    sharedFixturesReason,
    testIf,
} from "./helpers";

/**
 * Secret sync (issue 12), the whole program: parity with what `az iot ops init` + `secretsync
 * enable` create (test/fixtures/az-iot-ops-secretsync, a copy of ../shared's), safe change,
 * switching a stack from the CSI driver, secrecy, and the Arc cluster read.
 */

const FIXTURES = path.join(PROJECT_DIR, "test", "fixtures", "az-iot-ops-secretsync");
const SHARED = path.resolve(PROJECT_DIR, "..", "shared", "fixtures", "az-iot-ops-secretsync");
const TENANT = "11111111-2222-3333-4444-555555555555";
const SUB = "00000000-0000-0000-0000-0000000000cc";
const VAULT = "kv-sync-01";
const SPC = "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass";
const SYNC = "azure-native:secretsynccontroller:SecretSync";
const FIC = "azure-native:managedidentity:FederatedIdentityCredential";

const CSI_PART = `  aio-secrets:keyVault:
    name: ${VAULT}
    resourceGroupName: rg-sync
    permissionModel: rbac
  aio-secrets:cluster:
    arcClusterName: arc-sync
    arcResourceGroupName: rg-arc-sync
`;
const SYNC_PART = `  aio-secrets:delivery: secretSync
  aio-secrets:secretSync:
    customLocation: { name: cl-sync }
    identity: { name: id-sync }
`;

function stackFile(extra = "", mode: "sync" | "csi" = "sync"): string {
    return `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: ${TENANT}
  aio-secrets:deployers:
    - { objectId: 77777777-8888-9999-aaaa-bbbbbbbbbbbb, type: ServicePrincipal }
${CSI_PART}${mode === "sync" ? SYNC_PART : ""}${extra}  aio-secrets:secretValues:
    mq-password:
      secure: v1:placeholder
`;
}

const CATALOG = `secrets:
  - name: mq-password
    source: config
    spcs: [aio-default-spc]
    sync: { secret: mq-credentials, key: password }
  - name: mq-user
    source: generated
    spcs: [aio-default-spc]
    sync: { secret: mq-credentials, key: username }
`;

async function run(
    opts: {
        stack?: string;
        catalog?: string;
        mode?: "up" | "preview";
        arc?: { oidcIssuerEnabled?: boolean };
        secure?: Record<string, string>;
        secretStore?: RunOptions["secretStore"];
    } = {},
): Promise<RunResult> {
    const dir = scratch({ "Pulumi.sync.yaml": opts.stack ?? stackFile(), "secrets.yaml": opts.catalog ?? CATALOG });
    return runStack({
        stack: "sync",
        stackFile: path.join(dir, "Pulumi.sync.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        mode: opts.mode ?? "up",
        arcCluster: opts.arc,
        secureValues: opts.secure,
        secretStore: opts.secretStore,
    });
}

function fixture(file: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8")) as Record<string, unknown>;
}

let base: RunResult;
beforeAll(async () => {
    base = await run();
    expect(base.error).toBeUndefined();
});

describe("parity with az iot ops secretsync enable, field by field", () => {
    test("extension (extension-azure-secret-store.json), when the stack installs it", async () => {
        const f = fixture("extension-azure-secret-store.json");
        const props = f.properties as Record<string, unknown>;
        const stage1 = await run({
            stack: stackFile().replace(
                "    identity: { name: id-sync }\n",
                "    identity: { name: id-sync }\n    extension: { install: true }\n",
            ),
            secretStore: { installed: false },
        });
        expect(stage1.error).toBeUndefined();
        const [ext] = byType(stage1, "azure-native:kubernetesconfiguration:Extension");
        expect(inputAt(ext.inputs, "extensionName")).toBe(f.name);
        expect(inputAt(ext.inputs, "identity")).toEqual(f.identity);
        for (const key of [
            "extensionType",
            "autoUpgradeMinorVersion",
            "releaseTrain",
            "version",
            "configurationSettings",
        ]) {
            expect({ key, value: inputAt(ext.inputs, key) }).toEqual({ key, value: props[key] });
        }
        expect(inputAt(ext.inputs, "clusterRp")).toBe("Microsoft.Kubernetes");
        expect(inputAt(ext.inputs, "clusterResourceName")).toBe("connectedClusters");
        expect(inputAt(ext.inputs, "clusterName")).toBe("arc-sync");
    });

    test("federated credential (federated-identity-credential.json)", () => {
        const f = fixture("federated-identity-credential.json");
        const props = f.properties as Record<string, unknown>;
        const [fic] = byType(base, FIC);
        expect(inputAt(fic.inputs, "subject")).toBe(props.subject);
        expect(inputAt(fic.inputs, "audiences")).toEqual(props.audiences);
        expect(String(inputAt(fic.inputs, "issuer"))).toMatch(/^https:\/\/oidc\.example\.test\/[0-9a-f-]{36}\/$/);
        expect(base.outputs.oidcIssuerUrl).toBe(inputAt(fic.inputs, "issuer"));
        // Parent: the identity.
        expect(inputAt(fic.inputs, "resourceName")).toBe("id-sync");
        expect(inputAt(fic.inputs, "resourceGroupName")).toBe("rg-sync");
    });

    test("role assignments (role-assignments.json)", () => {
        const f = JSON.parse(fs.readFileSync(path.join(FIXTURES, "role-assignments.json"), "utf8")) as {
            properties: Record<string, string>;
            role: string;
        }[];
        const readers = byType(base, "azure-native:authorization:RoleAssignment").filter((r) =>
            r.name.startsWith("access-reader-"),
        );
        expect(readers).toHaveLength(f.length);
        const vaultId = `/subscriptions/${SUB}/resourceGroups/rg-sync/providers/Microsoft.KeyVault/vaults/${VAULT}`;
        for (const expected of f) {
            const definition = expected.properties.roleDefinitionId.replace("<sub>", SUB);
            const found = readers.find((r) => inputAt(r.inputs, "roleDefinitionId") === definition);
            expect({ role: expected.role, found: found !== undefined }).toEqual({ role: expected.role, found: true });
            expect(inputAt(found!.inputs, "scope")).toBe(vaultId);
            expect(inputAt(found!.inputs, "principalType")).toBe(expected.properties.principalType);
            expect(inputAt(found!.inputs, "principalId")).toBe(base.outputs.identityPrincipalId);
            expect(String(inputAt(found!.inputs, "roleAssignmentName"))).toMatch(
                /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
            );
        }
    });

    test("SecretProviderClass (secretproviderclass.json)", () => {
        const f = fixture("secretproviderclass.json");
        const props = f.properties as Record<string, unknown>;
        const [spc] = byType(base, SPC);
        const customLocation = (f.extendedLocation as Record<string, string>).name
            .replace("<sub>", SUB)
            .replace("<rg>", "rg-arc-sync")
            .replace("<custom location>", "cl-sync");
        expect(inputAt(spc.inputs, "extendedLocation")).toEqual({
            name: customLocation,
            type: (f.extendedLocation as Record<string, string>).type,
        });
        expect(inputAt(spc.inputs, "location")).toBe("westeurope");
        expect(inputAt(spc.inputs, "clientId")).toBe(base.outputs.identityClientId);
        expect(inputAt(spc.inputs, "keyvaultName")).toBe(VAULT);
        expect(inputAt(spc.inputs, "tenantId")).toBe(TENANT);
        const keys = Object.keys(props).sort();
        for (const key of keys) expect(inputAt(spc.inputs, key)).toBeDefined();
        // objects: exactly the mapped vault objects, each in the fixture's shape.
        const shape = parseSpcObjects(String(props.objects));
        expect(Object.keys(shape[0]).sort()).toEqual(["objectName", "objectType"]);
        expect(parseSpcObjects(String(inputAt(spc.inputs, "objects")))).toEqual([
            { objectName: "mq-password", objectType: "secret" },
            { objectName: "mq-user", objectType: "secret" },
        ]);
    });

    test("SecretSync (secretsync.json): one per Kubernetes Secret", () => {
        const f = fixture("secretsync.json");
        const props = f.properties as Record<string, unknown>;
        const syncs = byType(base, SYNC);
        expect(syncs.map((s) => inputAt(s.inputs, "secretSyncName"))).toEqual(["mq-credentials"]);
        const [sync] = syncs;
        expect(inputAt(sync.inputs, "extendedLocation")).toEqual(
            inputAt(byType(base, SPC)[0].inputs, "extendedLocation"),
        );
        expect(inputAt(sync.inputs, "secretProviderClassName")).toBe(
            inputAt(byType(base, SPC)[0].inputs, "azureKeyVaultSecretProviderClassName"),
        );
        expect(inputAt(sync.inputs, "serviceAccountName")).toBe(props.serviceAccountName);
        expect(inputAt(sync.inputs, "kubernetesSecretType")).toBe(props.kubernetesSecretType);
        expect(inputAt(sync.inputs, "objectSecretMapping")).toEqual([
            { sourcePath: "mq-password", targetKey: "password" },
            { sourcePath: "mq-user", targetKey: "username" },
        ]);
        expect(Object.keys((props.objectSecretMapping as Record<string, unknown>[])[0]).sort()).toEqual([
            "sourcePath",
            "targetKey",
        ]);
        expect(inputAt(sync.inputs, "forceSynchronization")).toBeUndefined();
        expect(sync.dependsOn).toEqual(expect.arrayContaining([byType(base, SPC)[0].urn, byType(base, FIC)[0].urn]));
    });

    test("nothing of the CSI flow: no Entra app, password, aio-akv-sp, CSI extension or Kubernetes provider", () => {
        expect(
            base.resources.filter((r) =>
                /^(azuread:|kubernetes:|time:index\/rotating|pulumi:providers:kubernetes)/.test(r.type),
            ),
        ).toEqual([]);
        // AIO GA's own Secret Store extension is checked, never declared (issue 17 item 3).
        expect(byType(base, "azure-native:kubernetesconfiguration:Extension")).toEqual([]);
    });

    testIf(fs.existsSync(SHARED), sharedFixturesReason(SHARED))(
        "the committed fixtures are the design brief's, byte for byte",
        () => {
            for (const file of fs.readdirSync(SHARED)) {
                expect({ file, text: fs.readFileSync(path.join(FIXTURES, file), "utf8") }).toEqual({
                    file,
                    text: fs.readFileSync(path.join(SHARED, file), "utf8"),
                });
            }
        },
    );
});

describe("safe change and review", () => {
    test("adding an entry adds one vault secret, one mapping and one objects line; nothing else changes", async () => {
        const after = await run({
            catalog: `${CATALOG}  - name: mq-token\n    source: generated\n    sync: { secret: mq-credentials, key: token }\n`,
        });
        const d = diffRuns(base, after);
        expect(d.removed).toEqual([]);
        expect(d.added.map((a) => a.name).sort()).toEqual(["vault-secrets-mq-token", "vault-secrets-mq-token-value"]);
        expect(d.changed.map((c) => c.name).sort()).toEqual(["secret-sync-mq-credentials", "secret-sync-spc"]);
        for (const c of d.changed)
            expect(
                c.fields.every((f) => f.path.startsWith("objects[") || f.path.startsWith("objectSecretMapping")),
            ).toBe(true);
        // The SPC's objects read as objects in the diff, like the CSI driver's: one added, nothing else.
        const spcFields = d.changed.find((c) => c.name === "secret-sync-spc")!.fields;
        expect(spcFields.map((f) => f.path)).toEqual(["objects[mq-token]"]);
        const mappings = (r: RunResult) =>
            (inputAt(byName(r, "secret-sync-mq-credentials").inputs, "objectSecretMapping") as unknown[]).map((m) =>
                JSON.stringify(m),
            );
        expect(mappings(after).filter((m) => !mappings(base).includes(m))).toEqual([
            JSON.stringify({ sourcePath: "mq-token", targetKey: "token" }),
        ]);
        expect(mappings(base).every((m) => mappings(after).includes(m))).toBe(true);
        const before = String(inputAt(byName(base, "secret-sync-spc").inputs, "objects")).split("\n");
        const now = String(inputAt(byName(after, "secret-sync-spc").inputs, "objects")).split("\n");
        expect(now.filter((l) => !before.includes(l))).toEqual(["    objectName: mq-token"]);
    });

    test("switching a stack from csiDriver to secretSync replaces or deletes no vault secret", async () => {
        const csi = await run({ stack: stackFile("", "csi") });
        expect(csi.error).toBeUndefined();
        const d = diffRuns(csi, base);
        const vaultSecrets = (xs: { type: string }[]) =>
            xs.filter((x) => x.type === "azure-native:keyvault:Secret" || x.type.startsWith("random:"));
        expect(vaultSecrets(d.removed)).toEqual([]);
        expect(vaultSecrets(d.added)).toEqual([]);
        expect(d.changed.filter((c) => c.type === "azure-native:keyvault:Secret")).toEqual([]);
        // The diff shows the CSI flow going and secret sync coming.
        expect(d.removed.map((r) => r.type)).toEqual(
            expect.arrayContaining(["azuread:index/application:Application", "kubernetes:core/v1:Secret"]),
        );
        expect(d.added.map((r) => r.type)).toEqual(
            expect.arrayContaining([SPC, SYNC, FIC, "azure-native:managedidentity:UserAssignedIdentity"]),
        );
        expect(d.blockers).toEqual([]);
    });

    test("forceSynchronization: from the stack, and a Secret's own from the catalog wins", async () => {
        const stack = stackFile().replace(
            "    identity: { name: id-sync }\n",
            '    identity: { name: id-sync }\n    forceSynchronization: "2"\n',
        );
        const bumped = await run({
            stack,
            catalog: `secretSyncs:\n  other: { forceSynchronization: "7" }\n${CATALOG}  - { name: o, source: generated, sync: { secret: other, key: k } }\n`,
        });
        expect(bumped.error).toBeUndefined();
        expect(inputAt(byName(bumped, "secret-sync-mq-credentials").inputs, "forceSynchronization")).toBe("2");
        expect(inputAt(byName(bumped, "secret-sync-other").inputs, "forceSynchronization")).toBe("7");
        const d = diffRuns(base, await run({ stack }));
        expect(d.changed.map((c) => [c.name, c.fields.map((f) => f.path)])).toEqual([
            ["secret-sync-mq-credentials", ["forceSynchronization"]],
        ]);
    });
});

describe("identity and the Arc cluster", () => {
    test("an Arc cluster without an OIDC issuer stops the run before any resource, with the fix", async () => {
        const failed = await run({ arc: { oidcIssuerEnabled: false } });
        expect(failed.resources).toEqual([]);
        expect(failed.error).toMatch(
            /aio-secrets:cluster\.arcClusterName: Arc cluster arc-sync does not have its OIDC issuer enabled, .*: run az connectedk8s update --name arc-sync --resource-group rg-arc-sync --enable-oidc-issuer/,
        );
    });

    test("a preview leaves the issuer and the identity's ids unknown (never made up)", async () => {
        const preview = await run({ mode: "preview" });
        const json = planJson(preview);
        const fic = json.resources.find((r) => r.type === FIC)!;
        expect(inputAt(fic.inputs, "issuer")).toBe("(known after up)");
        expect(inputAt(fic.inputs, "resourceName")).toBe("id-sync");
        const spc = json.resources.find((r) => r.type === SPC)!;
        expect(inputAt(spc.inputs, "clientId")).toBe("(known after up)");
    });

    test("a given issuer is used as is, and the cluster is not read", async () => {
        const stack = stackFile().replace(
            "    identity: { name: id-sync }\n",
            "    identity: { name: id-sync }\n    oidcIssuerUrl: https://issuer.example/abc/\n",
        );
        const r = await run({ stack, arc: { oidcIssuerEnabled: false } });
        expect(r.error).toBeUndefined();
        expect(inputAt(byType(r, FIC)[0].inputs, "issuer")).toBe("https://issuer.example/abc/");
        // Only the issuer's public discovery document is read, never the Arc cluster.
        expect(r.armRequests).toEqual(["GET https://issuer.example/abc/.well-known/openid-configuration"]);
    });

    test("an existing identity is looked up, never declared; its credential is still the stack's", async () => {
        const stack = stackFile().replace(
            "identity: { name: id-sync }",
            "identity: { name: id-shared, resourceGroupName: rg-ids, existing: true }",
        );
        const r = await run({ stack });
        expect(r.error).toBeUndefined();
        expect(byType(r, "azure-native:managedidentity:UserAssignedIdentity")).toEqual([]);
        expect(inputAt(byType(r, FIC)[0].inputs, "resourceName")).toBe("id-shared");
        expect(inputAt(byType(r, FIC)[0].inputs, "resourceGroupName")).toBe("rg-ids");
        expect(inputAt(byType(r, SPC)[0].inputs, "clientId")).toBe(r.outputs.identityClientId);
        expect(String(r.outputs.identityClientId)).toMatch(/^[0-9a-f-]{36}$/);
    });

    test("the federated credential waits for the identity (credentials are chained, never parallel)", () => {
        const [fic] = byType(base, FIC);
        expect(fic.dependsOn).toContain(byType(base, "azure-native:managedidentity:UserAssignedIdentity")[0].urn);
        expect(fic.deleteBeforeReplace).toBe(true);
    });
});

describe("secrecy over the new mode", () => {
    const KNOWN = { "aio-secrets:secretValues.mq-password": "PLAINTEXT-sync-mq-5e1f" };
    test.each(["up", "preview"] as const)("no secret value travels unwrapped (%s)", async (mode) => {
        const r = await run({ mode, secure: KNOWN });
        expect(r.error).toBeUndefined();
        const raw = JSON.stringify(r.resources.map((x) => x.inputs));
        expect(raw).toContain(KNOWN["aio-secrets:secretValues.mq-password"]);
        const shown = [
            planText(r, { stackFile: "Pulumi.sync.yaml", catalogFile: "secrets.yaml" }),
            JSON.stringify(planJson(r)),
            ...kubernetesManifests(r).map((m) => m.yaml),
            ...r.warnings,
        ].join("\n");
        for (const needle of [KNOWN["aio-secrets:secretValues.mq-password"], "mock-generated-value-"]) {
            for (const x of r.resources)
                expect({ resource: x.name, paths: plaintextPaths(x.inputs, needle) }).toEqual({
                    resource: x.name,
                    paths: [],
                });
            expect(plaintextPaths(r.outputs, needle)).toEqual([]);
            expect(shown).not.toContain(needle);
        }
    });
});

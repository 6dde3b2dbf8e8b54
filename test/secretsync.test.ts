import { parse } from "yaml";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCatalog } from "../stacks/catalog";
import { formatProblem } from "../stacks/errors";
import { deliveryCheck, resolveProgramInputs } from "../stacks/load";
import { buildModel } from "../model/stack";
import { syncReadBudget } from "../model/budget";
import { secretSyncModeModel } from "../delivery/secretSync/model";
import { defaultSpcName, parseStackSettings, RawStackConfig, settingsOf } from "../stacks/settings";
import { parseSpcObjects } from "../model/spc";
import {
    cliSpcName,
    renderSyncObjects,
    secretStoreSettings,
    secretSyncModel,
    workloadSubject,
} from "../model/secretSync";
import { syncReaderRoles } from "../model/permissions";

/** Secret sync (issue 12), pure parts: settings rules, catalog rules, the sync model and its rendering. */

const KV = { name: "kv-sync-01", resourceGroupName: "rg-sync", permissionModel: "rbac" };
const CLUSTER = { arcClusterName: "arc-sync", arcResourceGroupName: "rg-arc-sync" };
const SYNC = { customLocation: { name: "cl-sync" }, identity: { name: "id-sync" } };
/** The warning of a Secret Store install decided by the default (tested on its own below). */
const DEFAULT_INSTALL = /secretSync\.extension\.install defaults to true/;

function raw(sections: Record<string, unknown>, extra: Record<string, string> = {}): RawStackConfig {
    const config: Record<string, string> = { "azure-native:location": "westeurope", ...extra };
    for (const [key, value] of Object.entries(sections))
        config[`aio-secrets:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    return { project: "aio-secrets", stack: "dev", config, secretKeys: [] };
}

function syncStack(overrides: Record<string, unknown> = {}, extra: Record<string, string> = {}): RawStackConfig {
    return raw({ delivery: "secretSync", keyVault: KV, cluster: CLUSTER, secretSync: SYNC, ...overrides }, extra);
}

function problems(r: RawStackConfig): string[] {
    return parseStackSettings(r).problems.map(formatProblem);
}

describe("settings: delivery and secretSync", () => {
    test("default is csiDriver, with today's settings and no secretSync", () => {
        const result = parseStackSettings(raw({ keyVault: { name: "kv-sync-01", resourceGroupName: "rg-sync" } }));
        expect(result.problems).toEqual([]);
        expect(result.settings!.delivery).toBe("csiDriver");
        expect(Object.hasOwn(result.settings!, "secretSync")).toBe(false);
        // A csiDriver stack has a service principal; it runs no secret sync.
        expect(settingsOf(result.settings!, "csiDriver").servicePrincipal.mode).toBe("create");
    });

    test("a valid secretSync stack resolves every default", () => {
        const result = parseStackSettings(syncStack());
        expect(result.problems).toEqual([]);
        // GA clusters have the extension: the default expects it (checked at run time), no warning.
        expect(result.warnings).toEqual([]);
        expect(settingsOf(result.settings!, "secretSync").secretSync).toEqual({
            customLocation: { name: "cl-sync", resourceGroupName: "rg-arc-sync" },
            identity: { name: "id-sync", resourceGroupName: "rg-sync", existing: false },
            oidcIssuerUrl: undefined,
            arcCluster: { name: "arc-sync", resourceGroupName: "rg-arc-sync" },
            // Not azure-native:location: the Arc cluster's region, read at run time (issue 17 item 7).
            location: undefined,
            spcName: defaultSpcName("rg-arc-sync", "cl-sync"),
            propagationWait: "5m",
            instance: undefined,
            forceSynchronization: undefined,
            extension: {
                install: false,
                name: "azure-secret-store",
                version: "1.5.1",
                releaseTrain: "stable",
                rotationPollIntervalInSeconds: 120,
                settings: {},
            },
        });
    });

    test("secretSync requires an RBAC vault, and says how to migrate an existing one", () => {
        const created = problems(syncStack({ keyVault: { ...KV, permissionModel: "accessPolicy" } }));
        expect(created).toEqual([
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: aio-secrets:keyVault\.permissionModel "accessPolicy": must be rbac in secretSync mode.*Set permissionModel: rbac/,
            ),
        ]);
        const existing = problems(
            syncStack({ keyVault: { name: "kv-sync-01", resourceGroupName: "rg-sync", existing: true } }),
        );
        expect(existing[0]).toMatch(
            /az keyvault update --name kv-sync-01 --resource-group rg-sync --enable-rbac-authorization true/,
        );
    });

    test("custom location, identity and the section itself are required", () => {
        const sectionMissing = problems(raw({ delivery: "secretSync", keyVault: KV, cluster: CLUSTER }));
        expect(sectionMissing).toEqual([
            expect.stringMatching(/aio-secrets:secretSync: is required when aio-secrets:delivery is secretSync/),
        ]);
        // It cites the docs section by its exact title (test/docs.test.ts checks the section exists).
        expect(sectionMissing[0].endsWith('see docs/secret-sync.md, "Secret sync (AIO GA)")')).toBe(true);
        const missing = problems(syncStack({ secretSync: {} }));
        expect(missing).toEqual([
            expect.stringMatching(/aio-secrets:secretSync\.customLocation: is required/),
            expect.stringMatching(/aio-secrets:secretSync\.identity: is required/),
        ]);
    });

    test("an issuer, or an Arc cluster to read it from; the extension needs the Arc cluster", () => {
        expect(
            problems(
                syncStack({
                    cluster: {},
                    secretSync: { ...SYNC, customLocation: { name: "cl-sync", resourceGroupName: "rg-arc" } },
                }),
            ),
        ).toEqual([
            expect.stringMatching(
                /aio-secrets:secretSync\.oidcIssuerUrl: is required when the Arc cluster is not named/,
            ),
        ]);
        expect(
            problems(
                syncStack({
                    cluster: {},
                    secretSync: {
                        ...SYNC,
                        customLocation: { name: "cl-sync", resourceGroupName: "rg-arc" },
                        extension: { install: true },
                    },
                }),
            ),
        ).toContainEqual(
            expect.stringMatching(
                /aio-secrets:secretSync\.extension\.install: installing the Secret Store extension needs/,
            ),
        );
        const ok = parseStackSettings(
            syncStack({
                cluster: {},
                secretSync: {
                    ...SYNC,
                    customLocation: { name: "cl-sync", resourceGroupName: "rg-arc" },
                    oidcIssuerUrl: "https://issuer.example/abc/",
                },
            }),
        );
        expect(ok.problems).toEqual([]);
        expect(settingsOf(ok.settings!, "secretSync").secretSync.arcCluster).toBeUndefined();
        expect(problems(syncStack({ secretSync: { ...SYNC, oidcIssuerUrl: "http://issuer.example/" } }))[0]).toMatch(
            /oidcIssuerUrl "http:\/\/issuer.example\/": must be an https:\/\/ URL/,
        );
        expect(problems(syncStack({ cluster: { arcClusterName: "arc-sync" } })).join("\n")).toMatch(
            /customLocation\.resourceGroupName: is required when cluster\.arcResourceGroupName is not set/,
        );
    });

    test("service principal and CSI driver keys: a stored password or an install is refused, the rest warned", () => {
        expect(problems(syncStack({ servicePrincipal: { clientId: "11111111-2222-3333-4444-555555555555" } }))).toEqual(
            [
                expect.stringMatching(
                    /aio-secrets:servicePrincipal\.clientId: is not used in secretSync mode: .*federated managed identity.*no password; remove servicePrincipal/,
                ),
            ],
        );
        expect(problems(syncStack({ cluster: { ...CLUSTER, csiDriver: { install: true } } }))).toEqual([
            expect.stringMatching(/aio-secrets:cluster\.csiDriver\.install: contradicts delivery: secretSync/),
        ]);
        const warned = parseStackSettings(
            syncStack(
                { servicePrincipal: { rotationDays: 90 }, cluster: { ...CLUSTER, csiDriver: { version: "1.5.3" } } },
                { "kubernetes:context": "edge" },
            ),
        );
        expect(warned.problems).toEqual([]);
        expect(warned.warnings.filter((w) => !DEFAULT_INSTALL.test(w))).toEqual([
            expect.stringMatching(/servicePrincipal is ignored in secretSync mode/),
            expect.stringMatching(/cluster\.csiDriver is ignored in secretSync mode: .*Secret Store extension/),
            expect.stringMatching(/kubernetes:context is ignored in secretSync mode: .*needs no kubeconfig/),
        ]);
    });

    test("secret-sync settings have no service principal and run no CSI checks (StackSettings is discriminated on delivery)", () => {
        const settings = parseStackSettings(syncStack()).settings!;
        expect(settings.delivery).toBe("secretSync");
        expect(Object.hasOwn(settings, "servicePrincipal")).toBe(false);
        expect(Object.hasOwn(settings.cluster, "csiDriver")).toBe(false);
        expect(Object.hasOwn(settings, "csiSide")).toBe(false);
        // The CSI driver's own rules (an install needs the Arc cluster, chart settings that override
        // typed keys, a password's rotation and overlap) are not checked for a mode that has none.
        const noArc = syncStack({
            cluster: { csiDriver: { install: true } },
            secretSync: {
                ...SYNC,
                customLocation: { name: "cl-sync", resourceGroupName: "rg" },
                oidcIssuerUrl: "https://issuer.example/",
            },
        });
        expect(problems(noArc)).toEqual([
            expect.stringMatching(/aio-secrets:cluster\.csiDriver\.install: contradicts delivery: secretSync/),
        ]);
        const csiKeys = syncStack({
            servicePrincipal: { rotationDays: 400, secretValidDays: 365 },
            cluster: { ...CLUSTER, csiDriver: { settings: { "secrets-store-csi-driver.syncSecret.enabled": "true" } } },
        });
        expect(problems(csiKeys)).toEqual([]);
        expect(() => settingsOf(parseStackSettings(csiKeys).settings!, "csiDriver")).toThrow(
            /internal error: csiDriver settings expected, the stack's delivery is secretSync/,
        );
    });

    test("in step 3 of the move (migration: both) the CSI side is csiDriver settings of the same stack", () => {
        const both = parseStackSettings(
            syncStack({
                migration: "both",
                keyVault: { ...KV, permissionModel: "rbac" },
                servicePrincipal: { rotationDays: 90 },
            }),
        );
        expect(both.problems).toEqual([]);
        const settings = settingsOf(both.settings!, "secretSync");
        expect(settings.csiSide).toMatchObject({
            delivery: "csiDriver",
            servicePrincipal: { mode: "create", rotationDays: 90 },
            cluster: { csiDriver: { install: true } },
        });
        expect(settings.csiSide!.keyVault).toEqual(settings.keyVault);
        // Its password rules apply again.
        expect(
            problems(
                syncStack({
                    migration: "both",
                    keyVault: { ...KV, permissionModel: "rbac" },
                    servicePrincipal: { rotationDays: 400, secretValidDays: 365 },
                }),
            ),
        ).toEqual([expect.stringMatching(/aio-secrets:servicePrincipal\.(rotationDays|overlapDays)/)]);
    });

    test("an explicit install, or install: false, is not warned about; an existing identity is", () => {
        for (const install of [true, false]) {
            const explicit = parseStackSettings(syncStack({ secretSync: { ...SYNC, extension: { install } } }));
            expect(explicit.warnings.filter((w) => DEFAULT_INSTALL.test(w))).toEqual([]);
        }
        const existing = parseStackSettings(
            syncStack({
                secretSync: { ...SYNC, identity: { name: "id-sync", existing: true }, extension: { install: true } },
            }),
        );
        expect(existing.warnings).toEqual([
            expect.stringMatching(
                /identity\.existing: if az iot ops secretsync enable already federated this identity.*pulumi import/,
            ),
        ]);
    });

    test("a secretSync section in a CSI stack is ignored with a warning", () => {
        const result = parseStackSettings(raw({ keyVault: KV, secretSync: SYNC }));
        expect(result.problems).toEqual([]);
        expect(result.warnings).toEqual([
            expect.stringMatching(/aio-secrets:secretSync is ignored: aio-secrets:delivery is csiDriver/),
        ]);
    });

    test("extension settings must not override the checked poll interval; names and types are checked", () => {
        expect(
            problems(
                syncStack({ secretSync: { ...SYNC, extension: { settings: { rotationPollIntervalInSeconds: "5" } } } }),
            ),
        ).toEqual([
            expect.stringMatching(
                /secretSync\.extension\.settings\.rotationPollIntervalInSeconds: overrides a checked setting; use aio-secrets:secretSync\.extension\.rotationPollIntervalInSeconds/,
            ),
        ]);
        expect(problems(syncStack({ delivery: "secretsync" }))[0]).toMatch(/aio-secrets:delivery "secretsync":/);
        expect(problems(syncStack({ secretSync: { ...SYNC, identity: { name: "x" } } }))[0]).toMatch(
            /secretSync\.identity\.name "x": must be 3-128 characters/,
        );
        expect(problems(syncStack({ secretSync: { ...SYNC, spcName: "Spc_1" } }))[0]).toMatch(
            /secretSync\.spcName "Spc_1": must be a Kubernetes name/,
        );
    });
});

const CATALOG = `secretSyncs:
  broker-tls: { type: kubernetes.io/tls }
secrets:
  - name: mq-user
    source: generated
    sync: { secret: mq-credentials, key: username }
  - name: mq-password
    source: config
    spcs: [aio-default-spc]
    sync: { secret: mq-credentials, key: password }
  - name: broker-cert
    type: secret
    source: existing
    sync: { secret: broker-tls, key: tls.crt }
  - name: broker-key
    source: existing
    sync: { secret: broker-tls, key: tls.key }
  - name: only-mounted
    source: generated
    spcs: [aio-default-spc]
`;

function catalogProblems(text: string): string[] {
    return parseCatalog(text, "stacks/secrets.yaml").problems.map(formatProblem);
}

describe("catalog: sync and secretSyncs", () => {
    test("a valid catalog: several entries share a Secret, TLS Secrets declared with their type", () => {
        const { catalog, problems: found } = parseCatalog(CATALOG);
        expect(found).toEqual([]);
        expect([...catalog!.syncSecrets.values()]).toEqual([
            { name: "broker-tls", type: "kubernetes.io/tls", forceSynchronization: undefined },
            { name: "mq-credentials", type: "Opaque" },
        ]);
    });

    test("a key used twice in one Secret is an error (unless the entries never meet)", () => {
        const twice = `secrets:
  - { name: a, source: generated, sync: { secret: s, key: k } }
  - { name: b, source: generated, sync: { secret: s, key: k } }
`;
        expect(catalogProblems(twice)).toEqual([
            expect.stringMatching(
                /^stacks\/secrets\.yaml:3: secrets\[1\] \(b\)\.sync\.key: key "k" of Kubernetes Secret s is already mapped by secrets\[0\] \(a\)/,
            ),
        ]);
        const apart = `secrets:
  - { name: a, source: generated, environments: [dev], sync: { secret: s, key: k } }
  - { name: b, source: generated, environments: [prod], sync: { secret: s, key: k } }
`;
        expect(catalogProblems(apart)).toEqual([]);
    });

    test("Secret names and keys follow Kubernetes' rules", () => {
        expect(
            catalogProblems(`secrets:\n  - { name: a, source: generated, sync: { secret: Bad_Name, key: k } }\n`)[0],
        ).toMatch(/secrets\[0\] \(a\)\.sync\.secret "Bad_Name": must be a Kubernetes name \(DNS-1123 subdomain\)/);
        expect(
            catalogProblems(`secrets:\n  - { name: a, source: generated, sync: { secret: s, key: "a/b" } }\n`)[0],
        ).toMatch(/sync\.key "a\/b": a Kubernetes Secret key allows only/);
        expect(catalogProblems(`secretSyncs:\n  Bad_Name: {}\nsecrets: []\n`)[0]).toMatch(
            /secretSyncs\.Bad_Name: Kubernetes Secret name must be a Kubernetes name/,
        );
    });

    test("sync keys, synced vault objects and forceSynchronization follow ARM's patterns (azure-native checks them at preview)", () => {
        const key = (k: string) =>
            catalogProblems(
                `secrets:\n  - { name: a, source: generated, sync: { secret: s, key: ${JSON.stringify(k)} } }\n`,
            );
        // Kubernetes and the API's pattern both pass these.
        for (const good of ["ab.c", "xy_z", "tls.crt", "ca.crt", "a", "A-b", ".a", "password"])
            expect(key(good)).toEqual([]);
        // Kubernetes allows them; ARM's pattern does not: the real preview would fail.
        for (const bad of ["a.b", "x_y", "key.", "ab..c", "a_"]) {
            expect(key(bad)).toEqual([
                expect.stringContaining(
                    `stacks/secrets.yaml:2: secrets[0] (a).sync.key "${bad}": does not match the pattern Azure Resource Manager checks on a SecretSync targetKey`,
                ),
            ]);
        }
        // Kubernetes refuses keys starting with "..", and "/" (which ARM's pattern allows as a version tail).
        expect(key("..data")).toEqual([
            expect.stringMatching(
                /sync\.key "\.\.data": must not start with '\.\.' \(Kubernetes refuses such Secret keys/,
            ),
        ]);
        expect(key("k/1")[0]).toMatch(/sync\.key "k\/1": a Kubernetes Secret key allows only/);
        // The vault object is the mapping's sourcePath: a Key Vault name may start with "-", ARM's sourcePath may not.
        expect(
            catalogProblems(`secrets:\n  - { name: -token, source: generated, sync: { secret: s, key: k } }\n`),
        ).toEqual([
            expect.stringMatching(
                /^stacks\/secrets\.yaml:2: secrets\[0\] \(-token\)\.name "-token": is synced by a SecretSync, whose sourcePath must start with a letter or digit/,
            ),
        ]);
        expect(catalogProblems(`secrets:\n  - { name: -token, source: generated, spcs: [aio-default-spc] }\n`)).toEqual(
            [],
        );
        // forceSynchronization: ARM's pattern is anchored at the start only.
        const force = (v: string) =>
            catalogProblems(
                `secretSyncs:\n  s: { forceSynchronization: ${JSON.stringify(v)} }\nsecrets:\n  - { name: a, source: generated, sync: { secret: s, key: k } }\n`,
            );
        expect(force("2026-01-31")).toEqual([]);
        expect(force("r1 after incident_7")).toEqual([]);
        expect(force("-1")).toEqual([
            expect.stringMatching(/secretSyncs\.s\.forceSynchronization "-1": must start with a letter or digit/),
        ]);
        expect(problems(syncStack({ secretSync: { ...SYNC, forceSynchronization: "_x" } }))).toEqual([
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: aio-secrets:secretSync\.forceSynchronization "_x": must start with a letter or digit/,
            ),
        ]);
    });

    test("a declared Secret with no mapping is an error; a TLS Secret takes only tls.crt and tls.key", () => {
        expect(catalogProblems(`secretSyncs:\n  lonely: {}\nsecrets: []\n`)).toEqual([
            expect.stringMatching(/secretSyncs\.lonely: no catalog entry maps into this Secret/),
        ]);
        expect(
            catalogProblems(
                `secretSyncs:\n  t: { type: kubernetes.io/tls }\nsecrets:\n  - { name: a, source: generated, sync: { secret: t, key: cert } }\n`,
            ),
        ).toEqual([
            expect.stringMatching(
                /sync\.key "cert": Kubernetes Secret t has type kubernetes\.io\/tls, whose keys are tls\.crt and tls\.key/,
            ),
        ]);
        expect(catalogProblems(`secretSyncs:\n  t: { type: Secret }\nsecrets: []\n`)[0]).toMatch(
            /secretSyncs\.t\.type/,
        );
    });
});

function inputsFor(stack: RawStackConfig, catalog = CATALOG) {
    return resolveProgramInputs(stack, catalog);
}

describe("catalog x delivery mode", () => {
    const values = { "aio-secrets:secretValues": JSON.stringify({ "mq-password": "x" }) };
    const withValues = (r: RawStackConfig): RawStackConfig => ({
        ...r,
        config: { ...r.config, ...values },
        secretKeys: ["aio-secrets:secretValues"],
    });

    test("secretSync: entries with spcs but no sync are named in a warning", () => {
        const inputs = inputsFor(withValues(syncStack()));
        expect(inputs.warnings.filter((w) => !DEFAULT_INSTALL.test(w))).toEqual([
            expect.stringMatching(
                /^stacks\/secrets\.yaml: only-mounted has spcs: but no sync:, and Pulumi\.dev\.yaml delivers with secret sync: not delivered to the cluster/,
            ),
        ]);
    });

    test("csiDriver: entries with sync but no spcs are named in a warning", () => {
        const inputs = inputsFor(withValues(raw({ keyVault: KV })));
        expect(inputs.warnings).toEqual([
            expect.stringMatching(
                /^stacks\/secrets\.yaml: mq-user, broker-cert, broker-key have sync: but no spcs:, and Pulumi\.dev\.yaml delivers with the CSI driver/,
            ),
        ]);
    });

    test("a TLS Secret missing a key in this environment is an error", () => {
        const catalog = CATALOG.replace(
            "  - name: broker-key\n    source: existing\n",
            "  - name: broker-key\n    source: existing\n    environments: [prod]\n",
        );
        expect(() => inputsFor(withValues(syncStack()), catalog)).toThrow(
            /secretSyncs\.broker-tls: a kubernetes\.io\/tls Secret needs both tls\.crt and tls\.key; in environment dev nothing maps tls\.key/,
        );
    });

    test("pinned versions and MQ resources are called out in secretSync mode", () => {
        const settings = parseStackSettings(syncStack()).settings!;
        const { catalog } = parseCatalog(`secrets:
  - { name: a, source: existing, version: 0123456789abcdef0123456789abcdef, sync: { secret: s, key: k } }
`);
        expect(deliveryCheck(settings, catalog!, catalog!.secrets).warnings).toEqual([
            expect.stringMatching(/a pins a version, but secret sync always syncs the latest version/),
        ]);
    });
});

describe("the sync model and its rendering", () => {
    const { catalog } = parseCatalog(CATALOG);
    const enabled = catalog!.secrets;

    test("one SecretSync per Secret, mappings sorted by key, objects exactly the mapped vault objects", () => {
        const model = secretSyncModel(enabled, catalog!.syncSecrets);
        expect(model.syncs).toEqual([
            {
                name: "broker-tls",
                type: "kubernetes.io/tls",
                mappings: [
                    { sourcePath: "broker-cert", targetKey: "tls.crt" },
                    { sourcePath: "broker-key", targetKey: "tls.key" },
                ],
            },
            {
                name: "mq-credentials",
                type: "Opaque",
                mappings: [
                    { sourcePath: "mq-password", targetKey: "password" },
                    { sourcePath: "mq-user", targetKey: "username" },
                ],
            },
        ]);
        expect(model.objects.map((o) => o.objectName)).toEqual(["broker-cert", "broker-key", "mq-password", "mq-user"]);
        const mapped = new Set(model.syncs.flatMap((s) => s.mappings.map((m) => m.sourcePath)));
        expect(new Set(model.objects.map((o) => o.objectName))).toEqual(mapped);
    });

    test("independent of catalog order; one vault object mapped twice is listed once", () => {
        const twice = [...enabled, { ...enabled[0], sync: { secret: "other", key: "user" } }];
        const a = secretSyncModel(twice, catalog!.syncSecrets);
        const b = secretSyncModel([...twice].reverse(), catalog!.syncSecrets);
        expect(b).toEqual(a);
        expect(a.objects.filter((o) => o.objectName === "mq-user")).toHaveLength(1);
    });

    test("objects render in the fixture's format: name and type, no version, alias or permission", () => {
        const fixture = JSON.parse(
            fs.readFileSync(
                path.join(__dirname, "fixtures", "az-iot-ops-secretsync", "secretproviderclass.json"),
                "utf8",
            ),
        ) as {
            properties: { objects: string };
        };
        const rendered = renderSyncObjects(
            secretSyncModel([{ name: "mq-user", type: "secret", sync: { secret: "s", key: "k" } }], new Map()).objects,
        );
        expect(rendered).toBe(fixture.properties.objects.replace("<vault secret name>", "mq-user"));
        expect(parseSpcObjects(rendered)).toEqual([{ objectName: "mq-user", objectType: "secret" }]);
        const pinned = secretSyncModel(
            [{ name: "c", type: "secret", encoding: "base64", sync: { secret: "s", key: "k" } }],
            new Map(),
        );
        expect(parseSpcObjects(renderSyncObjects(pinned.objects))).toEqual([
            { objectName: "c", objectType: "secret", objectEncoding: "base64" },
        ]);
    });

    test("extension settings, subject, reader roles and the CLI's SPC name", () => {
        expect(secretStoreSettings(120)).toEqual({
            rotationPollIntervalInSeconds: "120",
            "validatingAdmissionPolicies.applyPolicies": "false",
        });
        expect(secretStoreSettings(300, { "a.b": "c" })).toEqual({
            rotationPollIntervalInSeconds: "300",
            "validatingAdmissionPolicies.applyPolicies": "false",
            "a.b": "c",
        });
        expect(workloadSubject("azure-iot-operations", "aio-ssc-sa")).toBe(
            "system:serviceaccount:azure-iot-operations:aio-ssc-sa",
        );
        expect(syncReaderRoles({ mountsKeys: false, mountsCerts: false, writesKeys: false })).toEqual([
            "secretsUser",
            "vaultReader",
        ]);
        expect(syncReaderRoles({ mountsKeys: true, mountsCerts: true, writesKeys: false })).toEqual([
            "secretsUser",
            "vaultReader",
            "certificateUser",
            "cryptoUser",
        ]);
        expect(cliSpcName("arc", "rg", "aio")).toMatch(/^spc-ops-[0-9a-f]{7}$/);
    });

    test("read budget: one read per object per interval, whatever the pods", () => {
        const budget = syncReadBudget("spc", new Array(12).fill({ objectName: "x", objectType: "secret" }), 120);
        expect(budget.getsPer10s).toBe(1);
        const settings = parseStackSettings(
            syncStack({ secretSync: { ...SYNC, extension: { rotationPollIntervalInSeconds: 10 } } }),
        ).settings!;
        const objects = Array.from({ length: 1500 }, (_, i) => ({
            name: `s${i}`,
            type: "secret" as const,
            sync: { secret: "s", key: `k${i}` },
        }));
        const model = {
            managed: [],
            spcs: [],
            usage: { mountsKeys: false, mountsCerts: false, writesKeys: false },
            sync: secretSyncModel(objects, new Map()),
        };
        const { budget: b, warning } = secretSyncModeModel.budget(settings, model);
        expect(b.getsPer10s).toBe(1500);
        expect(warning).toMatch(
            /rotation polling every 10s makes about 1500 GET requests per 10 s.*Raise secretSync\.extension\.rotationPollIntervalInSeconds/,
        );
    });

    test("buildModel: secret-sync usage follows the synced entries, not the mounted ones", () => {
        const stack = syncStack();
        const inputs = resolveProgramInputs(
            {
                ...stack,
                config: { ...stack.config, "aio-secrets:secretValues": JSON.stringify({ "mq-password": "x" }) },
                secretKeys: ["aio-secrets:secretValues"],
            },
            `secrets:
  - { name: k1, type: key, source: generated, spcs: [aio-default-spc] }
  - { name: c1, type: cert, source: existing, sync: { secret: t, key: c } }
  - { name: mq-password, source: config, sync: { secret: t, key: p } }
`,
        );
        const model = buildModel(inputs, secretSyncModeModel);
        expect(model.usage).toEqual({ mountsKeys: false, mountsCerts: true, writesKeys: true });
        expect(model.sync!.objects.map((o) => [o.objectName, o.objectType])).toEqual([
            ["c1", "cert"],
            ["mq-password", "secret"],
        ]);
    });

    test("the example catalog parses with its sync mappings", () => {
        const text = fs.readFileSync(path.join(__dirname, "..", "stacks", "secrets.yaml"), "utf8");
        expect(parseCatalog(text).problems).toEqual([]);
        expect((parse(text) as { environments: string[] }).environments).toContain("ga");
    });
});

describe("federated credential names", () => {
    test("a custom location name with characters Azure refuses in a credential name still gives a valid one", () => {
        const { federatedCredentialName, FEDERATED_CREDENTIAL_NAME } =
            jest.requireActual<typeof import("../model/secretSync")>("../model/secretSync");
        expect(federatedCredentialName("cl-aio-ga")).toBe("aio-ssc-cl-aio-ga");
        expect(federatedCredentialName("cl.aio.ga")).toBe("aio-ssc-cl-aio-ga");
        expect(federatedCredentialName("x".repeat(200))).toHaveLength(120);
        for (const n of ["cl.aio.ga", "CL_(1)", "x".repeat(200)])
            expect(federatedCredentialName(n)).toMatch(FEDERATED_CREDENTIAL_NAME);
    });
});

import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../stacks/errors";
import { outOfBandOf } from "../stacks/outOfBand";
import { adoptionOf, withAdoption } from "../tools/adopt";
import type { RunResult } from "../tools/harness";
import { importLive } from "../tools/import";
import { parseExport } from "../tools/liveExport";
import { ofThisCustomLocation, planOf, reviewLive, StackFiles } from "../tools/liveStack";
import {
    driftOf,
    importFileOf,
    liveSecrets,
    plannedSecrets,
    PLANNED_TYPES,
    removedByNextUp,
    type PlannedSecrets,
} from "../tools/ownership";
import { liveNotice } from "../tools/drift";
import { PROJECT_DIR, scratch } from "./helpers";

jest.setTimeout(120_000);

const LIVE = path.join(PROJECT_DIR, "test", "fixtures", "live");
const CATALOG = path.join(PROJECT_DIR, "stacks", "secrets.yaml");

function filesOf(stack: string, live: string, over: Partial<StackFiles> = {}): StackFiles {
    return {
        stack,
        projectDir: PROJECT_DIR,
        stackFile: path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`),
        catalogFile: CATALOG,
        live,
        liveShown: path.basename(live),
        ...over,
    };
}

const SYSTEM_DATA = { createdBy: "someone@example.com", createdByType: "User", createdAt: "2026-04-14T09:12:44Z" };

/** An `az resource show` export of the secret-sync resources a plan declares, shaped like the real one. */
function armExportOf(run: RunResult, extraObject?: string): unknown[] {
    const planned = plannedSecrets(run);
    const id = (kind: string, name: string) =>
        `/subscriptions/00000000-0000-0000-0000-0000000000cc/resourceGroups/rg-arc-ga/providers/Microsoft.SecretSyncController/${kind}/${name}`;
    const common = {
        location: "westeurope",
        tags: {},
        systemData: SYSTEM_DATA,
        extendedLocation: { type: "CustomLocation", name: "/x" },
    };
    return [
        ...planned.spcs.map((s, i) => {
            const objects = run.resources.find((r) => r.urn === s.urn)!.inputs.objects as string;
            // The extra object in the stack's own SPC (the first; ga also has opc-ua-connector).
            const extra =
                extraObject && i === 0 ? `  - |\n    objectName: ${extraObject}\n    objectType: secret\n` : "";
            return {
                id: id("azureKeyVaultSecretProviderClasses", s.spcName),
                name: s.spcName,
                type: "Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses",
                ...common,
                properties: { keyvaultName: "kv-aio-ga-01", objects: objects + extra, provisioningState: "Succeeded" },
            };
        }),
        ...planned.syncs.map((s) => ({
            id: id("secretSyncs", s.syncName),
            name: s.syncName,
            type: "Microsoft.SecretSyncController/secretSyncs",
            ...common,
            properties: {
                secretProviderClassName: s.spcName,
                serviceAccountName: "aio-ssc-sa",
                kubernetesSecretType: s.secretType,
                objectSecretMapping: s.mappings,
                provisioningState: "Succeeded",
            },
        })),
    ];
}

function writeExport(value: unknown): string {
    const dir = scratch({ "live.json": JSON.stringify(value, null, 2) });
    return path.join(dir, "live.json");
}

/** The SPC and SecretSync resources of a plan: URN and inputs. */
function secretSyncResources(run: RunResult): unknown[] {
    return run.resources
        .filter((r) => r.type === PLANNED_TYPES.armSpc || r.type === PLANNED_TYPES.sync)
        .map((r) => ({ urn: r.urn, inputs: r.inputs }));
}

describe("outOfBand setting", () => {
    test("defaults to fail in prod and warn elsewhere; names the file and key of a bad value", () => {
        expect(outOfBandOf(undefined, "prod", "Pulumi.prod.yaml")).toBe("fail");
        expect(outOfBandOf(undefined, "dev", "Pulumi.dev.yaml")).toBe("warn");
        expect(outOfBandOf("remove", "prod", "Pulumi.prod.yaml")).toBe("remove");
        expect(() => outOfBandOf("toString", "prod", "Pulumi.prod.yaml")).toThrow(ConfigError);
        expect(() => outOfBandOf("toString", "prod", "Pulumi.prod.yaml")).toThrow(
            /Pulumi\.prod\.yaml.*aio-secrets:outOfBand/s,
        );
    });
});

describe("import --from", () => {
    test("a GA export with two CLI-added objects and one SecretSync: entries, the CLI's SPC name and an import file; the plan creates none of them anew", async () => {
        const live = path.join(LIVE, "ga-cli.json");
        const result = await importLive(filesOf("ga", live));
        const secrets = (result.catalog.secrets as { name: string; sync: unknown }[]).map((s) => [s.name, s.sync]);
        expect(secrets).toEqual([
            ["eventhub-sasl-user", { secret: "eventhub-sasl", key: "username" }],
            ["eventhub-sasl-password", { secret: "eventhub-sasl", key: "password" }],
        ]);
        expect(result.settings).toEqual({ "aio-secrets:secretSync": { spcName: "spc-ops-ab35d0c" } });
        expect(result.unmapped).toEqual([expect.stringMatching(/^vault secret old-broker-token: nothing reads it/)]);
        // Every SPC and SecretSync of the export is imported under the exact type and name the plan declares.
        const exported = liveSecrets(parseExport(fs.readFileSync(live, "utf8"), "ga-cli.json"));
        const planned = plannedSecrets(result.plan);
        const imported = new Map(result.importFile.resources.map((r) => [`${r.type}::${r.name}`, r]));
        for (const spc of exported.spcs) {
            const p = planned.spcs.find((s) => s.spcName === spc.name)!;
            expect(imported.get(`${p.type}::${p.name}`)).toMatchObject({ id: spc.id, parent: p.parent!.name });
        }
        for (const sync of exported.syncs) {
            const p = planned.syncs.find((s) => s.syncName === sync.name)!;
            expect(imported.get(`${p.type}::${p.name}`)).toMatchObject({ id: sync.id, parent: "secret-sync" });
        }
        expect(imported.get("aio-secrets:secretsync:SecretSyncs::secret-sync")).toMatchObject({ component: true });
        // No object, SecretSync or mapping of the export is left out of the new plan.
        const left = driftOf(exported, planned).filter((d) => d.kind !== "missing" && d.kind !== "vaultSecret");
        expect(left).toEqual([]);
        expect(removedByNextUp(driftOf(exported, planned))).toEqual([]);
    });

    test("a CSI kubectl export of a hand-edited SPC gives the same kind of result", async () => {
        const live = path.join(LIVE, "csi-hand-edited.json");
        const result = await importLive(filesOf("adopt", live));
        expect(result.catalog.secretProviderClasses).toEqual({ "line-3-historian": {} });
        expect((result.catalog.secrets as { name: string; spcs: string[] }[]).map((s) => [s.name, s.spcs])).toEqual([
            ["opcua-client-pass", ["aio-default-spc"]],
            ["opcua-client-cert", ["aio-opc-ua-broker-client-certificate"]],
            ["historian-api-key", ["line-3-historian"]],
        ]);
        expect(result.unmapped).toEqual([
            "object historian-db-conn (spc aio-default-spc): its objectVersionHistory has no catalog field",
        ]);
        const kinds = result.importFile.resources.filter((r) => r.type === PLANNED_TYPES.k8sSpc);
        expect(kinds.map((r) => r.id)).toContain("azure-iot-operations/line-3-historian");
        expect(kinds.every((r) => r.provider === "kubernetes")).toBe(true);
        expect(result.importFile.nameTable).toEqual({
            kubernetes: "urn:pulumi:adopt::aio-secrets::pulumi:providers:kubernetes::kubernetes",
        });
        const exported = liveSecrets(parseExport(fs.readFileSync(live, "utf8"), "x"));
        const removed = removedByNextUp(driftOf(exported, plannedSecrets(result.plan))).map((d) => d.name);
        expect(removed).toEqual(["historian-db-conn"]); // the unmapped one, and only it
    });

    test("round trip: an export of a plan's own resources, imported into a catalog without them, plans the same SPC and SecretSyncs", async () => {
        const original = await planOf(filesOf("ga", ""));
        const live = writeExport(armExportOf(original));
        const catalogText = fs.readFileSync(CATALOG, "utf8");
        // Same catalog, untouched: nothing to add, and the plan is the same plan.
        const same = await importLive(filesOf("ga", live));
        expect(same.catalog).toEqual({});
        expect(same.settings).toEqual({});
        expect(same.catalogText).toBe(catalogText);
        expect(same.plan.resources).toEqual(original.resources);
        // The catalog without its entries: import brings them back as existing secrets.
        const dir = scratch({
            "secrets.yaml": "# a comment kept\nenvironments: [dev, staging, prod, ga]\nsecrets: []\n",
        });
        const gaText = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.ga.yaml"), "utf8");
        const stackDir = scratch({ "Pulumi.ga.yaml": gaText.slice(0, gaText.indexOf("  aio-secrets:secretValues:")) });
        const bare = filesOf("ga", live, {
            catalogFile: path.join(dir, "secrets.yaml"),
            stackFile: path.join(stackDir, "Pulumi.ga.yaml"),
        });
        const back = await importLive(bare);
        expect(back.catalogText.startsWith("# a comment kept\n")).toBe(true);
        expect(secretSyncResources(back.plan)).toEqual(secretSyncResources(original));
        expect(back.importFile.resources.filter((r) => !r.component).length).toBe(secretSyncResources(original).length);
    });

    test("--write keeps the catalog's comments and order, and unmapped entries say why", () => {
        const text = fs.readFileSync(CATALOG, "utf8");
        const live = liveSecrets(
            parseExport(
                JSON.stringify([
                    {
                        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses/spc-x",
                        name: "spc-x",
                        type: "Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses",
                        properties: {
                            objects:
                                "array:\n  - |\n    objectName: toString\n    objectType: secret\n  - |\n    objectName: lonely\n    objectType: secret\n  - |\n    objectName: bad-key\n    objectType: secret\n",
                        },
                    },
                    {
                        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.SecretSyncController/secretSyncs/s1",
                        name: "s1",
                        type: "Microsoft.SecretSyncController/secretSyncs",
                        properties: {
                            secretProviderClassName: "spc-x",
                            objectSecretMapping: [
                                { sourcePath: "toString", targetKey: "__proto__" },
                                { sourcePath: "bad-key", targetKey: "a..b" },
                            ],
                        },
                    },
                ]),
                "x.json",
            ),
        );
        const planned = {
            spcs: [{ kind: "arm" as const, spcName: "spc-x", objects: [], urn: "u", type: "t", name: "n" }],
            syncs: [],
            vaultSecrets: [],
        };
        const a = adoptionOf(live, planned, {
            environment: "ga",
            catalogNames: new Set(),
            defaultSecret: "azure-iot-operations",
        });
        expect(a.unmapped).toEqual([
            expect.stringMatching(/^object toString: its mapping s1\/__proto__ breaks the rules: /),
            "object lonely: it is in no SecretSync (nothing writes it to the cluster)",
            expect.stringMatching(/^object bad-key: its mapping s1\/a\.\.b breaks the rules: /),
        ]);
        const written = withAdoption(text, {
            ...a,
            secrets: [
                {
                    name: "cli-one",
                    type: "secret",
                    source: "existing",
                    sync: { secret: "s1", key: "k" },
                    environments: ["ga"],
                },
            ],
        });
        expect(written.startsWith(text.trimEnd())).toBe(true);
        expect(written.slice(text.trimEnd().length)).toBe(
            "\n\n  - name: cli-one\n    type: secret\n    source: existing\n    sync: {secret: s1, key: k}\n    environments: [ga]\n",
        );
    });
});

/** A plan that writes one vault secret, mq-password, in resource group rg-aio-ga. */
function plannedMqPassword(extra: Partial<PlannedSecrets["vaultSecrets"][number]>): PlannedSecrets {
    return {
        spcs: [],
        syncs: [],
        vaultSecrets: [
            {
                urn: "urn:pulumi:ga::aio-secrets::aio-secrets:secrets:VaultSecrets$azure-native:keyvault:Secret::vault-secrets-mq-password",
                type: PLANNED_TYPES.vaultSecret,
                name: "vault-secrets-mq-password",
                secretName: "mq-password",
                resourceGroupName: "rg-aio-ga",
                ...extra,
            },
        ],
    };
}

describe("drift and plan --live", () => {
    let run: RunResult;
    let live: string;
    beforeAll(async () => {
        run = await planOf(filesOf("ga", ""));
        live = writeExport(armExportOf(run, "cli-extra"));
    });

    test("one extra SPC object: drift names it, with the entry that would adopt it", () => {
        const drift = driftOf(
            liveSecrets(parseExport(fs.readFileSync(live, "utf8"), "live.json")),
            plannedSecrets(run),
        );
        expect(drift).toEqual([
            expect.objectContaining({
                kind: "object",
                name: "cli-extra",
                in: "spc spc-ops-487b058",
                removedByUp: true,
            }),
        ]);
    });

    test("the CLI exits 1 on drift and names it; 0 without (also through the bin)", () => {
        const bin = path.join(PROJECT_DIR, "tools", "aio-secrets.cjs");
        const drifted = spawnSync(process.execPath, [bin, "drift", "--stack", "ga", "--live", live], {
            encoding: "utf8",
        });
        expect(drifted.status).toBe(1);
        expect(drifted.stdout).toMatch(
            /object: spc spc-ops-487b058: cli-extra: an SPC object the stack does not declare \(the next up removes it\)/,
        );
        const clean = writeExport(armExportOf(run));
        const json = execFileSync(process.execPath, [bin, "drift", "--stack", "ga", "--live", clean, "--json"], {
            encoding: "utf8",
        });
        expect(JSON.parse(json)).toMatchObject({ stack: "ga", outOfBand: "warn", differences: [] });
        const bad = spawnSync(process.execPath, [bin, "drift", "--stack", "ga"], { encoding: "utf8" });
        expect([bad.status, bad.stderr.split("\n")[0]]).toEqual([
            2,
            expect.stringMatching(/^aio-secrets drift: --live <file> is required/),
        ]);
    });

    test("the plan says the next up removes it: refused under fail, a warning under warn, unless adopted", () => {
        const stackFile = path.join(PROJECT_DIR, "Pulumi.ga.yaml");
        const base = { stack: "ga", projectDir: PROJECT_DIR, stackFile, catalogFile: CATALOG, live };
        const warned = liveNotice(run, base);
        expect(warned).toMatchObject({ json: { outOfBand: "warn", removes: [{ name: "cli-extra" }] } });
        expect("warning" in warned && warned.warning).toMatch(
            /next up removes .*\n {2}spc spc-ops-487b058: cli-extra/s,
        );
        const dir = scratch({
            "Pulumi.ga.yaml": `${fs.readFileSync(stackFile, "utf8")}  aio-secrets:outOfBand: fail\n`,
        });
        const failing = { ...base, stackFile: path.join(dir, "Pulumi.ga.yaml") };
        expect(liveNotice(run, failing)).toEqual({
            refused: expect.stringMatching(/^refused: .*\n {2}spc spc-ops-487b058: cli-extra/s),
        });
        const removing = scratch({
            "Pulumi.ga.yaml": `${fs.readFileSync(stackFile, "utf8")}  aio-secrets:outOfBand: remove\n`,
        });
        expect(liveNotice(run, { ...base, stackFile: path.join(removing, "Pulumi.ga.yaml") })).toMatchObject({
            text: expect.stringMatching(
                /the next up removes entries added beside the stack \(aio-secrets:outOfBand: remove\):\n {2}spc spc-ops-487b058: cli-extra/,
            ),
        });
    });

    test("adopted in the catalog, the entry is no longer removed", async () => {
        const text = fs.readFileSync(CATALOG, "utf8");
        const dir = scratch({
            "secrets.yaml": `${text}\n  - { name: cli-extra, type: secret, source: existing, sync: { secret: cli-extra, key: value }, environments: [ga] }\n`,
        });
        const files = filesOf("ga", live, { catalogFile: path.join(dir, "secrets.yaml") });
        const adopted = await planOf(files);
        expect(adopted.error).toBeUndefined();
        expect(liveNotice(adopted, files)).toMatchObject({ json: { removes: [] } });
    });
});

describe("the import command and the import file", () => {
    const bin = path.join(PROJECT_DIR, "tools", "aio-secrets.cjs");

    test("--json prints {catalog, settings, importFile, unmapped}; --write edits the catalog it was given; a bad flag is one line", () => {
        const dir = scratch({ "secrets.yaml": fs.readFileSync(CATALOG, "utf8") });
        const catalog = path.join(dir, "secrets.yaml");
        const args = ["import", "--stack", "ga", "--from", path.join(LIVE, "ga-cli.json"), "--catalog", catalog];
        const json = JSON.parse(execFileSync(process.execPath, [bin, ...args, "--json"], { encoding: "utf8" }));
        expect(Object.keys(json)).toEqual(["catalog", "settings", "importFile", "unmapped"]);
        expect(fs.readFileSync(catalog, "utf8")).toBe(fs.readFileSync(CATALOG, "utf8")); // no --write: untouched
        const text = execFileSync(process.execPath, [bin, ...args, "--write"], { encoding: "utf8" });
        expect(text).toContain("# catalog: entries added to");
        const written = fs.readFileSync(catalog, "utf8");
        expect(written.startsWith(fs.readFileSync(CATALOG, "utf8"))).toBe(true);
        expect(written).toContain("    sync: {secret: eventhub-sasl, key: password}\n    environments: [ga]\n");
        const bad = spawnSync(process.execPath, [bin, "import", "--stack", "ga", "--form", "x"], { encoding: "utf8" });
        expect(bad.status).toBe(2);
        expect(bad.stderr.split("\n").filter(Boolean)).toEqual([
            expect.stringMatching(/^aio-secrets import: Unknown option '--form'/),
            "Run 'npx aio-secrets import --help' for the flags.",
        ]);
    });

    test("a vault secret the stack writes that exists is imported by ARM id; without a subscription it is a line", () => {
        const vaultItem = { id: "https://kv-aio-ga-01.vault.azure.net/secrets/mq-password", attributes: {} };
        const planned = plannedMqPassword({
            parent: { type: "aio-secrets:secrets:VaultSecrets", name: "vault-secrets", urn: "u" },
        });
        const withSub = liveSecrets(
            parseExport(
                JSON.stringify([
                    vaultItem,
                    { id: "/subscriptions/s-1/resourceGroups/rg/providers/X/y/z", type: "X/y", name: "z" },
                ]),
                "x",
            ),
        );
        expect(importFileOf(withSub, planned)).toEqual({
            file: {
                resources: [
                    { type: "aio-secrets:secrets:VaultSecrets", name: "vault-secrets", component: true },
                    {
                        type: PLANNED_TYPES.vaultSecret,
                        name: "vault-secrets-mq-password",
                        id: "/subscriptions/s-1/resourceGroups/rg-aio-ga/providers/Microsoft.KeyVault/vaults/kv-aio-ga-01/secrets/mq-password",
                        parent: "vault-secrets",
                    },
                ],
            },
            unmapped: [],
        });
        const without = importFileOf(liveSecrets(parseExport(JSON.stringify([vaultItem]), "x")), planned);
        expect(without.file.resources).toEqual([]);
        expect(without.unmapped).toEqual([
            expect.stringMatching(/^vault secret mq-password: .*needs the subscription/),
        ]);
    });

    test("a generated vault secret that already exists is never imported: the first up would write a new value over it", async () => {
        // ga generates dataflow-api-token (a random: resource the Secret depends on).
        const planned = plannedSecrets(await planOf(filesOf("ga", "")));
        const token = planned.vaultSecrets.find((v) => v.secretName === "dataflow-api-token");
        expect(token?.generated).toBe(true);
        expect(planned.vaultSecrets.find((v) => v.secretName === "mq-password")?.generated).toBeUndefined();
        const live = liveSecrets(
            parseExport(
                JSON.stringify([
                    { id: "https://kv-aio-ga-01.vault.azure.net/secrets/dataflow-api-token", attributes: {} },
                    { id: "/subscriptions/s-1/resourceGroups/rg/providers/X/y/z", type: "X/y", name: "z" },
                ]),
                "x",
            ),
        );
        const result = importFileOf(live, planned);
        expect(result.file.resources.filter((r) => !r.component).map((r) => r.name)).not.toContain(token!.name);
        expect(result.unmapped).toEqual([
            expect.stringMatching(/^vault secret dataflow-api-token: the stack generates its value .*source: existing/),
        ]);
    });

    test("an SPC of another namespace is not the stack's; objects the CLI wrote double-quoted are read", () => {
        const k8s = (namespace: string, objects: string) => ({
            apiVersion: "secrets-store.csi.x-k8s.io/v1",
            kind: "SecretProviderClass",
            metadata: { name: "aio-default-spc", namespace },
            spec: { parameters: { objects } },
        });
        const live = liveSecrets(
            parseExport(
                JSON.stringify([
                    k8s("other", "array:\n  - |\n    objectName: a\n    objectType: secret\n"),
                    k8s("azure-iot-operations", 'array:\n- "objectName: b\\nobjectType: secret\\n"\n'),
                ]),
                "x",
            ),
        );
        const planned = {
            spcs: [
                {
                    kind: "kubernetes" as const,
                    spcName: "aio-default-spc",
                    namespace: "azure-iot-operations",
                    objects: [],
                    urn: "u",
                    type: PLANNED_TYPES.k8sSpc,
                    name: "spc-aio-default-spc-spc",
                },
            ],
            syncs: [],
            vaultSecrets: [],
        };
        const a = adoptionOf(live, planned, { environment: "dev", catalogNames: new Set(), defaultSecret: "x" });
        expect(a.unmapped).toEqual([
            "spc other/aio-default-spc: the stack's SPCs are in namespace azure-iot-operations",
        ]);
        expect(a.secrets).toEqual([
            { name: "b", type: "secret", source: "existing", spcs: ["aio-default-spc"], environments: ["dev"] },
        ]);
        expect(driftOf(live, planned).map((d) => [d.kind, d.in, d.name])).toEqual([
            ["spc", "spc aio-default-spc", "aio-default-spc"],
            ["object", "spc aio-default-spc", "b"],
        ]);
    });
});

describe("exports that cannot be used as they are", () => {
    const bin = path.join(PROJECT_DIR, "tools", "aio-secrets.cjs");

    test("az resource list (no properties) is refused naming the item and the command that exports them", () => {
        const listed = JSON.parse(fs.readFileSync(path.join(LIVE, "ga-cli.json"), "utf8")) as Record<string, unknown>[];
        const live = writeExport(listed.map((o) => (Object.hasOwn(o, "properties") ? { ...o, properties: null } : o)));
        const run = spawnSync(process.execPath, [bin, "drift", "--stack", "ga", "--live", live], { encoding: "utf8" });
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(
            /live\.json: \[0\]: spc-ops-ab35d0c was exported without properties .*az resource show --ids/,
        );
    });

    test("a secret value in the export (az keyvault secret show) never reaches the output", async () => {
        const listed = JSON.parse(fs.readFileSync(path.join(LIVE, "ga-cli.json"), "utf8")) as Record<string, unknown>[];
        const value = "Sup3r-s3cret-export-value";
        const live = writeExport(listed.map((o) => (String(o.id).startsWith("https://") ? { ...o, value } : o)));
        const result = await importLive(filesOf("ga", live));
        const { catalog, settings, importFile, unmapped } = result;
        expect(JSON.stringify({ catalog, settings, importFile, unmapped })).not.toContain(value);
        const drift = spawnSync(process.execPath, [bin, "drift", "--stack", "ga", "--live", live, "--json"], {
            encoding: "utf8",
        });
        expect(`${drift.stdout}${drift.stderr}`).not.toContain(value);
        expect(drift.status).toBe(1);
    });

    test("a declared object changed by hand is a line of import (the next up reverts it)", async () => {
        const list = JSON.parse(fs.readFileSync(path.join(LIVE, "csi-hand-edited.json"), "utf8")) as {
            items: { spec: { parameters: { objects: string } } }[];
        };
        const params = list.items[0].spec.parameters;
        const before = params.objects;
        params.objects = before.replace('objectVersion: ""\n', 'objectVersion: ""\n    objectAlias: default.txt\n');
        expect(params.objects).not.toBe(before);
        const result = await importLive(filesOf("adopt", writeExport(list)));
        expect(result.unmapped).toContain(
            'spc aio-default-spc: azure-iot-operations: changed by hand: objectAlias "default.txt" (declared null); the next up reverts it (change the catalog entry to keep it)',
        );
    });
});

describe("an SPC that reads another vault than the stack's", () => {
    test("drift names it; import says the next up points it at the stack's vault (a CLI SPC made for another vault)", async () => {
        const run = await planOf(filesOf("ga", ""));
        const exported = armExportOf(run) as { properties: Record<string, unknown> }[];
        exported[0].properties.keyvaultName = "kv-made-by-cli";
        const drift = driftOf(liveSecrets(parseExport(JSON.stringify(exported), "live.json")), plannedSecrets(run));
        expect(drift).toEqual([
            expect.objectContaining({
                kind: "changed",
                in: "spc spc-ops-487b058",
                name: "spc-ops-487b058",
                detail: expect.stringContaining("reads vault kv-made-by-cli (declared kv-aio-ga-01)"),
            }),
        ]);

        const cli = JSON.parse(fs.readFileSync(path.join(LIVE, "ga-cli.json"), "utf8")) as {
            type: string;
            properties: Record<string, unknown>;
        }[];
        cli.find((o) => o.type.endsWith("azureKeyVaultSecretProviderClasses"))!.properties.keyvaultName =
            "kv-made-by-cli";
        const result = await importLive(filesOf("ga", writeExport(cli)));
        expect(result.unmapped).toContain(
            "spc spc-ops-ab35d0c: reads vault kv-made-by-cli (declared kv-aio-ga-01): the next up points it at kv-aio-ga-01, so each of its objects must be in that vault first (or set aio-secrets:keyVault to that vault)",
        );
    });

    test("the same vault, or an export without keyvaultName, is no difference", async () => {
        const run = await planOf(filesOf("ga", ""));
        const exported = armExportOf(run) as { properties: Record<string, unknown> }[];
        expect(driftOf(liveSecrets(parseExport(JSON.stringify(exported), "live.json")), plannedSecrets(run))).toEqual(
            [],
        );
        delete exported[0].properties.keyvaultName;
        expect(driftOf(liveSecrets(parseExport(JSON.stringify(exported), "live.json")), plannedSecrets(run))).toEqual(
            [],
        );
    });
});

describe("an export that holds another vault", () => {
    const sub = { id: "/subscriptions/s-1/resourceGroups/rg/providers/X/y/z", type: "X/y", name: "z" };
    const secretOf = (vault: string, name: string) => ({
        id: `https://${vault}.vault.azure.net/secrets/${name}`,
        attributes: {},
    });

    test("a vault named with capitals in the settings is the same vault as its lower-case secret ids", () => {
        const planned = plannedMqPassword({ vaultName: "KV-AIO-GA-01" });
        const mine = liveSecrets(parseExport(JSON.stringify([secretOf("kv-aio-ga-01", "mq-password"), sub]), "x"));
        expect(importFileOf(mine, planned).file.resources.map((r) => r.id)).toEqual([
            "/subscriptions/s-1/resourceGroups/rg-aio-ga/providers/Microsoft.KeyVault/vaults/kv-aio-ga-01/secrets/mq-password",
        ]);
    });

    test("a written secret of the same name in another vault is not imported (its id would be the other vault's)", () => {
        const planned = plannedMqPassword({ vaultName: "kv-aio-ga-01" });
        const other = liveSecrets(parseExport(JSON.stringify([secretOf("kv-other", "mq-password"), sub]), "x"));
        expect(importFileOf(other, planned).file.resources).toEqual([]);
        const mine = liveSecrets(
            parseExport(
                JSON.stringify([secretOf("kv-other", "mq-password"), secretOf("kv-aio-ga-01", "mq-password"), sub]),
                "x",
            ),
        );
        expect(importFileOf(mine, planned).file.resources.map((r) => r.id)).toEqual([
            "/subscriptions/s-1/resourceGroups/rg-aio-ga/providers/Microsoft.KeyVault/vaults/kv-aio-ga-01/secrets/mq-password",
        ]);
    });

    test("drift lists vault secrets of the stack's vault only; import says another vault's are not the stack's", async () => {
        const cli = JSON.parse(fs.readFileSync(path.join(LIVE, "ga-cli.json"), "utf8")) as unknown[];
        const run = await planOf(filesOf("prod", ""));
        const drift = driftOf(liveSecrets(parseExport(JSON.stringify(cli), "live.json")), plannedSecrets(run));
        expect(drift.filter((d) => d.kind === "vaultSecret")).toEqual([]);
        const result = await importLive(filesOf("prod", writeExport(cli)));
        expect(result.unmapped).toContain(
            "vault secret old-broker-token: in vault kv-aio-ga-01, not the stack's (kv-aio-prod-01)",
        );
        // The stack's own vault: the secrets in use are listed, as before.
        const ga = driftOf(
            liveSecrets(parseExport(JSON.stringify(cli), "live.json")),
            plannedSecrets(await planOf(filesOf("ga", ""))),
        );
        expect(ga.filter((d) => d.kind === "vaultSecret").map((d) => d.name)).toEqual([
            "eventhub-sasl-user",
            "eventhub-sasl-password",
        ]);
    });
});

describe("the secret-sync resources of another custom location in the same resource group", () => {
    const otherSite = (o: Record<string, unknown>, location: string) => ({
        ...o,
        id: String(o.id).replace(/\/([^/]+)$/, "/site-b-$1"),
        name: `site-b-${String(o.name)}`,
        extendedLocation: {
            type: "CustomLocation",
            name: `/subscriptions/00000000-0000-0000-0000-0000000000cc/resourceGroups/rg-arc-ga/providers/Microsoft.ExtendedLocation/customLocations/${location}`,
        },
    });

    test("are neither the stack's nor out of band: drift leaves them out; the stack's own (any case) stay", async () => {
        const cli = JSON.parse(fs.readFileSync(path.join(LIVE, "ga-cli.json"), "utf8")) as Record<string, unknown>[];
        const arm = cli.filter(
            (o) => typeof o.type === "string" && o.type.startsWith("Microsoft.SecretSyncController/"),
        );
        const withOther = [...cli, ...arm.map((o) => otherSite(o, "cl-aio-site-b"))];
        const run = await planOf(filesOf("ga", writeExport(cli)));
        const alone = reviewLive(filesOf("ga", writeExport(cli)), run).drift.map((d) => d.name);
        const beside = reviewLive(filesOf("ga", writeExport(withOther)), run).drift.map((d) => d.name);
        expect(alone.length).toBeGreaterThan(0);
        expect(beside).toEqual(alone);
        // The stack's own custom location, written in another case, is still compared.
        const upper = [...cli, ...arm.map((o) => otherSite(o, "CL-AIO-GA"))];
        expect(reviewLive(filesOf("ga", writeExport(upper)), run).drift.map((d) => d.name)).toEqual(
            expect.arrayContaining(["site-b-spc-ops-ab35d0c"]),
        );
    });

    test("ofThisCustomLocation keeps what names no custom location, and everything without settings", () => {
        const objects = parseExport(
            JSON.stringify([
                {
                    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.SecretSyncController/secretSyncs/a",
                    name: "a",
                    type: "Microsoft.SecretSyncController/secretSyncs",
                    extendedLocation: { name: "/x" },
                    properties: {},
                },
                {
                    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.SecretSyncController/secretSyncs/b",
                    name: "b",
                    type: "Microsoft.SecretSyncController/secretSyncs",
                    extendedLocation: {
                        name: "/subscriptions/s/resourceGroups/other-rg/providers/Microsoft.ExtendedLocation/customLocations/cl",
                    },
                    properties: {},
                },
            ]),
            "e.json",
        );
        expect(ofThisCustomLocation(objects, { name: "cl", resourceGroupName: "rg" }).map((o) => o.name)).toEqual([
            "a",
        ]);
        expect(ofThisCustomLocation(objects, { name: "CL", resourceGroupName: "OTHER-RG" }).map((o) => o.name)).toEqual(
            ["a", "b"],
        );
        expect(ofThisCustomLocation(objects, undefined)).toHaveLength(2);
    });
});

describe("the CLI's opc-ua-connector SPC is the stack's too", () => {
    const spc = (name: string, objects: string) => ({
        id: `/subscriptions/s/resourceGroups/rg-arc-ga/providers/Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses/${name}`,
        name,
        type: "Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses",
        properties: { keyvaultName: "kv-aio-ga-01", objects },
    });
    const sync = (name: string, spcName: string, sourcePath: string, targetKey: string) => ({
        id: `/subscriptions/s/resourceGroups/rg-arc-ga/providers/Microsoft.SecretSyncController/secretSyncs/${name}`,
        name,
        type: "Microsoft.SecretSyncController/secretSyncs",
        properties: { secretProviderClassName: spcName, objectSecretMapping: [{ sourcePath, targetKey }] },
    });

    test("its objects become entries of the fixed OPC UA Secrets; it never becomes the stack's own SPC", async () => {
        const run = await planOf(filesOf("ga", ""));
        const live = liveSecrets(
            parseExport(
                JSON.stringify([
                    spc(
                        "opc-ua-connector",
                        "array:\n  - |\n    objectName: site-ca-der\n    objectType: secret\n    objectEncoding: hex\n",
                    ),
                    sync("aio-opc-ua-broker-trust-list", "opc-ua-connector", "site-ca-der", "site-ca.der"),
                ]),
                "live.json",
            ),
        );
        const a = adoptionOf(live, plannedSecrets(run), {
            environment: "ga",
            catalogNames: new Set(),
            defaultSecret: "azure-iot-operations",
        });
        expect(a.settings).toEqual({});
        expect(a.secrets).toEqual([
            // As a preset (a plain sync into the fixed Secret is refused): list and file name.
            {
                name: "site-ca-der",
                type: "secret",
                source: "existing",
                opcua: { list: "trustList", file: "site-ca.der" },
                environments: ["ga"],
            },
        ]);
    });
});

describe("an object without objectVersion", () => {
    // The provider reads a missing objectVersion as "" (the latest version): Azure/secrets-store-csi-driver-provider-azure,
    // docs "objectVersion: [OPTIONAL] object versions, default to latest if empty". The catalog cannot declare
    // the field absent (the model writes objectVersion: ""), so counting the two as different would report
    // every adopted CLI or hand-made object as changed, on every drift run.
    const planned: PlannedSecrets = {
        spcs: [
            {
                urn: "urn:pulumi:dev::aio-secrets::kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass::spc",
                type: PLANNED_TYPES.k8sSpc,
                name: "spc",
                kind: "kubernetes",
                spcName: "aio-default-spc",
                namespace: "azure-iot-operations",
                objects: [{ objectName: "cli-one", objectType: "secret", objectVersion: "" }],
            },
        ],
        syncs: [],
        vaultSecrets: [],
    };
    const liveWith = (object: Record<string, string>) =>
        liveSecrets(
            parseExport(
                JSON.stringify({
                    apiVersion: "secrets-store.csi.x-k8s.io/v1",
                    kind: "SecretProviderClass",
                    metadata: { name: "aio-default-spc", namespace: "azure-iot-operations" },
                    spec: {
                        parameters: {
                            objects: `array:\n  - |\n${Object.entries(object)
                                .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`)
                                .join("")}`,
                        },
                    },
                }),
                "live.json",
            ),
        );

    test("is the declared latest version: no difference", () => {
        expect(driftOf(liveWith({ objectName: "cli-one", objectType: "secret" }), planned)).toEqual([]);
    });

    test("a pinned version is still a change", () => {
        const version = "0123456789abcdef0123456789abcdef";
        expect(
            driftOf(liveWith({ objectName: "cli-one", objectType: "secret", objectVersion: version }), planned),
        ).toEqual([
            expect.objectContaining({
                kind: "changed",
                name: "cli-one",
                detail: `changed by hand: objectVersion "${version}" (declared "")`,
            }),
        ]);
    });
});

describe("a live SPC whose objects cannot be read", () => {
    const planned: PlannedSecrets = {
        spcs: [
            {
                urn: "urn:pulumi:dev::aio-secrets::kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass::spc",
                type: PLANNED_TYPES.k8sSpc,
                name: "spc",
                kind: "kubernetes",
                spcName: "aio-default-spc",
                namespace: "azure-iot-operations",
                objects: [{ objectName: "mq-password", objectType: "secret", objectVersion: "" }],
            },
        ],
        syncs: [],
        vaultSecrets: [],
    };
    const live = liveSecrets(
        parseExport(
            JSON.stringify({
                apiVersion: "secrets-store.csi.x-k8s.io/v1",
                kind: "SecretProviderClass",
                metadata: { name: "aio-default-spc", namespace: "azure-iot-operations" },
                spec: { parameters: { objects: "array:\n  - |\n    objectName: *a\n" } },
            }),
            "live.json",
        ),
    );

    test("is one difference naming why, not its declared objects reported gone", () => {
        expect(live.spcs[0].problem).toBeDefined();
        expect(driftOf(live, planned)).toEqual([
            {
                kind: "changed",
                in: "spc aio-default-spc",
                name: "aio-default-spc",
                detail: `its objects cannot be read (${live.spcs[0].problem}); the next up writes the declared ones`,
                removedByUp: true,
            },
        ]);
    });
});

describe("vault names without regard to case", () => {
    test("drift: an SPC reading the stack's vault in other case is no change, and its vault secrets are the stack's", () => {
        const planned: PlannedSecrets = {
            spcs: [
                {
                    urn: "urn:pulumi:dev::aio-secrets::kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass::spc",
                    type: PLANNED_TYPES.k8sSpc,
                    name: "spc",
                    kind: "kubernetes",
                    spcName: "aio-default-spc",
                    namespace: "azure-iot-operations",
                    vault: "KV-Aio-Dev",
                    objects: [{ objectName: "mq-password", objectType: "secret", objectVersion: "" }],
                },
            ],
            syncs: [],
            vaultSecrets: [],
        };
        const live = liveSecrets(
            parseExport(
                JSON.stringify([
                    {
                        apiVersion: "secrets-store.csi.x-k8s.io/v1",
                        kind: "SecretProviderClass",
                        metadata: { name: "aio-default-spc", namespace: "azure-iot-operations" },
                        spec: {
                            parameters: {
                                keyvaultName: "kv-aio-dev",
                                objects:
                                    "array:\n  - |\n    objectName: mq-password\n    objectType: secret\n  - |\n    objectName: extra\n    objectType: secret\n",
                            },
                        },
                    },
                    { id: "https://kv-aio-dev.vault.azure.net/secrets/extra", attributes: {} },
                ]),
                "live.json",
            ),
        );
        expect(driftOf(live, planned).map((d) => `${d.kind} ${d.name}`)).toEqual(["object extra", "vaultSecret extra"]);
        const ctx = { environment: "dev", catalogNames: new Set<string>(), defaultSecret: "azure-iot-operations" };
        expect(adoptionOf(live, planned, ctx).unmapped.filter((u) => u.includes("not the stack's"))).toEqual([]);
    });
});

import * as path from "node:path";
import { cliSpcName } from "../model/secretSync";
import { defaultSpcName, parseStackSettings, settingsOf } from "../stacks/settings";
import { inputAt } from "../tools/harness";
import type { RunResult } from "../tools/harness";
import { armNameClaims, listStacks, nameClashes, planFleet } from "../tools/fleet";
import { fleetMain } from "../tools/planFleet";
import { diffRuns, diffText } from "../tools/planDiff";
import { planJson, planText } from "../tools/planRender";
import { byName, byType, runStack, scratch } from "./helpers";

/**
 * Issue 17, items 5, 6 and 8: a Kubernetes Secret's lifetime follows its SecretSync (and the
 * plan says so), SPC and SecretSync names are unique where ARM scopes them (the resource
 * group), and sync keys follow ARM's own patterns.
 */

const SPC = "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass";
const SYNC = "azure-native:secretsynccontroller:SecretSync";

/** A secret-sync stack of one cluster: its vault, Arc cluster and custom location. */
function syncStack(o: { site: string; customLocation?: string; group?: string; spcName?: string }): string {
    const spcName = o.spcName !== undefined ? `    spcName: ${o.spcName}\n` : "";
    return `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555
  aio-secrets:keyVault: { name: kv-${o.site}-01, resourceGroupName: rg-${o.site}, permissionModel: rbac }
  aio-secrets:cluster: { arcClusterName: arc-${o.site}, arcResourceGroupName: ${o.group ?? `rg-arc-${o.site}`} }
  aio-secrets:delivery: secretSync
  aio-secrets:secretSync:
    customLocation: { name: ${o.customLocation ?? `cl-${o.site}`} }
    identity: { name: id-${o.site} }
${spcName}`;
}

const CATALOG = `secrets:
  - { name: mq-user, source: generated, sync: { secret: mq-credentials, key: username } }
  - { name: broker-cert, source: generated, sync: { secret: broker-tls, key: tls.crt } }
  - { name: broker-key, source: generated, sync: { secret: broker-tls, key: tls.key } }
`;

async function run(stack: string, catalog = CATALOG): Promise<RunResult> {
    const dir = scratch({ "Pulumi.site.yaml": stack, "secrets.yaml": catalog });
    return runStack({
        stack: "site",
        stackFile: path.join(dir, "Pulumi.site.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        mode: "preview",
    });
}

let base: RunResult;
beforeAll(async () => {
    base = await run(syncStack({ site: "x" }));
    expect(base.error).toBeUndefined();
}, 120000);

describe("item 5: a SecretSync's Kubernetes Secret goes with it", () => {
    test("each SecretSync is replaced, deleting first, on a new kubernetesSecretType; the plan JSON and text show it", () => {
        const syncs = byType(base, SYNC);
        expect(syncs.map((s) => inputAt(s.inputs, "secretSyncName")).sort()).toEqual(["broker-tls", "mq-credentials"]);
        for (const sync of syncs)
            expect({ replaceOnChanges: sync.replaceOnChanges, deleteBeforeReplace: sync.deleteBeforeReplace }).toEqual({
                replaceOnChanges: ["kubernetesSecretType"],
                deleteBeforeReplace: true,
            });
        expect(byType(base, SPC)[0].replaceOnChanges).toEqual([]);
        const json = planJson(base);
        expect(json.resources.filter((r) => r.type === SYNC).map((r) => r.replaceOnChanges)).toEqual([
            ["kubernetesSecretType"],
            ["kubernetesSecretType"],
        ]);
        // Every resource has the field, as it has protect and retainOnDelete.
        expect(json.resources.every((r) => Array.isArray(r.replaceOnChanges))).toBe(true);
        const text = planText(base, { stackFile: "Pulumi.site.yaml", catalogFile: "secrets.yaml" });
        expect(text).toMatch(
            /secret-sync-mq-credentials\s+create(?: {2}|\n[ │]+)\[replaceOnChanges: kubernetesSecretType\]/,
        );
    });

    test("the review diff warns when a SecretSync is replaced or goes away, naming its Kubernetes Secret and namespace", async () => {
        const tls = await run(
            syncStack({ site: "x" }),
            `secretSyncs:\n  broker-tls: { type: kubernetes.io/tls }\n${CATALOG}`,
        );
        const replaced = diffRuns(base, tls);
        expect(replaced.changed.map((c) => [c.name, c.fields.map((f) => f.path)])).toEqual([
            ["secret-sync-broker-tls", ["kubernetesSecretType"]],
        ]);
        expect(replaced.warnings[0]).toMatch(
            /^SecretSync broker-tls is replaced \(new kubernetesSecretType\): it is deleted first, and Kubernetes Secret azure-iot-operations\/broker-tls with it; the new SecretSync writes it again/,
        );

        const gone = diffRuns(
            base,
            await run(syncStack({ site: "x" }), CATALOG.split("\n").slice(0, 2).join("\n") + "\n"),
        );
        expect(gone.removed.filter((r) => r.type === SYNC).map((r) => r.name)).toEqual(["secret-sync-broker-tls"]);
        expect(gone.warnings[0]).toMatch(
            /^SecretSync broker-tls goes away: Kubernetes deletes Secret azure-iot-operations\/broker-tls with it \(the Secret's ownerReference\)/,
        );
        expect(diffText(gone, "diff")).toMatch(
            /^warning: SecretSync broker-tls goes away: Kubernetes deletes Secret azure-iot-operations\/broker-tls/m,
        );

        // Nothing changes, nothing is said; a changed mapping is an update, not a replacement.
        expect(diffRuns(base, base).warnings.filter((w) => /SecretSync|SecretProviderClass/.test(w))).toEqual([]);
        const renamedKey = diffRuns(
            base,
            await run(syncStack({ site: "x" }), CATALOG.replace("key: username", "key: user")),
        );
        expect(renamedKey.changed.map((c) => c.name)).toEqual(["secret-sync-mq-credentials"]);
        expect(renamedKey.warnings.filter((w) => /SecretSync/.test(w))).toEqual([]);
    });
});

describe("item 6: SPC and SecretSync names are unique per resource group", () => {
    test("the default SPC name is per custom location (its group and name, without case), in the CLI's form but never the CLI's name", () => {
        const name = defaultSpcName("rg-arc-a", "cl-a");
        expect(name).toMatch(/^spc-ops-[0-9a-f]{7}$/);
        expect(defaultSpcName("RG-ARC-A", "CL-A")).toBe(name);
        expect(defaultSpcName("rg-arc-a", "cl-b")).not.toBe(name);
        expect(defaultSpcName("rg-arc-b", "cl-a")).not.toBe(name);
        expect(cliSpcName("arc-a", "rg-arc-a", "cl-a")).not.toBe(name);
        const spcName = (secretSync: Record<string, unknown>) => {
            const config: Record<string, string> = {
                "azure-native:location": "westeurope",
                "aio-secrets:delivery": "secretSync",
                "aio-secrets:keyVault": JSON.stringify({
                    name: "kv-x-01",
                    resourceGroupName: "rg-x",
                    permissionModel: "rbac",
                }),
                "aio-secrets:cluster": JSON.stringify({ arcClusterName: "arc-x", arcResourceGroupName: "rg-arc-a" }),
                "aio-secrets:secretSync": JSON.stringify({ identity: { name: "id-x" }, ...secretSync }),
            };
            return settingsOf(
                parseStackSettings({ project: "aio-secrets", stack: "x", config, secretKeys: [] }).settings!,
                "secretSync",
            ).secretSync.spcName;
        };
        expect(spcName({ customLocation: { name: "cl-a" } })).toBe(name);
        expect(spcName({ customLocation: { name: "cl-a", resourceGroupName: "rg-other" } })).toBe(
            defaultSpcName("rg-other", "cl-a"),
        );
        expect(spcName({ customLocation: { name: "cl-a" }, spcName: "my-spc" })).toBe("my-spc");
    });

    test("the program names the SPC by the default, and every SecretSync uses it; Pulumi.ga.yaml plans with its own", async () => {
        const expected = defaultSpcName("rg-arc-x", "cl-x");
        expect(inputAt(byType(base, SPC)[0].inputs, "azureKeyVaultSecretProviderClassName")).toBe(expected);
        expect(byType(base, SYNC).map((s) => inputAt(s.inputs, "secretProviderClassName"))).toEqual([
            expected,
            expected,
        ]);
        expect(base.outputs.secretProviderClassName).toBe(expected);
        const ga = await runStack({ stack: "ga", mode: "preview" });
        expect(ga.error).toBeUndefined();
        const gaSpc = planJson(ga).resources.find((r) => r.type === SPC)!;
        expect(inputAt(gaSpc.inputs, "azureKeyVaultSecretProviderClassName")).toBe(
            defaultSpcName("rg-arc-ga", "cl-aio-ga"),
        );
    });

    test("a stack whose SPC name changes (the old fixed default) is told what the rename does", async () => {
        const old = await run(syncStack({ site: "x", spcName: "spc-ops-aio" }));
        const d = diffRuns(old, base);
        const now = defaultSpcName("rg-arc-x", "cl-x");
        expect(d.warnings[0]).toBe(
            `SecretProviderClass spc-ops-aio is replaced by ${now}: the SecretSyncs move to ${now} and their Secrets stay, but an AIO instance linked to spc-ops-aio ` +
                `(defaultSecretProviderClassRef) must be linked to ${now} again; to keep the name, set aio-secrets:secretSync.spcName: spc-ops-aio`,
        );
        // Moving to another SPC is an update of each SecretSync, not a replacement: no Secret goes.
        expect(d.warnings.filter((w) => w.startsWith("SecretSync "))).toEqual([]);
    });

    test("armNameClaims and nameClashes: by resource group without case, each stack told the other's name", () => {
        expect(armNameClaims(base)).toEqual([
            { kind: "SecretProviderClass", resourceGroup: "rg-arc-x", name: defaultSpcName("rg-arc-x", "cl-x") },
            { kind: "SecretSync", resourceGroup: "rg-arc-x", name: "broker-tls" },
            { kind: "SecretSync", resourceGroup: "rg-arc-x", name: "mq-credentials" },
        ]);
        const clashes = nameClashes(
            new Map([
                ["a", [{ kind: "SecretSync" as const, resourceGroup: "RG-Shared", name: "s" }]],
                ["b", [{ kind: "SecretSync" as const, resourceGroup: "rg-shared", name: "s" }]],
                ["c", [{ kind: "SecretProviderClass" as const, resourceGroup: "rg-shared", name: "s" }]],
            ]),
        );
        expect([...clashes.keys()]).toEqual(["a", "b"]);
        expect(clashes.get("a")).toEqual([
            expect.stringMatching(
                /^Pulumi\.a\.yaml: SecretSync s in resource group RG-Shared: stack b creates it too\. ARM names SecretSyncs per resource group/,
            ),
        ]);
        expect(clashes.get("b")![0]).toMatch(
            /^Pulumi\.b\.yaml: SecretSync s in resource group rg-shared: stack a creates it too/,
        );
    });

    test("plan --all refuses two site stacks that would create the same names in one resource group, naming both", async () => {
        const dir = scratch({
            "Pulumi.yaml": "name: aio-secrets\nruntime: nodejs\n",
            "secrets.yaml": CATALOG,
            // Two clusters whose custom locations share rg-arc-shared: each its own SPC (the
            // default is per custom location), but both want SecretSyncs named mq-credentials and broker-tls.
            "Pulumi.site-a.yaml": syncStack({ site: "a", group: "rg-arc-shared" }),
            "Pulumi.site-b.yaml": syncStack({ site: "b", group: "rg-arc-shared" }),
            // Its own group: no clash.
            "Pulumi.site-c.yaml": syncStack({ site: "c" }),
        });
        const summaries = await planFleet({
            projectDir: path.resolve(__dirname, ".."),
            dir,
            catalogFile: path.join(dir, "secrets.yaml"),
            stacks: listStacks(dir),
        });
        expect(summaries.map((s) => [s.stack, s.errors.length])).toEqual([
            ["site-a", 2],
            ["site-b", 2],
            ["site-c", 0],
        ]);
        expect(summaries[0].errors).toEqual([
            expect.stringMatching(
                /^Pulumi\.site-a\.yaml: SecretSync broker-tls in resource group rg-arc-shared: stack site-b creates it too\..*compared by resource group name/,
            ),
            expect.stringMatching(
                /^Pulumi\.site-a\.yaml: SecretSync mq-credentials in resource group rg-arc-shared: stack site-b creates it too/,
            ),
        ]);
        expect(summaries[1].errors[0]).toMatch(
            /^Pulumi\.site-b\.yaml: SecretSync broker-tls in resource group rg-arc-shared: stack site-a creates it too/,
        );

        // The same SPC name set by hand in both is refused too; the command exits 1 and its JSON names both.
        const same = scratch({
            "Pulumi.yaml": "name: aio-secrets\nruntime: nodejs\n",
            "secrets.yaml": "secrets: []\n",
            "Pulumi.site-a.yaml": syncStack({ site: "a", group: "rg-arc-shared", spcName: "spc-site" }),
            "Pulumi.site-b.yaml": syncStack({ site: "b", group: "RG-ARC-SHARED", spcName: "spc-site" }),
        });
        const out: string[] = [];
        const write = jest.spyOn(process.stdout, "write").mockImplementation((chunk) => {
            out.push(String(chunk));
            return true;
        });
        let code: number;
        try {
            code = await fleetMain({ json: true, verbose: false, dir: same, catalog: path.join(same, "secrets.yaml") });
        } finally {
            write.mockRestore();
        }
        expect(code).toBe(1);
        const json = JSON.parse(out.join("")) as { stacks: { stack: string; errors: string[] }[] };
        expect(json.stacks.map((s) => [s.stack, s.errors])).toEqual([
            [
                "site-a",
                [
                    expect.stringMatching(
                        /^Pulumi\.site-a\.yaml: SecretProviderClass spc-site in resource group rg-arc-shared: stack site-b creates it too.*set aio-secrets:secretSync\.spcName/,
                    ),
                ],
            ],
            [
                "site-b",
                [
                    expect.stringMatching(
                        /^Pulumi\.site-b\.yaml: SecretProviderClass spc-site in resource group RG-ARC-SHARED: stack site-a creates it too/,
                    ),
                ],
            ],
        ]);
    }, 120000);
});

describe("item 8: sync keys follow ARM's patterns in the whole program", () => {
    test("a key Kubernetes allows but ARM refuses stops the plan before any resource, naming the catalog, the entry and the rule", async () => {
        const failed = await run(
            syncStack({ site: "x" }),
            CATALOG.replace("key: username", "key: x_y").replace("key: tls.crt", "key: a.b"),
        );
        expect(failed.resources).toEqual([]);
        expect(failed.error).toMatch(
            /secrets\.yaml:2: secrets\[0\] \(mq-user\)\.sync\.key "x_y": does not match the pattern Azure Resource Manager checks on a SecretSync targetKey/,
        );
        expect(failed.error).toMatch(
            /secrets\.yaml:3: secrets\[1\] \(broker-cert\)\.sync\.key "a\.b": does not match the pattern/,
        );
        expect(byName(base, "secret-sync-mq-credentials")).toBeDefined();
    });
});

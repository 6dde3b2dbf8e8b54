import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    clusterIssuer,
    customLocationPatchCommand,
    extensionCreateCommand,
    instanceLinkCommand,
    issuerQuery,
    issuerSlashWarning,
    listsExtension,
    shellArg,
} from "../delivery/secretSync/arcFacts";
import { httpsUrl } from "../stacks/rules";
import { defaultSpcName, SECRET_SYNC_DEFAULTS } from "../stacks/settings";
import { inputAt } from "../tools/harness";
import type { RunOptions, RunResult } from "../tools/harness";
import { diffRuns } from "../tools/planDiff";
import { planJson, planText } from "../tools/planRender";
import { byName, byType, PROJECT_DIR, runStack, scratch } from "./helpers";

/**
 * Issue 17, items 1, 2, 3, 4, 7 and 13: what a real AIO GA cluster accepts. The Arc cluster is
 * read with an ARM GET (the harness plays Resource Manager), the custom location and the Secret
 * Store extension with typed invokes; each test fails on the code before the fix.
 */

const SUB = "00000000-0000-0000-0000-0000000000cc";
const SPC = "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass";
const SYNC = "azure-native:secretsynccontroller:SecretSync";
const FIC = "azure-native:managedidentity:FederatedIdentityCredential";
const UAI = "azure-native:managedidentity:UserAssignedIdentity";
const EXT = "azure-native:kubernetesconfiguration:Extension";
const SLEEP = "time:index/sleep:Sleep";
const ARC_ISSUER =
    "https://westeurope.oic.prod-arc.azure.com/11111111-2222-3333-4444-555555555555/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/";
const ISSUER_QUERY =
    "az connectedk8s show --name arc-sync --resource-group rg-arc-sync --query oidcIssuerProfile.issuerUrl -o tsv";

function stackFile(opts: { sync?: string; keyVault?: string; top?: string } = {}): string {
    return `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555
  aio-secrets:delivery: secretSync
  aio-secrets:deployers:
    - { objectId: 77777777-8888-9999-aaaa-bbbbbbbbbbbb, type: ServicePrincipal }
${opts.top ?? ""}  aio-secrets:keyVault:
    name: kv-sync-01
    resourceGroupName: rg-sync
    permissionModel: rbac
${opts.keyVault ?? ""}  aio-secrets:cluster:
    arcClusterName: arc-sync
    arcResourceGroupName: rg-arc-sync
  aio-secrets:secretSync:
    customLocation: { name: cl-sync }
    identity: { name: id-sync }
${opts.sync ?? ""}  aio-secrets:secretValues:
    mq-password:
      secure: v1:placeholder
`;
}

const CATALOG = `secretSyncs:
  other: {}
secrets:
  - name: mq-password
    source: config
    spcs: [aio-default-spc]
    sync: { secret: mq-credentials, key: password }
  - name: other-token
    source: generated
    spcs: [aio-default-spc]
    sync: { secret: other, key: token }
`;

async function run(stack: string = stackFile(), extra: Partial<RunOptions> = {}): Promise<RunResult> {
    const dir = scratch({ "Pulumi.sync.yaml": stack, "secrets.yaml": CATALOG });
    return runStack({
        stack: "sync",
        stackFile: path.join(dir, "Pulumi.sync.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        mode: "up",
        ...extra,
    });
}

describe("item 1: the OIDC issuer, read in a way ARM accepts", () => {
    test("one ARM GET of the Arc cluster at an API version with oidcIssuerProfile, with the deployer's token; never resources.getResource", async () => {
        const r = await run(stackFile(), { arcCluster: { issuerUrl: ARC_ISSUER } });
        expect(r.error).toBeUndefined();
        expect(r.armRequests).toEqual([
            `GET https://management.azure.com/subscriptions/${SUB}/resourceGroups/rg-arc-sync/providers/Microsoft.Kubernetes/connectedClusters/arc-sync?api-version=2024-12-01-preview`,
            // Then the issuer's discovery document (the fake refuses it with any credential attached).
            `GET ${ARC_ISSUER}.well-known/openid-configuration`,
        ]);
        expect(r.warnings.filter((w) => /issuer|discovery/.test(w))).toEqual([]);
        // Verbatim, trailing slash included: the token's iss is exactly issuerUrl.
        expect(inputAt(byType(r, FIC)[0].inputs, "issuer")).toBe(ARC_ISSUER);
        expect(r.outputs.oidcIssuerUrl).toBe(ARC_ISSUER);
    });

    test("the discovery document's issuer is what the tokens carry: it wins over the cluster's issuerUrl, and refuses a setting that differs", async () => {
        const slashless = ARC_ISSUER.slice(0, -1);
        const fromCluster = await run(stackFile(), {
            arcCluster: { issuerUrl: slashless },
            oidcDiscovery: { issuer: ARC_ISSUER },
        });
        expect(fromCluster.error).toBeUndefined();
        expect(inputAt(byType(fromCluster, FIC)[0].inputs, "issuer")).toBe(ARC_ISSUER);
        expect(fromCluster.warnings).toContainEqual(
            expect.stringContaining(`reports issuer ${slashless} but its discovery document says ${ARC_ISSUER}`),
        );
        const setting = await run(stackFile({ sync: `    oidcIssuerUrl: ${slashless}\n` }), {
            oidcDiscovery: { issuer: ARC_ISSUER },
        });
        expect(setting.resources).toEqual([]);
        expect(setting.error).toContain(
            `aio-secrets:secretSync.oidcIssuerUrl: is ${slashless} but its discovery document ${slashless}/.well-known/openid-configuration says the tokens' issuer is ${ARC_ISSUER}`,
        );
        const unreadable = await run(stackFile({ sync: `    oidcIssuerUrl: ${slashless}\n` }), {
            oidcDiscovery: { status: 404 },
        });
        expect(unreadable.error).toBeUndefined();
        expect(inputAt(byType(unreadable, FIC)[0].inputs, "issuer")).toBe(slashless);
        expect(unreadable.warnings).toEqual(
            expect.arrayContaining([
                expect.stringContaining("cannot be used (answered 404)"),
                expect.stringContaining("does not end with '/'"),
            ]),
        );
    });

    test("the deployer's cloud: azure-native:environment usgovernment reads from its Resource Manager", async () => {
        const r = await run(stackFile(), { configOverrides: { "azure-native:environment": "usgovernment" } });
        expect(r.error).toBeUndefined();
        expect(r.armRequests![0]).toMatch(/^GET https:\/\/management\.usgovcloudapi\.net\/subscriptions\//);
        const other = await run(stackFile(), { configOverrides: { "azure-native:environment": "mars" } });
        expect(other.error).toContain("azure-native:environment is not one of public, usgovernment, china");
        expect(other.error).toContain(ISSUER_QUERY);
    });

    test("workload identity off is refused before any resource, as the CLI refuses it (not a warning)", async () => {
        const r = await run(stackFile(), { arcCluster: { workloadIdentityEnabled: false } });
        expect(r.resources).toEqual([]);
        expect(r.error).toMatch(
            /aio-secrets:cluster\.arcClusterName: Arc cluster arc-sync does not have workload identity enabled.*run az connectedk8s update --name arc-sync --resource-group rg-arc-sync --enable-workload-identity/,
        );
    });

    test("a cluster ARM refuses to show: the error prints the exact az connectedk8s show query, never the token", async () => {
        const token = "eyJ0eXAiOiJKV1QifQ.eyJpZHR5cCI6ImFwcCJ9.c2VjcmV0LXNpZ25hdHVyZQ";
        const r = await run(stackFile(), { arcCluster: { status: 403 }, deployer: { token } });
        expect(r.resources).toEqual([]);
        expect(r.error).toContain(
            `aio-secrets:secretSync.oidcIssuerUrl: is not set and Arc cluster arc-sync cannot be read (GET https://management.azure.com/`,
        );
        expect(r.error).toContain("answered 403 AuthorizationFailed");
        expect(r.error).toContain(`set it to what ${ISSUER_QUERY} prints`);
        expect(JSON.stringify({ error: r.error, warnings: r.warnings })).not.toContain(token);
    });

    test("the ARM GET has a timeout: a black-holed route ends the run with the query, not a hung preview; behind a proxy it says what Node's fetch needs", async () => {
        const r = await run(stackFile(), { arcCluster: { hang: true } });
        expect(r.resources).toEqual([]);
        expect(r.error).toContain("cannot be read (GET https://management.azure.com/");
        expect(r.error).toContain("aborted due to timeout");
        expect(r.error).toContain(`set it to what ${ISSUER_QUERY} prints`);
        const saved = { proxy: process.env.HTTPS_PROXY, use: process.env.NODE_USE_ENV_PROXY };
        process.env.HTTPS_PROXY = "http://proxy.example.test:3128";
        delete process.env.NODE_USE_ENV_PROXY;
        try {
            const proxied = await run(stackFile(), { arcCluster: { hang: true } });
            expect(proxied.error).toContain("HTTPS_PROXY is set: Node's fetch uses it only with NODE_USE_ENV_PROXY=1");
        } finally {
            if (saved.proxy === undefined) delete process.env.HTTPS_PROXY;
            else process.env.HTTPS_PROXY = saved.proxy;
            if (saved.use !== undefined) process.env.NODE_USE_ENV_PROXY = saved.use;
        }
    });

    test("the custom location's namespace is compared with cluster.namespace before the credential's subject is built", async () => {
        const r = await run(stackFile(), { customLocation: { namespace: "aio-prod" } });
        expect(r.resources).toEqual([]);
        expect(r.error).toMatch(
            /aio-secrets:cluster\.namespace: is "azure-iot-operations" but custom location cl-sync deploys to namespace "aio-prod".*set cluster\.namespace: aio-prod/,
        );
        const ok = await run(
            stackFile().replace(
                "    arcResourceGroupName: rg-arc-sync\n",
                "    arcResourceGroupName: rg-arc-sync\n    namespace: aio-prod\n",
            ),
            { customLocation: { namespace: "aio-prod" } },
        );
        expect(ok.error).toBeUndefined();
        expect(inputAt(byType(ok, FIC)[0].inputs, "subject")).toBe("system:serviceaccount:aio-prod:aio-ssc-sa");
    });

    test("a custom location on another Arc cluster is refused, naming both", async () => {
        const r = await run(stackFile(), {
            customLocation: { hostCluster: { name: "arc-other", resourceGroupName: "rg-other" } },
        });
        expect(r.error).toMatch(
            /secretSync\.customLocation\.name: names custom location cl-sync, which runs on Arc cluster arc-other \(resource group rg-other\), not on cluster\.arcClusterName arc-sync/,
        );
    });

    test("pure: the issuer of a cluster body, verbatim; both switches needed; a non-https issuer refused", () => {
        const arc = { name: "c", resourceGroupName: "g" };
        const on = {
            oidcIssuerProfile: { enabled: true, issuerUrl: ARC_ISSUER },
            securityProfile: { workloadIdentity: { enabled: true } },
        };
        expect(clusterIssuer("f.yaml", arc, { location: "eastus2", properties: on })).toEqual({
            issuer: ARC_ISSUER,
            location: "eastus2",
            problems: [],
        });
        const both = clusterIssuer("f.yaml", arc, { properties: {} }).problems.map((p) => p.rule);
        expect(both).toEqual([expect.stringContaining("does not have its OIDC issuer or workload identity enabled")]);
        expect(both[0]).toContain(
            "az connectedk8s update --name c --resource-group g --enable-oidc-issuer --enable-workload-identity",
        );
        const http = clusterIssuer("f.yaml", arc, {
            properties: { ...on, oidcIssuerProfile: { enabled: true, issuerUrl: "http://x/" } },
        });
        expect(http.problems[0].rule).toMatch(/must be an https:\/\/ URL.*: set it yourself/);
    });

    test("a configured issuer is validated in the exact form in which it is used", () => {
        expect(httpsUrl(ARC_ISSUER)).toBeUndefined();
        expect(httpsUrl("https://Issuer.Example/a/")).toMatch(
            /must be written in canonical form, as the issuer's tokens carry it: https:\/\/issuer\.example\/a\/$/,
        );
        expect(httpsUrl("https://issuer.example:443/a/")).toMatch(/: https:\/\/issuer\.example\/a\/$/);
        expect(httpsUrl("https://issuer.example/a/../b/")).toMatch(/: https:\/\/issuer\.example\/b\/$/);
        expect(httpsUrl("https://issuer.example/a b/")).toMatch(/must not contain spaces/);
        expect(httpsUrl("https://issuer.example/a/?")).toMatch(/query or fragment/);
        expect(httpsUrl("https://user@issuer.example/a/")).toMatch(/must not carry user info/);
        expect(issuerSlashWarning("f.yaml", "https://issuer.example/a", { name: "c", resourceGroupName: "g" })).toMatch(
            /does not end with '\/'.*AADSTS700211.*az connectedk8s show --name c --resource-group g --query oidcIssuerProfile\.issuerUrl -o tsv/,
        );
        expect(issuerSlashWarning("f.yaml", ARC_ISSUER, undefined)).toBeUndefined();
    });
});

describe("item 2: the identity waits for the resource group the stack creates", () => {
    test("with createResourceGroup the identity (and so its credential) depends on the group; the plan JSON shows it", async () => {
        const r = await run(stackFile({ keyVault: "    createResourceGroup: true\n" }));
        expect(r.error).toBeUndefined();
        const json = planJson(r);
        const group = json.resources.find((x) => x.type === "azure-native:resources:ResourceGroup")!;
        const identity = json.resources.find((x) => x.type === UAI)!;
        expect(identity.dependsOn).toContain(group.urn);
        const credential = json.resources.find((x) => x.type === FIC)!;
        expect(credential.dependsOn).toContain(identity.urn);
    });

    test("an identity in another group does not wait for it", async () => {
        const r = await run(
            stackFile({ keyVault: "    createResourceGroup: true\n" }).replace(
                "identity: { name: id-sync }",
                "identity: { name: id-sync, resourceGroupName: rg-ids }",
            ),
        );
        expect(r.error).toBeUndefined();
        const group = byType(r, "azure-native:resources:ResourceGroup")[0];
        expect(byType(r, UAI)[0].dependsOn).not.toContain(group.urn);
    });
});

describe("item 3: the Secret Store extension is expected and checked", () => {
    test("by default nothing is declared for it: a GA cluster's own extension is read, never created", async () => {
        const r = await run();
        expect(r.error).toBeUndefined();
        expect(byType(r, EXT)).toEqual([]);
        expect(r.outputs.secretStoreExtensionId).toBeUndefined();
    });

    test("a missing extension stops the run with the command that installs it and the custom location step", async () => {
        const r = await run(stackFile(), { secretStore: { installed: false } });
        expect(r.resources).toEqual([]);
        expect(r.error).toContain(
            "aio-secrets:secretSync.extension.install: is false (the default: AIO GA installs the extension) but Arc cluster arc-sync has no Secret Store extension azure-secret-store",
        );
        expect(r.error).toContain(
            "az k8s-extension create --cluster-name arc-sync --resource-group rg-arc-sync --cluster-type connectedClusters --name azure-secret-store --extension-type microsoft.azure.secretstore " +
                "--release-train stable --version 1.5.1 --auto-upgrade-minor-version false --config rotationPollIntervalInSeconds=120 --config validatingAdmissionPolicies.applyPolicies=false",
        );
        expect(r.error).toContain(
            "az customlocation patch --name cl-sync --resource-group rg-arc-sync --cluster-extension-ids ",
        );
        expect(r.error).toContain("set secretSync.extension.install: true");
    });

    test("an extension the custom location does not list is refused, with the patch that keeps its other extensions", async () => {
        const r = await run(stackFile(), { secretStore: { inCustomLocation: false } });
        expect(r.resources).toEqual([]);
        expect(r.error).toMatch(
            /the Secret Store extension azure-secret-store is on Arc cluster arc-sync but not among custom location cl-sync's cluster extensions/,
        );
        expect(r.error).toContain(
            `/connectedClusters/arc-sync/providers/Microsoft.KubernetesConfiguration/extensions/azure-iot-operations-ver "$(az k8s-extension show`,
        );
    });

    test("an extension that cannot be read (403, no route) is not taken as missing: install: true would create one that exists", async () => {
        const denied =
            "GET extensions/azure-secret-store: 403 AuthorizationFailed: The client does not have authorization";
        for (const sync of ["", "    extension: { install: true }\n"]) {
            const r = await run(stackFile({ sync }), { secretStore: { readError: denied } });
            expect(r.resources).toEqual([]);
            expect(byType(r, EXT)).toEqual([]);
            expect(r.error).toContain(
                "aio-secrets:secretSync.extension.name: the Secret Store extension azure-secret-store on Arc cluster arc-sync cannot be read (GET extensions/azure-secret-store: 403 AuthorizationFailed",
            );
            expect(r.error).toContain("Microsoft.KubernetesConfiguration/extensions/read");
        }
    });

    test("an extension of another type under that name is refused", async () => {
        const r = await run(stackFile(), { secretStore: { extensionType: "microsoft.azurekeyvaultsecretsprovider" } });
        expect(r.error).toMatch(
            /extension azure-secret-store on Arc cluster arc-sync is of type "microsoft\.azurekeyvaultsecretsprovider", not microsoft\.azure\.secretstore/,
        );
    });

    test("install: true on a cluster without it is staged: the extension first, the SPC and SecretSyncs after the custom location lists it", async () => {
        const stack = stackFile({ sync: "    extension: { install: true }\n" });
        const stage1 = await run(stack, { secretStore: { installed: false } });
        expect(stage1.error).toBeUndefined();
        expect(byType(stage1, EXT)).toHaveLength(1);
        // Never uninstalled by the stack: AIO reads every secret through it.
        expect(byType(stage1, EXT)[0].retainOnDelete).toBe(true);
        expect(byType(stage1, SPC)).toEqual([]);
        expect(byType(stage1, SYNC)).toEqual([]);
        expect(stage1.warnings).toContainEqual(
            expect.stringMatching(
                /stage 1 of 2: this up installs the Secret Store extension azure-secret-store .*az customlocation patch --name cl-sync/,
            ),
        );
        expect(String(stage1.outputs.nextStep)).toMatch(
            /^az customlocation patch --name cl-sync --resource-group rg-arc-sync --cluster-extension-ids /,
        );
        // The plan says so.
        expect(planText(stage1, { stackFile: "Pulumi.sync.yaml", catalogFile: "secrets.yaml" })).toContain(
            "stage 1 of 2",
        );
        const stage2 = await run(stack);
        expect(stage2.error).toBeUndefined();
        expect(byType(stage2, EXT)).toHaveLength(1);
        expect(byType(stage2, SYNC)).toHaveLength(2);
        // The extension stays the same resource from stage 1 to stage 2.
        expect(diffRuns(stage1, stage2).changed.map((c) => c.name)).not.toContain("secret-store-extension");
    });

    test("the review diff warns when the Secret Store extension leaves the stack: an old state without retainOnDelete uninstalls it", async () => {
        const installed = await run(stackFile({ sync: "    extension: { install: true }\n" }));
        const expected = await run();
        const diff = diffRuns(installed, expected);
        const urn = byType(installed, EXT)[0].urn;
        expect(diff.removed).toEqual([expect.objectContaining({ urn, retainOnDelete: true })]);
        const warning = diff.warnings.find((w) =>
            w.startsWith("Arc extension azure-secret-store on cluster arc-sync leaves the stack"),
        );
        expect(warning).toContain("pulumi up UNINSTALLS it from the cluster and AIO loses every secret it reads");
        expect(warning).toContain("keep secretSync.extension.install: true for one more up");
        expect(warning).toContain(`pulumi state delete --stack sync '${urn}'`);
        // Nothing to say when it stays, nor after step both of the move from CSI (only versions that retain it know that step).
        expect(diffRuns(installed, installed).warnings.filter((w) => w.startsWith("Arc extension"))).toEqual([]);
        const both = { ...installed, outputs: { ...installed.outputs, deliveryStep: "both" } };
        expect(diffRuns(both, expected).warnings.filter((w) => w.startsWith("Arc extension"))).toEqual([]);
    });

    test("pure: the custom location lists an extension by id, without case and whatever the subscription", () => {
        const cluster = { name: "Arc-1", resourceGroupName: "RG" };
        const id =
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.kubernetes/connectedclusters/arc-1/providers/Microsoft.KubernetesConfiguration/extensions/azure-secret-store";
        expect(listsExtension({ location: "x", clusterExtensionIds: [id] }, cluster, "azure-secret-store")).toBe(true);
        expect(listsExtension({ location: "x", clusterExtensionIds: [id] }, cluster, "other")).toBe(false);
        expect(listsExtension({ location: "x" }, cluster, "azure-secret-store")).toBe(false);
        expect(
            customLocationPatchCommand(
                { name: "cl", resourceGroupName: "g" },
                { location: "x", clusterExtensionIds: ["/a"] },
                cluster,
                "e",
            ),
        ).toBe(
            'az customlocation patch --name cl --resource-group g --cluster-extension-ids /a "$(az k8s-extension show --cluster-name Arc-1 --resource-group RG --cluster-type connectedClusters --name e --query id -o tsv)"',
        );
        expect(
            extensionCreateCommand(cluster, {
                name: "e",
                version: "1.6.0",
                releaseTrain: "preview",
                rotationPollIntervalInSeconds: 60,
            }),
        ).toContain("--release-train preview --version 1.6.0");
    });
});

describe("commands printed for pasting quote what a shell would misread", () => {
    // Resource group names may hold '(' and ')' (stacks/rules.ts resourceGroupName): unquoted, bash stops with a syntax error.
    const cluster = { name: "arc-1", resourceGroupName: "rg(edge).1" };
    const words = (command: string): string[] =>
        JSON.parse(
            execFileSync(
                "bash",
                [
                    "-c",
                    `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${command.replace(/^az /, "")}`,
                ],
                { encoding: "utf8" },
            ),
        ) as string[];

    test("each command reaches az as the words it names (checked by bash itself)", () => {
        expect(words(issuerQuery(cluster))).toEqual([
            "connectedk8s",
            "show",
            "--name",
            "arc-1",
            "--resource-group",
            "rg(edge).1",
            "--query",
            "oidcIssuerProfile.issuerUrl",
            "-o",
            "tsv",
        ]);
        const create = words(
            extensionCreateCommand(cluster, {
                name: "e",
                version: "1.6.0",
                releaseTrain: "stable",
                rotationPollIntervalInSeconds: 60,
            }),
        );
        expect(create.slice(0, 7)).toEqual([
            "k8s-extension",
            "create",
            "--cluster-name",
            "arc-1",
            "--resource-group",
            "rg(edge).1",
            "--cluster-type",
        ]);
        const id =
            "/subscriptions/s/resourceGroups/rg(edge).1/providers/Microsoft.Kubernetes/connectedClusters/arc-1/providers/Microsoft.KubernetesConfiguration/extensions/aio";
        const patch = customLocationPatchCommand(
            { name: "cl", resourceGroupName: "rg(edge).1" },
            { location: "x", clusterExtensionIds: [id] },
            cluster,
            "e",
        );
        expect(patch).toContain(
            `--cluster-extension-ids '${id}' "$(az k8s-extension show --cluster-name arc-1 --resource-group 'rg(edge).1' `,
        );
        expect(() => execFileSync("bash", ["-n", "-c", patch])).not.toThrow();
        expect(words(patch.replace(/"\$\(.*\)"$/, "x")).slice(0, 7)).toEqual([
            "customlocation",
            "patch",
            "--name",
            "cl",
            "--resource-group",
            "rg(edge).1",
            "--cluster-extension-ids",
        ]);
        const link = instanceLinkCommand(undefined, undefined, "rg(edge).1", {
            resourceGroupName: "rg(edge).1",
            name: "spc-ops-1234567",
        });
        expect(() => execFileSync("bash", ["-n", "-c", link])).not.toThrow();
        expect(shellArg("it's")).toBe(`'it'\\''s'`);
        expect(words(`x ${shellArg("a b;$(c)'d")}`)).toEqual(["x", "a b;$(c)'d"]);
    });
});

describe("item 4: each SecretSync waits until its grants can work", () => {
    test("a propagation wait after the role assignments and the federated credential, before every SecretSync (plan JSON)", async () => {
        const r = await run();
        expect(r.error).toBeUndefined();
        const json = planJson(r);
        const [sleep] = json.resources.filter((x) => x.type === SLEEP);
        expect(sleep).toBeDefined();
        expect(inputAt(sleep.inputs, "createDuration")).toBe("5m");
        const grants = json.resources
            .filter((x) => x.type === "azure-native:authorization:RoleAssignment")
            .map((x) => x.urn);
        const credentials = json.resources.filter((x) => x.type === FIC).map((x) => x.urn);
        expect(grants.length).toBeGreaterThan(0);
        expect(sleep.dependsOn).toEqual(expect.arrayContaining([...grants, ...credentials]));
        const syncs = json.resources.filter((x) => x.type === SYNC);
        expect(syncs).toHaveLength(2);
        for (const s of syncs)
            expect({ sync: s.name, waits: s.dependsOn.includes(sleep.urn) }).toEqual({ sync: s.name, waits: true });
    });

    test("the hundredth up: unchanged, no diff; a new issuer (credential replaced) or another identity changes its triggers, so it waits again", async () => {
        const first = await run();
        const same = await run();
        expect(diffRuns(first, same).changed).toEqual([]);
        const moved = await run(stackFile(), { arcCluster: { issuerUrl: ARC_ISSUER } });
        const changed = diffRuns(first, moved).changed.find((c) => c.name === "propagation-sleep");
        expect(changed?.fields.map((f) => f.path)).toEqual(["triggers.credentials"]);
        const other = await run(stackFile().replace("identity: { name: id-sync }", "identity: { name: id-other }"));
        const fields =
            diffRuns(first, other)
                .changed.find((c) => c.name === "propagation-sleep")
                ?.fields.map((f) => f.path) ?? [];
        expect(fields).toContain("triggers.principalId");
    });

    test("it waits for the identity's own grants only: another deployer's grant does not make it wait again", async () => {
        const first = await run();
        const twoDeployers = stackFile().replace(
            "    - { objectId: 77777777-8888-9999-aaaa-bbbbbbbbbbbb, type: ServicePrincipal }\n",
            "    - { objectId: 77777777-8888-9999-aaaa-bbbbbbbbbbbb, type: ServicePrincipal }\n    - { objectId: 66666666-8888-9999-aaaa-bbbbbbbbbbbb, type: User }\n",
        );
        const more = await run(twoDeployers);
        expect(more.error).toBeUndefined();
        expect(diffRuns(first, more).added.length).toBeGreaterThan(0);
        expect(diffRuns(first, more).changed.find((c) => c.name === "propagation-sleep")).toBeUndefined();
        // The triggers name the identity's role assignments by their ARM ids (scope, principal, role).
        const grants = String(inputAt(byType(first, SLEEP)[0].inputs, "triggers.grants"));
        expect(grants.split(",")).toHaveLength(2);
        for (const id of grants.split(","))
            expect(id).toMatch(
                /\/providers\/Microsoft\.KeyVault\/vaults\/kv-sync-01\/providers\/Microsoft\.Authorization\/roleAssignments\/[0-9a-f-]{36}$/,
            );
    });

    test("propagationWait sets the duration; 0s declares no wait", async () => {
        const longer = await run(stackFile({ sync: "    propagationWait: 10m\n" }));
        expect(inputAt(byType(longer, SLEEP)[0].inputs, "createDuration")).toBe("10m");
        const none = await run(stackFile({ sync: "    propagationWait: 0s\n" }));
        expect(none.error).toBeUndefined();
        expect(byType(none, SLEEP)).toEqual([]);
        const bad = await run(stackFile({ sync: "    propagationWait: soon\n" }));
        expect(bad.error).toMatch(/aio-secrets:secretSync\.propagationWait "soon": must be a duration/);
    });
});

test("item 4: the README says how long a first sync can take and how to force one", () => {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8").replace(/\s+/g, " ");
    const said = /\*\*First sync in secret-sync mode\*\*([^*]*)/.exec(readme)?.[1] ?? "";
    expect(said).toMatch(/minutes to propagate/);
    expect(said).toMatch(/about 16 minutes/);
    expect(said).toContain(`\`secretSync.propagationWait\` (default \`${SECRET_SYNC_DEFAULTS.propagationWait}\`)`);
    expect(said).toContain("`secretSync.forceSynchronization`");
});

describe("item 7: the Arc cluster's region, not azure-native:location", () => {
    test("SPC, SecretSyncs and the identity default to the Arc cluster's region", async () => {
        const r = await run(stackFile(), { arcCluster: { location: "eastus2" } });
        expect(r.error).toBeUndefined();
        for (const x of [...byType(r, SPC), ...byType(r, SYNC), ...byType(r, UAI)])
            expect({ name: x.name, location: inputAt(x.inputs, "location") }).toEqual({
                name: x.name,
                location: "eastus2",
            });
    });

    test("an explicit secretSync.location wins; with only an issuer URL, the custom location's region", async () => {
        const explicit = await run(stackFile({ sync: "    location: northeurope\n" }), {
            arcCluster: { location: "eastus2" },
        });
        expect(inputAt(byType(explicit, SPC)[0].inputs, "location")).toBe("northeurope");
        const issuerOnly = await run(stackFile({ sync: `    oidcIssuerUrl: ${ARC_ISSUER}\n` }), {
            arcCluster: { location: "eastus2" },
            customLocation: { location: "swedencentral" },
        });
        expect(issuerOnly.error).toBeUndefined();
        expect(inputAt(byType(issuerOnly, SPC)[0].inputs, "location")).toBe("swedencentral");
    });

    test("an identity deployed when the default was azure-native:location is never moved: ARM cannot move one, so its location is taken at creation only", async () => {
        const r = await run(stackFile(), { arcCluster: { location: "eastus2" } });
        expect(byType(r, UAI)[0].ignoreChanges).toEqual(["location"]);
        // What ARM must place with the custom location still follows it.
        for (const x of [...byType(r, SPC), ...byType(r, SYNC)]) expect(x.ignoreChanges).toEqual([]);
    });

    test("no azure-native:location needed", async () => {
        const r = await run(stackFile().replace("  azure-native:location: westeurope\n", ""), {
            arcCluster: { location: "eastus2" },
        });
        expect(r.error).toBeUndefined();
        expect(inputAt(byType(r, SPC)[0].inputs, "location")).toBe("eastus2");
    });

    test("a preview that cannot read the cluster leaves the region unknown, never made up", async () => {
        const r = await run(stackFile(), { mode: "preview" });
        expect(r.error).toBeUndefined();
        const spc = planJson(r).resources.find((x) => x.type === SPC)!;
        expect(inputAt(spc.inputs, "location")).toBe("(known after up)");
    });
});

describe("item 13: the instance link, printed with the stack's ids", () => {
    test("the plan prints the read-modify-PUT of the instance at 2025-07-01-preview", async () => {
        const r = await run(stackFile({ sync: "    instance: { name: aio-sync }\n" }));
        expect(r.error).toBeUndefined();
        const command =
            `az resource update --ids "/subscriptions/${SUB}/resourceGroups/rg-arc-sync/providers/Microsoft.IoTOperations/instances/aio-sync" --api-version 2025-07-01-preview ` +
            `--set "properties.defaultSecretProviderClassRef={\\"resourceId\\":\\"/subscriptions/${SUB}/resourceGroups/rg-arc-sync/providers/Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses/${defaultSpcName("rg-arc-sync", "cl-sync")}\\"}"`;
        expect(r.outputs.instanceLinkCommand).toBe(command);
        expect(r.outputs.secretProviderClassId).toBe(command.match(/\\"resourceId\\":\\"([^\\]+)\\"/)![1]);
        expect(planJson(r).outputs).toMatchObject({ instanceLinkCommand: command });
        expect(planText(r, { stackFile: "Pulumi.sync.yaml", catalogFile: "secrets.yaml" })).toContain(
            "instanceLinkCommand:",
        );
    });

    test("pure: without a subscription or an instance name, the command finds them itself", () => {
        const c = instanceLinkCommand(undefined, undefined, "rg-arc", { resourceGroupName: "rg-arc", name: "spc" });
        expect(c).toContain(`--ids "$(az iot ops list --resource-group rg-arc --query '[0].id' -o tsv)"`);
        expect(c).toContain(
            "/subscriptions/$(az account show --query id -o tsv)/resourceGroups/rg-arc/providers/Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses/spc",
        );
    });

    test("the instance name follows ARM's rule", async () => {
        const r = await run(stackFile({ sync: "    instance: { name: AIO_1 }\n" }));
        expect(r.error).toMatch(
            /aio-secrets:secretSync\.instance\.name "AIO_1": only lower-case letters, digits and '-'/,
        );
    });
});

describe("the shipped ga stack", () => {
    test.each(["preview", "up"] as const)(
        "plans as shipped (%s), with no extension and a wait before every SecretSync",
        async (mode) => {
            const r = await runStack({ stack: "ga", mode });
            expect(r.error).toBeUndefined();
            expect(byType(r, EXT)).toEqual([]);
            const sleep = byName(r, "propagation-sleep");
            for (const s of byType(r, SYNC)) expect(s.dependsOn).toContain(sleep.urn);
            // The identity is ordered after the resource group the stack creates.
            expect(byType(r, UAI)[0].dependsOn).toContain(byType(r, "azure-native:resources:ResourceGroup")[0].urn);
            expect(r.outputs.instanceLinkCommand).toContain(
                '/providers/Microsoft.IoTOperations/instances/aio-ga" --api-version 2025-07-01-preview',
            );
            // --permissions lists the reads made before anything is declared.
            const reads = (planJson(r, { permissions: true }).permissions?.azure ?? [])
                .filter((n) => n.operations.includes("read") && n.operations.length === 1)
                .map((n) => n.resourceType);
            expect(reads).toEqual(
                expect.arrayContaining([
                    "Microsoft.ExtendedLocation/customLocations",
                    "Microsoft.KubernetesConfiguration/extensions",
                    "Microsoft.Kubernetes/connectedClusters",
                ]),
            );
        },
    );
});

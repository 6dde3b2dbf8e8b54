import * as fs from "node:fs";
import * as path from "node:path";
import { restartPatchName } from "../components/spc/SecretProviderClass";
import { WORKLOAD_KINDS } from "../stacks/catalog";
import { typeAliasTransformation, withoutTypeAliases } from "../tools/harness";
import { outputFiles, planJson, planText } from "../tools/planRender";
import { byType, MINIMAL_STACK, runStack, scratch } from "./helpers";

/**
 * Two resources with one URN stop a real `pulumi up` ("Duplicate resource URN"); the mocks
 * accept them silently. The harness refuses them as the engine does, and the restart patches'
 * names are unique for every combination of SPC, kind, namespace and workload.
 */

describe("restartPatchName", () => {
    test("keeps the historical name where it splits one way", () => {
        expect(restartPatchName("spc-aio-default-spc", { kind: "StatefulSet", name: "aio-dp-runner-worker" })).toBe(
            "spc-aio-default-spc-restart-statefulset-aio-dp-runner-worker",
        );
        expect(restartPatchName("spc-app", { kind: "Deployment", name: "web", namespace: "apps" })).toBe(
            "spc-app-restart-deployment-apps/web",
        );
    });

    test("SPC a rolling b-restart-deployment-c and SPC a-restart-deployment-b rolling c get two names", () => {
        const one = restartPatchName("spc-a", { kind: "Deployment", name: "b-restart-deployment-c" });
        const two = restartPatchName("spc-a-restart-deployment-b", { kind: "Deployment", name: "c" });
        expect(one).not.toBe(two);
    });

    test("injective over names made of `-restart-` pieces, kinds and namespaces", () => {
        const pieces = [
            "a",
            "c",
            "restart",
            "a-restart",
            "restart-b",
            "a-restart-deployment",
            "deployment-b",
            "a-restart-deployment-b",
            "b-restart-deployment-c",
            "a.restart-x",
        ];
        const namespaces = [undefined, ...pieces.filter((p) => !p.includes("."))];
        const seen = new Map<string, string>();
        for (const spc of pieces) {
            for (const kind of WORKLOAD_KINDS) {
                for (const namespace of namespaces) {
                    for (const workload of pieces) {
                        const id = JSON.stringify([spc, kind, namespace, workload]);
                        const name = restartPatchName(`spc-${spc}`, { kind, name: workload, namespace });
                        expect({ name, first: seen.get(name) ?? id }).toEqual({ name, first: id });
                        seen.set(name, id);
                    }
                }
            }
        }
        expect(seen.size).toBe(pieces.length * WORKLOAD_KINDS.length * namespaces.length * pieces.length);
    });
});

describe("the program and the harness", () => {
    test("the colliding catalog of the issue plans with two distinct patches", async () => {
        const dir = scratch({
            "Pulumi.urns.yaml": MINIMAL_STACK,
            "secrets.yaml":
                "secretProviderClasses:\n" +
                "  a:\n    restart:\n      - { kind: Deployment, name: b-restart-deployment-c }\n" +
                "  a-restart-deployment-b:\n    restart:\n      - { kind: Deployment, name: c }\n" +
                "secrets:\n  - { name: s1, source: generated, spcs: [a, a-restart-deployment-b] }\n",
        });
        const run = await runStack({
            stack: "urns",
            stackFile: path.join(dir, "Pulumi.urns.yaml"),
            catalogFile: path.join(dir, "secrets.yaml"),
        });
        expect(run.error).toBeUndefined();
        const patches = byType(run, "kubernetes:apps/v1:DeploymentPatch").map((r) => r.urn);
        expect(patches).toHaveLength(2);
        expect(new Set(patches).size).toBe(2);
        expect(new Set(run.resources.map((r) => r.urn)).size).toBe(run.resources.length);
    });

    test("the harness refuses a duplicate URN as the engine does, as the run's error", async () => {
        // A two-line program that declares one component twice under the same name.
        const pulumiPath = require.resolve("@pulumi/pulumi");
        const dir = scratch({
            "Pulumi.dup.yaml": MINIMAL_STACK,
            "index.ts":
                `const pulumi = require(${JSON.stringify(pulumiPath)});\n` +
                `export = () => { new pulumi.ComponentResource("test:index:Thing", "twice"); new pulumi.ComponentResource("test:index:Thing", "twice"); return {}; };\n`,
        });
        const run = await runStack({ stack: "dup", projectDir: dir, stackFile: path.join(dir, "Pulumi.dup.yaml") });
        expect(run.error).toMatch(
            /^Duplicate resource URN 'urn:pulumi:dup::aio-secrets::[^']*test:index:Thing::twice'; try giving it a unique name$/,
        );
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("values the offline plan cannot know", () => {
    test("tenant (when not set), deployer and subscription ids are (known after up) in text, JSON and manifests, never made up", async () => {
        const stackText =
            MINIMAL_STACK.replace(/ {2}aio-secrets:tenantId: .*\n/, "") + "  aio-secrets:environment: dev\n";
        expect(stackText).not.toContain("tenantId");
        const dir = scratch({ "Pulumi.unknown.yaml": stackText, "secrets.yaml": "secrets: []\n" });
        // configDir: the scratch directory (no Pulumi.yaml), so no project config sets the tenant.
        const run = await runStack({
            stack: "unknown",
            stackFile: path.join(dir, "Pulumi.unknown.yaml"),
            configDir: dir,
            catalogFile: path.join(dir, "secrets.yaml"),
            mode: "preview",
        });
        expect(run.error).toBeUndefined();
        const text = planText(run, { stackFile: "Pulumi.unknown.yaml", catalogFile: "secrets.yaml" });
        const json = JSON.stringify(planJson(run));
        const manifests = outputFiles(run)
            .map((f) => f.yaml)
            .join("\n");
        for (const shown of [text, json, manifests]) {
            expect(shown).not.toMatch(/00000000-0000-0000-0000-0000000000(aa|cc)/);
            expect(shown).not.toContain("deploying identity");
        }
        const spc = outputFiles(run).find((f) => f.fileName === "spc-aio-default-spc-spc.yaml")!;
        expect(spc.yaml).toMatch(/tenantId: \(known after up\)/);
        const writer = planJson(run).resources.find(
            (r) => r.type === "azure-native:keyvault:AccessPolicy" && JSON.stringify(r.inputs).includes('"set"'),
        );
        expect(writer && JSON.stringify(writer.inputs)).toContain('"objectId":"(known after up)"');
        expect(text).toMatch(/vaultTenantId: "\(known after up\)"/);
    });
});

describe("an offline run drops the aliases that only rename the type (azure-native's API versions)", () => {
    test("withoutTypeAliases keeps names, parents, URNs and Outputs", () => {
        const output = { isOutput: true };
        const aliases: unknown[] = [
            { type: "azure-native:keyvault/v20230701:Secret" },
            { name: "old-name" },
            { type: "t", name: "n" },
            "urn:pulumi:dev::aio-secrets::t::n",
            output,
            JSON.parse('{"__proto__": {"type": "x"}}'),
        ];
        expect(withoutTypeAliases(aliases, (a) => a === output)).toEqual(aliases.slice(1));
    });

    test("the stack transformation: options without a type alias are left alone", () => {
        const transform = typeAliasTransformation(() => false);
        const args = (aliases?: unknown[]) =>
            ({ type: "t", name: "n", props: { a: 1 }, opts: { aliases, protect: true } }) as never;
        expect(transform(args([{ type: "a" }, { name: "b" }]))).toEqual({
            props: { a: 1 },
            opts: { aliases: [{ name: "b" }], protect: true },
        });
        expect(transform(args([{ name: "b" }]))).toBeUndefined();
        expect(transform(args(undefined))).toBeUndefined();
    });
});

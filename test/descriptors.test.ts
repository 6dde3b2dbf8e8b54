import * as fs from "node:fs";
import * as path from "node:path";
import type { ComponentDescriptor, ResourceDescriptor } from "../components/descriptor";
import { COMPONENT_DESCRIPTORS, componentDescriptor, resourceDescriptor } from "../components/descriptors";
import { vaultSecretsDescriptor } from "../components/secrets/descriptor";
import { keyVaultDescriptor } from "../components/keyvault/descriptor";
import { SPC_TYPE } from "../components/spc/descriptor";
import { SPC_TYPE as POLICY_SPC_TYPE } from "../policy/policies";
import type { RecordedResource, RunResult } from "../tools/harness";
import { permissionNeeds } from "../tools/permissions";
import { planText } from "../tools/planRender";
import { PROJECT_DIR, runStack, stackNames } from "./helpers";

/**
 * The tables the tools print (permissions, the plan's settings lines, the fake cloud's
 * outputs) come from the components' descriptors, and every resource the program declares
 * has one.
 */

const PROVIDER = /^pulumi:providers:/;

/** Every `.ts` file under components/, relative paths. */
function componentFiles(dir = path.join(PROJECT_DIR, "components")): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) =>
            e.isDirectory()
                ? componentFiles(path.join(dir, e.name))
                : e.name.endsWith(".ts")
                  ? [path.join(dir, e.name)]
                  : [],
        );
}

/** Whether a component's descriptor covers a child type, exactly or by pattern. */
function covers(component: ComponentDescriptor, type: string): boolean {
    return Object.hasOwn(component.resources, type) || (component.patterns ?? []).some((p) => p.match.test(type));
}

describe("every component has a descriptor", () => {
    it("one per ComponentResource type registered under components/, and none without a component", () => {
        const registered = componentFiles()
            .flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(/super\("(aio-secrets:[^"]+)"/g)].map((m) => m[1]))
            .sort();
        expect(registered.length).toBeGreaterThan(10);
        expect(COMPONENT_DESCRIPTORS.map((d) => d.type).sort()).toEqual(registered);
    });

    it("a type two components declare is described once (one shared object)", () => {
        const seen = new Map<string, ResourceDescriptor>();
        for (const component of COMPONENT_DESCRIPTORS) {
            for (const [type, descriptor] of Object.entries(component.resources)) {
                const earlier = seen.get(type);
                if (earlier !== undefined) expect([type, earlier === descriptor]).toEqual([type, true]);
                seen.set(type, descriptor);
            }
        }
    });
});

describe.each(stackNames())("stack %s: what the program declares is described", (stack) => {
    let preview: RunResult;
    beforeAll(async () => {
        preview = await runStack({ stack });
    });

    it("each resource by its component's descriptor, with rights and display keys", () => {
        expect(preview.error).toBeUndefined();
        const byUrn = new Map(preview.resources.map((r) => [r.urn, r]));
        const missing: string[] = [];
        for (const r of preview.resources) {
            if (!r.custom) {
                if (componentDescriptor(r.type) === undefined) missing.push(`component ${r.type}`);
                continue;
            }
            if (PROVIDER.test(r.type)) continue;
            const parent = r.parent !== undefined ? byUrn.get(r.parent) : undefined;
            const component = parent ? componentDescriptor(parent.type) : undefined;
            if (component === undefined || !covers(component, r.type))
                missing.push(`${r.type} under ${parent?.type ?? "the stack"}`);
            const descriptor = resourceDescriptor(r.type);
            if (descriptor === undefined) continue;
            expect([r.type, descriptor.display.length > 0 || (component?.patterns ?? []).length > 0]).toEqual([
                r.type,
                true,
            ]);
        }
        expect(missing).toEqual([]);
        expect(permissionNeeds(preview).unknownTypes).toEqual([]);
    });
});

describe("the fake cloud's outputs are the descriptors'", () => {
    it("up mode answers an Entra application with its descriptor's fake (the stack's servicePrincipalClientId)", async () => {
        await runStack({ stack: "dev" });
        // The module instance the harness loaded (runStack gives it a fresh registry).
        const identity =
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            require("../components/identity/descriptor") as typeof import("../components/identity/descriptor");
        const application = identity.servicePrincipalDescriptor.resources["azuread:index/application:Application"];
        const fake = application.fake!;
        const before = await runStack({ stack: "dev", mode: "up" });
        expect(before.outputs.servicePrincipalClientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
        try {
            (application as { fake: typeof fake }).fake = (ctx) => {
                const made = fake(ctx);
                return { ...made, state: { ...made.state, clientId: "client-id-from-the-descriptor" } };
            };
            const after = await runStack({ stack: "dev", mode: "up" });
            expect(after.outputs.servicePrincipalClientId).toBe("client-id-from-the-descriptor");
        } finally {
            (application as { fake: typeof fake }).fake = fake;
        }
    });
});

describe("the tools read the descriptors, not tables of their own", () => {
    const base = { stack: "dev", project: "aio-secrets", outputs: {}, warnings: [] };
    const resource = (type: string, inputs: Record<string, unknown>): RecordedResource => ({
        urn: `urn:pulumi:dev::aio-secrets::${type}::x`,
        type,
        name: "x",
        custom: true,
        inputs,
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        replaceOnChanges: [],
        dependsOn: [],
    });
    const files = { stackFile: "Pulumi.dev.yaml", catalogFile: "stacks/secrets.yaml" };
    const secret = vaultSecretsDescriptor.resources["azure-native:keyvault:Key"];

    it("the plan's settings line shows a descriptor's display keys, and only those", () => {
        const run = {
            ...base,
            resources: [
                resource("azure-native:keyvault:Key", {
                    keyName: "k1",
                    vaultName: "kv",
                    extra: "not-shown",
                    properties: { kty: "RSA" },
                }),
            ],
        };
        expect(planText(run, files)).toContain("keyName=k1 vaultName=kv kty=RSA\n");
        const display = secret.display;
        try {
            (secret as { display: readonly unknown[] }).display = ["extra"];
            expect(planText(run, files)).toContain("extra=not-shown\n");
            expect(planText(run, files)).not.toContain("keyName=k1");
        } finally {
            (secret as { display: readonly unknown[] }).display = display;
        }
    });

    it("the permissions are a descriptor's rights", () => {
        const run = { ...base, resources: [resource("azure-native:keyvault:Key", {})] };
        const rights = secret.rights;
        expect(permissionNeeds(run).azure.map((n) => n.resourceType)).toEqual(["Microsoft.KeyVault/vaults/keys"]);
        try {
            (secret as { rights: unknown }).rights = {
                kind: "azure",
                rights: [
                    { resourceType: "Microsoft.Test/things", operations: ["read"], role: "Tester", deletes: false },
                ],
            };
            expect(permissionNeeds(run).azure).toEqual([
                {
                    resourceType: "Microsoft.Test/things",
                    operations: ["read"],
                    plane: "control",
                    role: "Tester",
                    resources: ["x"],
                },
            ]);
            (secret as { rights: unknown }).rights = { kind: "local" };
            expect(permissionNeeds(run)).toEqual({ azure: [], graph: [], kubernetes: [], unknownTypes: [] });
        } finally {
            (secret as { rights: unknown }).rights = rights;
        }
        // A type no component declares is listed as unknown, never silently dropped.
        expect(
            permissionNeeds({ ...base, resources: [resource("azure-native:network:VirtualNetwork", {})] }).unknownTypes,
        ).toEqual(["azure-native:network:VirtualNetwork"]);
    });

    it("an existing vault's read right is the KeyVault descriptor's lookup", () => {
        expect(permissionNeeds({ ...base, resources: [] }, ["kv-existing"]).azure).toEqual(
            (keyVaultDescriptor.lookups ?? []).map((l) =>
                expect.objectContaining({ resourceType: l.resourceType, role: l.role, resources: ["kv-existing"] }),
            ),
        );
    });

    it("the policy pack's SecretProviderClass type is the SPC component's", () => {
        expect(POLICY_SPC_TYPE).toBe(SPC_TYPE);
    });
});

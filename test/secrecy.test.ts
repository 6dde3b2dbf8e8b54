import type { RunResult } from "../tools/harness";
import { kubernetesManifests, planJson, planText } from "../tools/planRender";
import { plaintextPaths, runStack, stackNames } from "./helpers";

/**
 * Known plaintext values go in as secret config; none of them, nor the SP password or any
 * generated value, may appear unwrapped anywhere: resource inputs, stack outputs, plan text,
 * plan JSON, rendered manifests, warnings.
 */

const KNOWN: Record<string, string> = {
    "aio-secrets:secretValues.mq-password": "PLAINTEXT-mq-7f3a9c",
    "aio-secrets:secretValues.opcua-user-password": "PLAINTEXT-opcua-1b2d4e",
    "aio-secrets:servicePrincipal.clientSecret": "PLAINTEXT-sp-client-secret-88aa",
};

/** Values the mocks make up for provider-generated secrets (see tools/harness.ts). */
const GENERATED_MARKERS = ["mock-password-value-", "mock-generated-value-", "PRIVATE KEY"];

/** Every value that must never be seen: the known ones and the generated markers. */
const NEEDLES = [...Object.values(KNOWN), ...GENERATED_MARKERS];

function everythingShown(run: RunResult): string {
    return [
        planText(run, { stackFile: "Pulumi.x.yaml", catalogFile: "stacks/secrets.yaml" }),
        JSON.stringify(planJson(run)),
        ...kubernetesManifests(run).map((m) => m.yaml),
        ...run.warnings,
    ].join("\n");
}

describe.each(stackNames())("stack %s", (stack) => {
    test.each(["up", "preview"] as const)("no secret value travels unwrapped (%s)", async (mode) => {
        const run = await runStack({ stack, mode, secureValues: KNOWN });
        expect(run.error).toBeUndefined();
        const shown = everythingShown(run);
        for (const needle of NEEDLES) {
            for (const r of run.resources)
                expect({ resource: r.name, paths: plaintextPaths(r.inputs, needle) }).toEqual({
                    resource: r.name,
                    paths: [],
                });
            expect(plaintextPaths(run.outputs, needle)).toEqual([]);
            expect(shown).not.toContain(needle);
        }
    });
});

test("the values really flowed into the program (the scan looks at the right place)", async () => {
    const run = await runStack({ stack: "dev", mode: "up", secureValues: KNOWN });
    const raw = JSON.stringify(run.resources.map((r) => r.inputs));
    expect(raw).toContain(KNOWN["aio-secrets:secretValues.mq-password"]);
    expect(raw).toContain("mock-password-value-identity-password");
    expect(raw).toContain("mock-generated-value-vault-secrets-dataflow-api-token-value");
    expect(raw).toContain("-----BEGIN EC PRIVATE KEY-----");
});

test("the test CA's private key reaches its Secret wrapped, and only there", async () => {
    const run = await runStack({ stack: "dev", mode: "up", secureValues: KNOWN });
    const holders = run.resources.filter((r) => JSON.stringify(r.inputs).includes("PRIVATE KEY")).map((r) => r.name);
    // The certificate is signed with the key (an input of the tls provider), the Secret carries it.
    expect(holders.sort()).toEqual(["ca-cert", "ca-key-pair"]);
    for (const name of holders) {
        const r = run.resources.find((x) => x.name === name)!;
        expect(plaintextPaths(r.inputs, "PRIVATE KEY")).toEqual([]);
    }
    expect(plaintextPaths(run.outputs, "PRIVATE KEY")).toEqual([]);
    expect(JSON.stringify(run.outputs)).not.toContain("PRIVATE KEY");
    expect(everythingShown(run)).not.toContain("PRIVATE KEY");
});

test("the SP password and the default secret's random bytes reach their consumers wrapped", async () => {
    const run = await runStack({ stack: "dev", mode: "up", secureValues: KNOWN });
    const sp = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    expect(plaintextPaths(sp.inputs, "mock-password-value-")).toEqual([]);
    expect(JSON.stringify(sp.inputs)).toContain("mock-password-value-");
    const defaultSecret = run.resources.find((r) => r.name === "vault-secrets-azure-iot-operations")!;
    const value = JSON.stringify(defaultSecret.inputs);
    const bytes = /"value":"([A-Za-z0-9+/=]{40,})"/.exec(value)?.[1];
    expect(bytes).toBeDefined();
    expect(plaintextPaths(defaultSecret.inputs, bytes!)).toEqual([]);
    expect(everythingShown(run)).not.toContain(bytes!);
});

test("a plaintext secretValues entry in the stack file is refused", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { scratch } = require("./helpers") as typeof import("./helpers");
    const dir = scratch({
        "Pulumi.leak.yaml": `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:keyVault: { name: kv-leak-01, resourceGroupName: rg }
  aio-secrets:secretValues:
    mq-password: PLAINTEXT-in-file-0x1
    opcua-user-password:
      secure: v1:abc
`,
    });
    const run = await runStack({ stack: "leak", stackFile: `${dir}/Pulumi.leak.yaml` });
    expect(run.error).toContain("aio-secrets:secretValues.mq-password: is plaintext in the stack file");
    expect(run.error).not.toContain("PLAINTEXT-in-file-0x1");
    expect(run.resources).toHaveLength(0);
});

test("a stress catalog: 60 secrets of every source, none of their values unwrapped anywhere", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { scratch } = require("./helpers") as typeof import("./helpers");
    const entries: string[] = [];
    const values: Record<string, string> = {};
    let stackValues = "";
    for (let i = 0; i < 60; i++) {
        const source = ["config", "generated", "existing"][i % 3];
        const spcs = [`spc-${i % 7}`, i % 2 === 0 ? "aio-default-spc" : `spc-${(i + 3) % 7}`];
        entries.push(`  - { name: stress-${i}, source: ${source}, spcs: [${spcs.join(", ")}], alias: f-${i}.txt }\n`);
        if (source === "config") {
            values[`aio-secrets:secretValues.stress-${i}`] = `PLAINTEXT-stress-${i}-${"x".repeat(i)}`;
            stackValues += `    stress-${i}:\n      secure: v1:abc\n`;
        }
    }
    const spcDecls = Array.from(
        { length: 7 },
        (_, i) => `  spc-${i}:\n    restart:\n      - { kind: Deployment, name: app-${i} }\n`,
    ).join("");
    const dir = scratch({
        "Pulumi.stress.yaml": `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:keyVault: { name: kv-stress-01, resourceGroupName: rg }
  aio-secrets:secretValues:
${stackValues}`,
        "secrets.yaml": `secretProviderClasses:\n${spcDecls}secrets:\n${entries.join("")}`,
    });
    const run = await runStack({
        stack: "stress",
        stackFile: `${dir}/Pulumi.stress.yaml`,
        catalogFile: `${dir}/secrets.yaml`,
        secureValues: values,
        mode: "up",
    });
    expect(run.error).toBeUndefined();
    expect(run.resources.filter((r) => r.type === "azure-native:keyvault:Secret")).toHaveLength(41); // 20 config + 20 generated + default
    const shown = everythingShown(run);
    for (const needle of [...Object.values(values), ...GENERATED_MARKERS]) {
        for (const r of run.resources) expect(plaintextPaths(r.inputs, needle)).toEqual([]);
        expect(plaintextPaths(run.outputs, needle)).toEqual([]);
        expect(shown).not.toContain(needle);
    }
    expect(JSON.stringify(run.resources.map((r) => r.inputs))).toContain(values["aio-secrets:secretValues.stress-0"]);
});

describe("secret config at other paths (CSI driver settings, kubeconfig, names)", () => {
    const STACK = `config:
  azure-native:location: westeurope
  aio-secrets:environment: prod
  aio-secrets:tenantId: 9f0c2a51-7d4e-4b8a-a1c3-5e6f7a8b9c0d
  aio-secrets:keyVault: { name: kv-other-01, resourceGroupName: rg }
  kubernetes:kubeconfig:
    secure: v1:abc
  aio-secrets:cluster:
    arcClusterName: arc-other
    arcResourceGroupName: rg-arc
    csiDriver:
      settings:
        logVerbosity: "2"
        linux.proxy:
          secure: v1:def
`;
    const VALUES = {
        "kubernetes:kubeconfig": "PLAINTEXT-kubeconfig-5c1e",
        "aio-secrets:cluster.csiDriver.settings.linux.proxy": "PLAINTEXT-proxy-credential-9d2f",
    };

    test.each(["up", "preview"] as const)(
        "a secure CSI setting and the kubeconfig never travel unwrapped (%s)",
        async (mode) => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { scratch } = require("./helpers") as typeof import("./helpers");
            const dir = scratch({ "Pulumi.other.yaml": STACK });
            const run = await runStack({
                stack: "other",
                stackFile: `${dir}/Pulumi.other.yaml`,
                secureValues: VALUES,
                mode,
            });
            expect(run.error).toBeUndefined();
            const shown = everythingShown(run);
            for (const needle of Object.values(VALUES)) {
                for (const r of run.resources)
                    expect({ resource: r.name, paths: plaintextPaths(r.inputs, needle) }).toEqual({
                        resource: r.name,
                        paths: [],
                    });
                expect(plaintextPaths(run.outputs, needle)).toEqual([]);
                expect(shown).not.toContain(needle);
            }
            // The secret setting went to the protected settings, wrapped; the plain one stayed plain.
            const extension = run.resources.find((r) => r.type === "azure-native:kubernetesconfiguration:Extension")!;
            expect(JSON.stringify(extension.inputs.configurationSettings)).not.toContain("linux.proxy");
            expect(plaintextPaths(extension.inputs.configurationProtectedSettings, "PLAINTEXT-proxy")).toEqual([]);
            expect(JSON.stringify(extension.inputs.configurationProtectedSettings)).toContain(
                VALUES["aio-secrets:cluster.csiDriver.settings.linux.proxy"],
            );
            expect((extension.inputs.configurationSettings as Record<string, string>).logVerbosity).toBe("2");
            const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
            expect(JSON.stringify(provider.inputs)).toContain(VALUES["kubernetes:kubeconfig"]);
        },
    );

    test.each([
        [
            "aio-secrets:keyVault.location",
            "  aio-secrets:keyVault:\n    name: kv-other-01\n    resourceGroupName: rg\n    location:\n      secure: v1:abc\n",
        ],
        [
            "aio-secrets:servicePrincipal.displayName",
            "  aio-secrets:keyVault: { name: kv-other-01, resourceGroupName: rg }\n  aio-secrets:servicePrincipal:\n    displayName:\n      secure: v1:abc\n",
        ],
        [
            "kubernetes:context",
            "  aio-secrets:keyVault: { name: kv-other-01, resourceGroupName: rg }\n  kubernetes:context:\n    secure: v1:abc\n",
        ],
    ])("a secure %s is refused by name, its value never printed", async (key, section) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { scratch } = require("./helpers") as typeof import("./helpers");
        const dir = scratch({
            "Pulumi.refuse.yaml": `config:\n  azure-native:location: westeurope\n  aio-secrets:environment: dev\n${section}`,
        });
        const needle = "PLAINTEXT-misplaced-77e1";
        const run = await runStack({
            stack: "refuse",
            stackFile: `${dir}/Pulumi.refuse.yaml`,
            secureValues: { [key]: needle },
        });
        expect(run.error).toContain(`${key}: is secret (secure: in the stack file)`);
        expect(run.error).not.toContain(needle);
        expect(run.resources).toHaveLength(0);
    });
});

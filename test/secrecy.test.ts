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
const GENERATED_MARKERS = ["mock-password-value-", "mock-generated-value-"];

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
            for (const r of run.resources) expect({ resource: r.name, paths: plaintextPaths(r.inputs, needle) }).toEqual({ resource: r.name, paths: [] });
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

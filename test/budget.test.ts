import * as path from "node:path";
import { budgetWarning, readBudget } from "../model/budget";
import type { SpcModel } from "../model/stack";
import { runStack, scratch } from "./helpers";

function spc(name: string, objects: number, pods?: number): SpcModel {
    return {
        name,
        objects: Array.from({ length: objects }, (_, i) => ({
            objectName: `o${i}`,
            objectType: "secret" as const,
            objectVersion: "",
        })),
        restart: [],
        pods,
        isDefault: false,
    };
}

test("GETs per 10 s = objects x pods x 10 s / poll interval, summed over the vault", () => {
    const b = readBudget([spc("a", 10, 60), spc("b", 2)], 60, true);
    expect(b.getsPer10s).toBeCloseTo((10 * 60 * 10) / 60 + (2 * 1 * 10) / 60);
    expect(b.bySpc.map((s) => s.spc)).toEqual(["a", "b"]);
    expect(b.bySpc[1]).toMatchObject({ pods: 1, podsDeclared: false });
    expect(b.share).toBeCloseTo(b.getsPer10s / 4000);
});

test("no rotation, no polling load", () => {
    expect(readBudget([spc("a", 100, 1000)], 60, false).getsPer10s).toBe(0);
});

test("warns above 25 % of the limit, naming the SPCs that dominate", () => {
    // 1,000 GETs per 10 s is exactly 25 %: no warning; one more object tips it.
    expect(budgetWarning(readBudget([spc("a", 100, 60)], 60, true), "1m")).toBeUndefined();
    const warning = budgetWarning(
        readBudget([spc("big", 101, 60), spc("small", 1, 1), spc("mid", 20, 10)], 60, true),
        "1m",
    );
    expect(warning).toMatch(/about 1044 GET requests per 10 s, 26% of Key Vault's 4000 limit/);
    expect(warning).toContain("big (101 objects x 60 pods = 1010)");
    expect(warning).not.toContain("small");
    expect(warning).toContain("rotationPollInterval");
});

test("the program warns at plan time when the declared pods would throttle the vault", async () => {
    const dir = scratch({
        "Pulumi.load.yaml": `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:keyVault: { name: kv-load-01, resourceGroupName: rg }
  aio-secrets:cluster: { csiDriver: { rotationPollInterval: 30s } }
`,
        "secrets.yaml": `secretProviderClasses:
  fleet-spc: { pods: 700 }
secrets:
${Array.from({ length: 5 }, (_, i) => `  - { name: s${i}, source: generated, spcs: [fleet-spc] }\n`).join("")}`,
    });
    const run = await runStack({
        stack: "load",
        stackFile: path.join(dir, "Pulumi.load.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
    });
    expect(run.error).toBeUndefined();
    // 5 objects x 700 pods x 10 s / 30 s = 1,167, plus the five default SPCs (1 object, 1 pod each).
    expect(run.warnings.join("\n")).toMatch(
        /Pulumi\.load\.yaml: vault read budget: rotation polling every 30s makes about 1168 GET requests per 10 s, 29% .* mostly fleet-spc \(5 objects x 700 pods = 1167\)/,
    );
    expect(run.outputs.vaultReadsPer10s).toEqual({ estimate: 1168.33, limit: 4000 });
});

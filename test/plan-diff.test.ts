import * as path from "node:path";
import type { RunResult } from "../tools/harness";
import { diffRuns, diffText, PlanDiff, reviewWarnings } from "../tools/planDiff";
import { byName, runStack, scratch } from "./helpers";

/**
 * What `plan --against` tells a reviewer beyond resources: the workloads `up` will restart and
 * why, what will stop `up`, and the plan's warnings. Runs in `preview` mode, as the offline
 * plan does: versions (and so the versions annotation) are unknown on both sides.
 */

const TENANT = "11111111-2222-3333-4444-555555555555";

function stackFile(o: { protect?: boolean; mqCiphertext?: string; vaultName?: string } = {}): string {
    return `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: ${TENANT}
  aio-secrets:protect: ${o.protect ?? false}
  aio-secrets:keyVault:
    name: ${o.vaultName ?? "kv-diff-01"}
    resourceGroupName: rg-diff
    purgeProtection: true
  aio-secrets:secretValues:
    mq-password:
      secure: ${o.mqCiphertext ?? "v1:AAAAciphertext-one"}
`;
}

const SPCS = `secretProviderClasses:
  aio-default-spc:
    restart:
      - { kind: StatefulSet, name: aio-dp-reader-worker }
      - { kind: StatefulSet, name: aio-dp-runner-worker }
  app-spc:
    restart:
      - { kind: Deployment, name: my-app, namespace: apps }
  quiet-spc: {}
`;

const MQ = `  - name: mq-password
    source: config
    spcs: [aio-default-spc]
`;
const token = (spcs: string, extra = "") => `  - name: api-token
    source: generated
    spcs: [${spcs}]
${extra}`;

function catalog(entries: string[], spcs = SPCS): string {
    return `${spcs}secrets:\n${entries.join("")}`;
}

async function plan(catalogText: string, stack = stackFile()): Promise<RunResult> {
    const dir = scratch({ "Pulumi.dev.yaml": stack, "secrets.yaml": catalogText });
    const run = await runStack({
        stack: "dev",
        stackFile: path.join(dir, "Pulumi.dev.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        mode: "preview",
    });
    if (run.error) throw new Error(run.error);
    return run;
}

/** The JSON `plan --against --json` prints: the diff's fields at the top level. */
function asJson(diff: PlanDiff): Record<string, unknown> {
    return JSON.parse(JSON.stringify({ stack: "dev", against: "HEAD", ...diff })) as Record<string, unknown>;
}

const BASE = catalog([MQ, token("aio-default-spc")]);
let base: RunResult;
beforeAll(async () => {
    base = await plan(BASE);
});

describe("restarts", () => {
    test("a no-op change lists none (the same inputs plan identically)", async () => {
        const again = await plan(BASE);
        const diff = diffRuns(base, again);
        expect(diff.restarts).toEqual([]);
        expect(asJson(diff).restarts).toEqual([]);
        expect(diffText(diff, "h")).not.toContain("restarts:");
    });

    test("the objects annotation is known in a plan, the versions annotation only after up", () => {
        const annotations = byName(base, "spc-aio-default-spc-restart-statefulset-aio-dp-reader-worker").inputs
            .spec as {
            template: { metadata: { annotations: Record<string, unknown> } };
        };
        const values = annotations.template.metadata.annotations;
        expect(values["secrets.aio-secrets.io/aio-default-spc"]).toMatch(/^[0-9a-f]{32}$/);
        expect(values["versions.secrets.aio-secrets.io/aio-default-spc"]).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    });

    test("moving a secret between SPCs lists the restart of both SPCs' workloads, in their namespaces", async () => {
        const after = await plan(catalog([MQ, token("app-spc")]));
        const diff = diffRuns(base, after);
        const expected = [
            {
                spc: "aio-default-spc",
                kind: "StatefulSet",
                namespace: "azure-iot-operations",
                name: "aio-dp-reader-worker",
                reason: "objects",
            },
            {
                spc: "aio-default-spc",
                kind: "StatefulSet",
                namespace: "azure-iot-operations",
                name: "aio-dp-runner-worker",
                reason: "objects",
            },
            { spc: "app-spc", kind: "Deployment", namespace: "apps", name: "my-app", reason: "objects" },
        ];
        expect(diff.restarts).toEqual(expected);
        expect(asJson(diff).restarts).toEqual(expected);
        const text = diffText(diff, "h");
        expect(text).toContain(
            "restarts: StatefulSet azure-iot-operations/aio-dp-reader-worker (aio-default-spc: objects changed)\n",
        );
        expect(text).toContain(
            "restarts: StatefulSet azure-iot-operations/aio-dp-runner-worker (aio-default-spc: objects changed)\n",
        );
        expect(text).toContain("restarts: Deployment apps/my-app (app-spc: objects changed)\n");
        // The patches themselves show as changed: the objects annotation differs in the plan.
        expect(diff.changed.map((r) => r.name)).toContain("spc-app-spc-restart-deployment-apps/my-app");
    });

    test("moving a secret into an SPC without restart targets rolls only the SPC it left", async () => {
        const diff = diffRuns(base, await plan(catalog([MQ, token("quiet-spc")])));
        expect(diff.restarts.map((r) => `${r.spc} ${r.name} ${r.reason}`)).toEqual([
            "aio-default-spc aio-dp-reader-worker objects",
            "aio-default-spc aio-dp-runner-worker objects",
        ]);
    });

    test("a new config value (another ciphertext) lists `value` with the object's name, never the value", async () => {
        const after = await plan(BASE, stackFile({ mqCiphertext: "v1:BBBBciphertext-two" }));
        const diff = diffRuns(base, after);
        const expected = ["aio-dp-reader-worker", "aio-dp-runner-worker"].map((name) => ({
            spc: "aio-default-spc",
            kind: "StatefulSet",
            namespace: "azure-iot-operations",
            name,
            reason: "value",
            values: ["mq-password"],
        }));
        expect(diff.restarts).toEqual(expected);
        expect(asJson(diff).restarts).toEqual(expected);
        const text = diffText(diff, "h");
        expect(text).toContain(
            "restarts: StatefulSet azure-iot-operations/aio-dp-reader-worker (aio-default-spc: new value of mq-password)\n",
        );
        for (const leak of ["ciphertext-two", "ciphertext-one", "placeholder-for"]) {
            expect(text).not.toContain(leak);
            expect(JSON.stringify(diff)).not.toContain(leak);
        }
        expect(JSON.stringify(diff)).not.toMatch(/[0-9a-f]{64}/);
    });

    test("a changed generator (a new generated value) lists `value`", async () => {
        const diff = diffRuns(base, await plan(catalog([MQ, token("aio-default-spc", "    length: 40\n")])));
        expect(diff.restarts.map((r) => [r.name, r.reason, r.values])).toEqual([
            ["aio-dp-reader-worker", "value", ["api-token"]],
            ["aio-dp-runner-worker", "value", ["api-token"]],
        ]);
    });

    test("a pinned version of an existing object is an objects change", async () => {
        const cert = (version: string) => `  - name: broker-cert
    type: cert
    source: existing
    spcs: [app-spc]
    version: "${version}"
`;
        const before = await plan(catalog([MQ, token("aio-default-spc"), cert("")]));
        const diff = diffRuns(
            before,
            await plan(catalog([MQ, token("aio-default-spc"), cert("0123456789abcdef0123456789abcdef")])),
        );
        expect(diff.restarts).toEqual([
            { spc: "app-spc", kind: "Deployment", namespace: "apps", name: "my-app", reason: "objects" },
        ]);
    });

    test("a restart target added or removed rolls that workload once", async () => {
        const more = SPCS.replace(
            "      - { kind: Deployment, name: my-app, namespace: apps }\n",
            "      - { kind: Deployment, name: my-app, namespace: apps }\n      - { kind: DaemonSet, name: agent }\n",
        );
        const fewer = SPCS.replace("      - { kind: StatefulSet, name: aio-dp-runner-worker }\n", "");
        const added = diffRuns(base, await plan(catalog([MQ, token("aio-default-spc")], more)));
        expect(added.restarts).toEqual([
            { spc: "app-spc", kind: "DaemonSet", namespace: "azure-iot-operations", name: "agent", reason: "added" },
        ]);
        expect(diffText(added, "h")).toContain(
            "restarts: DaemonSet azure-iot-operations/agent (app-spc: restart target added)\n",
        );
        const removed = diffRuns(base, await plan(catalog([MQ, token("aio-default-spc")], fewer)));
        expect(removed.restarts).toEqual([
            {
                spc: "aio-default-spc",
                kind: "StatefulSet",
                namespace: "azure-iot-operations",
                name: "aio-dp-runner-worker",
                reason: "removed",
            },
        ]);
    });
});

describe("blockers and warnings", () => {
    test("removing a secret from a protected stack is a blocker with the exact URN and the command", async () => {
        const before = await plan(BASE, stackFile({ protect: true }));
        const after = await plan(catalog([MQ]), stackFile({ protect: true }));
        const secret = byName(before, "vault-secrets-api-token");
        expect(secret.protect).toBe(true);
        expect(secret.urn).toBe(
            "urn:pulumi:dev::aio-secrets::aio-secrets:secrets:VaultSecrets$azure-native:keyvault:Secret::vault-secrets-api-token",
        );
        const diff = diffRuns(before, after);
        expect(diff.blockers).toEqual([
            {
                urn: secret.urn,
                reason: expect.stringMatching(
                    /vault-secrets-api-token is protected and this change removes it: `pulumi up` stops before deleting it/,
                ),
                fix: `pulumi state unprotect --stack dev '${secret.urn}'`,
            },
        ]);
        expect(asJson(diff).blockers).toEqual(JSON.parse(JSON.stringify(diff.blockers)));
        const text = diffText(diff, "h");
        expect(text).toContain(`blocked: azure-native:keyvault:Secret vault-secrets-api-token is protected`);
        expect(text).toContain(`fix: pulumi state unprotect --stack dev '${secret.urn}'\n`);
        // The generator is not protected: only the vault secret blocks.
        expect(diff.removed.map((r) => r.name)).toEqual(["vault-secrets-api-token", "vault-secrets-api-token-value"]);
    });

    test("renaming the vault of a protected stack is a blocker for the vault and each secret in it", async () => {
        const before = await plan(BASE, stackFile({ protect: true }));
        const after = await plan(BASE, stackFile({ protect: true, vaultName: "kv-diff-02" }));
        const diff = diffRuns(before, after);
        expect(diff.blockers.map((b) => b.urn.split("::").pop())).toEqual([
            "keyvault-vault",
            "vault-secrets-api-token",
            "vault-secrets-azure-iot-operations",
            "vault-secrets-mq-password",
        ]);
        const vault = diff.blockers.find((b) => b.urn.endsWith("::keyvault-vault"))!;
        expect(vault.reason).toMatch(/is protected and a new vaultName replaces it/);
        expect(vault.fix).toBe(
            `revert the change; to replace it anyway: pulumi state unprotect --stack dev '${byName(before, "keyvault-vault").urn}'`,
        );
        // Unprotected, the same change blocks nothing.
        expect(diffRuns(base, await plan(BASE, stackFile({ vaultName: "kv-diff-02" }))).blockers).toEqual([]);
    });

    test("the same removal from an unprotected stack blocks nothing", async () => {
        const diff = diffRuns(base, await plan(catalog([MQ])));
        expect(diff.blockers).toEqual([]);
        expect(diffText(diff, "h")).not.toContain("blocked:");
    });

    test("the diff carries the plan's warnings (deleteOnRemove here), in text and JSON", async () => {
        const after = await plan(catalog([MQ, token("aio-default-spc", "    deleteOnRemove: true\n")]));
        const diff = diffRuns(base, after);
        expect(diff.warnings).toEqual(reviewWarnings(after.warnings));
        expect(diff.warnings.join("\n")).toMatch(/api-token.*deleteOnRemove/s);
        expect(asJson(diff).warnings).toEqual(diff.warnings);
        expect(diffText(diff, "h")).toMatch(/\nwarning: .*api-token.*deleteOnRemove/);
    });

    test("warnings show even when nothing changes; the SDK's stack-output noise never does", async () => {
        const marked = catalog([MQ, token("aio-default-spc", "    deleteOnRemove: true\n")]);
        const one = await plan(marked);
        const two = await plan(marked);
        const diff = diffRuns(one, {
            ...two,
            warnings: [...two.warnings, "Undefined value (passwordExpiresAt) will not show as a stack output."],
        });
        const text = diffText(diff, "h");
        expect(text).toMatch(/^h\nno changes\nwarning: .*deleteOnRemove/s);
        expect(text).not.toContain("Undefined value");
        expect(diff.warnings.some((w) => w.includes("Undefined value"))).toBe(false);
    });
});

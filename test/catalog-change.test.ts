import * as path from "node:path";
import type { RunResult } from "../tools/harness";
import { inputAt } from "../tools/harness";
import { diffRuns, diffText } from "../tools/planDiff";
import { byName, runStack, scratch } from "./helpers";

/**
 * Catalog changes as a reviewer sees them: what one edit of stacks/secrets.yaml adds, changes
 * and removes. The rule that protects vault data: a secret's resource depends on its name only.
 */

const STACK = `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555
  aio-secrets:keyVault:
    name: kv-change-01
    resourceGroupName: rg-change
  aio-secrets:secretValues:
    mq-password:
      secure: v1:placeholder
`;

const BASE_ENTRIES = {
    mq: `  - name: mq-password
    source: config
    spcs: [aio-default-spc]
    alias: mq-password.txt
`,
    token: `  - name: api-token
    source: generated
    spcs: [aio-default-spc, app-spc]
`,
    cert: `  - name: broker-cert
    type: cert
    source: existing
    spcs: [app-spc]
`,
};

const SPCS = `secretProviderClasses:
  aio-default-spc:
    restart:
      - { kind: StatefulSet, name: aio-dp-runner-worker }
  app-spc:
    restart:
      - { kind: Deployment, name: my-app }
  other-spc: {}
`;

function catalog(entries: string[], spcs = SPCS): string {
    return `${spcs}secrets:\n${entries.join("")}`;
}

async function plan(
    catalogText: string,
    values: Record<string, string> = { "aio-secrets:secretValues.mq-password": "value-1" },
): Promise<RunResult> {
    const dir = scratch({ "Pulumi.dev.yaml": STACK, "secrets.yaml": catalogText });
    const run = await runStack({
        stack: "dev",
        stackFile: path.join(dir, "Pulumi.dev.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        secureValues: values,
        mode: "up",
    });
    if (run.error) throw new Error(run.error);
    return run;
}

interface Diff {
    added: string[];
    removed: string[];
    changed: string[];
}

/** Resource names added, removed and changed (inputs or options), as the plan diff reports them. */
function diff(before: RunResult, after: RunResult): Diff {
    const d = diffRuns(before, after);
    return {
        added: d.added.map((r) => r.name),
        removed: d.removed.map((r) => r.name),
        changed: d.changed.map((r) => r.name),
    };
}

function spcObjectNames(run: RunResult, spc: string): string[] {
    const text = String(inputAt(byName(run, `spc-${spc}-spc`).inputs, "spec.parameters.objects"));
    return [...text.matchAll(/objectName: (\S+)/g)].map((m) => m[1]);
}

let base: RunResult;
beforeAll(async () => {
    base = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert]));
});

test("the same inputs plan identically (a no-op up rolls nothing)", async () => {
    const again = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert]));
    expect(diff(base, again)).toEqual({ added: [], removed: [], changed: [] });
});

test("adding one secret adds exactly its vault secret and generator, and changes only the SPCs that list it", async () => {
    const added = `  - name: new-token
    source: generated
    spcs: [app-spc]
`;
    const after = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert, added]));
    expect(diff(base, after)).toEqual({
        added: ["vault-secrets-new-token", "vault-secrets-new-token-value"],
        removed: [],
        changed: ["spc-app-spc-restart-deployment-my-app", "spc-app-spc-spc"],
    });
    expect(spcObjectNames(after, "app-spc")).toEqual(["api-token", "broker-cert", "new-token"]);
});

test("reordering the catalog changes nothing", async () => {
    const after = await plan(catalog([BASE_ENTRIES.cert, BASE_ENTRIES.token, BASE_ENTRIES.mq]));
    expect(diff(base, after)).toEqual({ added: [], removed: [], changed: [] });
});

test("moving a secret between SPCs leaves its vault secret untouched", async () => {
    const moved = BASE_ENTRIES.token.replace("[aio-default-spc, app-spc]", "[other-spc, app-spc]");
    const after = await plan(catalog([BASE_ENTRIES.mq, moved, BASE_ENTRIES.cert]));
    const d = diff(base, after);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed).toEqual([
        "spc-aio-default-spc-restart-statefulset-aio-dp-runner-worker",
        "spc-aio-default-spc-spc",
        "spc-other-spc-spc",
    ]);
    expect(d.changed.some((n) => n.startsWith("vault-secrets-"))).toBe(false);
    // Only the SPC it left has restart targets (app-spc keeps it): one workload rolls.
    expect(diffRuns(base, after).restarts).toEqual([
        {
            spc: "aio-default-spc",
            kind: "StatefulSet",
            namespace: "azure-iot-operations",
            name: "aio-dp-runner-worker",
            reason: "objects",
        },
    ]);
});

test("removing a secret deletes nothing from the vault", async () => {
    const after = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.cert]));
    const d = diff(base, after);
    expect(d.removed).toEqual(["vault-secrets-api-token", "vault-secrets-api-token-value"]);
    // What the engine does on removal is decided by the options stored at the last up.
    expect(byName(base, "vault-secrets-api-token").retainOnDelete).toBe(true);
});

test("deleteOnRemove: true is the only way a removal deletes, and it warns", async () => {
    const marked = BASE_ENTRIES.token + "    deleteOnRemove: true\n";
    const after = await plan(catalog([BASE_ENTRIES.mq, marked, BASE_ENTRIES.cert]));
    expect(byName(after, "vault-secrets-api-token").retainOnDelete).toBe(false);
    expect(after.warnings.join("\n")).toMatch(/api-token.*deleteOnRemove.*cannot be reused/s);
    expect(diff(base, after).changed).toEqual(["vault-secrets-api-token"]);
});

test("environments gate a secret: not in dev means no vault secret and no SPC entry", async () => {
    const gated = BASE_ENTRIES.token + "    environments: [staging, prod]\n";
    const after = await plan(
        catalog(
            [BASE_ENTRIES.mq, gated, BASE_ENTRIES.cert],
            SPCS.replace("secretProviderClasses:", "environments: [dev, staging, prod]\nsecretProviderClasses:"),
        ),
    );
    expect(after.resources.some((r) => r.name === "vault-secrets-api-token")).toBe(false);
    expect(spcObjectNames(after, "app-spc")).toEqual(["broker-cert"]);
});

test("a new value rolls the workloads of the SPCs that mount it, once", async () => {
    const after = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert]), {
        "aio-secrets:secretValues.mq-password": "value-2",
    });
    expect(diff(base, after).changed).toEqual([
        "spc-aio-default-spc-restart-statefulset-aio-dp-runner-worker",
        "vault-secrets-mq-password",
    ]);
    const annotation = (run: RunResult) =>
        inputAt(
            byName(run, "spc-aio-default-spc-restart-statefulset-aio-dp-runner-worker").inputs,
            "spec.template.metadata.annotations",
        );
    expect(annotation(after)).not.toEqual(annotation(base));
    const again = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert]), {
        "aio-secrets:secretValues.mq-password": "value-2",
    });
    expect(annotation(again)).toEqual(annotation(after));
    // After up the versions annotation is known: the diff reads the change from it.
    expect(diffRuns(base, after).restarts).toEqual([
        {
            spc: "aio-default-spc",
            kind: "StatefulSet",
            namespace: "azure-iot-operations",
            name: "aio-dp-runner-worker",
            reason: "value",
            values: ["mq-password"],
        },
    ]);
    expect(diffRuns(after, again).restarts).toEqual([]);
});

test("the SP may read certificates only because the catalog mounts one", async () => {
    const perms = (run: RunResult) => inputAt(byName(run, "access-reader").inputs, "policy.permissions");
    expect(perms(base)).toEqual({ secrets: ["get", "list"], keys: [], certificates: ["get"], storage: [] });
    const noCert = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token]));
    expect(perms(noCert)).toEqual({ secrets: ["get", "list"], keys: [], certificates: [], storage: [] });
});

test("existing objects are mounted, never written", () => {
    expect(base.resources.some((r) => r.name.startsWith("vault-secrets-broker-cert"))).toBe(false);
    expect(spcObjectNames(base, "app-spc")).toContain("broker-cert");
    const objects = String(inputAt(byName(base, "spc-app-spc-spc").inputs, "spec.parameters.objects"));
    expect(objects).toMatch(/objectName: broker-cert\n\s*objectType: cert/);
});

test("the plan diff shows SPC objects as object lists, not YAML text", async () => {
    const added = `  - name: new-token
    source: generated
    spcs: [app-spc]
`;
    const after = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert, added]));
    const text = diffText(diffRuns(base, after), "header");
    expect(text).toContain("+ azure-native:keyvault:Secret vault-secrets-new-token");
    expect(text).toMatch(
        /~ kubernetes:secrets-store\.csi\.x-k8s\.io\/v1:SecretProviderClass spc-app-spc-spc\n\s+\+ spec\.parameters\.objects\[new-token\]: new-token \(secret/,
    );
    expect(text).toMatch(/2 added, 0 removed, 2 changed\n$/);
    expect(text).not.toContain("array:");
    // A no-op lists no change (the plan's warnings still follow).
    expect(diffText(diffRuns(base, base), "header")).toMatch(
        /^header\nno changes\n(warning: [^\n]+\n( {2}[^\n]+\n)*)*$/,
    );
});

test("the plan diff marks removed vault secrets as retained", async () => {
    const after = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.cert]));
    expect(diffText(diffRuns(base, after), "h")).toContain(
        "- azure-native:keyvault:Secret vault-secrets-api-token  (retained",
    );
});

test("the plan diff reports a new secret value without showing it", async () => {
    const after = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert]), {
        "aio-secrets:secretValues.mq-password": "value-2-PLAINTEXT",
    });
    const text = diffText(diffRuns(base, after), "h");
    expect(text).toContain(
        "~ azure-native:keyvault:Secret vault-secrets-mq-password\n    ~ properties.value: [secret] -> [secret] (new value)",
    );
    expect(text).not.toContain("value-2-PLAINTEXT");
    expect(text).not.toContain("value-1");
    // The machine-readable diff (plan --against --json) carries neither values nor their digests.
    const json = JSON.stringify(diffRuns(base, after));
    expect(json).toContain('"before":"[secret]","after":"[secret] (new value)"');
    expect(json).not.toMatch(/[0-9a-f]{64}/);
    expect(json).not.toContain("value-2-PLAINTEXT");
});

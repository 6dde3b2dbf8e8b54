import * as path from "node:path";
import type { RunResult } from "../tools/harness";
import { inputAt } from "../tools/harness";
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

async function plan(catalogText: string, values: Record<string, string> = { "aio-secrets:secretValues.mq-password": "value-1" }): Promise<RunResult> {
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

/** Resource names added, removed and changed (inputs or options) between two runs. */
function diff(before: RunResult, after: RunResult): Diff {
    const index = (run: RunResult) =>
        new Map(run.resources.filter((r) => r.custom).map((r) => [r.urn, JSON.stringify([r.inputs, r.protect, r.retainOnDelete])]));
    const a = index(before);
    const b = index(after);
    const name = (urn: string) => urn.split("::").pop()!;
    return {
        added: [...b.keys()].filter((u) => !a.has(u)).map(name).sort(),
        removed: [...a.keys()].filter((u) => !b.has(u)).map(name).sort(),
        changed: [...b.keys()].filter((u) => a.has(u) && a.get(u) !== b.get(u)).map(name).sort(),
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
    const after = await plan(catalog([BASE_ENTRIES.mq, gated, BASE_ENTRIES.cert], SPCS.replace("secretProviderClasses:", "environments: [dev, staging, prod]\nsecretProviderClasses:")));
    expect(after.resources.some((r) => r.name === "vault-secrets-api-token")).toBe(false);
    expect(spcObjectNames(after, "app-spc")).toEqual(["broker-cert"]);
});

test("a new value rolls the workloads of the SPCs that mount it, once", async () => {
    const after = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert]), {
        "aio-secrets:secretValues.mq-password": "value-2",
    });
    expect(diff(base, after).changed).toEqual(["spc-aio-default-spc-restart-statefulset-aio-dp-runner-worker", "vault-secrets-mq-password"]);
    const annotation = (run: RunResult) =>
        inputAt(byName(run, "spc-aio-default-spc-restart-statefulset-aio-dp-runner-worker").inputs, "spec.template.metadata.annotations");
    expect(annotation(after)).not.toEqual(annotation(base));
    const again = await plan(catalog([BASE_ENTRIES.mq, BASE_ENTRIES.token, BASE_ENTRIES.cert]), {
        "aio-secrets:secretValues.mq-password": "value-2",
    });
    expect(annotation(again)).toEqual(annotation(after));
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

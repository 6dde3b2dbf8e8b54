import { addDays } from "../model/expiry";
import { expiresEpoch, notBeforeEpoch } from "../model/lifetime";
import { catalogOutageConsumers, outageWarning, rotationModel, seenBy } from "../model/rotation";
import { lifetimeProblems, parseCatalog } from "../stacks/catalog";
import { MOCK_CLOCK, RecordedResource, RunResult, SECRET_SIG_KEY } from "../tools/harness";
import { rotationsText } from "../tools/planRender";
import { contentTypeOf } from "../model/stack";
import * as fs from "node:fs";
import * as path from "node:path";
import { byName, plaintextPaths, PROJECT_DIR, runStack, scratch } from "./helpers";

/**
 * Issue 20: generated secrets rotate on a schedule. The harness plays a stack deployed at `clock`
 * and planned again at `now`: a rotation clock due by then is re-created (as `up --refresh` does),
 * everything else is as kept in state.
 */

const SECRET = "azure-native:keyvault:Secret";

/** The value inside a secret envelope, or the value itself. */
function open(value: unknown): unknown {
    return value !== null && typeof value === "object" && SECRET_SIG_KEY in value
        ? (value as unknown as { value: unknown }).value
        : value;
}

/** Names of the resources whose inputs differ between two runs of the same stack. */
function changed(before: RunResult, after: RunResult): string[] {
    const inputsOf = (run: RunResult) => new Map(run.resources.map((r: RecordedResource) => [r.urn, r.inputs]));
    const a = inputsOf(before);
    const b = inputsOf(after);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    return after.resources.filter((r) => JSON.stringify(a.get(r.urn)) !== JSON.stringify(r.inputs)).map((r) => r.name);
}

describe("a catalog entry with rotate: {days: 30} (stacks/secrets.yaml: dataflow-api-token)", () => {
    const deployed = MOCK_CLOCK;
    const later = addDays(MOCK_CLOCK, 31);

    test("plans a Rotating clock that the value depends on", async () => {
        const run = await runStack({ stack: "dev", mode: "up", clock: deployed });
        const clock = byName(run, "vault-secrets-dataflow-api-token-rotation");
        expect(clock.type).toBe("time:index/rotating:Rotating");
        expect(clock.inputs.rotationDays).toBe(30);
        const password = byName(run, "vault-secrets-dataflow-api-token-value");
        expect(password.inputs.keepers).toEqual({ rotation: deployed });
        expect(password.dependsOn).toContain(clock.urn);
        expect(run.outputs.rotations).toEqual({
            "dataflow-api-token": {
                everyDays: 30,
                nextRotation: addDays(deployed, 30),
                seenBy: "restart once: StatefulSet/aio-dp-reader-worker, StatefulSet/aio-dp-runner-worker",
            },
        });
    });

    test("CSI: 31 days later exactly one vault secret changes, and the restart it causes", async () => {
        const before = await runStack({ stack: "dev", mode: "up", clock: deployed });
        const after = await runStack({ stack: "dev", mode: "up", clock: deployed, now: later });
        const names = changed(before, after).sort();
        expect(names).toEqual([
            "spc-aio-default-spc-restart-statefulset-aio-dp-reader-worker",
            "spc-aio-default-spc-restart-statefulset-aio-dp-runner-worker",
            "vault-secrets-dataflow-api-token",
            "vault-secrets-dataflow-api-token-value",
        ]);
        const vaultSecrets = names.filter((n) => byName(after, n).type === SECRET);
        expect(vaultSecrets).toEqual(["vault-secrets-dataflow-api-token"]);
        // The restart patches of the one SPC that mounts it: one rollout each.
        for (const n of names.filter((x) => x.includes("-restart-")))
            expect(byName(after, n).type).toBe("kubernetes:apps/v1:StatefulSetPatch");
        expect((after.outputs.rotations as Record<string, { nextRotation: string }>)["dataflow-api-token"]).toEqual(
            expect.objectContaining({ nextRotation: addDays(later, 30) }),
        );
    });

    test("secret sync: 31 days later exactly one vault secret changes; the Secret follows within the poll interval", async () => {
        const before = await runStack({ stack: "ga", mode: "up", clock: deployed });
        const after = await runStack({ stack: "ga", mode: "up", clock: deployed, now: later });
        expect(changed(before, after).sort()).toEqual([
            "vault-secrets-dataflow-api-token",
            "vault-secrets-dataflow-api-token-value",
        ]);
        expect((after.outputs.rotations as Record<string, { seenBy: string }>)["dataflow-api-token"].seenBy).toBe(
            "Secret dataflow-api-token updated within the Secret Store poll interval",
        );
    });

    test("29 days later nothing changes", async () => {
        const before = await runStack({ stack: "dev", mode: "up", clock: deployed });
        const after = await runStack({ stack: "dev", mode: "up", clock: deployed, now: addDays(deployed, 29) });
        expect(changed(before, after)).toEqual([]);
    });

    test("expiresInDays shows in the vault secret's attributes, counted from when the value was written", async () => {
        const at = async (now?: string) => {
            const run = await runStack({ stack: "dev", mode: "up", clock: deployed, ...(now ? { now } : {}) });
            const props = open(byName(run, "vault-secrets-dataflow-api-token").inputs.properties) as Record<
                string,
                unknown
            >;
            return open(props.attributes) as Record<string, unknown>;
        };
        expect(await at()).toEqual({ expires: expiresEpoch(deployed, 60) });
        // The next day: the same number (no drift with the time of the run).
        expect(await at(addDays(deployed, 1))).toEqual({ expires: expiresEpoch(deployed, 60) });
        expect(await at(later)).toEqual({ expires: expiresEpoch(later, 60) });
    });
});

describe("catalog rules of rotate, expiresInDays and notBefore", () => {
    const entry = (extra: string, type = "secret", source = "generated") =>
        `secrets:\n  - name: s1\n    type: ${type}\n    source: ${source}\n${extra}`;

    test("an expiry shorter than the rotation period is refused, naming file, key and rule", () => {
        const { problems } = parseCatalog(entry("    rotate: { days: 30 }\n    expiresInDays: 20\n"));
        expect(problems).toEqual([
            expect.objectContaining({
                file: "stacks/secrets.yaml",
                path: "secrets[0] (s1).expiresInDays",
                rule: expect.stringContaining("must be at least rotate.days (30)"),
            }),
        ]);
    });

    test("only generated secrets rotate; only written secrets carry attributes", () => {
        expect(lifetimeProblems({ type: "secret", source: "config", rotate: { days: 1, outage: [] } })).toEqual([
            expect.objectContaining({ key: "rotate" }),
        ]);
        expect(lifetimeProblems({ type: "secret", source: "existing", expiresInDays: 5 })).toEqual([
            expect.objectContaining({ key: "expiresInDays" }),
        ]);
        expect(lifetimeProblems({ type: "key", source: "generated", notBefore: "2026-01-01" })).toEqual([
            expect.objectContaining({ key: "notBefore" }),
        ]);
        expect(
            lifetimeProblems({ type: "secret", source: "config", expiresInDays: 5, notBefore: "2026-01-01" }),
        ).toEqual([]);
    });

    test("notBefore must be a real UTC date; rotate.days a whole number", () => {
        for (const bad of ["2026-13-01", "tomorrow", "2026-01-01T00:00:00+01:00"]) {
            const { problems } = parseCatalog(entry(`    notBefore: "${bad}"\n`, "secret", "config"));
            expect(problems.map((p) => p.path)).toEqual(["secrets[0] (s1).notBefore"]);
        }
        expect(parseCatalog(entry("    rotate: { days: 0 }\n")).problems.map((p) => p.path)).toEqual([
            "secrets[0] (s1).rotate.days",
        ]);
        expect(notBeforeEpoch("2026-01-01")).toBe(Date.UTC(2026, 0, 1) / 1000);
        // The outage names are printed in every plan and pulumi up warning: a newline or an escape would forge lines.
        for (const bad of ["\\n", "\\e[31m", "\\t"]) {
            const { problems } = parseCatalog(entry(`    rotate: { days: 7, outage: ["a${bad}b"] }\n`));
            expect(problems.map((p) => [p.path, p.rule])).toEqual([
                ["secrets[0] (s1).rotate.outage[0]", expect.stringContaining("control characters")],
            ]);
        }
        expect(
            parseCatalog(entry(`    rotate: { days: 7, outage: ["DataflowEndpoint/kafka (SASL)"] }\n`)).problems,
        ).toEqual([]);
    });
});

describe("rotationModel", () => {
    const spcs = [
        {
            name: "a",
            objects: [{ objectName: "s1", objectType: "secret" as const }],
            restart: [{ kind: "Deployment" as const, name: "w", namespace: "ns" }],
        },
        { name: "b", objects: [], restart: [{ kind: "StatefulSet" as const, name: "x" }] },
    ];
    const enabled = [{ name: "s1", rotate: { days: 7, outage: ["DataflowEndpoint/kafka", "DataflowEndpoint/kafka"] } }];

    test("who sees it, and who cannot take it (through the outage function)", () => {
        const [r] = rotationModel(enabled, spcs, undefined);
        expect(r).toEqual({
            name: "s1",
            days: 7,
            restarts: ["Deployment/ns/w"],
            syncs: [],
            outage: ["DataflowEndpoint/kafka"],
        });
        expect(seenBy(r)).toBe("restart once: Deployment/ns/w");
        expect(outageWarning("stacks/secrets.yaml", r)).toContain("DataflowEndpoint/kafka cannot take a new value");
        const wired = rotationModel(enabled, spcs, undefined, () => ["BrokerAuthentication/x"]);
        expect(wired[0].outage).toEqual(["BrokerAuthentication/x"]);
        expect(catalogOutageConsumers({ name: "n" })).toEqual([]);
    });

    test("the plan text names the outage consumers", () => {
        const text = rotationsText({
            s1: { everyDays: 7, nextRotation: "2026-01-08T00:00:00Z", seenBy: "x", outage: ["E/f"] },
        });
        expect(text.join("\n")).toContain("s1: every 7 days, next 2026-01-08T00:00:00Z; x; OUTAGE unless staged: E/f");
        expect(rotationsText(undefined)).toEqual([]);
    });
});

describe("a rotating value read by a consumer whose contract says a change is an outage (issue 18's contracts)", () => {
    test("the plan names the consumer from the catalog's secretSyncs consumers, without rotate.outage", async () => {
        const catalog = fs.readFileSync(path.join(PROJECT_DIR, "stacks/secrets.yaml"), "utf8");
        // The generated, rotating token becomes the password the Kafka endpoint reads with SASL (an
        // outage on change: the broker side holds the same credential); the existing entry that
        // held that key goes.
        const edited = catalog
            .replace("sync: { secret: dataflow-api-token, key: token }", "sync: { secret: kafka-sasl, key: password }")
            .replace(/\n {2}- name: kafka-sasl-password\n(?: {4}.*\n)+/, "\n");
        expect(edited).not.toBe(catalog);
        expect(edited).not.toContain("kafka-sasl-password");
        const dir = scratch({ "secrets.yaml": edited });
        const run = await runStack({ stack: "ga", catalogFile: path.join(dir, "secrets.yaml") });
        expect(run.error).toBeUndefined();
        const rotation = (run.outputs.rotations as Record<string, { outage?: string[] }>)["dataflow-api-token"];
        expect(rotation.outage).toEqual(["dataflow endpoint kafka-out (reads kafka-sasl)"]);
        expect(run.warnings.join("\n")).toContain("dataflow endpoint kafka-out (reads kafka-sasl)");
    });
});

describe("content type of a secret holding a certificate", () => {
    test("Key Vault's own content types by format; an explicit contentType wins", () => {
        expect(contentTypeOf({ format: "pem" })).toBe("application/x-pem-file");
        expect(contentTypeOf({ format: "pfx" })).toBe("application/x-pkcs12");
        expect(contentTypeOf({ format: "pfx", contentType: "text/plain" })).toBe("text/plain");
        expect(contentTypeOf({})).toBeUndefined();
    });
});

describe("a config secret with expiresInDays", () => {
    const catalog = () => {
        const text = fs
            .readFileSync(path.join(PROJECT_DIR, "stacks", "secrets.yaml"), "utf8")
            .replace(
                "  - name: mq-password\n",
                "  - name: mq-password\n    expiresInDays: 90\n    notBefore: 2026-01-01\n",
            );
        return path.join(scratch({ "secrets.yaml": text }), "secrets.yaml");
    };

    test("its expiry counts from a time:Static replaced with the value (kept secret), not from the run", async () => {
        const catalogFile = catalog();
        const run = await runStack({ stack: "dev", mode: "up", catalogFile });
        expect(run.error).toBeUndefined();
        const written = byName(run, "vault-secrets-mq-password-written");
        expect(written.type).toBe("time:index/static:Static");
        // The trigger is the value itself, only ever as a secret.
        expect(JSON.stringify(written.inputs)).toContain("placeholder-for-aio-secrets:secretValues.mq-password");
        expect(plaintextPaths(written.inputs, "placeholder-for-")).toEqual([]);
        const props = open(byName(run, "vault-secrets-mq-password").inputs.properties) as Record<string, unknown>;
        expect(open(props.attributes)).toEqual({
            notBefore: Date.UTC(2026, 0, 1) / 1000,
            expires: expiresEpoch(MOCK_CLOCK, 90),
        });
        const later = await runStack({ stack: "dev", mode: "up", catalogFile, now: addDays(MOCK_CLOCK, 40) });
        expect(changed(run, later).filter((n) => n.startsWith("vault-secrets-mq-password"))).toEqual([]);
    });
});

describe("an expiry that leaves the scheduled refresh no time", () => {
    const catalogWith = (expires: number) => {
        const text = fs
            .readFileSync(path.join(PROJECT_DIR, "stacks", "secrets.yaml"), "utf8")
            .replace("    expiresInDays: 60 ", `    expiresInDays: ${expires} `);
        expect(text).toContain(`expiresInDays: ${expires} `);
        return path.join(scratch({ "secrets.yaml": text }), "secrets.yaml");
    };

    test("rotate 30 and expiresInDays 30 (allowed) warns that the value can expire before the weekly refresh rotates it", async () => {
        const run = await runStack({ stack: "dev", mode: "preview", catalogFile: catalogWith(30) });
        expect(run.error).toBeUndefined();
        expect(run.warnings.filter((w) => w.includes("dataflow-api-token expires"))).toEqual([
            expect.stringContaining(
                "dataflow-api-token expires 30 days after it is written and rotates every 30, but the new value is written by " +
                    "the first scheduled up --refresh after the rotation falls due (weekly, rotate.yml): it can expire first; " +
                    "set expiresInDays to at least 37",
            ),
        ]);
    });

    test("37 days or more (the example catalog's 60) is quiet", async () => {
        for (const catalogFile of [catalogWith(37), path.join(PROJECT_DIR, "stacks", "secrets.yaml")]) {
            const run = await runStack({ stack: "dev", mode: "preview", catalogFile });
            expect(run.warnings.filter((w) => w.includes("dataflow-api-token expires"))).toEqual([]);
        }
    });
});

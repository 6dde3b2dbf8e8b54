import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { addDays } from "../model/expiry";
import {
    dueWithin,
    expiryText,
    parseWindow,
    sortItems,
    withStackOutputs,
    type ExpiryItem,
} from "../model/expiryReport";
import { fleetExpiryItems } from "../tools/expiry";
import { FLEET, PROJECT_DIR, scratch } from "./helpers";

/** Issue 20: `expiry`, one report of what falls due across the fleet. */

const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
const expiry = (...args: string[]) =>
    spawnSync(tsx, [path.join(PROJECT_DIR, "tools", "expiry.ts"), ...args], { cwd: PROJECT_DIR, encoding: "utf8" });

describe("expiry over the example stacks", () => {
    test("--within 400d --json lists the SP password slots and the CA, sorted by due date, and exits 1", () => {
        const run = expiry("--within", "400d", "--json");
        expect(run.status).toBe(1);
        const { items } = JSON.parse(run.stdout) as { items: ExpiryItem[] };
        const kinds = (stack: string) => items.filter((i) => i.stack === stack).map((i) => `${i.kind} ${i.name}`);
        // dev creates its service principal (365-day passwords, rotation every 180 days) and a test CA.
        expect(kinds("dev")).toEqual([
            "rotation dataflow-api-token",
            "expiry dataflow-api-token",
            "ca aio-ca-key-pair-test-only",
            "sp-password slot a",
            "sp-password slot b",
        ]);
        // prod brings its own service principal (no slots) and its CA from the vault (the trust bundle's expiry).
        expect(kinds("prod")).toEqual([
            "rotation dataflow-api-token",
            "expiry dataflow-api-token",
            "ca stacks/trust-bundles/prod.pem",
        ]);
        for (const item of items) expect(Object.keys(item)).toEqual(["stack", "kind", "name", "dueAt"]);
        expect(items.map((i) => Date.parse(i.dueAt))).toEqual(
            [...items.map((i) => Date.parse(i.dueAt))].sort((a, b) => a - b),
        );
        expect(run.stderr).toMatch(/^expiry --within 400d: \d+ item\(s\) fall due within 400 days\n$/);
    });

    test("a window nothing falls into exits 0; a bad window is a usage error", () => {
        const ok = expiry("--within", "1d");
        expect(ok.status).toBe(0);
        expect(ok.stdout).toContain("expiry --within 1d: OK: nothing falls due within 1 days");
        const bad = expiry("--within", "30");
        expect(bad.status).toBe(2);
        expect(bad.stderr).toContain('--within "30": must be whole days, e.g. 30d');
    });
});

test("200 stacks in a few seconds (files only, no program run)", () => {
    const files: Record<string, string> = {
        "Pulumi.yaml": FLEET.project,
        "stacks/secrets.yaml": FLEET.catalog.replace(
            "- { name: api-token, source: generated, spcs: [aio-default-spc] }",
            "- { name: api-token, source: generated, spcs: [aio-default-spc], rotate: { days: 30 } }",
        ),
        "environments/aio-secrets/edge.yaml": FLEET.edge,
    };
    const names = Array.from({ length: 200 }, (_, i) => `site-${String(i).padStart(3, "0")}`);
    for (const n of names) files[`Pulumi.${n}.yaml`] = FLEET.site(n.slice(5));
    const dir = scratch(files);
    const now = "2026-01-01T00:00:00Z";
    const started = Date.now();
    const items = fleetExpiryItems(dir, names, dir, now);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(items.filter((i) => i.kind === "rotation")).toHaveLength(200);
    expect(items[0]).toEqual({ stack: "site-000", kind: "rotation", name: "api-token", dueAt: addDays(now, 30) });
});

describe("the report's pure parts", () => {
    const now = "2026-01-01T00:00:00Z";
    const items: ExpiryItem[] = [
        { stack: "b", kind: "ca", name: "x", dueAt: "2026-03-01T00:00:00Z" },
        { stack: "a", kind: "rotation", name: "y", dueAt: "2026-01-31T00:00:00Z" },
    ];

    test("sorted by due date; due within a window", () => {
        expect(sortItems(items).map((i) => i.stack)).toEqual(["a", "b"]);
        expect(dueWithin(items, now, 30).map((i) => i.stack)).toEqual(["a"]);
        expect(dueWithin(items, now, 29)).toEqual([]);
    });

    test("windows are whole days", () => {
        expect(parseWindow("30d")).toBe(30);
        expect(parseWindow("0d")).toBe(0);
        for (const bad of ["30", "d", "-1d", "1.5d", "999999d", "toString"]) expect(parseWindow(bad)).toBeUndefined();
    });

    test("the text names each item and the verdict", () => {
        const text = expiryText(sortItems(items), now, 30);
        expect(text).toContain("2026-01-31T00:00:00Z  a  rotation  y");
        expect(text).toContain("expiry --within 30d: 1 item falls due within 30 days");
    });
});

describe("--outputs: the dates a stack's state knows (pulumi stack output --json)", () => {
    const outputs = {
        passwordExpiresAt: "2027-03-01T00:00:00Z",
        previousPasswordExpiresAt: "2026-12-20T00:00:00Z",
        caExpiresAt: "2027-06-01T00:00:00Z",
        rotations: { "dataflow-api-token": { everyDays: 30, nextRotation: "2026-12-10T00:00:00Z" } },
    };

    test("a rotation of 30 days is due under --within 30d when counted from now, and not when the state says later", () => {
        const dir = scratch({
            "dev.json": JSON.stringify({
                ...outputs,
                rotations: { "dataflow-api-token": { everyDays: 30, nextRotation: "2099-01-01T00:00:00Z" } },
                passwordExpiresAt: "2099-01-01T00:00:00Z",
                previousPasswordExpiresAt: "2099-01-01T00:00:00Z",
                caExpiresAt: "2099-01-01T00:00:00Z",
            }),
        });
        const counted = expiry("--stacks", "dev", "--within", "30d");
        expect(counted.status).toBe(1);
        const known = expiry("--stacks", "dev", "--within", "30d", "--outputs", dir, "--json");
        expect(known.stderr).toBe("");
        expect(known.status).toBe(0);
        const { items } = JSON.parse(known.stdout) as { items: ExpiryItem[] };
        expect(items.map((i) => `${i.kind} ${i.name} ${i.dueAt.slice(0, 4)}`)).toEqual([
            // configured expiries are not outputs: counted from now (60 days)
            expect.stringMatching(/^expiry dataflow-api-token 20\d\d$/),
            "ca aio-ca-key-pair-test-only 2099",
            "rotation dataflow-api-token 2099",
            "sp-password password in use 2099",
            "sp-password previous password 2099",
        ]);
    });

    test("the passwords in use and before, the CA and each rotation take the outputs' dates; own properties only", () => {
        const now = "2026-12-05T00:00:00Z";
        const counted: ExpiryItem[] = [
            { stack: "dev", kind: "sp-password", name: "slot a", dueAt: addDays(now, 365) },
            { stack: "dev", kind: "sp-password", name: "slot b", dueAt: addDays(now, 545) },
            { stack: "dev", kind: "ca", name: "aio-ca", dueAt: addDays(now, 365) },
            { stack: "dev", kind: "rotation", name: "dataflow-api-token", dueAt: addDays(now, 30) },
            { stack: "dev", kind: "rotation", name: "toString", dueAt: addDays(now, 30) },
            { stack: "dev", kind: "expiry", name: "dataflow-api-token", dueAt: addDays(now, 60) },
        ];
        expect(withStackOutputs(counted, outputs).map((i) => `${i.dueAt} ${i.kind} ${i.name}`)).toEqual([
            "2026-12-10T00:00:00Z rotation dataflow-api-token",
            "2026-12-20T00:00:00Z sp-password previous password",
            `${addDays(now, 30)} rotation toString`,
            `${addDays(now, 60)} expiry dataflow-api-token`,
            "2027-03-01T00:00:00Z sp-password password in use",
            "2027-06-01T00:00:00Z ca aio-ca",
        ]);
        // Unknown or missing values keep the dates counted from now.
        expect(withStackOutputs(counted, { passwordExpiresAt: null, caExpiresAt: "soon", rotations: [] })).toEqual(
            sortItems(counted),
        );
        // Only RFC 3339 timestamps, reported in UTC: Date.parse alone would date "1" and "March 7" in 2001.
        expect(withStackOutputs(counted, { passwordExpiresAt: "1", caExpiresAt: "March 7" })).toEqual(
            sortItems(counted),
        );
        expect(
            withStackOutputs(counted, { caExpiresAt: "2027-06-01T02:00:00+02:00" }).find((i) => i.kind === "ca")?.dueAt,
        ).toBe("2027-06-01T00:00:00Z");
    });

    test("an output file that is not JSON names the file; a missing --outputs directory is a usage error", () => {
        const dir = scratch({ "dev.json": "{ not json" });
        const bad = expiry("--stacks", "dev", "--outputs", dir);
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain("dev.json");
        expect(bad.stderr).toContain("pulumi stack output --json --stack dev");
        const missing = expiry("--outputs", path.join(dir, "nowhere"));
        expect(missing.status).toBe(2);
        expect(missing.stderr).toContain("--outputs");
    });
});

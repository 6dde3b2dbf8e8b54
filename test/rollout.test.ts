import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatProblem } from "../stacks/errors";
import { MAX_RING, ringOf, ringRule } from "../stacks/ring";
import { parseStackSettings } from "../stacks/settings";
import { matrixEntries } from "../tools/fleet";
import {
    main as rolloutMain,
    Matrix,
    MatrixEntry,
    readResults,
    ringMatrix,
    ringOutcome,
    rolloutSummary,
    splitRings,
    StackResult,
    withinBudget,
} from "../tools/rollout";
import { pathToFileURL } from "node:url";
import { PROJECT_DIR, scratch } from "./helpers";

/**
 * Rings and the fleet rollout (issue 21 item 3): a stack's ring (`aio-secrets:ring`, default by
 * environment, inherited from Pulumi.yaml or an ESC environment), the CI matrix in rollout order,
 * its split into rings, the failure budget and the summary; all pure, on a simulated fleet.
 */

describe("a stack's ring (stacks/ring.ts)", () => {
    it.each([
        ["dev", 0],
        ["staging", 1],
        ["prod", 2],
        ["ga", MAX_RING],
        ["edge-lab", MAX_RING],
    ])("defaults by environment: %s -> ring %d", (environment, ring) => {
        expect(ringOf(undefined, environment, "Pulumi.x.yaml")).toBe(ring);
    });

    it.each([
        ["canary", 0],
        ["0", 0],
        ["3", 3],
        [2, 2],
    ])("reads %p as ring %d, whatever the environment", (value, ring) => {
        expect(ringOf(value, "prod", "Pulumi.x.yaml")).toBe(ring);
        if (typeof value === "string") expect(ringRule(value)).toBeUndefined();
    });

    it.each(["4", "-1", "1.5", "01", "", "first", "Canary", " 1"])(
        "refuses %p, naming the file, the key and the rule",
        (value) => {
            expect(ringRule(value)).toMatch(/canary or a whole number from 0 to 3/);
            expect(() => ringOf(value, "dev", "Pulumi.yaml")).toThrow(
                /^Pulumi\.yaml: aio-secrets:ring ".*": must be canary or a whole number from 0 to 3/,
            );
        },
    );

    it("is a setting the stack settings accept and check (the program refuses a bad ring too)", () => {
        const raw = (ring: string) => ({
            project: "aio-secrets",
            stack: "dev",
            config: {
                "aio-secrets:keyVault": JSON.stringify({ name: "kv-aio-dev-01", resourceGroupName: "rg-aio-dev" }),
                "aio-secrets:ring": ring,
            },
            secretKeys: [],
        });
        expect(parseStackSettings(raw("canary")).problems).toEqual([]);
        expect(parseStackSettings(raw("7")).problems.map(formatProblem)).toEqual([
            expect.stringMatching(/aio-secrets:ring "7": must be canary or a whole number/),
        ]);
    });
});

/** A simulated fleet: 3 canaries, 20 stacks in ring 1, 60 in ring 2, 5 in ring 3, shuffled. */
function simulatedFleet(): MatrixEntry[] {
    const entries: MatrixEntry[] = [];
    const add = (n: number, ring: number, prefix: string) => {
        for (let i = 0; i < n; i++)
            entries.push({
                stack: `${prefix}-${String(i).padStart(3, "0")}`,
                ring,
                environment: ring === 0 ? "dev" : "prod",
            });
    };
    add(3, 0, "canary");
    add(20, 1, "early");
    add(60, 2, "site");
    add(5, 3, "late");
    // A fixed shuffle: the input order must not matter.
    return entries
        .map((e, i) => ({ e, k: (i * 37) % entries.length }))
        .sort((a, b) => a.k - b.k)
        .map(({ e }) => e);
}

describe("the CI matrix in rings (tools/rollout.ts)", () => {
    const fleet = simulatedFleet();
    const matrix = ringMatrix(fleet);

    it("has only the key `include` (any other top-level key would be a matrix dimension), in rollout order", () => {
        expect(Object.keys(matrix)).toEqual(["include"]);
        expect(matrix.include).toHaveLength(fleet.length);
        const rings = matrix.include.map((e) => e.ring);
        expect(rings).toEqual([...rings].sort((a, b) => a - b));
        expect(matrix.include[0]).toEqual({ stack: "canary-000", ring: 0, environment: "dev" });
    });

    it("splits into rings 0..3 in order, every stack in exactly one, the canaries first", () => {
        const rings = splitRings(matrix);
        expect(rings.map((r) => r.length)).toEqual([3, 20, 60, 5]);
        expect(
            rings
                .flat()
                .map((e) => e.stack)
                .sort(),
        ).toEqual(fleet.map((e) => e.stack).sort());
        rings.forEach((r, i) => expect(new Set(r.map((e) => e.ring))).toEqual(new Set([i])));
        expect(rings[0].map((e) => e.stack)).toEqual(["canary-000", "canary-001", "canary-002"]);
    });

    it("--ring N is exactly ring N of the split (what each ring job of the workflow reads)", () => {
        const rings = splitRings(matrix);
        for (let ring = 0; ring <= MAX_RING; ring++) expect(ringMatrix(fleet, ring).include).toEqual(rings[ring]);
    });

    it("a ring with no stack is an empty list, and a ring out of range is refused", () => {
        expect(splitRings(ringMatrix(fleet.filter((e) => e.ring !== 1))).map((r) => r.length)).toEqual([3, 0, 60, 5]);
        expect(() => splitRings({ include: [{ stack: "x", ring: 4, environment: "prod" }] })).toThrow(
            /ring 4 is not 0..3/,
        );
    });
});

describe("the failure budget and the summary", () => {
    const matrix: Matrix = ringMatrix(simulatedFleet());
    const ring2 = splitRings(matrix)[2];
    /** Results for ring 2: the first `failed` stacks fail, the next `missing` never report. */
    const results = (failed: number, missing: number): StackResult[] =>
        ring2.slice(missing).map((e, i) => ({ stack: e.stack, status: i < failed ? "failure" : "success" }));

    it("counts done, failed and not started", () => {
        const outcome = ringOutcome(2, ring2, results(2, 1));
        expect([outcome.done.length, outcome.failed.length, outcome.notStarted.length]).toEqual([57, 2, 1]);
        expect(outcome.notStarted).toEqual([ring2[0].stack]);
    });

    it.each([
        [0, 0, 0, true],
        [1, 0, 0, false],
        [6, 0, 10, true], // 6 of 60 = 10%: at the budget
        [7, 0, 10, false],
        [5, 2, 10, false], // not started counts as not done
        [60, 0, 100, true],
    ])("%d failed, %d not started of 60, budget %d%%: goes on = %p", (failed, missing, budget, ok) => {
        expect(withinBudget(ringOutcome(2, ring2, results(failed, missing)), budget)).toBe(ok);
    });

    it("a cancelled stack is a failed one; an empty ring passes", () => {
        const outcome = ringOutcome(
            0,
            [{ stack: "a", ring: 0, environment: "dev" }],
            [{ stack: "a", status: "cancelled" }],
        );
        expect(outcome.failed).toEqual(["a"]);
        expect(withinBudget(ringOutcome(1, [], []), 0)).toBe(true);
    });

    it("the summary lists per ring the stacks done, failed and not started, and where the rollout stopped", () => {
        const canaries = splitRings(matrix)[0];
        const all: StackResult[] = [
            ...canaries.map((e): StackResult => ({ stack: e.stack, status: "success" })),
            ...splitRings(matrix)[1].map((e, i): StackResult => ({
                stack: e.stack,
                status: i < 5 ? "failure" : "success",
            })),
        ];
        const text = rolloutSummary(matrix, all, 10);
        expect(text).toContain("| 0 (canary) | 3: canary-000, canary-001, canary-002 | - | - |");
        expect(text).toMatch(/\| 1 \| 15: .* \| 5: early-000, .* \| - \|/);
        expect(text).toMatch(/\| 2 \| - \| - \| 60: site-000, /);
        expect(text).toContain("Ring 1 went over the failure budget: the rollout stopped after it.");
    });

    it("reads the result files the stack jobs upload, and refuses one of another shape", () => {
        const dir = scratch({
            "a.json": JSON.stringify({ stack: "a", status: "success" }),
            "b.json": JSON.stringify({ stack: "b", status: "failure" }),
        });
        expect(readResults(dir)).toEqual([
            { stack: "a", status: "success" },
            { stack: "b", status: "failure" },
        ]);
        expect(readResults(path.join(dir, "none"))).toEqual([]);
        fs.writeFileSync(path.join(dir, "c.json"), JSON.stringify({ stack: "c", status: "skipped" }));
        expect(() => readResults(dir)).toThrow(/c\.json: expected/);
    });
});

describe("each stack's ring from its resolved settings (plan --matrix)", () => {
    const dir = scratch({
        "Pulumi.yaml": "name: aio-secrets\nruntime: nodejs\nconfig:\n  aio-secrets:ring: 1\n",
        "Pulumi.dev.yaml": "config:\n  aio-secrets:environment: dev\n",
        "Pulumi.lab.yaml": "config:\n  aio-secrets:environment: prod\n",
        "Pulumi.site-a.yaml": "environment: [aio-secrets/sites]\nconfig:\n  aio-secrets:environment: prod\n",
        "Pulumi.site-b.yaml": "config:\n  aio-secrets:environment: prod\n  aio-secrets:ring: canary\n",
        "environments/aio-secrets/sites.yaml": "values:\n  pulumiConfig:\n    aio-secrets:ring: 2\n",
    });

    it("the stack file wins, then an ESC environment, then Pulumi.yaml", () => {
        expect(matrixEntries(dir, ["dev", "lab", "site-a", "site-b"])).toEqual([
            { stack: "dev", ring: 1, environment: "dev" },
            { stack: "lab", ring: 1, environment: "prod" },
            { stack: "site-a", ring: 2, environment: "prod" },
            { stack: "site-b", ring: 0, environment: "prod" },
        ]);
    });

    it("a bad ring names the file it came from", () => {
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            "name: aio-secrets\nruntime: nodejs\nconfig:\n  aio-secrets:ring: last\n",
        );
        expect(() => matrixEntries(dir, ["dev"])).toThrow(/^Pulumi\.yaml: aio-secrets:ring "last": must be canary/);
        expect(() => matrixEntries(dir, ["site-b"])).not.toThrow();
    });
});

describe("plan --changed <rev> --matrix as the workflow runs it (a child process)", () => {
    const planTool = (args: string[]) =>
        execFileSync(
            process.execPath,
            [
                "--import",
                pathToFileURL(require.resolve("tsx")).href,
                path.join(PROJECT_DIR, "tools", "plan.ts"),
                ...args,
            ],
            {
                cwd: PROJECT_DIR,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
                env: { ...process.env, INIT_CWD: PROJECT_DIR },
            },
        );

    it("prints one line of JSON: the changed stacks with rings, in rollout order; --ring N is that ring of it", () => {
        // The first commit: every stack of the project counts as changed since then.
        const first = execFileSync("git", ["rev-list", "--max-parents=0", "HEAD"], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
        })
            .trim()
            .split("\n")[0];
        const all = planTool(["--changed", first, "--matrix"]);
        expect(all.trim().split("\n")).toHaveLength(1);
        const matrix = JSON.parse(all) as Matrix;
        expect(Object.keys(matrix)).toEqual(["include"]);
        expect(matrix.include.find((e) => e.stack === "dev")).toEqual({ stack: "dev", ring: 0, environment: "dev" });
        expect(matrix.include.find((e) => e.stack === "staging")?.ring).toBe(1);
        expect(matrix).toEqual(ringMatrix(matrix.include));
        const ring2 = JSON.parse(
            planTool(["--changed", first, "--matrix", "--ring", "2", "--exclude", "dev,staging,prod"]),
        ) as Matrix;
        expect(ring2.include).toEqual(splitRings(matrix)[2].filter((e) => e.stack !== "prod"));
        expect(ring2.include.length).toBeGreaterThan(0);
    }, 60000);
});

describe("the rollout command line (tools/rollout.ts main)", () => {
    const run = (argv: string[]): { code: number; stdout: string; stderr: string } => {
        const out: string[] = [];
        const err: string[] = [];
        const so = jest.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
            out.push(String(c));
            return true;
        });
        const se = jest.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => {
            err.push(String(c));
            return true;
        });
        try {
            return { code: rolloutMain(argv), stdout: out.join(""), stderr: err.join("") };
        } finally {
            so.mockRestore();
            se.mockRestore();
        }
    };
    const files = () => {
        const dir = scratch({
            "ring.json": JSON.stringify({ include: [{ stack: "dev", ring: 0, environment: "dev" }] }),
            "results/dev.json": JSON.stringify({ stack: "dev", status: "success" }),
        });
        return ["--matrix", path.join(dir, "ring.json"), "--results", path.join(dir, "results")];
    };

    it("--help before the subcommand prints the usage, exit 0", () => {
        const { code, stdout, stderr } = run(["--help"]);
        expect(code).toBe(0);
        expect(stdout).toMatch(/^usage: npx tsx tools\/rollout.ts gate/);
        expect(stderr).toBe("");
    });

    it("an unknown subcommand is one line and the hint, exit 2", () => {
        const { code, stderr } = run(["deploy"]);
        expect(code).toBe(2);
        expect(stderr.trim().split("\n")).toHaveLength(2);
        expect(stderr).toMatch(/--help' for the flags/);
    });

    it.each([[""], [" 0"], ["0x0"], ["0.0"], ["4"]])("--ring %j is refused, not read as a ring", (ring) => {
        const { code, stdout, stderr } = run(["gate", ...files(), "--ring", ring]);
        expect(code).toBe(2);
        expect(stdout).toBe("");
        expect(stderr).toMatch(/expected 0 to 3/);
    });

    it.each([[""], [" 5"], ["0x10"], ["1e1"], ["101"]])("--budget %j is refused", (budget) => {
        const { code, stderr } = run(["gate", ...files(), "--ring", "0", "--budget", budget]);
        expect(code).toBe(2);
        expect(stderr).toMatch(/expected a percentage from 0 to 100/);
    });

    it("a valid gate passes with a decimal budget", () => {
        const { code, stdout } = run(["gate", ...files(), "--ring", "0", "--budget", "12.5"]);
        expect(code).toBe(0);
        expect(stdout).toMatch(/^ring 0: 1 done, 0 failed .*within the failure budget of 12.5%/);
    });
});

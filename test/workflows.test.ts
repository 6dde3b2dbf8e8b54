import * as os from "node:os";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { validateWorkflow, ValidationError } from "@action-validator/core";
import { parseDocument } from "yaml";

/**
 * The GitHub Actions workflows of the stack-per-environment flow (docs/ci.md): every file in
 * .github/workflows is valid against the official workflow schema (@action-validator/core,
 * offline), and the flow's contract holds: PR test + plan diff + preview, deploy
 * dev -> staging -> prod behind environments, weekly rotation with refresh, OIDC only, and
 * every credential from `secrets.` / `vars.`.
 */

const ROOT = path.resolve(__dirname, "..");
const WORKFLOW_DIR = path.join(ROOT, ".github", "workflows");
const ENVIRONMENTS = ["dev", "staging", "prod"];
const ACTION_PINS = [
    "actions/checkout@v4",
    "actions/setup-node@v4",
    "azure/login@v2",
    "pulumi/actions@v6",
    "actions/upload-artifact@v4",
    "actions/download-artifact@v4",
];
const SECRETS = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "PULUMI_CONFIG_PASSPHRASE"];
const VARS = ["PULUMI_BACKEND_URL", "AZURE_STORAGE_ACCOUNT"];

type Env = Record<string, unknown>;
interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Env;
}
interface Job {
    needs?: string | string[];
    uses?: string;
    with?: Record<string, unknown>;
    secrets?: string | Record<string, string>;
    if?: string;
    environment?: string | { name: string };
    permissions?: string | Record<string, string>;
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
    strategy?: { "fail-fast"?: boolean; "max-parallel"?: number | string; matrix?: Record<string, unknown> | string };
    env?: Env;
    steps?: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    env?: Env;
    permissions?: string | Record<string, string>;
    jobs: Record<string, Job>;
}

const workflowFiles = fs
    .readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

function textOf(file: string): string {
    return fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
}

/** Parses with the `yaml` package, which (unlike the validator) refuses duplicate keys. */
function parseWorkflow(text: string): { workflow?: Workflow; errors: string[] } {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    const errors = [...doc.errors, ...doc.warnings].map((e) => e.message);
    return { workflow: errors.length ? undefined : (doc.toJS() as Workflow), errors };
}

function load(file: string): Workflow {
    const { workflow, errors } = parseWorkflow(textOf(file));
    expect(errors).toEqual([]);
    return workflow!;
}

/** One line per leaf error: schema errors nest their causes under `states` (oneOf branches). */
function flatten(errors: ValidationError[], depth = 0): string[] {
    const lines: string[] = [];
    for (const e of errors) {
        const where =
            "path" in e && e.path !== undefined
                ? e.path || "/"
                : "location" in e && e.location
                  ? `line ${e.location.line}`
                  : "";
        lines.push(`${"  ".repeat(depth)}${where} ${e.code}: ${e.title}${e.detail ? ` (${e.detail})` : ""}`);
        if ("states" in e && e.states) for (const s of e.states) lines.push(...flatten(s.errors, depth + 1));
    }
    return lines;
}

function schemaErrors(text: string): string[] {
    return flatten(validateWorkflow(text).errors);
}

function needsOf(job: Job): string[] {
    return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

function environmentOf(job: Job): string | undefined {
    return typeof job.environment === "object" ? job.environment.name : job.environment;
}

function stepUsing(job: Job, action: string): Step | undefined {
    return (job.steps ?? []).find((s) => s.uses?.split("@")[0] === action);
}

/** The pulumi/actions step that runs a command (stack.yml has one more that only installs the CLI). */
function pulumiStep(job: Job): Step {
    const step = (job.steps ?? []).find(
        (s) => s.uses?.split("@")[0] === "pulumi/actions" && s.with?.command !== undefined,
    );
    expect(step).toBeDefined();
    return step!;
}

const STACK_WORKFLOW = "./.github/workflows/stack.yml";

/** The `with:` of a job that calls the one job definition, stack.yml (and checks that it does). */
function callsStack(
    job: Job,
    permissions: Record<string, string> = { "id-token": "write", contents: "read" },
): Record<string, unknown> {
    expect(job.uses).toBe(STACK_WORKFLOW);
    expect(job.secrets).toBe("inherit");
    expect(job.permissions).toEqual(permissions);
    expect(job.steps).toBeUndefined();
    return job.with ?? {};
}

/** Every string in a parsed document (comments are gone), with its key path. */
function strings(value: unknown, at = ""): [string, string][] {
    if (typeof value === "string") return [[at, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, `${at}.${k}`));
    return [];
}

/**
 * The Pulumi CLI version a pulumi/actions step installs: its `pulumi-version`, or, for
 * `${{ inputs.pulumi-version }}` in stack.yml, that input's default (the pinned release).
 */
function pulumiVersion(file: string, step: Step): string {
    const given = String(step.with?.["pulumi-version"]);
    if (given !== "${{ inputs.pulumi-version }}") return given;
    const call = parseWorkflow(textOf(file)).workflow?.on.workflow_call as
        { inputs?: Record<string, { default?: unknown }> } | undefined;
    return String(call?.inputs?.["pulumi-version"]?.default);
}

/** Jobs of every workflow, as [file, job name, job]. */
const allJobs: [string, string, Job][] = workflowFiles.flatMap((file) => {
    const { workflow } = parseWorkflow(textOf(file));
    return Object.entries(workflow?.jobs ?? {}).map(([name, job]): [string, string, Job] => [file, name, job]);
});
const pulumiJobs = allJobs.filter(([, , job]) => stepUsing(job, "pulumi/actions"));

describe("workflow files", () => {
    it("are the workflows of the flow: three, the one job definition and the fleet rollout", () => {
        expect(workflowFiles).toEqual(
            expect.arrayContaining(["deploy.yml", "pull-request.yml", "rotate.yml", "stack.yml", "deploy-fleet.yml"]),
        );
    });

    it.each(workflowFiles)("%s is valid against the GitHub workflow schema", (file) => {
        const errors = schemaErrors(textOf(file));
        if (errors.length) throw new Error(`${file}: schema errors\n${errors.join("\n")}`);
    });

    it.each(workflowFiles)("%s parses as YAML without duplicate keys or warnings", (file) => {
        const { errors } = parseWorkflow(textOf(file));
        if (errors.length) throw new Error(`${file}:\n${errors.join("\n")}`);
    });
});

describe("the validator is not a rubber stamp", () => {
    const good = [
        "on: push",
        "jobs:",
        "  a:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: echo hi",
        "",
    ].join("\n");

    it("accepts a minimal valid workflow", () => {
        expect(schemaErrors(good)).toEqual([]);
    });

    it.each([
        ["a job without runs-on", good.replace("    runs-on: ubuntu-latest\n", ""), "runs-on"],
        ["an unknown top-level key", `${good}deploy-everything: true\n`, "deploy-everything"],
        ["an unknown step key", good.replace("- run: echo hi", "- run: echo hi\n        wiht: { a: 1 }"), "wiht"],
        ["needs of a job that does not exist", good.replace("    steps:", "    needs: build\n    steps:"), "build"],
        ["an invalid cron", good.replace("on: push", 'on:\n  schedule:\n    - cron: "every monday"'), "/on"],
        [
            "an unknown permission value",
            good.replace("    steps:", "    permissions:\n      id-token: wirte\n    steps:"),
            "id-token",
        ],
        ["broken YAML", good.replace("on: push", "on: [push"), "Parse Error"],
    ])("rejects %s", (_what, text, mentioned) => {
        const errors = schemaErrors(text);
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.join("\n")).toContain(mentioned);
    });

    it("duplicate keys are caught by the yaml parse (the validator's parser lets the last one win)", () => {
        const dup = `${good}  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo again\n`;
        expect(parseWorkflow(dup).errors.join("\n")).toMatch(/unique/i);
    });
});

describe("pull-request.yml", () => {
    const wf = load("pull-request.yml");

    it("runs on pull requests to main", () => {
        expect(wf.on).toHaveProperty("pull_request");
        expect((wf.on.pull_request as { branches?: string[] }).branches).toEqual(["main"]);
    });

    it("has jobs test, plan-diff and preview; the last two need test", () => {
        expect(Object.keys(wf.jobs)).toEqual(expect.arrayContaining(["test", "plan-diff", "preview"]));
        expect(needsOf(wf.jobs["plan-diff"])).toEqual(["test"]);
        expect(needsOf(wf.jobs.preview)).toEqual(["test"]);
    });

    it("test: full checkout, Node 22 and 24 with npm cache, npm ci, type check, lint, format check, npm test", () => {
        const job = wf.jobs.test;
        expect(stepUsing(job, "actions/checkout")?.with?.["fetch-depth"]).toBe(0);
        expect((job.strategy?.matrix as Record<string, unknown>).node).toEqual([22, 24]);
        expect(job.strategy?.["fail-fast"]).toBe(false);
        const node = stepUsing(job, "actions/setup-node");
        expect(String(node?.with?.["node-version"])).toBe("${{ matrix.node }}");
        expect(node?.with?.cache).toBe("npm");
        const runs = (job.steps ?? []).map((s) => s.run?.trim()).filter(Boolean);
        expect(runs).toEqual([
            "npm ci",
            "npm run -s typecheck",
            "npm run -s lint",
            "npm run -s format:check",
            "npm test",
            "npm run promote -- --status --check",
        ]);
    });

    it("plan-diff: plans every stack in one process, the changed ones against the base branch, into the step summary", () => {
        const job = wf.jobs["plan-diff"];
        expect(stepUsing(job, "actions/checkout")?.with?.["fetch-depth"]).toBe(0);
        const script = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
        expect(script).toMatch(/npm run -s plan -- --all >/);
        expect(script).toMatch(/npm run -s plan -- --all --changed "origin\/\$BASE_REF" --json/);
        expect(script).toMatch(/npm run -s plan -- --stack "\$stack" --against "origin\/\$BASE_REF"/);
        expect(script).toContain("$GITHUB_STEP_SUMMARY");
        expect(script).toMatch(/^\s*echo '(```+)text'[\s\S]*echo '\1'/m);
        const step = (job.steps ?? []).find((s) => s.run?.includes("--against"));
        expect(step?.env?.BASE_REF).toBe("${{ github.base_ref }}");
    });

    it("preview: stack.yml per environment with OIDC and PR permissions, no GitHub environment, a PR comment per stack", () => {
        const job = wf.jobs.preview;
        expect((job.strategy?.matrix as Record<string, unknown>).stack).toEqual(ENVIRONMENTS);
        // No environment: the OIDC subject stays `pull_request` and no reviewer is waited for.
        expect(callsStack(job, { "id-token": "write", contents: "read", "pull-requests": "write" })).toEqual({
            stack: "${{ matrix.stack }}",
            command: "preview",
            "comment-on-pr": true,
        });
    });
});

describe("deploy.yml", () => {
    const wf = load("deploy.yml");

    it("runs on push to main and on demand", () => {
        expect((wf.on.push as { branches?: string[] }).branches).toEqual(["main"]);
        expect(wf.on).toHaveProperty("workflow_dispatch");
    });

    it("chains dev -> staging -> prod, each calling stack.yml bound to its environment; the job is not repeated", () => {
        expect(Object.keys(wf.jobs)).toEqual(ENVIRONMENTS);
        expect(needsOf(wf.jobs.dev)).toEqual([]);
        expect(needsOf(wf.jobs.staging)).toEqual(["dev"]);
        expect(needsOf(wf.jobs.prod)).toEqual(["staging"]);
        for (const env of ENVIRONMENTS) expect(callsStack(wf.jobs[env])).toEqual({ stack: env, environment: env });
        expect(textOf("deploy.yml").split("\n").length).toBeLessThan(60);
    });
});

describe("stack.yml: the one job definition (workflow_call)", () => {
    const wf = load("stack.yml");
    const call = wf.on.workflow_call as {
        inputs: Record<string, { type: string; required?: boolean; default?: unknown }>;
    };
    const [name, job] = Object.entries(wf.jobs)[0];

    it("is only a reusable workflow, with one job bound to the caller's environment (none for a preview), with the caller's token permissions", () => {
        expect(Object.keys(wf.on)).toEqual(["workflow_call"]);
        expect(Object.keys(wf.jobs)).toEqual([name]);
        expect(environmentOf(job)).toBe("${{ inputs.environment }}");
        expect(Object.keys(call.inputs)).toEqual([
            "stack",
            "environment",
            "command",
            "comment-on-pr",
            "refresh",
            "pulumi-version",
            "result-artifact",
            "expect-no-changes",
            "drift-report",
            "out-of-band-check",
        ]);
        expect([call.inputs.environment.default, call.inputs.command.default, call.inputs.refresh.default]).toEqual([
            "",
            "up",
            false,
        ]);
        // No permissions of its own: a called workflow can only lower the caller's.
        expect(job.permissions).toBeUndefined();
        expect(wf.permissions).toBeUndefined();
    });

    it("one up per stack at a time, never cancelled (the group deploy.yml, rotate.yml and deploy-fleet.yml share); a preview never displaces a pending up", () => {
        expect(job.concurrency).toEqual({
            group: "${{ inputs.command == 'up' && format('pulumi-{0}', inputs.stack) || format('preview-{0}-{1}', inputs.stack, github.run_id) }}",
            "cancel-in-progress": false,
        });
    });

    it("every caller grants the job its OIDC token", () => {
        const callers = allJobs.filter(([, , j]) => j.uses === STACK_WORKFLOW);
        expect(new Set(callers.map(([file]) => file))).toEqual(
            new Set(["pull-request.yml", "deploy.yml", "rotate.yml", "deploy-fleet.yml", "drift.yml"]),
        );
        for (const [, , caller] of callers)
            expect(caller.permissions).toMatchObject({ "id-token": "write", contents: "read" });
    });

    it("npm ci, then the pinned CLI, the cluster connection, then pulumi with the inputs", () => {
        const steps = job.steps ?? [];
        const ci = steps.findIndex((s) => s.run?.trim() === "npm ci");
        const install = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === undefined);
        const connect = steps.findIndex((s) => s.name?.startsWith("Cluster connection"));
        const run = steps.indexOf(pulumiStep(job));
        expect([ci, install, connect, run].every((i, k, a) => i >= 0 && (k === 0 || i > a[k - 1]))).toBe(true);
        expect(steps[install].with).toEqual({ "pulumi-version": "${{ inputs.pulumi-version }}" });
        expect(steps[run].with).toMatchObject({
            command: "${{ inputs.command }}",
            "stack-name": "${{ inputs.stack }}",
            refresh: "${{ inputs.refresh }}",
            "comment-on-pr": "${{ inputs.comment-on-pr }}",
        });
    });

    it("connects a CSI stack to its cluster: the stack's kubeconfig, else az connectedk8s proxy; a secret-sync stack needs none", () => {
        const script = (job.steps ?? []).find((s) => s.name?.startsWith("Cluster connection"))?.run ?? "";
        expect(script).toMatch(/"aio-secrets:delivery"[\s\S]*secretSync[\s\S]*exit 0/);
        expect(script).toMatch(/has\("kubernetes:kubeconfig"\)[\s\S]*exit 0/);
        expect(script).toMatch(/az connectedk8s proxy --name "\$name" --resource-group "\$group" .*&$/m);
        expect(script).toContain("arcClusterName");
        expect(textOf("stack.yml")).toMatch(/#.*secret-sync stack .*needs\s+none/);
    });

    it("uploads the stack's result for the fleet's failure budget, also when the deploy failed", () => {
        const steps = job.steps ?? [];
        const result = steps.find((s) => s.name?.startsWith("Result"));
        expect(result?.env?.STATUS).toBe("${{ job.status }}");
        const upload = stepUsing(job, "actions/upload-artifact");
        for (const step of [result, upload])
            expect(String((step as Step & { if?: string }).if)).toMatch(
                /^always\(\) && inputs\.result-artifact != ''$/,
            );
        expect(upload?.with?.name).toBe("${{ inputs.result-artifact }}");
    });
});

describe("deploy-fleet.yml: the changed stacks ring by ring", () => {
    const wf = load("deploy-fleet.yml");
    const RING_COUNT = 4;
    const rings = Array.from({ length: RING_COUNT }, (_, i) => i);

    it("runs on push to main and on demand (since, max-parallel, failure-budget), one rollout at a time", () => {
        expect((wf.on.push as { branches?: string[] }).branches).toEqual(["main"]);
        const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs;
        expect(Object.keys(inputs)).toEqual(["since", "max-parallel", "failure-budget"]);
        expect((wf as Workflow & { concurrency?: unknown }).concurrency).toEqual({
            group: "deploy-fleet",
            "cancel-in-progress": false,
        });
        expect(wf.env?.FLEET_EXCLUDE).toBe(ENVIRONMENTS.join(",")); // deploy.yml's stacks
    });

    it("a dispatched failure budget of 0 stays 0 (GitHub's || takes the number 0 as false); a push gets 10", () => {
        const budget = String(wf.env?.FAILURE_BUDGET);
        expect(budget).not.toMatch(/inputs\.failure-budget\s*\|\|/);
        expect(budget).toBe("${{ format('{0}', inputs.failure-budget) || 10 }}");
    });

    it("has a plan job, then a ring job and a gate per ring (4 rings: canary, 1, 2, 3), then the summary", () => {
        expect(Object.keys(wf.jobs)).toEqual(["plan", ...rings.flatMap((r) => [`ring-${r}`, `gate-${r}`]), "summary"]);
    });

    it("plan: one matrix per ring from plan --matrix --ring N (the tested split), and the whole matrix", () => {
        const job = wf.jobs.plan;
        expect(stepUsing(job, "actions/checkout")?.with?.["fetch-depth"]).toBe(0);
        const script = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
        expect(script).toContain(
            'npm run -s plan -- "${select[@]}" --exclude "$FLEET_EXCLUDE" --matrix --ring "$ring"',
        );
        expect(script).toMatch(/for ring in 0 1 2 3; do/);
        expect(script).toMatch(/select=\(--changed "\$SINCE"\)/);
        const outputs = (job as Job & { outputs: Record<string, string> }).outputs;
        for (const r of rings) expect(outputs[`ring${r}`]).toBe(`\${{ steps.matrix.outputs.ring${r} }}`);
    });

    it.each(rings)(
        "ring-%d: stack.yml per stack of its ring, max-parallel, fail-fast off, after the previous ring's gate",
        (r) => {
            const job = wf.jobs[`ring-${r}`];
            expect(needsOf(job)).toEqual(r === 0 ? ["plan"] : ["plan", `gate-${r - 1}`]);
            expect(job.if).toContain(`needs.plan.outputs.count${r} != '0'`);
            if (r > 0) expect(job.if).toContain(`needs.gate-${r - 1}.result == 'success'`);
            expect(job.strategy).toEqual({
                "fail-fast": false,
                "max-parallel": "${{ fromJSON(inputs.max-parallel || 10) }}",
                matrix: `\${{ fromJSON(needs.plan.outputs.ring${r}) }}`,
            });
            expect(callsStack(job)).toEqual({
                stack: "${{ matrix.stack }}",
                environment: "${{ matrix.environment }}",
                "result-artifact": `rollout-ring-${r}-\${{ matrix.stack }}`,
            });
        },
    );

    it.each(rings)("gate-%d: reads ring N's results and applies the failure budget; the next ring needs it", (r) => {
        const job = wf.jobs[`gate-${r}`];
        expect(needsOf(job)).toEqual(r === 0 ? ["plan", "ring-0"] : ["plan", `ring-${r}`, `gate-${r - 1}`]);
        expect(job.if).toMatch(/^\$\{\{ !cancelled\(\)/);
        expect(stepUsing(job, "actions/download-artifact")?.with).toMatchObject({
            pattern: `rollout-ring-${r}-*`,
            "merge-multiple": true,
        });
        const step = (job.steps ?? []).find((s) => s.run?.includes("tools/rollout.ts gate"));
        expect(step?.run).toContain(`--ring ${r} --budget "$FAILURE_BUDGET"`);
        expect(step?.env?.MATRIX).toBe(`\${{ needs.plan.outputs.ring${r} }}`);
    });

    it("summary: after every gate, whatever happened, lists the stacks done, failed and not started", () => {
        const job = wf.jobs.summary;
        expect(needsOf(job)).toEqual(["plan", ...rings.map((r) => `gate-${r}`)]);
        expect(job.if).toContain("always()");
        const script = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
        expect(script).toMatch(/tools\/rollout\.ts summary .*>>"\$GITHUB_STEP_SUMMARY"/);
    });

    it("the rings the workflow has are the rings a stack may be in (stacks/ring.ts)", async () => {
        const { RINGS } = await import("../stacks/ring");
        expect([...RINGS]).toEqual(rings);
    });
});

describe("rotate.yml", () => {
    const wf = load("rotate.yml");
    const [name, job] = Object.entries(wf.jobs)[0];

    it("runs weekly on a schedule and on demand", () => {
        const schedule = wf.on.schedule as { cron: string }[];
        expect(schedule).toHaveLength(1);
        expect(schedule[0].cron.split(" ")).toHaveLength(5);
        expect(schedule[0].cron.split(" ")[4]).toMatch(/^[0-6]$/); // one day of the week
        expect(wf.on).toHaveProperty("workflow_dispatch");
    });

    it("rotates every environment through stack.yml, bound to it, with pulumi up --refresh", () => {
        expect(Object.keys(wf.jobs)).toEqual([name]);
        expect((job.strategy?.matrix as Record<string, unknown>).stack).toEqual(ENVIRONMENTS);
        expect(callsStack(job)).toEqual({
            stack: "${{ matrix.stack }}",
            environment: "${{ matrix.stack }}",
            refresh: true,
        });
    });

    it("explains the refresh (the concurrency group per stack is stack.yml's)", () => {
        expect(textOf("rotate.yml")).toMatch(/#.*Why refresh/);
    });
});

describe("every workflow", () => {
    /** The lowest major a `>=N` range admits. */
    const minimum = (range: string | undefined) => Number(/^>=\s*(\d+)/.exec(range ?? "")?.[1] ?? NaN);
    const engines = (file: string) =>
        (JSON.parse(fs.readFileSync(file, "utf8")) as { engines?: { node?: string } }).engines?.node;

    it("package.json engines admit no Node older than @pulumi/pulumi requires", () => {
        const ours = minimum(engines(path.join(ROOT, "package.json")));
        const sdk = minimum(engines(require.resolve("@pulumi/pulumi/package.json")));
        expect(ours).toBeGreaterThanOrEqual(sdk);
        expect(ours).toBeGreaterThanOrEqual(22);
        // The lockfile's copy of the root package agrees (npm ci reads the lockfile).
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
            packages: Record<string, { engines?: { node?: string } }>;
        };
        expect(lock.packages[""].engines?.node).toBe(engines(path.join(ROOT, "package.json")));
    });

    const nodeJobs = allJobs.filter(([, , j]) => stepUsing(j, "actions/setup-node"));
    it.each(nodeJobs.map(([f, n, j]) => [`${f} ${n}`, j] as [string, Job]))(
        "%s sets up a Node that package.json engines admit",
        (_id, job) => {
            const step = stepUsing(job, "actions/setup-node")!;
            const floor = minimum(engines(path.join(ROOT, "package.json")));
            const given = String(step.with?.["node-version"]);
            const versions =
                given === "${{ matrix.node }}"
                    ? (((job.strategy?.matrix as Record<string, unknown>).node as number[] | undefined) ?? [])
                    : [Number(given)];
            expect(versions.length).toBeGreaterThan(0);
            for (const v of versions) expect(v).toBeGreaterThanOrEqual(floor);
        },
    );

    it.each(allJobs.map(([f, n, j]) => [`${f} ${n}`, j] as [string, Job]))(
        "%s pins actions by major version",
        (_id, job) => {
            for (const step of job.steps ?? []) if (step.uses) expect(ACTION_PINS).toContain(step.uses);
        },
    );

    it.each(allJobs.map(([f, n, j]) => [`${f} ${n}`, j] as [string, Job]))(
        "%s interpolates no expression into a run script",
        (_id, job) => {
            for (const step of job.steps ?? []) expect(step.run ?? "").not.toContain("${{");
        },
    );

    /**
     * The first Pulumi CLI whose engine honours `replacementTrigger` (the test CA's renewal)
     * correctly: the option came with 3.208.0 (pulumi/pulumi#20936, 2025-11-20; the Node.js SDK
     * sends it from 3.211.0, 2025-12-11), and until 3.226.0 (pulumi/pulumi#22119, 2026-03-11)
     * the engine could fire it when the same value arrived wrapped as an output. Older engines
     * drop the option silently (no error, no renewal).
     */
    const REPLACEMENT_TRIGGER_ENGINE = "3.226.0";
    const semver = (v: string) => v.split(".").map(Number);
    const atLeast = (v: string, floor: string) => {
        const [a, b] = [semver(v), semver(floor)];
        for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
        return true;
    };

    it.each(pulumiJobs.map(([f, n, j]) => [`${f} ${n}`, f, j] as [string, string, Job]))(
        "%s pins the Pulumi CLI (pulumi-version) to an engine that honours replacementTrigger",
        (_id, file, job) => {
            const version = pulumiVersion(file, pulumiStep(job));
            // An exact release, never a range ("3.x", "^3"): pulumi/actions would install whatever is newest.
            expect(version).toMatch(/^\d+\.\d+\.\d+$/);
            expect(atLeast(version, REPLACEMENT_TRIGGER_ENGINE)).toBe(true);
        },
    );

    it("pins one Pulumi CLI version everywhere, and docs/running.md says which and why", () => {
        const versions = new Set(
            pulumiJobs.flatMap(([file, , job]) =>
                (job.steps ?? [])
                    .filter((s) => s.uses?.startsWith("pulumi/actions@"))
                    .map((s) => pulumiVersion(file, s)),
            ),
        );
        expect(versions.size).toBe(1);
        const [version] = [...versions];
        const readme = fs.readFileSync(path.join(ROOT, "docs", "running.md"), "utf8");
        expect(readme).toContain(`\`pulumi-version: ${version}\``);
        expect(readme).toContain(REPLACEMENT_TRIGGER_ENGINE);
        expect(atLeast("3.208.0", REPLACEMENT_TRIGGER_ENGINE)).toBe(false); // the comparison is not a rubber stamp
    });

    it("has pulumi/actions steps only in the one job definition (stack.yml)", () => {
        expect(new Set(pulumiJobs.map(([file]) => file))).toEqual(new Set(["stack.yml"]));
    });

    it.each(pulumiJobs.map(([f, n, j]) => [`${f} ${n}`, f, j] as [string, string, Job]))(
        "%s: pulumi runs with OIDC after azure/login, state in azblob, credentials from secrets",
        (_id, file, job) => {
            const step = pulumiStep(job);
            const wfEnv = parseWorkflow(textOf(file)).workflow?.env ?? {};
            const env: Env = { ...wfEnv, ...job.env, ...step.env };
            expect(env.ARM_USE_OIDC).toBe("true"); // the string "true", as the provider reads it
            expect(env).toMatchObject({
                ARM_CLIENT_ID: "${{ secrets.AZURE_CLIENT_ID }}",
                ARM_TENANT_ID: "${{ secrets.AZURE_TENANT_ID }}",
                ARM_SUBSCRIPTION_ID: "${{ secrets.AZURE_SUBSCRIPTION_ID }}",
                AZURE_STORAGE_ACCOUNT: "${{ vars.AZURE_STORAGE_ACCOUNT }}",
                PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            });
            expect(step.with?.["cloud-url"]).toBe("${{ vars.PULUMI_BACKEND_URL }}");
            // stack.yml's job has the caller's permissions: every caller grants id-token (tested above).
            if (file !== "stack.yml")
                expect(typeof job.permissions === "object" && job.permissions["id-token"]).toBe("write");
            const steps = job.steps ?? [];
            const login = steps.findIndex((s) => s.uses?.startsWith("azure/login@"));
            expect(login).toBeGreaterThanOrEqual(0);
            expect(login).toBeLessThan(steps.indexOf(step));
            expect(steps[login].with).toEqual({
                "client-id": "${{ secrets.AZURE_CLIENT_ID }}",
                "tenant-id": "${{ secrets.AZURE_TENANT_ID }}",
                "subscription-id": "${{ secrets.AZURE_SUBSCRIPTION_ID }}",
            });
            // OIDC only: no client secret anywhere near the deployment
            expect(JSON.stringify(job)).not.toMatch(/CLIENT_SECRET|client-secret|creds/);
        },
    );

    it.each(workflowFiles)("%s holds no literal credential (outside comments)", (file) => {
        const found = strings(load(file));
        const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
        expect(found.filter(([, v]) => guid.test(v))).toEqual([]);
        const credentialKey = /(_ID|-id|PASSPHRASE|SECRET|TOKEN|KEY|PASSWORD|STORAGE_ACCOUNT|cloud-url)$/i;
        const expression = /^\$\{\{ (secrets|vars)\.[A-Z_]+ \}\}$/;
        const credentials = found.filter(
            ([at]) => !at.includes(".permissions.") && credentialKey.test(at.split(".").pop()!),
        );
        // A workflow whose jobs only call stack.yml (`secrets: inherit`) names no credential at all.
        if (Object.values(load(file).jobs).some((j) => stepUsing(j, "azure/login")))
            expect(credentials.length).toBeGreaterThan(0);
        else expect(textOf(file)).not.toMatch(/\bsecrets\.[A-Z]/);
        for (const [at, value] of credentials)
            expect({ at, value }).toEqual({ at, value: expect.stringMatching(expression) });
    });

    /** A script's command pipes (`a | b`), outside quoted strings and `||`. */
    const pipes = (script: string) =>
        script
            .split("\n")
            .map((l) => l.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "''").replace(/#.*$/, ""))
            .filter((l) => /(^|[^|])\|([^|]|$)/.test(l));

    it.each(workflowFiles)(
        "%s: a step whose script pipes runs with pipefail (GitHub's default `bash -e` keeps only the last command's exit status)",
        (file) => {
            const wf = load(file) as Workflow & { defaults?: { run?: { shell?: string } } };
            const unsafe: string[] = [];
            for (const [name, job] of Object.entries(wf.jobs)) {
                const jobShell = (job as Job & { defaults?: { run?: { shell?: string } } }).defaults?.run?.shell;
                for (const step of job.steps ?? []) {
                    if (step.run === undefined || pipes(step.run).length === 0) continue;
                    // `shell: bash` (explicit) runs `bash --noprofile --norc -eo pipefail {0}`.
                    const shell = (step as Step & { shell?: string }).shell ?? jobShell ?? wf.defaults?.run?.shell;
                    if (shell === "bash" || /set -[a-z]*o pipefail/.test(step.run)) continue;
                    unsafe.push(`${name}: ${step.name ?? pipes(step.run)[0].trim()}`);
                }
            }
            expect(unsafe).toEqual([]);
        },
    );

    it.each(workflowFiles)(
        "%s: no command substitution inside an echo or printf argument (echo's status would hide its failure)",
        (file) => {
            const hidden = Object.values(load(file).jobs)
                .flatMap((job) => job.steps ?? [])
                .flatMap((step) => (step.run ?? "").split("\n"))
                .filter((line) => /^\s*(echo|printf)\b[^#]*\$\(/.test(line));
            expect(hidden).toEqual([]);
        },
    );

    it("uses only the documented secrets and variables, and docs/ci.md lists them", () => {
        const all = workflowFiles.map(textOf).join("\n");
        const used = (kind: string) =>
            [...new Set([...all.matchAll(new RegExp(`\\b${kind}\\.([A-Za-z_]+)`, "g"))].map((m) => m[1]))].sort();
        expect(used("secrets")).toEqual([...SECRETS].sort());
        expect(used("vars")).toEqual([...VARS].sort());
        const doc = fs.readFileSync(path.join(ROOT, "docs", "ci.md"), "utf8");
        for (const name of [...SECRETS, ...VARS]) expect(doc).toContain(name);
        for (const env of ENVIRONMENTS) expect(doc).toContain(`:environment:${env}`);
        expect(doc).toContain(":pull_request");
    });
});

describe("drift.yml: the scheduled drift report (issue 19)", () => {
    const wf = load("drift.yml");

    it("runs on a schedule and by hand", () => {
        expect(Object.keys(wf.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
        expect(wf.on.schedule).toEqual([{ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) }]);
    });

    it("per stack of the matrix: stack.yml's preview with refresh and expect-no-changes, then the drift report", () => {
        const job = wf.jobs.drift;
        expect(needsOf(job)).toEqual(["stacks"]);
        expect(job.strategy?.["fail-fast"]).toBe(false);
        expect(job.strategy?.matrix).toBe("${{ fromJSON(needs.stacks.outputs.matrix) }}");
        expect(callsStack(job)).toEqual({
            stack: "${{ matrix.stack }}",
            command: "preview",
            refresh: true,
            "expect-no-changes": true,
            "drift-report": true,
        });
        expect(wf.jobs.stacks.steps?.find((s) => s.name === "The stacks")?.run).toMatch(
            /plan -- "\$\{select\[@\]\}" --matrix/,
        );
    });

    it("stack.yml passes expect-no-changes to pulumi and runs the drift report over an az/kubectl export, into the job summary, failing on drift", () => {
        const job = Object.values(load("stack.yml").jobs)[0];
        expect(pulumiStep(job).with?.["expect-no-changes"]).toBe("${{ inputs.expect-no-changes }}");
        const exported = (job.steps ?? []).find((s) => s.name === "Export the live state");
        expect((exported as Step & { if?: string }).if).toBe(
            "inputs.drift-report || (inputs.command == 'up' && inputs.out-of-band-check)",
        );
        for (const part of [
            "az resource show --ids",
            "kubectl get secretproviderclass",
            "az keyvault secret list",
            '"$dir/live.json"',
        ])
            expect(exported?.run ?? "").toContain(part);
        const report = (job.steps ?? []).find((s) => s.name === "Drift report");
        expect((report as Step & { if?: string }).if).toBe("always() && inputs.drift-report");
        const script = report?.run ?? "";
        for (const part of [
            'npx aio-secrets drift --stack "$STACK" --live "$dir/live.json"',
            "GITHUB_STEP_SUMMARY",
            'exit "$status"',
        ])
            expect(script).toContain(part);
    });

    it("before an up, the out-of-band check runs plan --live over the export, before pulumi (issue 19: never removed silently)", () => {
        const job = Object.values(load("stack.yml").jobs)[0];
        const steps = job.steps ?? [];
        const at = (name: string) => steps.findIndex((s) => s.name === name);
        const check = steps[at("Out-of-band entries the up would remove")] as Step & { if?: string };
        expect(check.if).toBe("inputs.command == 'up' && inputs.out-of-band-check");
        expect(check.run).toBe('npx aio-secrets plan --stack "$STACK" --live "$RUNNER_TEMP/drift/live.json"');
        // Under outOfBand: remove the plan text is where the removal is stated: never discarded.
        expect(check.run).not.toMatch(/>\s*\/dev\/null/);
        expect(at("Export the live state")).toBeLessThan(at("Out-of-band entries the up would remove"));
        expect(at("Out-of-band entries the up would remove")).toBeLessThan(steps.indexOf(pulumiStep(job)));
        expect(at("Cluster connection (CSI stacks only)")).toBeLessThan(at("Export the live state"));
        // A first up: no resource group, no SecretProviderClass type yet: an empty export, not a failure.
        const exported = steps[at("Export the live state")].run ?? "";
        expect(exported).toContain('if [ "$(az group exists --name "$group")" = true ]; then');
        expect(exported).toContain(`grep -q "the server doesn't have a resource type"`);
    });

    it("a vault whose firewall denies the runner (prod's keyVault.network) does not fail the report: the SPCs are compared, the summary says the vault was not", () => {
        const job = Object.values(load("stack.yml").jobs)[0];
        const script = (job.steps ?? [])
            .filter((s) => s.name === "Export the live state" || s.name === "Drift report")
            .map((s) => s.run ?? "")
            .join("\n");
        expect(script).toMatch(
            /if ! az keyvault secret list --vault-name "\$vault" -o json >"\$dir\/vault\.json"; then/,
        );
        expect(script).toContain(`echo '[]' >"$dir/vault.json"`);
        expect(script).toMatch(/\[ -z "\$vaultNote" \] \|\| echo "\$vaultNote"/);
    });

    it("the job summary escapes what the live export names: no HTML, link or code span breaks out", () => {
        const job = Object.values(load("stack.yml").jobs)[0];
        const script = (job.steps ?? []).find((s) => s.name === "Drift report")?.run ?? "";
        const line = script.split("\n").find((l) => l.includes("def md"));
        expect(line).toBeDefined();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-summary-"));
        fs.writeFileSync(
            path.join(dir, "drift.json"),
            JSON.stringify({
                differences: [
                    {
                        kind: "spc",
                        in: "spc <b>x</b>",
                        name: "evil`name<img src=x>",
                        detail: "objects: a_b, *c*, [link](http://x) | y",
                        removedByUp: true,
                    },
                ],
            }),
        );
        // The step's own jq line, run by bash as the runner does (jq is on GitHub's runners and here).
        const run = spawnSync("bash", ["-c", line!.trim().replace('"$dir/drift.json"', "drift.json")], {
            cwd: dir,
            encoding: "utf8",
        });
        expect(run.stderr).toBe("");
        expect(run.stdout.trim()).toBe(
            "- **spc** spc \\<b\\>x\\</b\\>: `evil'name<img src=x>`: objects: a\\_b, \\*c\\*, \\[link\\](http://x) \\| y (the next up removes it)",
        );
    });

    it("the vault and the namespace come from the offline plan's outputs (a keyVault shared through an ESC environment or Pulumi.yaml included)", () => {
        const job = Object.values(load("stack.yml").jobs)[0];
        const script = (job.steps ?? []).find((s) => s.name === "Export the live state")?.run ?? "";
        expect(script).toContain(`vault=$(jq -r '.outputs.vaultName' <<<"$plan")`);
        expect(script).toContain(`namespace=$(jq -r '.outputs.namespace // "azure-iot-operations"' <<<"$plan")`);
        expect(script).not.toContain("pulumi config");
        // Both outputs are in the plan of a secret-sync and a CSI example stack.
        for (const stack of ["ga", "prod"]) {
            const run = spawnSync(
                path.join(ROOT, "node_modules", ".bin", "tsx"),
                [path.join(ROOT, "tools", "plan.ts"), "--stack", stack, "--json"],
                { cwd: ROOT, encoding: "utf8" },
            );
            const { outputs } = JSON.parse(run.stdout) as { outputs: Record<string, unknown> };
            expect([outputs.vaultName, outputs.namespace]).toEqual([
                expect.stringMatching(/^kv-aio-/),
                "azure-iot-operations",
            ]);
        }
    }, 60000);
});

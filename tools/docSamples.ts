import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFleet } from "./bench/fleet";

/**
 * The sample outputs in README.md and docs/*.md, made by running the tools: `npm run docs:samples`
 * rewrites every fenced block between `<!-- sample: <id> -->` and `<!-- /sample -->`, and
 * test/doc-samples.test.ts fails when one differs from what the tools print now.
 *
 * The tools run as the commands a reader types (`tsx tools/plan.ts ...`, `tools/promote.ts`) in a
 * scratch copy of the repository: its git-tracked and untracked (not ignored) files, committed
 * once, so `--against HEAD` compares with the files as they are here. The walkthroughs' edits are
 * applied to the copy step by step, exactly as the docs tell the reader to make them. Nothing is
 * written to this repository except by `npm run docs:samples`. Every sample is deterministic: the
 * one time the tools print (`plan --all`'s) is replaced by a marker.
 */

const PROJECT_DIR = path.resolve(__dirname, "..");

/** The files that hold samples, relative to the project root. */
export const SAMPLE_FILES = [
    "README.md",
    "docs/secret-sync.md",
    "docs/fleets.md",
    "docs/reference.md",
    "docs/ownership.md",
    "docs/consumers.md",
] as const;

/** What the walkthroughs append; the docs show the same lines. */
const PLACEHOLDER_VALUE = "      secure: v1:placeholder-replace-with-pulumi-config-set-secret\n";
const WALKTHROUGH_ENTRY =
    "  - name: historian-db-password\n    source: config\n    spcs: [aio-default-spc]\n    environments: [dev]\n";
const GA_ENTRY =
    "  - name: historian-db-password\n    source: config\n    sync: { secret: historian-db, key: password }\n    environments: [ga]\n";
/** The sites of the generated fleet that lack the new value (docs/fleets.md). */
const FLEET_MISSING = [57, 107, 157];
/** Step 1's own ids: made-up, but not the examples' placeholder shape (groups of one repeated digit). */
const STEP1_TENANT = "3f2b7c1e-9d4a-4e8b-a6c5-0b1d2e3f4a5b";
const STEP1_DEPLOYERS =
    "  aio-secrets:deployers:\n    - objectId: 5c8e2a90-1b7d-4f3e-9a64-2d0c7e1f8b35\n      type: User\n";

interface Run {
    stdout: string;
    stderr: string;
    status: number | null;
}

/** A scratch copy of the repository that the tools run in. */
class Scratch {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-doc-samples-"));

    constructor() {
        const listed = git(PROJECT_DIR, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).split("\0");
        for (const file of listed.filter((f) => f !== "" && fs.existsSync(path.join(PROJECT_DIR, f)))) {
            const target = path.join(this.dir, file);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.copyFileSync(path.join(PROJECT_DIR, file), target);
        }
        fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(this.dir, "node_modules"), "dir");
        this.git(["init", "-q", "-b", "main"]);
        this.commit("the repository as it is");
    }

    git(args: string[]): string {
        return git(this.dir, args);
    }

    commit(message: string): void {
        this.git(["add", "-A"]);
        this.git([
            "-c",
            "user.name=docs",
            "-c",
            "user.email=docs@example.invalid",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message,
        ]);
    }

    /** Back to the first commit: the files as they are in the repository. */
    reset(): void {
        const first = this.git(["rev-list", "--max-parents=0", "HEAD"]).trim();
        this.git(["reset", "-q", "--hard", first]);
    }

    read(file: string): string {
        return fs.readFileSync(path.join(this.dir, file), "utf8");
    }

    write(file: string, text: string): void {
        fs.writeFileSync(path.join(this.dir, file), text);
    }

    append(file: string, text: string): void {
        const current = this.read(file);
        this.write(file, `${current}${current.endsWith("\n") ? "" : "\n"}${text}`);
    }

    /** Replaces exactly one occurrence, or says which edit no longer fits the file. */
    replace(file: string, from: string, to: string): void {
        const text = this.read(file);
        if (text.split(from).length !== 2)
            throw new Error(`docSamples: ${file} does not hold ${JSON.stringify(from)} exactly once`);
        this.write(file, text.replace(from, to));
    }

    /** A tool, as `npx aio-secrets <tool> ...` runs it, from the copy's root. */
    tool(tool: "plan" | "promote" | "import" | "drift" | "check", args: string[]): Run {
        const env = { ...process.env };
        delete env.INIT_CWD;
        delete env.AIO_SECRETS_CATALOG;
        delete env.AIO_SECRETS_STACK_FILE;
        const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), `tools/${tool}.ts`, ...args], {
            cwd: this.dir,
            env: { ...env, NO_COLOR: "1" },
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        if (result.error) throw result.error;
        const run = { stdout: result.stdout, stderr: result.stderr, status: result.status };
        if (run.stdout.includes(this.dir) || run.stderr.includes(this.dir))
            throw new Error(`docSamples: ${tool} ${args.join(" ")} printed the scratch path`);
        return run;
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function git(cwd: string, args: string[]): string {
    const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`docSamples: git ${args.join(" ")}: ${result.stderr.trim()}`);
    return result.stdout;
}

/** The run's output, or an error that says what the docs expected. */
function expectExit(run: Run, status: number, what: string): Run {
    if (run.status !== status)
        throw new Error(`docSamples: ${what} exited ${run.status}, not ${status}:\n${run.stderr}${run.stdout}`);
    return run;
}

/** The lines from the first one that starts with `from` to the end. */
function linesFrom(text: string, from: string): string {
    const lines = text.trimEnd().split("\n");
    const start = lines.findIndex((l) => l.startsWith(from));
    if (start < 0) throw new Error(`docSamples: no line starts with ${JSON.stringify(from)}`);
    return lines.slice(start).join("\n");
}

/**
 * A plan's text, shortened: the header and the first `treeLines` lines of the tree, the summary,
 * the first `outputLines` outputs, the warnings and the next steps (`...` where lines are left out).
 */
export function shortenPlan(text: string, treeLines: number, outputLines: number): string {
    const lines = text.trimEnd().split("\n");
    const at = (prefix: string) => {
        const i = lines.findIndex((l) => l.startsWith(prefix));
        if (i < 0) throw new Error(`docSamples: the plan has no line starting with ${JSON.stringify(prefix)}`);
        return i;
    };
    const tree = lines.findIndex((l) => /^\s+Type\s+Name\s+Plan$/.test(l));
    if (tree < 0) throw new Error("docSamples: the plan has no resource tree");
    const summary = at("Resources:");
    const outputs = at("Outputs:");
    const rest = lines.findIndex((l, i) => i > outputs && l === "");
    return [
        ...lines.slice(0, tree + 1 + treeLines),
        " ...",
        ...lines.slice(summary, outputs + 1 + outputLines),
        "  ...",
        ...lines.slice(rest),
    ].join("\n");
}

/** Every sample, by id: what the tools print for the steps the docs describe. */
export function generateSamples(): Map<string, string> {
    const samples = new Map<string, string>();
    const scratch = new Scratch();
    try {
        // The example stacks as they are.
        const dev = expectExit(scratch.tool("plan", ["--stack", "dev"]), 0, "plan --stack dev");
        samples.set(
            "plan-dev-tail",
            `${linesFrom(dev.stdout, "Resources:").split("\n")[0]}\n...\n${linesFrom(dev.stdout, "Warnings:")}`,
        );
        const staging = expectExit(scratch.tool("plan", ["--stack", "staging"]), 0, "plan --stack staging");
        samples.set("plan-staging", shortenPlan(staging.stdout, 8, 8));
        const all = expectExit(scratch.tool("plan", ["--all"]), 0, "plan --all");
        samples.set("plan-all", all.stdout.trimEnd().replace(/ planned in \d+(\.\d+)? s:/, " planned in <time> s:"));
        // The consumer contracts (docs/consumers.md), as `check --kinds` prints them.
        samples.set("check-kinds", expectExit(scratch.tool("check", ["--kinds"]), 0, "check --kinds").stdout.trimEnd());

        // The README's walkthrough. Step 1: the stack's own ids, committed.
        scratch.replace(
            "Pulumi.dev.yaml",
            "  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555\n",
            `  aio-secrets:tenantId: ${STEP1_TENANT}\n${STEP1_DEPLOYERS}`,
        );
        scratch.commit("dev stack: our ids and names");
        // Step 2: a new secret without a value.
        scratch.append("stacks/secrets.yaml", WALKTHROUGH_ENTRY);
        const missing = expectExit(scratch.tool("plan", ["--stack", "dev"]), 1, "plan --stack dev without the value");
        samples.set("walkthrough-missing-value", missing.stderr.trimEnd());
        // Its placeholder value; step 3: the diff.
        scratch.append("Pulumi.dev.yaml", `    historian-db-password:\n${PLACEHOLDER_VALUE}`);
        const diff = expectExit(
            scratch.tool("plan", ["--stack", "dev", "--against", "HEAD"]),
            0,
            "plan --stack dev --against HEAD",
        );
        samples.set("walkthrough-diff", diff.stdout.trimEnd());
        // Step 4: promoted to staging, then the staging environment's values.
        scratch.replace("stacks/secrets.yaml", WALKTHROUGH_ENTRY, WALKTHROUGH_ENTRY.replace("[dev]", "[dev, staging]"));
        const status = expectExit(scratch.tool("promote", ["--status"]), 0, "promote --status");
        samples.set("walkthrough-promote-status", status.stdout.trimEnd());
        for (const file of ["Pulumi.staging.yaml", "Pulumi.adopt.yaml"])
            scratch.append(file, `    historian-db-password:\n${PLACEHOLDER_VALUE}`);
        const check = scratch.tool("promote", ["--check"]);
        expectExit(check, 0, "promote --check");
        samples.set("walkthrough-promote-check", linesFrom(`${check.stdout}${check.stderr}`, "promote --check:"));

        // docs/secret-sync.md's walkthrough, from the example stacks as they are.
        scratch.reset();
        scratch.append("stacks/secrets.yaml", GA_ENTRY);
        scratch.append("Pulumi.ga.yaml", `    historian-db-password:\n${PLACEHOLDER_VALUE}`);
        const ga = expectExit(
            scratch.tool("plan", ["--stack", "ga", "--against", "HEAD"]),
            0,
            "plan --stack ga --against HEAD",
        );
        samples.set("secret-sync-diff", ga.stdout.trimEnd());

        // docs/fleets.md: the fleet benchmark's 200 generated sites, a new prod secret, its value in all but three.
        const fleet = path.join(scratch.dir, "fleet");
        fs.mkdirSync(fleet);
        writeFleet(fleet, 200, 100);
        scratch.append(
            "fleet/secrets.yaml",
            "  - { name: historian-db-password, source: config, spcs: [aio-default-spc], environments: [prod] }\n",
        );
        for (let i = 0; i < 200; i++) {
            if (FLEET_MISSING.includes(i)) continue;
            scratch.append(
                `fleet/Pulumi.site-${String(i).padStart(3, "0")}.yaml`,
                "  aio-secrets:secretValues:\n    historian-db-password:\n      secure: v1:ZXhhbXBsZS1jaXBoZXJ0ZXh0\n",
            );
        }
        const fleetStatus = expectExit(
            scratch.tool("promote", ["--status", "--dir", "fleet", "--catalog", "fleet/secrets.yaml"]),
            0,
            "promote --status over the fleet",
        );
        samples.set("fleet-promote-status", fleetStatus.stdout.trimEnd());

        // docs/ownership.md: the two worked examples, from the fixtures shaped like real exports.
        scratch.reset();
        ownershipSamples(scratch, samples);
    } finally {
        scratch.remove();
    }
    return samples;
}

/** docs/ownership.md's samples: import and drift over test/fixtures/live/ (issue 19). */
function ownershipSamples(scratch: Scratch, samples: Map<string, string>): void {
    const ga = ["--stack", "ga", "--from", "test/fixtures/live/ga-cli.json"];
    samples.set("ownership-import-ga", expectExit(scratch.tool("import", ga), 0, "import ga").stdout.trimEnd());
    const gaDrift = ["--stack", "ga", "--live", "test/fixtures/live/ga-cli.json"];
    samples.set("ownership-drift-ga", expectExit(scratch.tool("drift", gaDrift), 1, "drift ga").stdout.trimEnd());
    const csi = ["--stack", "adopt", "--from", "test/fixtures/live/csi-hand-edited.json"];
    const text = expectExit(scratch.tool("import", csi), 0, "import adopt").stdout;
    // The import file of five init SPCs is long: its first SPC, then the unmapped lines.
    const file = text.indexOf("# import file:");
    const unmapped = text.indexOf("# not mapped");
    samples.set(
        "ownership-import-csi",
        `${text.slice(0, file)}${text.slice(file, text.indexOf("\n", file) + 1)}...\n\n${text.slice(unmapped).trimEnd()}`,
    );
    const plan = ["--stack", "adopt", "--live", "test/fixtures/live/csi-hand-edited.json"];
    samples.set("ownership-plan-live", expectExit(scratch.tool("plan", plan), 0, "plan --live").stderr.trimEnd());
}

const SAMPLE_BLOCK = /(<!-- sample: ([a-z0-9-]+) -->\n)([\s\S]*?)(<!-- \/sample -->)/g;

/** The ids of the samples a Markdown text holds, in order. */
export function sampleIds(markdown: string): string[] {
    return [...markdown.matchAll(SAMPLE_BLOCK)].map((m) => m[2]);
}

/** The text with every sample block holding the sample's current output, fenced. */
export function withSamples(markdown: string, samples: ReadonlyMap<string, string>, file: string): string {
    return markdown.replace(SAMPLE_BLOCK, (_all, open: string, id: string, _old: string, close: string) => {
        const sample = samples.get(id);
        if (sample === undefined)
            throw new Error(
                `${file}: <!-- sample: ${id} -->: no such sample (tools/docSamples.ts makes: ${[...samples.keys()].join(", ")})`,
            );
        return `${open}\`\`\`text\n${sample}\n\`\`\`\n${close}`;
    });
}

function main(): number {
    const samples = generateSamples();
    for (const file of SAMPLE_FILES) {
        const full = path.join(PROJECT_DIR, file);
        const before = fs.readFileSync(full, "utf8");
        const after = withSamples(before, samples, file);
        if (after !== before) {
            fs.writeFileSync(full, after);
            process.stdout.write(`${file}: samples updated\n`);
        } else process.stdout.write(`${file}: up to date\n`);
    }
    return 0;
}

// Run as a command (not when a test imports it).
if (require.main === module) {
    try {
        process.exitCode = main();
    } catch (e) {
        process.stderr.write(`docs:samples: ${(e as Error).message}\n`);
        process.exitCode = 1;
    }
}

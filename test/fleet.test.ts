import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCatalog } from "../stacks/catalog";
import { changedStacks, fleetText, listStacks, planFleet, stackFilter, StackSummary } from "../tools/fleet";
import { fleetMain } from "../tools/planFleet";
import { fleetStatusText, promotionStatus, StackInfo } from "../tools/promotion";
import { MAX_INPUT_BYTES } from "../tools/cli";
import { projectSources, readStackConfig } from "../tools/stackfile";
import { FLEET, PROJECT_DIR, scratch } from "./helpers";

/**
 * Fleets: many stacks planned in one process (`plan --all`), `--stacks` filters, `--changed`
 * against a git revision, and the promotion status grouped by environment.
 */

const { catalog: CATALOG, project: PROJECT, edge: EDGE, site } = FLEET;

function fleetDir(): string {
    return scratch({
        "Pulumi.yaml": PROJECT,
        "environments/aio-secrets/edge.yaml": EDGE,
        "secrets.yaml": CATALOG,
        "Pulumi.site-1.yaml": site("1"),
        "Pulumi.site-2.yaml": site("2"),
        // Invalid: a vault name with a double hyphen.
        "Pulumi.site-3.yaml":
            "environment: [aio-secrets/edge]\nconfig:\n  aio-secrets:keyVault: { name: kv--bad, resourceGroupName: rg-3 }\n",
        "Pulumi.lab.yaml":
            "config:\n  aio-secrets:environment: dev\n  aio-secrets:keyVault: { name: kv-lab-1, resourceGroupName: rg-lab }\n",
    });
}

describe("plan --all in one process", () => {
    let summaries: StackSummary[];
    const dir = fleetDir();
    const seen: number[] = [];
    beforeAll(async () => {
        summaries = await planFleet({
            projectDir: PROJECT_DIR,
            dir,
            catalogFile: path.join(dir, "secrets.yaml"),
            stacks: listStacks(dir),
            onStack: (_s, run) => {
                seen.push(run.resources.length);
            },
        });
    }, 60000);

    test("one summary per stack: environment (also from ESC), resources, warnings, errors", () => {
        expect(summaries.map((s) => [s.stack, s.environment, s.errors.length > 0])).toEqual([
            ["lab", "dev", false],
            ["site-1", "prod", false],
            ["site-2", "prod", false],
            ["site-3", "prod", true],
        ]);
        const [lab, site1, site2, site3] = summaries;
        // dev has one more catalog secret (a vault secret and its generator) than prod.
        expect(lab.resources).toBe(site1.resources + 2);
        expect(site2.resources).toBe(site1.resources);
        expect(site3.resources).toBe(0);
        expect(site3.errors).toEqual([
            expect.stringMatching(
                /^Pulumi\.site-3\.yaml: aio-secrets:keyVault\.name "kv--bad": no consecutive hyphens/,
            ),
        ]);
        expect(seen).toEqual(summaries.map((s) => s.resources));
        // The JSON of `plan --all --json` is { stacks: these }: plain data, nothing else.
        expect(Object.keys(JSON.parse(JSON.stringify({ stacks: summaries })).stacks[0]).sort()).toEqual([
            "environment",
            "errors",
            "resources",
            "stack",
            "warnings",
        ]);
    });

    test("the text: one line per stack, the problems of an invalid one under it, a summary", () => {
        const lines = fleetText(summaries, 1.25).trimEnd().split("\n");
        expect(lines[0]).toMatch(/^ok {7}lab {5}dev {3}\s*\d+ resources\s+\d+ warnings?$/);
        expect(lines[3]).toMatch(/^INVALID {2}site-3 {2}prod\s+0 resources\s+\d+ warnings?\s+1 error$/);
        expect(lines[4]).toMatch(/^ {4}error: Pulumi\.site-3\.yaml: aio-secrets:keyVault\.name/);
        expect(lines[lines.length - 1]).toMatch(
            /^4 stacks planned in 1\.3 s: 3 ok, 1 invalid; \d+ resources, \d+ warnings/,
        );
    });
});

test("--verbose: a warning said of several stacks is one entry with its count, the others stay under their stack", () => {
    const deployers = (stack: string) => `Pulumi.${stack}.yaml: aio-secrets:deployers is not set`;
    const placeholder = (stack: string) =>
        `Pulumi.${stack}.yaml: aio-secrets:secretValues.a is an example placeholder; set it with ... --stack ${stack}`;
    const summaries: StackSummary[] = Array.from({ length: 200 }, (_, i) => {
        const stack = `site-${String(i).padStart(3, "0")}`;
        const warnings = [deployers(stack), placeholder(stack)];
        if (i === 7) warnings.push(`Pulumi.${stack}.yaml: only this one`);
        return { stack, environment: "prod", resources: 3, warnings, errors: [] };
    });
    summaries[1] = { ...summaries[1], warnings: [deployers("site-001"), deployers("site-001")] };
    const text = fleetText(summaries, 2, { verbose: true });
    expect(text.match(/deployers is not set/g)).toHaveLength(1);
    expect(text).toContain(
        "warning in 200 stacks (site-000, site-001, site-002 and 197 more): aio-secrets:deployers is not set\n",
    );
    // Wrapped at the text width: joined back for the comparison.
    expect(text.replace(/\n {2}/g, " ")).toContain(
        "warning in 199 stacks (site-000, site-002, site-003 and 196 more): aio-secrets:secretValues.a is an example placeholder; set it with ... --stack <stack>\n",
    );
    expect(text).toContain(
        "ok       site-007  prod    3 resources   3 warnings\n    warning: Pulumi.site-007.yaml: only this one\n",
    );
    expect(text.split("\n").filter((l) => l.includes("warning:"))).toHaveLength(1);
    // A warning of one stack only, or a fleet of one: under the stack, as before.
    const one = fleetText([summaries[7]], 2, { verbose: true });
    expect(one).not.toContain("warning in");
    expect(one.match(/^ {4}warning: /gm)).toHaveLength(3);
    // Without --verbose: counts only, as before.
    expect(fleetText(summaries, 2)).not.toContain("warning in");
});

test("listStacks: only files named after a valid stack name; never . or ..", () => {
    const dir = scratch({
        "Pulumi.yaml": PROJECT,
        "Pulumi.site-1.yaml": site("1"),
        "Pulumi....yaml": site("x"),
        "Pulumi...yaml": site("y"),
        "Pulumi.a b.yaml": site("z"),
        [`Pulumi.${"s".repeat(101)}.yaml`]: site("w"),
    });
    expect(listStacks(dir)).toEqual(["site-1"]);
});

test("--stacks: globs, several with commas, whole names only", () => {
    const names = ["dev", "prod", "site-001", "site-002", "site-010", "staging"];
    const pick = (...p: string[]) => {
        const f = stackFilter(p);
        if ("error" in f) throw new Error(f.error);
        return names.filter(f);
    };
    expect(pick("site-*")).toEqual(["site-001", "site-002", "site-010"]);
    expect(pick("site-00?")).toEqual(["site-001", "site-002"]);
    expect(pick("site-0[1-9]*", "dev")).toEqual(["dev", "site-010"]);
    expect(pick("dev,prod")).toEqual(["dev", "prod"]);
    expect(pick("s*g")).toEqual(["staging"]);
    expect(pick("site")).toEqual([]);
    expect(stackFilter(["../x"])).toEqual({ error: expect.stringContaining('--stacks "../x": a pattern is letters') });
    // A comma inside [...] is one of the set's characters, not a separator.
    expect(pick("site-00[1,2]")).toEqual(["site-001", "site-002"]);
    expect(pick("site-0[!0]*")).toEqual(["site-010"]);
});

test("--stacks: a pattern that cannot match as meant is a clean error (exit 2), never a crash", async () => {
    expect(stackFilter(["[z-a]"])).toEqual({ error: expect.stringContaining('--stacks "[z-a]": not a valid pattern') });
    // [!] would become the regex [^], which matches any character.
    expect(stackFilter(["site-[!]"])).toEqual({ error: expect.stringContaining("empty set") });
    expect(stackFilter(["site-[]"])).toEqual({ error: expect.stringContaining("empty set") });
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
        expect(await fleetMain({ json: false, verbose: false, stacks: ["[z-a]"] })).toBe(2);
        expect(write.mock.calls.map((c) => String(c[0])).join("")).toMatch(
            /^aio-secrets plan: --stacks "\[z-a\]": not a valid pattern/,
        );
    } finally {
        write.mockRestore();
    }
});

describe("--changed <rev>: the stacks whose inputs differ", () => {
    const git = (dir: string, ...args: string[]) =>
        execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
            cwd: dir,
            stdio: "pipe",
        });
    let dir: string;
    const changed = () =>
        changedStacks({ dir, catalogFile: path.join(dir, "secrets.yaml"), stacks: listStacks(dir), rev: "HEAD" }).map(
            (c) => `${c.stack}: ${c.reasons.join("; ")}`,
        );
    beforeEach(() => {
        dir = fleetDir();
        git(dir, "init", "-q");
        git(dir, "add", "-A");
        git(dir, "commit", "-qm", "fleet");
    });

    test("nothing changed: no stack", () => {
        expect(changed()).toEqual([]);
    });

    test("a stack file, an environment stand-in, a new stack", () => {
        fs.appendFileSync(path.join(dir, "Pulumi.site-1.yaml"), "  aio-secrets:protect: true\n");
        fs.appendFileSync(path.join(dir, "environments/aio-secrets/edge.yaml"), "    aio-secrets:adopt: false\n");
        fs.writeFileSync(path.join(dir, "Pulumi.site-4.yaml"), site("4"));
        expect(changed()).toEqual([
            "site-1: Pulumi.site-1.yaml changed; environments/aio-secrets/edge.yaml changed",
            "site-2: environments/aio-secrets/edge.yaml changed",
            "site-3: environments/aio-secrets/edge.yaml changed",
            "site-4: Pulumi.site-4.yaml changed; environments/aio-secrets/edge.yaml changed",
        ]);
    });

    test("Pulumi.yaml: only the stacks whose resolved config changes", () => {
        // lab sets its own environment; the sites get theirs from ESC: a project default changes neither.
        fs.appendFileSync(path.join(dir, "Pulumi.yaml"), "  aio-secrets:environment: dev\n");
        expect(changed()).toEqual([]);
        fs.appendFileSync(path.join(dir, "Pulumi.yaml"), "  aio-secrets:protect: true\n");
        expect(changed()).toEqual([
            "lab: its config from Pulumi.yaml changed",
            "site-1: its config from Pulumi.yaml changed",
            "site-2: its config from Pulumi.yaml changed",
            "site-3: its config from Pulumi.yaml changed",
        ]);
    });

    test("the catalog: only the stacks of an environment whose enabled entries changed", () => {
        fs.appendFileSync(
            path.join(dir, "secrets.yaml"),
            "  - { name: dev-extra, source: generated, spcs: [aio-default-spc], environments: [dev] }\n",
        );
        expect(changed()).toEqual(["lab: catalog entries enabled in dev changed"]);
        fs.appendFileSync(
            path.join(dir, "secrets.yaml"),
            "  - { name: everywhere, source: generated, spcs: [aio-default-spc] }\n",
        );
        expect(changed()).toHaveLength(4);
    });

    test("the CA trust bundle file a stack names (aio-secrets:ca.trustBundleFile): that stack", () => {
        fs.mkdirSync(path.join(dir, "ca"));
        fs.writeFileSync(path.join(dir, "ca/bundle.pem"), "old\n");
        fs.appendFileSync(path.join(dir, "Pulumi.lab.yaml"), "  aio-secrets:ca: { trustBundleFile: ca/bundle.pem }\n");
        git(dir, "add", "-A");
        git(dir, "commit", "-qm", "bundle");
        expect(changed()).toEqual([]);
        fs.writeFileSync(path.join(dir, "ca/bundle.pem"), "new\n");
        expect(changed()).toEqual(["lab: ca/bundle.pem changed (aio-secrets:ca.trustBundleFile)"]);
    });

    test("an invalid Pulumi.yaml: every stack, planned as invalid (exit 1, as without --changed)", async () => {
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `${PROJECT}  aio-secrets:cluster: { namespace: x }\n`);
        expect(changed()).toEqual([
            "lab: Pulumi.yaml is invalid",
            "site-1: Pulumi.yaml is invalid",
            "site-2: Pulumi.yaml is invalid",
            "site-3: Pulumi.yaml is invalid",
        ]);
        const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
        const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
        try {
            expect(
                await fleetMain({
                    json: false,
                    verbose: false,
                    dir,
                    changed: "HEAD",
                    catalog: path.join(dir, "secrets.yaml"),
                }),
            ).toBe(1);
            expect(stdout.mock.calls.map((c) => String(c[0])).join("")).toMatch(
                /INVALID {2}site-1 .*\n {4}error: Pulumi\.yaml: config\.aio-secrets:cluster: 'namespace' is not a project config attribute/,
            );
        } finally {
            stdout.mockRestore();
            stderr.mockRestore();
        }
    }, 30000);

    test("file names git would quote (non-ASCII): still seen, changed or new", () => {
        fs.mkdirSync(path.join(dir, "ca"));
        fs.writeFileSync(path.join(dir, "ca/bündel.pem"), "old\n");
        fs.appendFileSync(path.join(dir, "Pulumi.lab.yaml"), "  aio-secrets:ca: { trustBundleFile: ca/bündel.pem }\n");
        git(dir, "add", "-A");
        git(dir, "commit", "-qm", "bündel");
        expect(changed()).toEqual([]);
        fs.writeFileSync(path.join(dir, "ca/bündel.pem"), "new\n");
        expect(changed()).toEqual(["lab: ca/bündel.pem changed (aio-secrets:ca.trustBundleFile)"]);
        git(dir, "rm", "-q", "--cached", "ca/bündel.pem");
        git(dir, "commit", "-qm", "untracked");
        // Untracked now: ls-files lists it.
        expect(changed()).toEqual(["lab: ca/bündel.pem changed (aio-secrets:ca.trustBundleFile)"]);
    });

    test("promoting an entry (adding an environment to its list): only that environment's stacks", () => {
        const catalog = path.join(dir, "secrets.yaml");
        fs.writeFileSync(
            catalog,
            fs.readFileSync(catalog, "utf8").replace("environments: [dev] }", "environments: [dev, prod] }"),
        );
        expect(changed()).toEqual([
            "site-1: catalog entries enabled in prod changed",
            "site-2: catalog entries enabled in prod changed",
            "site-3: catalog entries enabled in prod changed",
        ]);
    });

    test("the program itself: every stack", () => {
        fs.writeFileSync(path.join(dir, "index.ts"), "// changed\n");
        expect(changed()).toEqual(
            expect.arrayContaining([expect.stringMatching(/^site-2: the program changed \(index\.ts\)$/)]),
        );
        expect(changed()).toHaveLength(4);
    });

    test("a revision git does not know: an error naming it", () => {
        expect(() =>
            changedStacks({ dir, catalogFile: path.join(dir, "secrets.yaml"), stacks: [], rev: "no-such-rev" }),
        ).toThrow(/"no-such-rev": not a git revision/);
    });
});

test("a FIFO, a device or a huge file as an environment stand-in or Pulumi.yaml: a problem naming it, never a hang", () => {
    const dir = fleetDir();
    const read = () =>
        readStackConfig(site("1"), "Pulumi.site-1.yaml", "aio-secrets", {}, projectSources(dir, "aio-secrets"));
    const edge = path.join(dir, "environments/aio-secrets/edge.yaml");
    fs.writeFileSync(edge, `${EDGE}#${"x".repeat(MAX_INPUT_BYTES)}\n`);
    expect(read).toThrow(/^environments\/aio-secrets\/edge\.yaml: is \d+ bytes; the limit is 1048576/);
    fs.rmSync(edge);
    execFileSync("mkfifo", [edge]);
    expect(read).toThrow(/^environments\/aio-secrets\/edge\.yaml: is not a regular file/);
    fs.rmSync(path.join(dir, "Pulumi.yaml"));
    fs.symlinkSync("/dev/zero", path.join(dir, "Pulumi.yaml"));
    expect(() => projectSources(dir, "aio-secrets")).toThrow(/^Pulumi\.yaml: is not a regular file/);
});

test("promote --status for 200 stacks: grouped by environment, only what is missing, a few lines", () => {
    const catalog = parseCatalog(
        "environments: [staging, prod]\nsecrets:\n  - { name: mq-password, source: config }\n  - { name: api-token, source: generated }\n",
    ).catalog!;
    const stacks: StackInfo[] = [];
    for (let i = 0; i < 200; i++) {
        const name = `site-${String(i).padStart(3, "0")}`;
        const environment = i < 20 ? "staging" : "prod";
        const value = i % 50 === 7 ? "" : "  aio-secrets:secretValues:\n    mq-password: { secure: v1:abc }\n";
        stacks.push({
            stack: name,
            environment,
            config: readStackConfig(
                `config:\n  aio-secrets:environment: ${environment}\n${value}`,
                `Pulumi.${name}.yaml`,
                "aio-secrets",
            ),
        });
    }
    const text = fleetStatusText(promotionStatus(catalog, stacks), { order: catalog.environments });
    expect(text.split("\n").length).toBeLessThan(20);
    expect(text).toBe(
        [
            "2 secrets, 200 stacks in 2 environments (--verbose shows every secret in every stack)",
            "",
            "staging (20 stacks: site-000, site-001, site-002, site-003, site-004, site-005, site-006, site-007 and 12 more)",
            "  missing    mq-password (config): 1 of 20: site-007",
            "",
            "prod (180 stacks: site-020, site-021, site-022, site-023, site-024, site-025, site-026, site-027 and 172 more)",
            "  missing    mq-password (config): 3 of 180: site-057, site-107, site-157",
            "",
            "To fix (each command prompts for the value):",
            "  pulumi config set --secret --path 'secretValues.mq-password' --stack site-007",
            `  for s in site-057 site-107 site-157; do pulumi config set --secret --path 'secretValues.mq-password' --stack "$s"; done`,
            "",
        ].join("\n"),
    );
});

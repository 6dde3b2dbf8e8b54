import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCatalog } from "../stacks/catalog";
import { loadProgramInputs } from "../stacks/load";
import { fleetStatusText, promotionComplete, promotionStatus, StackInfo, statusText } from "../tools/promotion";
import { environmentNameOf, projectSources, readStackConfig } from "../tools/stackfile";
import { PROJECT_DIR, stackNames } from "./helpers";

const CATALOG = `environments: [dev, staging, prod]
secretProviderClasses: {}
secrets:
  - { name: mq-password, source: config, environments: [dev, staging] }
  - { name: api-token, source: generated }
  - { name: broker-cert, type: cert, source: existing, environments: [prod] }
  - { name: db-password, source: config }
`;

function stack(name: string, environment: string, secretValues: string): StackInfo {
    const text = `config:\n  aio-secrets:environment: ${environment}\n  aio-secrets:secretValues:\n${secretValues}`;
    return { stack: name, environment, config: readStackConfig(text, `Pulumi.${name}.yaml`, "aio-secrets") };
}

const catalog = parseCatalog(CATALOG).catalog!;
const stacks = [
    stack("dev", "dev", "    mq-password: { secure: v1:a }\n    db-password: { secure: v1:b }\n"),
    stack("staging", "staging", "    db-password: plaintext-oops\n"),
    stack("prod", "prod", "    db-password: { secure: v1:c }\n"),
];

test("each secret in each stack: enabled or not, value present or missing", () => {
    const status = promotionStatus(catalog, stacks);
    const cells = Object.fromEntries(status.rows.map((r) => [r.secret, r.cells]));
    expect(cells["mq-password"]).toEqual({ dev: "set", staging: "missing", prod: "off" });
    expect(cells["api-token"]).toEqual({ dev: "generated", staging: "generated", prod: "generated" });
    expect(cells["broker-cert"]).toEqual({ dev: "off", staging: "off", prod: "existing" });
    expect(cells["db-password"]).toEqual({ dev: "set", staging: "plaintext", prod: "set" });
    expect(status.fixes).toEqual([
        "pulumi config set --secret --path 'secretValues.mq-password' --stack staging   # missing",
        "pulumi config set --secret --path 'secretValues.db-password' --stack staging   # replace the plaintext value",
    ]);
    expect(promotionComplete(status)).toBe(false);
    const text = statusText(status);
    expect(text).toMatch(/^secret\s+source\s+dev\s+staging\s+prod\n/);
    expect(text).not.toContain("plaintext-oops");
});

test("complete when every enabled config secret has a secure value", () => {
    const fixed = [
        stacks[0],
        stack("staging", "staging", "    mq-password: { secure: v1:d }\n    db-password: { secure: v1:e }\n"),
        stacks[2],
    ];
    const status = promotionStatus(catalog, fixed);
    expect(status.fixes).toEqual([]);
    expect(promotionComplete(status)).toBe(true);
    expect(statusText(status)).toContain("Every enabled secret has its value.");
});

test("the project's own stacks are complete (npm run promote -- --status --check)", () => {
    const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
    const run = spawnSync(tsx, [path.join(PROJECT_DIR, "tools", "promote.ts"), "--status", "--check", "--verbose"], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    // Grouped by environment in the catalog's order; the edge sites are in prod (their stack files say so).
    expect(run.stdout).toMatch(/^dev \(1 stack: dev\)\n {2}complete/m);
    expect(run.stdout).toMatch(/^staging \(2 stacks: adopt, staging\)\n {2}complete/m);
    expect(run.stdout).toMatch(
        /^prod \(4 stacks: prod, site-a, site-b, site-c\)\n {2}complete: every enabled secret has its value\n/m,
    );
    // --verbose: each environment's table. The example stacks hold `v1:placeholder-...`
    // ciphertexts: shown as such, not as set.
    expect(run.stdout).toMatch(/mq-password\s+config\s+placeholder\s+placeholder\n/);
    expect(run.stdout).toContain("Placeholders to replace before a real pulumi up:");
});

test("an example placeholder ciphertext is `placeholder`, not `set`, and listed apart from the fixes", () => {
    const status = promotionStatus(catalog, [
        stack(
            "dev",
            "dev",
            "    mq-password: { secure: v1:placeholder-replace-me }\n    db-password: { secure: v1:b }\n",
        ),
    ]);
    const cells = Object.fromEntries(status.rows.map((r) => [r.secret, r.cells.dev]));
    expect(cells).toMatchObject({ "mq-password": "placeholder", "db-password": "set" });
    expect(status.fixes).toEqual([]);
    expect(status.placeholders).toEqual([
        "pulumi config set --secret --path 'secretValues.mq-password' --stack dev   # replace the example placeholder",
    ]);
    expect(statusText(status)).toMatch(/mq-password\s+config\s+placeholder/);
});

test("a secret named like an Object method (toString, constructor) with no value is missing", () => {
    const odd = parseCatalog(
        "secrets:\n  - { name: toString, source: config }\n  - { name: constructor, source: config }\n",
    ).catalog!;
    const status = promotionStatus(odd, [stack("dev", "dev", "    other: { secure: v1:a }\n")]);
    expect(status.rows.map((r) => [r.secret, r.cells.dev])).toEqual([
        ["toString", "missing"],
        ["constructor", "missing"],
    ]);
});

describe("the fix goes where the value lives (issue 21 item 5)", () => {
    const EDGE = "environments/aio-secrets/edge.yaml";
    /** A site importing the ESC environment aio-secrets/edge, whose stand-in holds `edge`. */
    function site(name: string, edge: string, own = ""): StackInfo {
        const text = `environment: [aio-secrets/edge]\nconfig:\n  aio-secrets:environment: prod\n${own}`;
        const shared = { readEnvironment: (relative: string) => (relative === EDGE ? edge : undefined) };
        return {
            stack: name,
            environment: "prod",
            config: readStackConfig(text, `Pulumi.${name}.yaml`, "aio-secrets", {}, shared),
        };
    }
    const edge =
        "values:\n  pulumiConfig:\n    aio-secrets:secretValues:\n      db-password: plaintext-in-the-environment\n      api-key: { fn::secret: k }\n";
    const sites = ["site-1", "site-2", "site-3"].map((n) => site(n, edge));

    it("a plaintext or missing value of a shared environment: one esc env set, not one command per site", () => {
        const status = promotionStatus(catalog, sites);
        const row = status.rows.find((r) => r.secret === "db-password")!;
        expect(row.cells).toEqual({ "site-1": "plaintext", "site-2": "plaintext", "site-3": "plaintext" });
        expect(row.fixAt).toEqual({ "site-1": EDGE, "site-2": EDGE, "site-3": EDGE });
        expect(status.fixes).toEqual([
            `esc env set aio-secrets/edge 'pulumiConfig["aio-secrets:secretValues"]["db-password"]' --secret <value>   # replace the plaintext value; offline stand-in: ${EDGE}, as fn::secret`,
        ]);
        const text = fleetStatusText(status);
        expect(text).toContain("plaintext  db-password (config): 3 of 3: site-1, site-2, site-3");
        expect(text).not.toContain("--stack");
    });

    it("a missing value goes to the environment the site's other values come from; a site's own value stays its own", () => {
        const missing = [
            site("site-1", edge.replace(/ {6}db-password: .*\n/, "")),
            site("site-2", "values:\n  pulumiConfig: {}\n"),
        ];
        const status = promotionStatus(catalog, missing);
        expect(status.rows.find((r) => r.secret === "db-password")!.fixAt).toEqual({ "site-1": EDGE });
        expect(status.fixes).toEqual([
            expect.stringMatching(
                /^esc env set aio-secrets\/edge 'pulumiConfig\["aio-secrets:secretValues"\]\["db-password"\]' --secret <value> {3}# missing;/,
            ),
            "pulumi config set --secret --path 'secretValues.db-password' --stack site-2   # missing",
        ]);
        const own = site("site-9", edge, "  aio-secrets:secretValues:\n    db-password: oops-own-plaintext\n");
        expect(promotionStatus(catalog, [own]).fixes).toEqual([
            "pulumi config set --secret --path 'secretValues.db-password' --stack site-9   # replace the plaintext value",
        ]);
    });
});

describe("enabled in an environment: what the program's cross-check decides", () => {
    const exampleCatalog = parseCatalog(
        fs.readFileSync(path.join(PROJECT_DIR, "stacks", "secrets.yaml"), "utf8"),
        "stacks/secrets.yaml",
    ).catalog!;
    const names = stackNames();
    const example = (name: string) => {
        const file = `Pulumi.${name}.yaml`;
        const config = readStackConfig(
            fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"),
            file,
            "aio-secrets",
            {},
            projectSources(PROJECT_DIR, "aio-secrets"),
        );
        const status = promotionStatus(exampleCatalog, [
            { stack: name, environment: environmentNameOf(config, name), config },
        ]);
        return { config, promoted: status.rows.filter((r) => r.cells[name] !== "off").map((r) => r.secret) };
    };

    it.each(names)("stack %s: promotion's enabled secrets are the program's", (name) => {
        const { config, promoted } = example(name);
        const program = loadProgramInputs(
            { project: "aio-secrets", stack: name, config: config.config, secretKeys: config.secretKeys },
            { projectDir: PROJECT_DIR },
        );
        expect(promoted).toEqual(program.enabled.map((s) => s.name));
    });

    it("the examples enable different sets (so the comparison above can tell them apart)", () => {
        expect(new Set(names.map((name) => example(name).promoted.join(","))).size).toBeGreaterThan(1);
    });
});

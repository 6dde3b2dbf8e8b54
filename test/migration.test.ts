import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { inputAt, RunOptions, RunResult } from "../tools/harness";
import { diffRuns } from "../tools/planDiff";
import { engineView } from "../tools/planRender";
import {
    DELIVERY_STEPS,
    deliveryStep,
    isNotFound,
    migrationProblems,
    oneStepSwitchProblem,
    reviewMigration,
    stepsText,
} from "../stacks/migration";
import { byName, byType, PROJECT_DIR, runStack, scratch } from "./helpers";

/**
 * The staged move of a stack from CSI delivery to secret sync (issue 17, item 10). Each step is
 * planned with the harness on the same stack; the diff between two steps (what `plan --against`
 * shows) proves that nothing running loses its grant, its Kubernetes objects or its Secret.
 */

const DEPLOYER = "77777777-8888-9999-aaaa-bbbbbbbbbbbb";
const ROLE = "azure-native:authorization:RoleAssignment";
const POLICY = "azure-native:keyvault:AccessPolicy";

const CATALOG = `secretProviderClasses:
  aio-default-spc:
    restart:
      - { kind: StatefulSet, name: aio-dp-runner-worker }
secrets:
  - name: historian-db-password
    source: generated
    spcs: [aio-default-spc]
    sync: { secret: historian-db, key: password }
`;

/** The CSI stack before the move, with what each step changes. */
function stackFile(step: (typeof DELIVERY_STEPS)[number]): string {
    const rbac = ["csiDriverRbac", "both", "secretSync"].includes(step);
    const sync = ["both", "secretSync"].includes(step);
    const csiKeys = step !== "secretSync";
    const migration =
        step === "rbacRoles"
            ? "  aio-secrets:migration: rbacRoles\n"
            : step === "both"
              ? "  aio-secrets:migration: both\n"
              : "";
    return (
        `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555
${sync ? "  aio-secrets:delivery: secretSync\n" : ""}${migration}  aio-secrets:keyVault:
    name: kv-move-01
    resourceGroupName: rg-move
    permissionModel: ${rbac ? "rbac" : "accessPolicy"}
  aio-secrets:deployers:
    - { objectId: ${DEPLOYER}, type: ServicePrincipal }
  aio-secrets:cluster:
    namespace: azure-iot-operations
    arcClusterName: arc-move
    arcResourceGroupName: rg-arc-move
` +
        (csiKeys ? `    csiDriver: { version: 1.5.3 }\n  aio-secrets:servicePrincipal:\n    rotationDays: 180\n` : "") +
        (sync
            ? `  aio-secrets:secretSync:\n    customLocation: { name: cl-move }\n    identity: { name: id-move }\n    extension: { install: false }\n`
            : "")
    );
}

/** Plans a stack file of this test (stack `move`) with CATALOG, in a scratch directory. */
async function planText(text: string, options: Partial<RunOptions> = { mode: "up" }): Promise<RunResult> {
    const dir = scratch({ "Pulumi.move.yaml": text, "secrets.yaml": CATALOG });
    return runStack({
        stack: "move",
        stackFile: path.join(dir, "Pulumi.move.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        configDir: dir,
        ...options,
    });
}

async function plan(step: (typeof DELIVERY_STEPS)[number]): Promise<RunResult> {
    const run = await planText(stackFile(step));
    if (run.error) throw new Error(`${step}: ${run.error}`);
    return run;
}

const names = (run: RunResult, type: string) =>
    byType(run, type)
        .map((r) => r.name)
        .sort();
const kubernetes = (run: RunResult) => run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));

describe("the staged move from CSI to secret sync plans cleanly, step by step", () => {
    const runs = {} as Record<(typeof DELIVERY_STEPS)[number], RunResult>;
    beforeAll(async () => {
        for (const step of DELIVERY_STEPS) runs[step] = await plan(step);
    });

    test("each step's plan says which step it is", () => {
        for (const step of DELIVERY_STEPS) expect(runs[step].outputs.deliveryStep).toBe(step);
    });

    test("step 1 adds the RBAC roles beside the access policies; nothing else changes", () => {
        const diff = diffRuns(runs.csiDriver, runs.rbacRoles);
        expect(diff.removed).toEqual([]);
        expect(diff.changed).toEqual([]);
        expect(diff.added.map((r) => r.name).sort()).toEqual([
            "access-reader-secretsUser",
            `access-writer-${DEPLOYER}-secretsOfficer`,
        ]);
        expect(names(runs.rbacRoles, POLICY)).toEqual(["access-reader", `access-writer-${DEPLOYER}`]);
        expect(inputAt(byName(runs.rbacRoles, "keyvault-vault").inputs, "properties.enableRbacAuthorization")).toBe(
            false,
        );
        // The CSI driver's service principal is the reader in both models.
        const sp = runs.rbacRoles.outputs.servicePrincipalObjectId;
        expect(inputAt(byName(runs.rbacRoles, "access-reader-secretsUser").inputs, "principalId")).toBe(sp);
        expect(inputAt(byName(runs.rbacRoles, "access-reader").inputs, "policy.objectId")).toBe(sp);
    });

    test("step 2 switches the vault; the roles from step 1 stay exactly as they are", () => {
        const diff = diffRuns(runs.rbacRoles, runs.csiDriverRbac);
        expect(diff.added).toEqual([]);
        expect(diff.removed.map((r) => r.type)).toEqual([POLICY, POLICY]);
        expect(diff.changed.map((c) => [c.name, c.fields.map((f) => f.path)])).toEqual([
            ["keyvault-vault", ["properties.enableRbacAuthorization"]],
        ]);
    });

    test("step 3 adds secret sync while every CSI resource stays, now retained; the reader's grant is renamed, not re-created", () => {
        const diff = diffRuns(runs.csiDriverRbac, runs.both);
        const after = new Map(runs.both.resources.map((r) => [r.urn, r]));
        // Nothing goes; only the reader's role assignment is renamed (an alias: same Azure name, no delete),
        // also in the engine's URNs, which plan --against compares.
        expect(diff.removed).toEqual([]);
        expect(diffRuns(engineView(runs.csiDriverRbac), engineView(runs.both)).removed).toEqual([]);
        const renamed = byName(runs.both, "access-csi-reader-secretsUser");
        expect(renamed.aliases).toEqual([byName(runs.csiDriverRbac, "access-reader-secretsUser").urn]);
        expect(inputAt(renamed.inputs, "roleAssignmentName")).toBe(
            inputAt(byName(runs.csiDriverRbac, "access-reader-secretsUser").inputs, "roleAssignmentName"),
        );
        expect(diff.changed.find((c) => c.name === renamed.name)?.fields.map((f) => f.path)).toEqual([
            "(name)",
            "(option) retainOnDelete",
        ]);
        expect(
            diff.changed.filter((c) =>
                c.fields.some((f) => f.path !== "(option) retainOnDelete" && f.path !== "(name)"),
            ),
        ).toEqual([]);
        for (const r of runs.csiDriverRbac.resources.filter((r) => r.custom && r.name !== "access-reader-secretsUser"))
            expect(after.has(r.urn)).toBe(true);
        // The CSI side (Entra, the extension, every Kubernetes object) leaves the stack without a delete next.
        const csiSide = runs.both.resources.filter(
            (r) =>
                r.custom &&
                (r.type.startsWith("azuread:") ||
                    r.type.startsWith("kubernetes:") ||
                    r.type.includes("kubernetesconfiguration")),
        );
        expect(csiSide.length).toBeGreaterThan(5);
        for (const r of csiSide)
            expect({ name: r.name, retainOnDelete: r.retainOnDelete }).toEqual({ name: r.name, retainOnDelete: true });
        // Secret sync's side is new.
        expect(names(runs.both, "azure-native:secretsynccontroller:SecretSync")).toHaveLength(1);
        expect(names(runs.both, ROLE)).toEqual(
            [
                "access-csi-reader-secretsUser",
                "access-sync-reader-secretsUser",
                "access-sync-reader-vaultReader",
                `access-writer-${DEPLOYER}-secretsOfficer`,
            ].sort(),
        );
    });

    test("step 4 removes the CSI side (all of it retained) and keeps secret sync's grants under the names a new stack has", () => {
        const diff = diffRuns(runs.both, runs.secretSync);
        expect(diff.added).toEqual([]);
        expect(
            diff.changed.map((c) => [
                c.name,
                c.fields.map((f) => `${f.path}: ${String(f.before)} -> ${String(f.after)}`),
            ]),
        ).toEqual([
            ["access-reader-secretsUser", ["(name): access-sync-reader-secretsUser -> access-reader-secretsUser"]],
            ["access-reader-vaultReader", ["(name): access-sync-reader-vaultReader -> access-reader-vaultReader"]],
        ]);
        // A provider has nothing to delete.
        const gone = diff.removed.filter((r) => !r.type.startsWith("pulumi:providers:"));
        expect(gone.length).toBeGreaterThan(5);
        for (const r of gone)
            expect({ name: r.name, retainOnDelete: r.retainOnDelete }).toEqual({ name: r.name, retainOnDelete: true });
        // secret sync's grants: the same Azure names as in step 3 (the alias renames them).
        for (const role of ["secretsUser", "vaultReader"]) {
            expect(inputAt(byName(runs.secretSync, `access-reader-${role}`).inputs, "roleAssignmentName")).toBe(
                inputAt(byName(runs.both, `access-sync-reader-${role}`).inputs, "roleAssignmentName"),
            );
        }
        expect(kubernetes(runs.secretSync)).toEqual([]);
    });

    test("no step deletes or re-creates a vault secret", () => {
        for (let i = 1; i < DELIVERY_STEPS.length; i++) {
            const diff = diffRuns(runs[DELIVERY_STEPS[i - 1]], runs[DELIVERY_STEPS[i]]);
            expect([...diff.added, ...diff.removed].filter((r) => r.type === "azure-native:keyvault:Secret")).toEqual(
                [],
            );
        }
    });
});

describe("the rules of aio-secrets:migration", () => {
    test("each value belongs to its step", () => {
        expect(migrationProblems("Pulumi.x.yaml", "rbacRoles", "csiDriver", "accessPolicy")).toEqual([]);
        expect(migrationProblems("Pulumi.x.yaml", "both", "secretSync", "rbac")).toEqual([]);
        expect(migrationProblems("Pulumi.x.yaml", "rbacRoles", "csiDriver", "rbac")[0].rule).toMatch(
            /no effect once keyVault\.permissionModel is rbac.*remove aio-secrets:migration/,
        );
        expect(migrationProblems("Pulumi.x.yaml", "rbacRoles", "secretSync", "rbac")[0].rule).toMatch(
            /needs aio-secrets:delivery: csiDriver/,
        );
        expect(migrationProblems("Pulumi.x.yaml", "both", "csiDriver", "rbac")[0]).toMatchObject({
            file: "Pulumi.x.yaml",
            path: "aio-secrets:migration",
            value: '"both"',
        });
    });

    test("a stack file with a misplaced step stops before anything is declared, naming file, key and rule", async () => {
        const dir = scratch({
            "Pulumi.move.yaml": stackFile("csiDriverRbac").replace(
                "  aio-secrets:keyVault:",
                "  aio-secrets:migration: rbacRoles\n  aio-secrets:keyVault:",
            ),
            "secrets.yaml": CATALOG,
        });
        const run = await runStack({
            stack: "move",
            stackFile: path.join(dir, "Pulumi.move.yaml"),
            catalogFile: path.join(dir, "secrets.yaml"),
            configDir: dir,
        });
        expect(run.error).toMatch(/Pulumi\.move\.yaml: aio-secrets:migration "rbacRoles": is step 1/);
        expect(run.resources).toEqual([]);
    });

    test("step 1 with a grant the stack does not make warns, naming who needs the role and the command", async () => {
        const text = stackFile("rbacRoles").replace(
            "    permissionModel: accessPolicy\n",
            "    permissionModel: accessPolicy\n    grantReader: false\n",
        );
        const run = await planText(text);
        expect(run.error).toBeUndefined();
        const warned = run.warnings.filter((w) =>
            w.includes("migration: rbacRoles grants RBAC roles only where the stack grants access"),
        );
        expect(warned).toHaveLength(1);
        expect(warned[0]).toMatch(
            /^Pulumi\.move\.yaml: .*the CSI driver's service principal \(keyVault\.grantReader is off\).*az keyvault show --name kv-move-01/,
        );
        expect(warned[0]).not.toContain("grantDeployer");
        expect(names(run, ROLE)).toEqual([`access-writer-${DEPLOYER}-secretsOfficer`]);
        // The full grant set: no warning.
        expect((await plan("rbacRoles")).warnings.filter((w) => w.includes("grants RBAC roles only"))).toEqual([]);
    });

    test("CSI keys left in a secret-sync stack point to the steps", async () => {
        const text = stackFile("secretSync").replace(
            "  aio-secrets:secretSync:",
            "  aio-secrets:servicePrincipal:\n    rotationDays: 180\n  aio-secrets:secretSync:",
        );
        const run = await planText(text, {});
        expect(run.warnings.filter((w) => w.includes("servicePrincipal is ignored in secretSync mode"))).toEqual([
            expect.stringContaining(
                "if this stack ran in csiDriver mode, do not switch it in one up: move it in steps with aio-secrets:migration",
            ),
        ]);
    });

    test("the step follows the settings", () => {
        expect(deliveryStep({ delivery: "csiDriver", permissionModel: "accessPolicy" })).toBe("csiDriver");
        expect(deliveryStep({ delivery: "csiDriver", permissionModel: "accessPolicy", migration: "rbacRoles" })).toBe(
            "rbacRoles",
        );
        expect(deliveryStep({ delivery: "csiDriver", permissionModel: "rbac" })).toBe("csiDriverRbac");
        expect(deliveryStep({ delivery: "secretSync", permissionModel: "rbac", migration: "both" })).toBe("both");
        expect(deliveryStep({ delivery: "secretSync", permissionModel: "rbac" })).toBe("secretSync");
    });
});

describe("the review of a change of step", () => {
    test("one step is named with the next; the last says done", () => {
        expect(reviewMigration("csiDriver", "rbacRoles")?.note).toMatch(
            /^migration step 1 of 4 \(rbacRoles\).*Next, after this up: step 2 \(csiDriverRbac\): set aio-secrets:keyVault\.permissionModel: rbac/,
        );
        expect(reviewMigration("both", "secretSync")?.note).toMatch(
            /step 4 of 4 \(secretSync\).*The migration is done\.$/,
        );
        expect(reviewMigration("both", "csiDriverRbac")?.refused).toBeUndefined();
        expect(reviewMigration("secretSync", "secretSync")).toBeUndefined();
    });

    test("a jump over a step is refused with the steps", () => {
        const review = reviewMigration("csiDriver", "secretSync")!;
        expect(review.refused).toContain("in one up");
        expect(review.refused).toContain(stepsText("csiDriver"));
        expect(reviewMigration("csiDriverRbac", "secretSync")!.refused).toMatch(
            /step 3 \(both\): set aio-secrets:delivery: secretSync and aio-secrets:migration: both/,
        );
        expect(reviewMigration("csiDriver", "csiDriverRbac")!.refused).toMatch(/step 1 \(rbacRoles\)/);
    });
});

/**
 * `plan --against <rev>` as CI runs it, on a git repository holding a copy of the program and a
 * stack that was deployed with the CSI driver at HEAD.
 */
describe("plan --against on a stack moving from CSI to secret sync", () => {
    const TSX = pathToFileURL(require.resolve("tsx")).href;
    let repo: string;
    beforeAll(() => {
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "aio-secrets-move-"));
        for (const entry of [
            "index.ts",
            "components",
            "model",
            "delivery",
            "stacks",
            "tools",
            "Pulumi.yaml",
            "environments",
            "package.json",
            "tsconfig.json",
        ]) {
            fs.cpSync(path.join(PROJECT_DIR, entry), path.join(repo, entry), { recursive: true });
        }
        fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(repo, "node_modules"));
        fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
        fs.writeFileSync(path.join(repo, "move-catalog.yaml"), CATALOG);
        fs.writeFileSync(path.join(repo, "Pulumi.move.yaml"), stackFile("csiDriver"));
        const git = (...args: string[]) =>
            execFileSync("git", ["-c", "user.email=test@example.test", "-c", "user.name=test", ...args], {
                cwd: repo,
                stdio: "pipe",
            });
        git("init", "-q");
        git("add", "-A");
        git("commit", "-q", "-m", "a CSI stack");
    });
    afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

    const planAgainstHead = (step: (typeof DELIVERY_STEPS)[number]) => {
        fs.writeFileSync(path.join(repo, "Pulumi.move.yaml"), stackFile(step));
        const result = spawnSync(
            process.execPath,
            [
                "--import",
                TSX,
                path.join(repo, "tools", "plan.ts"),
                "--stack",
                "move",
                "--catalog",
                "move-catalog.yaml",
                "--against",
                "HEAD",
            ],
            { cwd: repo, env: { ...process.env, INIT_CWD: repo }, encoding: "utf8", timeout: 60000 },
        );
        return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    };

    test("a one-step switch to secret sync is refused, with the steps", () => {
        const { code, stdout, stderr } = planAgainstHead("secretSync");
        expect(stdout).toBe("");
        expect(stderr).toMatch(
            /^aio-secrets plan: stack move against HEAD: refused: this change moves the stack from csiDriver .* to secretSync in one up/,
        );
        for (let i = 1; i < DELIVERY_STEPS.length; i++) expect(stderr).toContain(`step ${i} (${DELIVERY_STEPS[i]}): `);
        expect(code).toBe(1);
    });

    test("the first step is reviewed as step 1 of 4, naming the next", () => {
        const { code, stdout, stderr } = planAgainstHead("rbacRoles");
        expect(stderr).toBe("");
        expect(stdout).toContain("migration: migration step 1 of 4 (rbacRoles)");
        expect(stdout).toContain(
            "Next, after this up: step 2 (csiDriverRbac): set aio-secrets:keyVault.permissionModel: rbac and remove aio-secrets:migration.",
        );
        expect(stdout).toContain("+ azure-native:authorization:RoleAssignment access-reader-secretsUser");
        expect(code).toBe(0);
    });
});

describe("the docs on changing the delivery mode", () => {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    const secretSync = fs.readFileSync(path.join(PROJECT_DIR, "docs", "secret-sync.md"), "utf8");

    test("claim no switch by one setting", () => {
        for (const page of [readme, secretSync])
            expect(page).not.toMatch(/switch(es)? with one setting|two delivery modes, one setting/i);
    });

    test("document the steps the tool checks, in its order", () => {
        expect(secretSync).toContain("\n## Move a stack from CSI to secret sync\n");
        const section = secretSync.slice(secretSync.indexOf("## Move a stack from CSI to secret sync"));
        const rows = [...section.matchAll(/^\| (\d) \| `(\w+)` \|/gm)].map((m) => [Number(m[1]), m[2]]);
        expect(rows).toEqual(DELIVERY_STEPS.slice(1).map((step, i) => [i + 1, step]));
        for (const value of ["rbacRoles", "both"]) expect(section).toContain(`aio-secrets:migration: ${value}`);
    });
});

describe("a one-step switch of a deployed CSI stack is refused by the program itself, before anything is declared", () => {
    async function planOneStep(existingVault: {
        enableRbacAuthorization?: boolean;
        absent?: boolean;
    }): Promise<RunResult> {
        return planText(stackFile("secretSync"), { mode: "up", existingVault });
    }

    test("the stack's vault exists with access policies: refused with the steps, nothing declared", async () => {
        const run = await planOneStep({ enableRbacAuthorization: false });
        expect(run.error).toMatch(
            /^Pulumi\.move\.yaml: aio-secrets:delivery "secretSync": vault kv-move-01 exists and still uses access policies/,
        );
        expect(run.error).toContain(stepsText("csiDriver"));
        expect(run.resources).toEqual([]);
    });

    test("also in step 3 (migration: both) while the vault still reads access policies (step 2 skipped)", async () => {
        const run = await planText(stackFile("both"), {
            mode: "up",
            existingVault: { enableRbacAuthorization: false },
        });
        expect(run.error).toMatch(/still uses access policies/);
    });

    test("no vault yet (a new secret-sync stack) or a vault already on RBAC: planned", async () => {
        for (const vault of [{ absent: true }, { enableRbacAuthorization: true }]) {
            const run = await planOneStep(vault);
            expect({ vault, error: run.error }).toEqual({ vault, error: undefined });
            expect(run.outputs.deliveryStep).toBe("secretSync");
        }
    });

    test("pure: only a secret-sync stack with a found access-policy vault is refused; 404-like lookups mean no vault", () => {
        const s = { file: "f.yaml", keyVaultName: "kv" };
        expect(
            oneStepSwitchProblem({ ...s, delivery: "csiDriver" }, { enableRbacAuthorization: false }),
        ).toBeUndefined();
        expect(oneStepSwitchProblem({ ...s, delivery: "secretSync" }, undefined)).toBeUndefined();
        expect(
            oneStepSwitchProblem({ ...s, delivery: "secretSync" }, { enableRbacAuthorization: true }),
        ).toBeUndefined();
        expect(oneStepSwitchProblem({ ...s, delivery: "secretSync" }, {})?.path).toBe("aio-secrets:delivery");
        expect(
            isNotFound(new Error("invoke of azure-native:keyvault:getVault failed: GET ... 404 ResourceNotFound")),
        ).toBe(true);
        expect(isNotFound(new Error("ResourceGroupNotFound: Resource group 'rg' could not be found."))).toBe(true);
        expect(isNotFound(new Error("403 AuthorizationFailed"))).toBe(false);
    });
});

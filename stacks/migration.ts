import type { Problem } from "./errors";

/**
 * The staged move of a stack from CSI delivery to secret sync (`aio-secrets:migration`). Pure:
 * the settings rules, the step a stack's settings put it in, and what the review diff says
 * about a change of step. Each step is one `pulumi up` in which nothing running loses access:
 *
 * 1. `migration: rbacRoles` (csiDriver, access policies): the CSI driver's service principal
 *    and the deployers get their Key Vault RBAC roles next to their access policies. The vault
 *    still reads access policies; the roles propagate (minutes) before anything needs them.
 * 2. `keyVault.permissionModel: rbac`, `migration` removed: the vault switches to RBAC and the
 *    roles from step 1 take over (Key Vault stops reading access policies the moment
 *    `enableRbacAuthorization` changes; learn.microsoft.com, "Migrate to Azure role-based
 *    access control"); the access policies leave the stack.
 * 3. `delivery: secretSync`, `migration: both`, a `secretSync` section, the CSI settings kept:
 *    secret sync's identity, roles, SPC and SecretSyncs are added while the CSI side runs on.
 *    A SecretSync whose Kubernetes Secret the CSI side writes waits for step 4 (the controller
 *    does not take over a Secret it did not create). The CSI side is marked `retainOnDelete`.
 * 4. `migration`, `servicePrincipal` and `cluster.csiDriver` removed: the CSI side leaves the
 *    stack without a delete (nothing deleted in Entra, Azure or the cluster); the held-back
 *    SecretSyncs are created.
 */

/** Values of `aio-secrets:migration`. */
export const MIGRATION_SETTINGS = ["rbacRoles", "both"] as const;
export type MigrationSetting = (typeof MIGRATION_SETTINGS)[number];

/** Where a stack is on the way from CSI delivery to secret sync, in order. */
export const DELIVERY_STEPS = ["csiDriver", "rbacRoles", "csiDriverRbac", "both", "secretSync"] as const;
export type DeliveryStep = (typeof DELIVERY_STEPS)[number];

/** What each step is, and the settings change that leads to it from the step before. */
export const STEP_TEXT: Readonly<Record<DeliveryStep, { what: string; change: string }>> = {
    csiDriver: { what: "CSI driver, vault with access policies", change: "the start" },
    rbacRoles: {
        what: "CSI driver, vault with access policies, the readers' and deployers' RBAC roles added beside them",
        change: "set aio-secrets:migration: rbacRoles",
    },
    csiDriverRbac: {
        what: "CSI driver, vault switched to RBAC (the roles take over; access policies leave the stack)",
        change: "set aio-secrets:keyVault.permissionModel: rbac and remove aio-secrets:migration",
    },
    both: {
        what: "CSI driver and secret sync side by side (identity, roles, SPC and SecretSyncs added; the CSI side runs on, marked retainOnDelete)",
        change: "set aio-secrets:delivery: secretSync and aio-secrets:migration: both, add the aio-secrets:secretSync section, keep servicePrincipal and cluster.csiDriver",
    },
    secretSync: {
        what: "secret sync only (the CSI side left the stack without a delete; the held-back SecretSyncs are created)",
        change: "remove aio-secrets:migration, aio-secrets:servicePrincipal and aio-secrets:cluster.csiDriver",
    },
};

/** The step a stack's resolved settings put it in. */
export function deliveryStep(s: {
    delivery: "csiDriver" | "secretSync";
    permissionModel: "accessPolicy" | "rbac";
    migration?: MigrationSetting;
}): DeliveryStep {
    switch (s.delivery) {
        case "secretSync":
            return s.migration === "both" ? "both" : "secretSync";
        case "csiDriver":
            if (s.permissionModel === "rbac") return "csiDriverRbac";
            return s.migration === "rbacRoles" ? "rbacRoles" : "csiDriver";
        default: {
            const exhaustiveCheck: never = s.delivery;
            throw new Error(`internal error: unknown delivery mode ${String(exhaustiveCheck)}`);
        }
    }
}

/** Every step from `from` to the end, one line each, numbered as the README numbers them. */
export function stepsText(from: DeliveryStep = "csiDriver"): string {
    return DELIVERY_STEPS.slice(DELIVERY_STEPS.indexOf(from) + 1)
        .map((step) => `  step ${DELIVERY_STEPS.indexOf(step)} (${step}): ${STEP_TEXT[step].change}`)
        .join("\n");
}

/** What the review diff says about a change between two steps. */
export interface MigrationReview {
    /** The base revision's step. */
    from: DeliveryStep;
    /** This change's step. */
    to: DeliveryStep;
    /** What the change does; the next step's settings change, if any. */
    note: string;
    /** Set when the change skips a step: the review refuses it. */
    refused?: string;
}

/**
 * The review of a change of step: one step forward (or back) is fine and is named with the
 * next; a jump over a step is refused with the steps. No change of step: nothing to say.
 */
export function reviewMigration(from: DeliveryStep, to: DeliveryStep): MigrationReview | undefined {
    if (from === to) return undefined;
    const [a, b] = [DELIVERY_STEPS.indexOf(from), DELIVERY_STEPS.indexOf(to)];
    if (Math.abs(b - a) > 1) {
        return {
            from,
            to,
            note: `${from} -> ${to} skips ${Math.abs(b - a) - 1} step(s)`,
            refused:
                `this change moves the stack from ${from} (${STEP_TEXT[from].what}) to ${to} in one up: workloads would lose access to the vault ` +
                `(the vault switch, the CSI side's removal and the Secret names secret sync takes over must not share an up). ` +
                `Go one step per change, each one applied with pulumi up before the next (docs/secret-sync.md, "Move a stack from CSI to secret sync"):\n` +
                stepsText(b > a ? from : "csiDriver"),
        };
    }
    const next = DELIVERY_STEPS[b + 1] as DeliveryStep | undefined;
    const direction = b > a ? "migration step" : "migration step back";
    const then =
        b > a
            ? next
                ? ` Next, after this up: step ${b + 1} (${next}): ${STEP_TEXT[next].change}.`
                : " The migration is done."
            : "";
    return {
        from,
        to,
        note: `${direction} ${b} of ${DELIVERY_STEPS.length - 1} (${to}): ${STEP_TEXT[to].what}.${then}`,
    };
}

/**
 * The settings rules of `aio-secrets:migration`: which step each value belongs to. `file` and
 * the resolved delivery and permission model come from the settings.
 */
export function migrationProblems(
    file: string,
    migration: MigrationSetting | undefined,
    delivery: "csiDriver" | "secretSync",
    permissionModel: "accessPolicy" | "rbac" | undefined,
): Problem[] {
    const at = (rule: string): Problem => ({
        file,
        path: "aio-secrets:migration",
        rule,
        value: JSON.stringify(migration),
    });
    if (migration === "rbacRoles") {
        if (delivery !== "csiDriver")
            return [
                at(
                    "is step 1 of the move to secret sync and needs aio-secrets:delivery: csiDriver; in secretSync mode use migration: both (step 3)",
                ),
            ];
        if (permissionModel === "rbac") {
            return [
                at(
                    "is step 1 (roles beside the access policies) and has no effect once keyVault.permissionModel is rbac (step 2): remove aio-secrets:migration",
                ),
            ];
        }
    }
    if (migration === "both" && delivery !== "secretSync") {
        return [
            at(
                "is step 3 of the move to secret sync and needs aio-secrets:delivery: secretSync (with the secretSync section and keyVault.permissionModel: rbac)",
            ),
        ];
    }
    return [];
}

/**
 * Step 1 grants RBAC roles only to the principals the stack grants: with `keyVault.grantReader`
 * or `grantDeployer` off (an adopted cluster, an existing vault), the principals it leaves alone
 * need their roles from you before step 2, or they lose the vault when it switches.
 */
export function migrationWarnings(
    file: string,
    migration: MigrationSetting | undefined,
    grants: { grantReader: boolean; grantDeployer: boolean; vaultName: string },
): string[] {
    if (migration !== "rbacRoles") return [];
    const left = [
        ...(grants.grantReader
            ? []
            : [`the CSI driver's service principal (keyVault.grantReader is off): "Key Vault Secrets User"`]),
        ...(grants.grantDeployer
            ? []
            : [`the deploying identity (keyVault.grantDeployer is off): "Key Vault Secrets Officer"`]),
    ];
    if (left.length === 0) return [];
    return [
        `${file}: aio-secrets:migration: rbacRoles grants RBAC roles only where the stack grants access; grant these yourself before step 2 (permissionModel: rbac), ` +
            `or they lose the vault when it switches: ${left.join("; ")} ` +
            `(az role assignment create --assignee <object id> --role <role> --scope $(az keyvault show --name ${grants.vaultName} --query id -o tsv))`,
    ];
}

/**
 * The one-step switch the program itself can see: a secret-sync stack (steps 3 and 4) whose
 * vault already exists and still reads access policies. Only a deployed CSI stack has such a
 * vault, and this `up` would flip it to RBAC at its start (the CSI driver's policy stops
 * counting at once) and remove the CSI side in the same breath: refused, with the steps. `vault`
 * is what a lookup of the vault found (undefined: no such vault yet, a first deploy).
 */
export function oneStepSwitchProblem(
    settings: { file: string; delivery: "csiDriver" | "secretSync"; keyVaultName: string },
    vault: { enableRbacAuthorization?: boolean } | undefined,
): Problem | undefined {
    if (settings.delivery !== "secretSync" || vault === undefined || vault.enableRbacAuthorization === true)
        return undefined;
    return {
        file: settings.file,
        path: "aio-secrets:delivery",
        value: JSON.stringify("secretSync"),
        rule:
            `vault ${settings.keyVaultName} exists and still uses access policies, so this is a deployed CSI stack switched to secret sync in one step: ` +
            `the up would switch the vault to RBAC at its start (the CSI driver's access policy stops counting at once) and remove the CSI side with it. ` +
            `Go one step per change, each applied with pulumi up before the next (docs/secret-sync.md, "Move a stack from CSI to secret sync"):\n` +
            stepsText("csiDriver"),
    };
}

/**
 * Whether a failed lookup means "no such resource" (a first deploy: the vault or its resource
 * group does not exist yet) rather than a read that could not be made (rights, network).
 */
export function isNotFound(error: unknown): boolean {
    const text = error instanceof Error ? error.message : String(error);
    return /\b404\b|ResourceNotFound|ResourceGroupNotFound|was not found/i.test(text);
}

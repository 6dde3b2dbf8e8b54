import { TEXT_WIDTH, wrapProse } from "./textWidth";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { decodeUtf8, NOT_UTF8 } from "../stacks/text";
import { inputAt, RecordedResource, redact, RunResult, SECRET_SIG, SECRET_SIG_KEY, UNKNOWN } from "./harness";
import { parseSpcObjects, restartAnnotationKey, versionsAnnotationKey } from "../model/spc";
import { DELIVERY_STEPS, DeliveryStep, MigrationReview, reviewMigration } from "../stacks/migration";
import { kindLabel } from "../model/consumers";
import { planConsumers, type PlanConsumer } from "./planRender";

/**
 * What changes between two plans of the same stack, for reviews: resources added, removed and
 * changed, with the changed fields. SPC `objects` strings are compared as object lists, not
 * as YAML text. Everything is redacted first: secrets stay `[secret]`. Also: the workloads
 * `up` will restart and why, what will stop `up` (protected resources it would delete), and
 * the new run's warnings.
 */

export interface FieldChange {
    path: string;
    before: unknown;
    after: unknown;
}

export interface ResourceChange {
    urn: string;
    type: string;
    name: string;
    fields: FieldChange[];
}

/**
 * Why a workload rolls: `objects` (the SPC's object list changed: a secret added, moved out,
 * renamed alias, pinned version), `value` (a value or version of an object the stack writes
 * changed), `added` (a new restart target: its annotations appear), `removed` (a restart target
 * dropped: its annotations are removed, which rolls it once more).
 */
export type RestartReason = "objects" | "value" | "added" | "removed";

export interface Restart {
    /** The SPC whose content rolls the workload. */
    spc: string;
    kind: string;
    namespace: string;
    name: string;
    reason: RestartReason;
    /** Vault objects the SPC mounts whose value changes (names only, never values). */
    values?: string[];
}

/** Something that stops `pulumi up` (and `pulumi preview`) until fixed by hand. */
export interface Blocker {
    urn: string;
    reason: string;
    fix: string;
}

export interface PlanDiff {
    added: { urn: string; type: string; name: string }[];
    removed: { urn: string; type: string; name: string; retainOnDelete: boolean }[];
    changed: ResourceChange[];
    /** Workloads the `up` will roll, one entry per SPC that rolls it. */
    restarts: Restart[];
    blockers: Blocker[];
    /**
     * Kubernetes Secrets that go with a SecretSync removed or replaced, and SecretProviderClasses
     * renamed (first); then the new run's warnings (the plan's), without the SDK's stack-output noise.
     */
    warnings: string[];
    /** A change of step of the move from CSI delivery to secret sync: which step this is, and the next. */
    migration?: string;
    /**
     * The consumers a change touches (issue 18), e.g. "dataflow endpoint kafka-out reads kafka-sasl:
     * password changes"; absent when none.
     */
    consumers?: string[];
}

/** The step a run's `deliveryStep` output names; undefined for a run without one (no plan, invalid inputs). */
function stepOf(run: RunResult): DeliveryStep | undefined {
    const step = run.outputs.deliveryStep;
    return typeof step === "string" && (DELIVERY_STEPS as readonly string[]).includes(step)
        ? (step as DeliveryStep)
        : undefined;
}

/**
 * The review of the move from CSI delivery to secret sync between two plans of a stack
 * (stacks/migration.ts): the step and the next, or the refusal of a change that skips a step.
 */
export function migrationReviewOf(before: RunResult, after: RunResult): MigrationReview | undefined {
    const [from, to] = [stepOf(before), stepOf(after)];
    return from !== undefined && to !== undefined ? reviewMigration(from, to) : undefined;
}

/**
 * Flattens redacted inputs to `a.b[0].c` -> value; SPC objects become one entry per file: the
 * CSI driver's SPC (`spec.parameters.objects`) and secret sync's ARM SPC (top-level `objects`).
 */
function flatten(value: unknown, at: string, out: Map<string, unknown>): void {
    if ((at.endsWith("spec.parameters.objects") || at === "objects") && typeof value === "string") {
        try {
            for (const object of parseSpcObjects(value)) {
                const file = String(object.objectAlias ?? object.objectName);
                out.set(`${at}[${file}]`, object);
            }
            return;
        } catch {
            // Not a well-formed objects string: compare it as text.
        }
    }
    if (Array.isArray(value)) {
        value.forEach((v, i) => flatten(v, `${at}[${i}]`, out));
        if (value.length === 0) out.set(at, []);
        return;
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        for (const [k, v] of entries) flatten(v, at === "" ? k : `${at}.${k}`, out);
        if (entries.length === 0) out.set(at, {});
        return;
    }
    out.set(at, value);
}

/** Where the inputs hold secrets, a digest of each (compared, never shown). */
function secretDigests(value: unknown, at: string, out: Map<string, string>): void {
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SECRET_SIG_KEY] === SECRET_SIG) {
            out.set(
                at,
                createHash("sha256")
                    .update(JSON.stringify(record.value ?? null))
                    .digest("hex"),
            );
            return;
        }
        for (const [k, v] of Object.entries(record)) secretDigests(v, at === "" ? k : `${at}.${k}`, out);
    }
}

function fields(r: RecordedResource): { shown: Map<string, unknown>; secrets: Map<string, string> } {
    const shown = new Map<string, unknown>();
    flatten(redact(r.inputs), "", shown);
    // Digests are compared to tell that a secret changed; they never leave this module.
    const secrets = new Map<string, string>();
    secretDigests(r.inputs, "", secrets);
    shown.set("(option) protect", r.protect);
    shown.set("(option) retainOnDelete", r.retainOnDelete);
    return { shown, secrets };
}

const PATCH_TYPE = /^kubernetes:apps\/v1:(Deployment|StatefulSet|DaemonSet)Patch$/;
const SPC_COMPONENT = "aio-secrets:spc:SecretProviderClass";
const SPC_RESOURCE = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";
const VAULT_OBJECT_TYPES = new Set(["azure-native:keyvault:Secret", "azure-native:keyvault:Key"]);
const SECRET_SYNC = "azure-native:secretsynccontroller:SecretSync";
const ARM_SPC = "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass";
const ARC_EXTENSION = "azure-native:kubernetesconfiguration:Extension";

/** A restart patch of a run, with the SPC (Kubernetes name) whose content it carries. */
interface Target {
    spc: string;
    kind: string;
    namespace: string;
    name: string;
    patch: RecordedResource;
}

function known(value: unknown): string {
    return value === UNKNOWN || value === undefined ? "(known after up)" : String(value);
}

function restartTargets(run: RunResult): Map<string, Target> {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const spcNames = new Map<string, string>();
    for (const r of run.resources)
        if (r.type === SPC_RESOURCE && r.parent) spcNames.set(r.parent, known(inputAt(r.inputs, "metadata.name")));
    const targets = new Map<string, Target>();
    for (const r of run.resources) {
        const kind = PATCH_TYPE.exec(r.type)?.[1];
        if (kind === undefined || r.parent === undefined || byUrn.get(r.parent)?.type !== SPC_COMPONENT) continue;
        const spc = spcNames.get(r.parent) ?? byUrn.get(r.parent)!.name;
        targets.set(r.urn, {
            spc,
            kind,
            namespace: known(inputAt(r.inputs, "metadata.namespace")),
            name: known(inputAt(r.inputs, "metadata.name")),
            patch: r,
        });
    }
    return targets;
}

/** A pod-template annotation of a patch (keys hold dots, so not through inputAt's path). */
function annotation(patch: RecordedResource, key: string): unknown {
    const annotations = inputAt(patch.inputs, "spec.template.metadata.annotations");
    if (annotations === null || typeof annotations !== "object" || !Object.hasOwn(annotations, key)) return undefined;
    return (annotations as Record<string, unknown>)[key];
}

/** Whether a vault object's stored value (and so its version) changes: its properties or its generator. */
function valueChanged(
    old: RecordedResource,
    now: RecordedResource,
    oldIndex: Map<string, RecordedResource>,
    newIndex: Map<string, RecordedResource>,
): boolean {
    const fa = fields(old);
    const fb = fields(now);
    const props = (m: Map<string, unknown>) =>
        JSON.stringify([...m].filter(([k]) => k === "properties" || k.startsWith("properties.")).sort());
    if (props(fa.shown) !== props(fb.shown) || props(fa.secrets) !== props(fb.secrets)) return true;
    // A generated value is unknown in a plan: a changed generator (replaced) is a new value.
    for (const urn of now.dependsOn) {
        const generator = newIndex.get(urn);
        if (!generator?.type.startsWith("random:")) continue;
        const before = oldIndex.get(urn);
        if (!before || JSON.stringify(redact(before.inputs)) !== JSON.stringify(redact(generator.inputs))) return true;
    }
    return false;
}

/**
 * The vault objects feeding a patch's versions annotation (the patch depends on each of them),
 * by object name: those whose value changes, and those that join or leave the annotation
 * (written by the stack, or no longer).
 */
function changedValues(
    old: Target,
    now: Target,
    oldIndex: Map<string, RecordedResource>,
    newIndex: Map<string, RecordedResource>,
): { changed: string[]; joinedOrLeft: string[] } {
    const vaultObjects = (patch: RecordedResource, index: Map<string, RecordedResource>) =>
        new Map(
            patch.dependsOn
                .map((urn) => index.get(urn))
                .filter((r): r is RecordedResource => r !== undefined && VAULT_OBJECT_TYPES.has(r.type))
                .map((r) => [r.urn, r]),
        );
    const a = vaultObjects(old.patch, oldIndex);
    const b = vaultObjects(now.patch, newIndex);
    const objectName = (r: RecordedResource) =>
        known(inputAt(r.inputs, r.type.endsWith(":Key") ? "keyName" : "secretName"));
    const changed: string[] = [];
    const joinedOrLeft: string[] = [];
    for (const urn of new Set([...a.keys(), ...b.keys()])) {
        const ra = a.get(urn);
        const rb = b.get(urn);
        if (ra && rb) {
            if (valueChanged(ra, rb, oldIndex, newIndex)) changed.push(objectName(rb));
        } else joinedOrLeft.push(objectName((rb ?? ra)!));
    }
    return { changed: changed.sort(), joinedOrLeft: joinedOrLeft.sort() };
}

/**
 * Which workloads `up` rolls, and why. The objects annotation is known in a plan; the versions
 * annotation only after `up` (Azure assigns version ids), so where it is unknown the vault
 * objects feeding it tell: a new value (a `config` value re-set, a generator changed) is a new version.
 */
function restartsOf(before: RunResult, after: RunResult): Restart[] {
    const oldTargets = restartTargets(before);
    const newTargets = restartTargets(after);
    const oldIndex = new Map(before.resources.map((r) => [r.urn, r]));
    const newIndex = new Map(after.resources.map((r) => [r.urn, r]));
    const entry = (t: Target, reason: RestartReason): Restart => ({
        spc: t.spc,
        kind: t.kind,
        namespace: t.namespace,
        name: t.name,
        reason,
    });
    const restarts: Restart[] = [];
    for (const [urn, now] of newTargets) {
        const old = oldTargets.get(urn);
        if (!old) {
            restarts.push(entry(now, "added"));
            continue;
        }
        const { changed, joinedOrLeft } = changedValues(old, now, oldIndex, newIndex);
        const values = (names: string[]) => (names.length > 0 ? { values: names } : {});
        if (
            annotation(old.patch, restartAnnotationKey(old.spc)) !==
            annotation(now.patch, restartAnnotationKey(now.spc))
        ) {
            restarts.push({ ...entry(now, "objects"), ...values(changed) });
            continue;
        }
        const va = annotation(old.patch, versionsAnnotationKey(old.spc));
        const vb = annotation(now.patch, versionsAnnotationKey(now.spc));
        const all = [...new Set([...changed, ...joinedOrLeft])].sort();
        const bothKnown = va !== undefined && vb !== undefined && va !== UNKNOWN && vb !== UNKNOWN;
        if (bothKnown ? va !== vb : all.length > 0) restarts.push({ ...entry(now, "value"), ...values(all) });
    }
    for (const [urn, old] of oldTargets) if (!newTargets.has(urn)) restarts.push(entry(old, "removed"));
    const key = (r: Restart) => `${r.spc}\u0000${r.kind}\u0000${r.namespace}\u0000${r.name}`;
    return restarts.sort((p, q) => (key(p) < key(q) ? -1 : key(p) > key(q) ? 1 : 0));
}

/**
 * Inputs that are part of an azure-native resource's ARM path: a change replaces the resource
 * (delete and create), which the engine refuses for a protected one.
 */
const REPLACING_INPUTS: Record<string, string[]> = {
    "azure-native:resources:ResourceGroup": ["resourceGroupName"],
    "azure-native:keyvault:Vault": ["resourceGroupName", "vaultName"],
    "azure-native:keyvault:Secret": ["resourceGroupName", "vaultName", "secretName"],
    "azure-native:keyvault:Key": ["resourceGroupName", "vaultName", "keyName"],
    [SECRET_SYNC]: ["resourceGroupName", "secretSyncName"],
    [ARM_SPC]: ["resourceGroupName", "azureKeyVaultSecretProviderClassName"],
};

/**
 * The inputs whose change replaces `old` by `now`: its ARM path (azure-native replaces on
 * those, pulumi/pulumi-azure-native#77) and its `replaceOnChanges` option. Unknown values do not count.
 */
function replacingChanges(old: RecordedResource, now: RecordedResource): string[] {
    return [...new Set([...(REPLACING_INPUTS[now.type] ?? []), ...now.replaceOnChanges])].filter((p) => {
        const x = inputAt(old.inputs, p);
        const y = inputAt(now.inputs, p);
        return x !== UNKNOWN && y !== UNKNOWN && JSON.stringify(x) !== JSON.stringify(y);
    });
}

/** The namespace of a run's Secrets (the secret-sync flow's `namespace` output). */
function secretNamespace(run: RunResult): string {
    const ns = run.outputs.namespace;
    return typeof ns === "string" && ns !== "" ? ns : "(the custom location's namespace)";
}

/**
 * What a review must not miss in secret sync: the controller writes each Kubernetes Secret with
 * an ownerReference to its SecretSync, so a SecretSync that goes away (or is replaced, which
 * deletes first) takes its Secret with it; and a renamed SecretProviderClass is a new one that
 * the AIO instance's link does not follow.
 */
function secretSyncWarnings(before: RunResult, after: RunResult): string[] {
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const name = (r: RecordedResource, path: string) => known(inputAt(r.inputs, path));
    const warnings: string[] = [];
    for (const old of before.resources) {
        const next = now.get(old.urn);
        if (old.type === SECRET_SYNC) {
            const secret = `${secretNamespace(before)}/${name(old, "secretSyncName")}`;
            if (!next) {
                warnings.push(
                    `SecretSync ${name(old, "secretSyncName")} goes away: Kubernetes deletes Secret ${secret} with it (the Secret's ownerReference); ` +
                        "whatever reads it (AIO resources, pods) loses it",
                );
                continue;
            }
            const changed = replacingChanges(old, next);
            if (changed.length > 0) {
                warnings.push(
                    `SecretSync ${name(old, "secretSyncName")} is replaced (new ${changed.join(", ")}): it is deleted first, and Kubernetes Secret ${secret} with it; ` +
                        "the new SecretSync writes it again once it syncs, and until then whatever reads it fails",
                );
            }
        } else if (
            old.type === ARM_SPC &&
            next &&
            replacingChanges(old, next).includes("azureKeyVaultSecretProviderClassName")
        ) {
            const [from, to] = [
                name(old, "azureKeyVaultSecretProviderClassName"),
                name(next, "azureKeyVaultSecretProviderClassName"),
            ];
            warnings.push(
                `SecretProviderClass ${from} is replaced by ${to}: the SecretSyncs move to ${to} and their Secrets stay, but an AIO instance linked to ${from} ` +
                    `(defaultSecretProviderClassRef) must be linked to ${to} again; to keep the name, set aio-secrets:secretSync.spcName: ${from}`,
            );
        }
    }
    return warnings;
}

/**
 * An Arc cluster extension (the Secret Store's, a retained CSI driver's) that leaves the stack
 * while this program marks it `retainOnDelete`: the engine deletes a removed resource by the
 * options the *last* `up` recorded: a stack last deployed by a version without that option
 * (before issue 17, when `secretSync.extension.install` defaulted to true) uninstalls the
 * extension, and AIO loses every secret it reads. The review cannot see the state, so it says
 * how to check and both ways out. A removal that an alias turns into a rename is not one, nor
 * one after step `both` of the move from CSI: `aio-secrets:migration: both` exists only in
 * versions that retain it, so the up that ran those files recorded `retainOnDelete`.
 */
function extensionRemovalWarnings(before: RunResult, after: RunResult): string[] {
    if (stepOf(before) === "both") return [];
    const now = new Set(after.resources.map((r) => r.urn));
    const aliased = new Set(after.resources.flatMap((r) => r.aliases ?? []));
    return before.resources
        .filter((r) => r.type === ARC_EXTENSION && r.retainOnDelete && !now.has(r.urn) && !aliased.has(r.urn))
        .map((r) => {
            const [name, cluster] = [
                known(inputAt(r.inputs, "extensionName")),
                known(inputAt(r.inputs, "clusterName")),
            ];
            const secretStore = inputAt(r.inputs, "extensionType") === "microsoft.azure.secretstore";
            return (
                `Arc extension ${name} on cluster ${cluster} leaves the stack: if the stack's last up ran a version of this program that did not mark it retainOnDelete ` +
                `(before issue 17${secretStore ? ", when secretSync.extension.install defaulted to true" : ""}), pulumi up UNINSTALLS it from the cluster` +
                `${secretStore ? " and AIO loses every secret it reads" : ""}. Check: pulumi stack export --stack ${after.stack} shows "retainOnDelete": true on ${r.urn}. ` +
                `If not, ${secretStore ? "keep secretSync.extension.install: true for one more up (it records retainOnDelete), or " : "run one up that still declares it first, or "}` +
                `forget it without uninstalling: pulumi state delete --stack ${after.stack} '${r.urn}'`
            );
        });
}

/**
 * What stops `pulumi up` (and `pulumi preview`) until fixed by hand. The engine refuses to
 * delete a resource the last `up` recorded as protected ("unable to delete resource ... as it
 * is currently marked for protection"), whatever `retainOnDelete` says, and to replace one
 * that stays protected.
 */
function blockersOf(before: RunResult, after: RunResult): Blocker[] {
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    // URNs hold `$` and `::`: single quotes keep the shell off them.
    const unprotect = (urn: string) => `pulumi state unprotect --stack ${after.stack} '${urn}'`;
    const blockers: Blocker[] = [];
    for (const r of before.resources) {
        if (!r.protect) continue;
        const next = now.get(r.urn);
        if (!next) {
            blockers.push({
                urn: r.urn,
                reason:
                    `${r.type} ${r.name} is protected and this change removes it: \`pulumi up\` stops before deleting it` +
                    (r.retainOnDelete
                        ? " (once unprotected, it leaves the stack and stays in Azure/the cluster)"
                        : " (once unprotected, `up` deletes it)"),
                fix: unprotect(r.urn),
            });
            continue;
        }
        const moved = replacingChanges(r, next);
        if (next.protect && moved.length > 0) {
            blockers.push({
                urn: r.urn,
                reason: `${r.type} ${r.name} is protected and a new ${moved.join(", ")} replaces it (delete, then create): \`pulumi up\` stops`,
                fix: `revert the change; to replace it anyway: ${unprotect(r.urn)}`,
            });
        }
    }
    return blockers.sort((p, q) => (p.urn < q.urn ? -1 : p.urn > q.urn ? 1 : 0));
}

/** The SDK's note for every undefined stack output: noise in a review. */
const SDK_NOISE = /^Undefined value \(.*\) will not show as a stack output\.?$/;

/** The plan's warnings worth a reviewer's eye: deleteOnRemove, budget, expiry, placeholders. */
export function reviewWarnings(warnings: readonly string[]): string[] {
    return [...new Set(warnings.filter((w) => !SDK_NOISE.test(w)))];
}

export function diffRuns(before: RunResult, after: RunResult): PlanDiff {
    const a = new Map(before.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const b = new Map(after.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const diff: PlanDiff = {
        added: [],
        removed: [],
        changed: [],
        restarts: restartsOf(before, after),
        blockers: blockersOf(before, after),
        warnings: [
            ...secretSyncWarnings(before, after),
            ...extensionRemovalWarnings(before, after),
            ...reviewWarnings(after.warnings),
        ],
    };
    // A new URN that names an old one among its aliases is that resource renamed: the engine
    // takes it over (no delete, no create), so the review shows a change of name.
    const renamed = new Map<string, string>();
    for (const [urn, r] of b) {
        if (a.has(urn)) continue;
        const from = (r.aliases ?? []).find(
            (alias) => a.has(alias) && !b.has(alias) && ![...renamed.values()].includes(alias),
        );
        if (from !== undefined) renamed.set(urn, from);
    }
    const takenOver = new Set(renamed.values());
    for (const [urn, r] of b)
        if (!a.has(urn) && !renamed.has(urn)) diff.added.push({ urn, type: r.type, name: r.name });
    for (const [urn, r] of a)
        if (!b.has(urn) && !takenOver.has(urn))
            diff.removed.push({ urn, type: r.type, name: r.name, retainOnDelete: r.retainOnDelete });
    for (const [urn, r] of b) {
        const old = a.get(urn) ?? a.get(renamed.get(urn) ?? "");
        if (!old) continue;
        const fa = fields(old);
        const fb = fields(r);
        const changes: FieldChange[] = old.urn !== urn ? [{ path: "(name)", before: old.name, after: r.name }] : [];
        for (const path of new Set([...fa.shown.keys(), ...fb.shown.keys()])) {
            const x = fa.shown.get(path);
            const y = fb.shown.get(path);
            if (JSON.stringify(x) !== JSON.stringify(y)) changes.push({ path, before: x, after: y });
        }
        // A secret that changed is reported as changed, its value (and digest) still hidden.
        for (const path of new Set([...fa.secrets.keys(), ...fb.secrets.keys()])) {
            const x = fa.secrets.get(path);
            const y = fb.secrets.get(path);
            if (x !== undefined && y !== undefined && x !== y)
                changes.push({ path, before: "[secret]", after: "[secret] (new value)" });
        }
        if (changes.length > 0)
            diff.changed.push({
                urn,
                type: r.type,
                name: r.name,
                fields: changes.sort((p, q) => (p.path < q.path ? -1 : 1)),
            });
    }
    const byName = <T extends { name: string }>(p: T, q: T) => (p.name < q.name ? -1 : p.name > q.name ? 1 : 0);
    diff.added.sort(byName);
    diff.removed.sort(byName);
    diff.changed.sort(byName);
    const touched = consumerTouches(before, after, diff.changed);
    if (touched.length > 0) diff.consumers = touched;
    return diff;
}

/** Per synced Secret: its keys and the vault object each one holds (the SecretSync's mapping). */
function syncMappings(run: RunResult): Map<string, Map<string, string>> {
    const result = new Map<string, Map<string, string>>();
    for (const r of run.resources) {
        if (r.type !== "azure-native:secretsynccontroller:SecretSync") continue;
        const mapping = Array.isArray(r.inputs.objectSecretMapping) ? r.inputs.objectSecretMapping : [];
        const keys = new Map<string, string>();
        for (const m of mapping as { sourcePath?: unknown; targetKey?: unknown }[])
            keys.set(String(m.targetKey), String(m.sourcePath));
        result.set(String(r.inputs.secretSyncName), keys);
    }
    return result;
}

/**
 * What a change means to the consumers of the synced Secrets, one line each: a key they read gets
 * a new value (the vault secret behind it changes) or another vault object, comes or goes, and
 * consumers are declared or dropped.
 */
export function consumerTouches(before: RunResult, after: RunResult, changed: readonly ResourceChange[]): string[] {
    const was = syncMappings(before);
    const now = syncMappings(after);
    const newValue = new Set(
        changed
            .filter((c) => c.type === "azure-native:keyvault:Secret")
            .filter((c) => c.fields.some((f) => f.after === "[secret] (new value)"))
            .map((c) => c.name),
    );
    const vaultSecretName = (run: RunResult, resource: string) =>
        String(
            run.resources.find((r) => r.name === resource && r.type === "azure-native:keyvault:Secret")?.inputs
                .secretName,
        );
    const newValues = new Set([...newValue].map((n) => vaultSecretName(after, n)));
    const label = (c: PlanConsumer) => `${kindLabel(c.kind)} ${c.name} reads ${c.secret}`;
    // By auth too: one resource may read a Secret in two ways, and a changed auth reads other keys.
    const id = (c: PlanConsumer) => `${c.secret}\u0000${c.kind}\u0000${c.name}\u0000${c.auth}`;
    const old = new Map(planConsumers(before).map((c) => [id(c), c]));
    const lines: string[] = [];
    for (const c of planConsumers(after)) {
        if (!old.has(id(c))) {
            lines.push(`${label(c)}: newly declared (auth ${c.auth})`);
            continue;
        }
        const a = was.get(c.secret) ?? new Map<string, string>();
        const b = now.get(c.secret) ?? new Map<string, string>();
        // A consumer that reads any key (requiredKeys []) reads every key the Secret has or had.
        const keys = c.requiredKeys.length > 0 ? c.requiredKeys : [...new Set([...a.keys(), ...b.keys()])].sort();
        for (const key of keys) {
            const from = a.get(key);
            const to = b.get(key);
            if (from === undefined && to !== undefined) lines.push(`${label(c)}: ${key} is added (from ${to})`);
            else if (to === undefined && from !== undefined) lines.push(`${label(c)}: ${key} is removed`);
            else if (from !== to) lines.push(`${label(c)}: ${key} now holds ${to} (was ${from})`);
            else if (to !== undefined && newValues.has(to)) lines.push(`${label(c)}: ${key} changes`);
        }
    }
    const current = new Set(planConsumers(after).map(id));
    for (const [key, c] of old) if (!current.has(key)) lines.push(`${label(c)}: no longer declared`);
    // Two auths of one resource that read the same key give the same line once.
    return [...new Set(lines)];
}

function show(value: unknown): string {
    if (value === undefined) return "(none)";
    if (value !== null && typeof value === "object" && "objectName" in value) {
        const o = value as Record<string, unknown>;
        const extras = Object.entries(o)
            .filter(([k]) => k !== "objectName" && k !== "objectType")
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
        return `${String(o.objectName)} (${String(o.objectType)}${extras.length ? `, ${extras.join(", ")}` : ""})`;
    }
    return JSON.stringify(value);
}

function restartReason(r: Restart): string {
    switch (r.reason) {
        case "objects":
            return `objects changed${r.values ? `; new value of ${r.values.join(", ")}` : ""}`;
        case "value":
            return r.values ? `new value of ${r.values.join(", ")}` : "a value changed";
        case "added":
            return "restart target added";
        case "removed":
            return "restart target removed: its annotations are dropped";
    }
}

export function diffText(diff: PlanDiff, header: string): string {
    const lines = [header];
    const resources = diff.added.length + diff.removed.length + diff.changed.length;
    if (resources === 0) lines.push("no changes");
    for (const r of diff.added) lines.push(`+ ${r.type} ${r.name}`);
    for (const r of diff.removed) {
        lines.push(
            `- ${r.type} ${r.name}${r.retainOnDelete ? "  (retained: leaves the stack, stays in Azure/the cluster)" : ""}`,
        );
    }
    for (const r of diff.changed) {
        lines.push(`~ ${r.type} ${r.name}`);
        for (const f of r.fields) {
            if (f.before === undefined) lines.push(`    + ${f.path}: ${show(f.after)}`);
            else if (f.after === undefined) lines.push(`    - ${f.path}: ${show(f.before)}`);
            else if (f.after === "[secret] (new value)")
                lines.push(`    ~ ${f.path}: [secret] -> [secret] (new value)`);
            else lines.push(`    ~ ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
        }
    }
    for (const r of diff.restarts)
        lines.push(`restarts: ${r.kind} ${r.namespace}/${r.name} (${r.spc}: ${restartReason(r)})`);
    for (const b of diff.blockers) lines.push(`blocked: ${b.reason}; fix: ${b.fix}`);
    if (diff.migration) lines.push(`migration: ${diff.migration}`);
    for (const c of diff.consumers ?? []) lines.push(`consumer: ${c}`);
    for (const w of diff.warnings) lines.push(...wrapProse(w, TEXT_WIDTH, "warning: ", "  "));
    if (resources > 0)
        lines.push(`${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
    return lines.join("\n") + "\n";
}

/**
 * A file's text at a git revision, or undefined when it did not exist there. Any other failure
 * (not a revision, not a repository, git missing, a path outside the repository) throws with
 * git's own message, control characters made visible.
 */
export function readAtRevision(repoDir: string, revision: string, relativePath: string): string | undefined {
    const visible = (text: string) =>
        text
            // eslint-disable-next-line no-control-regex
            .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)
            .trim();
    const gitError = (e: unknown) => {
        const err = e as { code?: string; stderr?: Buffer | string; message?: string };
        if (err.code === "ENOENT") return "git is not installed (or not on PATH)";
        const stderr = err.stderr === undefined ? "" : String(err.stderr);
        return visible(stderr || err.message || String(e));
    };
    // A revision is never an option: `--output=...` must not reach git as one.
    if (revision === "" || revision.startsWith("-"))
        throw new Error(`--against ${JSON.stringify(visible(revision))}: not a git revision`);
    try {
        execFileSync("git", ["rev-parse", "--verify", "--end-of-options", `${revision}^{commit}`], {
            cwd: repoDir,
            stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (e) {
        // rev-parse only says "Needed a single revision"; log names the problem ("bad revision 'x'").
        let said = gitError(e);
        try {
            execFileSync("git", ["log", "-1", "--format=%H", "--end-of-options", revision, "--"], {
                cwd: repoDir,
                stdio: ["ignore", "pipe", "pipe"],
            });
            said = `${said} (it names no commit)`;
        } catch (detail) {
            said = gitError(detail);
        }
        throw new Error(
            `--against ${JSON.stringify(visible(revision))}: not a git revision of ${repoDir}: git says: ${said}`,
        );
    }
    let bytes: Buffer;
    try {
        bytes = execFileSync("git", ["show", `${revision}:${relativePath}`], {
            cwd: repoDir,
            stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (e) {
        const message = gitError(e);
        // The file is new since that revision: everything in it is an addition.
        if (/does not exist in|exists on disk, but not in/.test(message)) return undefined;
        throw new Error(
            `--against ${JSON.stringify(visible(revision))}: cannot read ${relativePath} there: git says: ${message}`,
        );
    }
    // As today's files: UTF-8 or refused (a lenient decoding would turn bad bytes into U+FFFD).
    const text = decodeUtf8(bytes);
    if (text === undefined)
        throw new Error(
            `--against ${JSON.stringify(visible(revision))}: ${relativePath.replace(/^\.\//, "")} there ${NOT_UTF8}`,
        );
    return text;
}

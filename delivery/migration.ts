import * as pulumi from "@pulumi/pulumi";
import type { SecretSyncModel } from "../model/secretSync";
import type { ProgramInputs } from "../stacks/load";
import type { StackModel } from "../model/stack";
import { INIT_DEFAULTS, settingsOf } from "../stacks/settings";
import { csiDriverFlow } from "./csiDriver/flow";
import { secretSyncFlow } from "./secretSync/flow";
import type { ArcFacts } from "./secretSync/preflight";
import type { DeliveryFlow, VaultReader } from "./types";

/**
 * Step 3 of the move from CSI delivery to secret sync (`aio-secrets:migration: both`,
 * stacks/migration.ts): both modes side by side. The CSI side is declared as in csiDriver mode
 * (same names, so nothing of it changes) and marked retainOnDelete; secret sync's side is added,
 * without the SecretSyncs whose Kubernetes Secret the CSI side writes.
 */

/** The Kubernetes Secrets the CSI side writes: `aio-akv-sp` and the CA's key pair. */
export function csiSecretNames(model: Pick<StackModel, "ca">): string[] {
    return [INIT_DEFAULTS.spSecretName, ...(model.ca ? [model.ca.secretName] : [])];
}

/**
 * Secret sync's model without the SecretSyncs of `taken` Secrets (and the vault objects only
 * they map): the Secret Store controller does not take over a Secret it did not create.
 */
export function withoutSecrets(
    sync: SecretSyncModel,
    taken: readonly string[],
): { model: SecretSyncModel; held: string[] } {
    const syncs = sync.syncs.filter((s) => !taken.includes(s.name));
    const mapped = new Set(syncs.flatMap((s) => s.mappings.map((m) => m.sourcePath)));
    return {
        model: { objects: sync.objects.filter((o) => mapped.has(o.objectName)), syncs },
        held: sync.syncs.filter((s) => taken.includes(s.name)).map((s) => s.name),
    };
}

/** Both delivery modes side by side: the CSI side kept as it is, secret sync's added. */
export function bothFlow(inputs: ProgramInputs, model: StackModel, arc: ArcFacts): DeliveryFlow {
    const settings = settingsOf(inputs.settings, "secretSync");
    // settings.ts sets the CSI side exactly when migration is both.
    if (!settings.csiSide)
        throw new Error("internal error: aio-secrets:migration: both without the CSI side's settings");
    const { model: sync, held } = withoutSecrets(model.sync ?? { objects: [], syncs: [] }, csiSecretNames(model));
    const csi = csiDriverFlow({ ...inputs, settings: settings.csiSide }, model, { retain: true });
    // The CA stays the CSI side's until the last step (settings.ts resolves it by CSI rules here).
    const secretSync = secretSyncFlow(
        { ...inputs, settings: { ...settings, ca: { mode: "none" } } },
        { ...model, sync },
        arc,
    );
    return {
        reader(owners, vault) {
            // The CSI driver's grants change their name (aliases keep them) so that secret sync's
            // identity can take `reader` in step 4 the same way: no grant is ever re-created.
            const first = csi.reader(owners, vault);
            const second = secretSync.reader(owners, vault);
            const asCsi = (r: VaultReader): VaultReader => ({
                ...r,
                part: "csi-reader",
                aliasParts: ["reader"],
                retainOnDelete: true,
            });
            return {
                readers: [
                    asCsi(first.readers[0]),
                    ...first.readers.slice(1).map(asCsi),
                    ...second.readers.map((r) => ({ ...r, part: "sync-reader", aliasParts: [] })),
                ],
                cluster(azure) {
                    if (held.length > 0) {
                        void pulumi.log.warn(
                            `${settings.file}: aio-secrets:migration: both: the SecretSync of ${held.join(", ")} waits for the last step: the CSI side writes that Secret, ` +
                                `and the Secret Store controller does not take over a Secret it did not create (docs/secret-sync.md, "Move a stack from CSI to secret sync")`,
                        );
                    }
                    // The CSI side's outputs win where both have one (namespace, the CA): it is what runs.
                    return { ...second.cluster(azure), ...first.cluster(azure), secretSyncsHeldBack: held };
                },
            };
        },
    };
}

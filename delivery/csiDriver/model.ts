import { budgetWarning, readBudget } from "../../model/budget";
import type { ModeModel } from "../../model/stack";
import { durationSeconds } from "../../stacks/rules";
import { settingsOf } from "../../stacks/settings";

/**
 * The CSI driver's part of the model: the cluster reads the entries mounted by an SPC, and with
 * rotation on every pod that mounts an SPC reads each of its objects once per poll interval.
 */
export const csiDriverModel: ModeModel = {
    delivered: (enabled) => enabled.filter((s) => s.spcs.length > 0),
    budget(settings, model) {
        const csi = settingsOf(settings, "csiDriver").cluster.csiDriver;
        const budget = readBudget(model.spcs, durationSeconds(csi.rotationPollInterval), csi.enableSecretRotation);
        return { budget, warning: budgetWarning(budget, csi.rotationPollInterval) };
    },
};

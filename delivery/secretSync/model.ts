import { budgetWarning, SYNC_REMEDY, syncReadBudget } from "../../model/budget";
import { checkConsumers } from "../../model/consumers";
import { secretSyncModel } from "../../model/secretSync";
import { withCaSync, type ModeModel } from "../../model/stack";
import { settingsOf } from "../../stacks/settings";

/**
 * Secret sync's part of the model: the cluster reads the synced entries (and your own CA's two
 * vault secrets), through one SPC whose objects the Secret Store extension reads once per
 * interval, whatever the number of pods.
 */
export const secretSyncModeModel: ModeModel = {
    delivered: (enabled) => enabled.filter((s) => s.sync !== undefined),
    sync: (inputs) => withCaSync(secretSyncModel(inputs.enabled, inputs.catalog.syncSecrets), inputs.settings.ca),
    budget(settings, model) {
        const sync = settingsOf(settings, "secretSync").secretSync;
        const interval = sync.extension.rotationPollIntervalInSeconds;
        const budget = syncReadBudget(sync.spcName, model.sync?.objects ?? [], interval);
        return { budget, warning: budgetWarning(budget, `${interval}s`, SYNC_REMEDY) };
    },
    consumers: (inputs) => checkConsumers(inputs.catalog, inputs.enabled, inputs.settings.environment),
};

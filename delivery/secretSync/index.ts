import * as pulumi from "@pulumi/pulumi";
import { settingsOf } from "../../stacks/settings";
import { bothFlow } from "../migration";
import { checkNoOneStepSwitch } from "../preflight";
import type { DeliveryModule } from "../types";
import { secretSyncFlow } from "./flow";
import { secretSyncModeModel } from "./model";
import { readArcFacts } from "./preflight";

/**
 * AIO GA's flow (`aio-secrets:delivery: secretSync`): a federated managed identity, the Secret
 * Store extension, the SPC and its SecretSyncs on the custom location. Its preflight reads the
 * Arc cluster's issuer and region, the custom location and the extension (./preflight.ts,
 * ./arcFacts.ts) before anything is declared. In step 3 of the staged move from CSI delivery
 * (`aio-secrets:migration: both`, delivery/migration.ts) the CSI side runs beside it.
 */
export const secretSync: DeliveryModule<"secretSync"> = {
    mode: "secretSync",
    model: secretSyncModeModel,
    async prepare(inputs, model) {
        const settings = settingsOf(inputs.settings, "secretSync");
        await checkNoOneStepSwitch(settings);
        const arc = await readArcFacts(settings, settings.secretSync);
        const flow = settings.migration === "both" ? bothFlow(inputs, model, arc) : secretSyncFlow(inputs, model, arc);
        for (const warning of arc.warnings) void pulumi.log.warn(warning);
        return flow;
    },
};

import type { DeliveryModule } from "../types";
import { csiDriverFlow } from "./flow";
import { csiDriverModel } from "./model";

/**
 * init's flow (`aio-secrets:delivery: csiDriver`, the default): a service principal, the
 * Secrets Store CSI driver extension, the SPCs and the MQ resources. Its settings section and
 * catalog checks are in ./settings.ts and ./catalog.ts, its model in ./model.ts, its
 * declarations in ./flow.ts. It reads nothing from Azure before declaring (beyond the shared
 * check of an existing vault, delivery/preflight.ts).
 */
export const csiDriver: DeliveryModule<"csiDriver"> = {
    mode: "csiDriver",
    model: csiDriverModel,
    prepare: (inputs, model) => csiDriverFlow(inputs, model),
};

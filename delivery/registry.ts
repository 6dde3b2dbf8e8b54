import type { DeliveryMode } from "../stacks/settings";
import { csiDriver } from "./csiDriver";
import { secretSync } from "./secretSync";
import type { DeliveryModule } from "./types";

/**
 * Every delivery mode, by its `aio-secrets:delivery` value: index.ts walks this and nothing else.
 * A third mode is one folder `delivery/<mode>/` and one line here (the type makes the line
 * required once the mode is in DELIVERY_MODES; test/layers.test.ts checks it at run time too).
 */
export const DELIVERY: { readonly [M in DeliveryMode]: DeliveryModule<M> } = {
    csiDriver,
    secretSync,
};

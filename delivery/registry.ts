import type { DeliveryMode } from "../stacks/settings";
import { csiDriver } from "./csiDriver";
import { secretSync } from "./secretSync";
import type { DeliveryModule } from "./types";

/**
 * Every delivery mode, by its `aio-secrets:delivery` value: index.ts walks this and nothing else.
 * A third mode is one folder `delivery/<mode>/`, one line in the parsing registry
 * (delivery/modes.ts, which defines the mode names) and one line here (the type makes the line
 * required once the mode is in delivery/modes.ts; test/registry.test.ts checks it at run time too).
 * This registry stays apart from delivery/modes.ts because it imports resource code.
 */
export const DELIVERY: { readonly [M in DeliveryMode]: DeliveryModule<M> } = {
    csiDriver,
    secretSync,
};

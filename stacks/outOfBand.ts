import { ConfigError, showValue } from "./errors";

/**
 * What happens to out-of-band entries (`aio-secrets:outOfBand`, issue 19): SPC objects and
 * SecretSync mappings that the CLI, the portal or a hand edit added beside the stack. The next
 * `up` PUTs each SPC and SecretSync whole, so it removes them. Read by the tools (`plan --live`,
 * `drift`), not the program: the program never sees the live state. Pure.
 *
 * - `fail`: `plan --live` refuses (exit 1) and names them, with the catalog entry that adopts each;
 * - `warn`: it says so by name as a warning;
 * - `remove`: it states by name that the next `up` removes them.
 *
 * Default by the stack's catalog environment: `fail` for prod, `warn` for any other.
 */

export const OUT_OF_BAND_MODES = ["fail", "warn", "remove"] as const;
export type OutOfBandMode = (typeof OUT_OF_BAND_MODES)[number];

/** The mode of a stack that does not set `aio-secrets:outOfBand`, by its environment. */
export const DEFAULT_OUT_OF_BAND: Readonly<Record<string, OutOfBandMode>> = { prod: "fail" };
/** The mode of an environment not in {@link DEFAULT_OUT_OF_BAND}. */
export const OTHER_OUT_OF_BAND: OutOfBandMode = "warn";

const RULE = `must be one of ${OUT_OF_BAND_MODES.join(", ")} (what the plan does when the next up would remove entries added beside the stack)`;

/** What is wrong with a value of `aio-secrets:outOfBand` (the settings schema's rule), or undefined. */
export function outOfBandRule(value: string): string | undefined {
    return (OUT_OF_BAND_MODES as readonly string[]).includes(value) ? undefined : RULE;
}

/**
 * A stack's mode: its resolved `aio-secrets:outOfBand` (undefined when unset), else the default of
 * its environment. Throws a ConfigError naming `file` and the key when the value is invalid.
 */
export function outOfBandOf(value: unknown, environment: string, file: string): OutOfBandMode {
    if (value === undefined)
        return Object.hasOwn(DEFAULT_OUT_OF_BAND, environment) ? DEFAULT_OUT_OF_BAND[environment] : OTHER_OUT_OF_BAND;
    if (typeof value === "string" && outOfBandRule(value) === undefined) return value as OutOfBandMode;
    throw new ConfigError([{ file, path: "aio-secrets:outOfBand", value: showValue(value), rule: RULE }]);
}

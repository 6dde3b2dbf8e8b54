import { ConfigError, showValue } from "./errors";

/**
 * Deployment rings (`aio-secrets:ring`, issue 21): the order in which a fleet rollout deploys
 * the stacks a change touches (`.github/workflows/deploy-fleet.yml`, docs/fleets.md). Pure.
 *
 * A ring is a whole number from 0 to `MAX_RING` (3); lower rings deploy first, and ring 0 is the
 * canary ring (`canary` is accepted as its name). The rollout workflow has one job per ring, so
 * the number of rings is fixed: 4 (canary, 1, 2, 3).
 *
 * Default by the stack's catalog environment: dev 0 (canary), staging 1, prod 2, any other
 * environment 3 (the last ring: what nothing says is early goes last). Set `aio-secrets:ring` in
 * a stack file, in `Pulumi.yaml`'s `config:` (every stack that does not set it) or in an ESC
 * environment a stack imports, like any other setting.
 */

/** The highest ring: the workflow has jobs for rings 0..MAX_RING. */
export const MAX_RING = 3;

/** The rings the workflow deploys, in order. */
export const RINGS: readonly number[] = Array.from({ length: MAX_RING + 1 }, (_, i) => i);

/** The name of ring 0 (accepted as a value of `aio-secrets:ring`). */
export const CANARY = "canary";

/** The ring of a stack that does not set `aio-secrets:ring`, by its catalog environment. */
export const DEFAULT_RINGS: Readonly<Record<string, number>> = { dev: 0, staging: 1, prod: 2 };

const RULE = `must be ${CANARY} or a whole number from 0 to ${MAX_RING} (lower rings deploy first; 0 is the canary ring)`;

/** What is wrong with a value of `aio-secrets:ring` (the settings schema's rule), or undefined. */
export function ringRule(value: string): string | undefined {
    return parseRing(value) === undefined ? RULE : undefined;
}

/** A ring value as config holds it (`canary`, `2`, or a YAML number), or undefined when invalid. */
function parseRing(value: unknown): number | undefined {
    if (value === CANARY) return 0;
    const text = typeof value === "number" ? String(value) : value;
    if (typeof text !== "string" || !/^[0-9]$/.test(text)) return undefined;
    const ring = Number(text);
    return ring <= MAX_RING ? ring : undefined;
}

/**
 * A stack's ring: its resolved `aio-secrets:ring` (undefined when unset), else the default of
 * its environment. Throws a ConfigError naming `file` and the key when the value is invalid.
 */
export function ringOf(value: unknown, environment: string, file: string): number {
    if (value === undefined) return Object.hasOwn(DEFAULT_RINGS, environment) ? DEFAULT_RINGS[environment] : MAX_RING;
    const ring = parseRing(value);
    if (ring === undefined)
        throw new ConfigError([{ file, path: "aio-secrets:ring", value: showValue(value), rule: RULE }]);
    return ring;
}

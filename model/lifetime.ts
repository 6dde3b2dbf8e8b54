/**
 * Vault secret attributes (issue 20), pure: Key Vault's `exp` and `nbf` are seconds since
 * 1970-01-01T00:00:00Z (azure-native keyvault `SecretAttributesArgs.expires` / `notBefore`,
 * ARM `attributes.exp` / `attributes.nbf`).
 */

const DAY_SECONDS = 24 * 60 * 60;

/** Epoch seconds of an RFC 3339 date or timestamp. */
function epochSeconds(rfc3339: string): number {
    const ms = Date.parse(rfc3339);
    if (Number.isNaN(ms)) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(rfc3339)}`);
    return Math.floor(ms / 1000);
}

/** `exp`: `days` after the value was written (`writtenAt`, RFC 3339). */
export function expiresEpoch(writtenAt: string, days: number): number {
    return epochSeconds(writtenAt) + days * DAY_SECONDS;
}

/** `nbf` of a catalog `notBefore`. */
export function notBeforeEpoch(notBefore: string): number {
    return epochSeconds(notBefore);
}

/**
 * Password lifetime arithmetic, pure. The password's end date is derived from the rotation
 * timestamp kept in state (never from the clock at run time), so it is identical on every
 * `pulumi up` until the rotation fires.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** `base + days`, as an RFC 3339 UTC timestamp. */
export function addDays(baseRfc3339: string, days: number): string {
    const base = Date.parse(baseRfc3339);
    if (Number.isNaN(base)) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(baseRfc3339)}`);
    return new Date(base + days * DAY_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Whole days from `now` until `endRfc3339` (negative once expired). */
export function daysUntil(endRfc3339: string, now: Date): number {
    return Math.floor((Date.parse(endRfc3339) - now.getTime()) / DAY_MS);
}

/** Safety margin the plan asks for between rotation and expiry. */
export const ROTATION_GRACE_DAYS = 30;

/**
 * A warning when the password could expire before (or too soon after) the rotation that
 * replaces it, counting the grace period that covers a missed scheduled run.
 */
export function rotationWarning(
    secretValidDays: number,
    rotationDays: number,
    graceDays: number = ROTATION_GRACE_DAYS,
): string | undefined {
    if (secretValidDays >= rotationDays + graceDays) return undefined;
    return (
        `service principal password lives ${secretValidDays} days but rotates every ${rotationDays}: ` +
        `less than the ${graceDays}-day grace that covers a missed scheduled \`pulumi up --refresh\`; ` +
        `raise servicePrincipal.secretValidDays to at least ${rotationDays + graceDays} or lower rotationDays`
    );
}

/**
 * Which of the two password slots holds the newest password: the one whose rotation base is
 * later (slot a on a tie). That password is the one written to `aio-akv-sp`.
 */
export function activeSlot(baseA: string, baseB: string): "a" | "b" {
    return Date.parse(baseB) > Date.parse(baseA) ? "b" : "a";
}

/** Longest client secret lifetime many tenants allow (Entra app management policies, the portal). */
export const COMMON_SECRET_LIFETIME_CAP_DAYS = 730;

/**
 * Slot b's first password is issued with the stack but its clock starts `rotationDays` later,
 * so it lives `rotationDays + secretValidDays`: a warning when that passes the common 2-year cap.
 */
export function firstSlotLifetimeWarning(secretValidDays: number, rotationDays: number): string | undefined {
    const days = rotationDays + secretValidDays;
    if (days <= COMMON_SECRET_LIFETIME_CAP_DAYS) return undefined;
    return (
        `the second password slot's first password lives rotationDays + secretValidDays = ${days} days; tenants that cap client secret ` +
        `lifetimes at ${COMMON_SECRET_LIFETIME_CAP_DAYS} days refuse it on the first up: keep servicePrincipal.rotationDays + secretValidDays at most ${COMMON_SECRET_LIFETIME_CAP_DAYS}`
    );
}

/**
 * A warning when both password slots' clocks are past due as this run reads them (nobody ran
 * `pulumi up --refresh` for longer than `rotationDays`): the next refresh reissues both slots
 * in one `up`. Their old passwords are retained (never deleted by the stack), so pods holding
 * the previous one keep working until its own end date.
 */
export function missedRotationWarning(dueA: string, dueB: string, now: Date, stack: string): string | undefined {
    const due = (at: string) => Date.parse(at) <= now.getTime();
    if (!due(dueA) || !due(dueB)) return undefined;
    return (
        `both service principal password slots are past due (slot a since ${dueA}, slot b since ${dueB}): a scheduled rotation was missed. ` +
        `The next \`pulumi up --refresh --stack ${stack}\` reissues both in one up; the old passwords are not deleted (the stack retains them), ` +
        `so pods keep working with the previous one until its end date. Run it now, and keep the schedule well under rotationDays`
    );
}

/**
 * A component's check of what its caller guarantees. Input a user can get wrong is validated
 * once, in the parsing layer (stacks/, delivery/<mode>/settings.ts), and reported as a Problem
 * with file and key path (stacks/errors.ts); a component only asserts that it was handed
 * validated data, and a failure here is a bug in the program, said so.
 */
export function invariant(condition: unknown, component: string, broken: string): asserts condition {
    if (!condition) throw new Error(`internal error: ${component}: ${broken}`);
}

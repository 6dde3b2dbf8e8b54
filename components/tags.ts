import { PROJECT, TAG_KEYS } from "../stacks/wellKnown";

/**
 * Tags and labels every resource of a stack carries, so that a vault object can be traced
 * back to the stack that owns it (Key Vault allows 15 tags per object; we use 3).
 */
export function ownershipTags(project: string, stack: string, environment: string): Record<string, string> {
    return {
        [TAG_KEYS.managedBy]: PROJECT,
        [TAG_KEYS.stack]: `${project}/${stack}`,
        [TAG_KEYS.environment]: environment,
    };
}

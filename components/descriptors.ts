import type { ComponentDescriptor, ResourceDescriptor } from "./descriptor";
import { vaultAccessDescriptor } from "./access/descriptor";
import { expiryAlertsDescriptor } from "./alerts/descriptor";
import { testCaDescriptor, vaultCaCsiDescriptor } from "./ca/descriptor";
import { clusterStoreDescriptor, csiDriverExtensionDescriptor } from "./cluster/descriptor";
import { servicePrincipalDescriptor, workloadIdentityDescriptor } from "./identity/descriptor";
import { keyVaultDescriptor } from "./keyvault/descriptor";
import { mqResourcesDescriptor } from "./mq/descriptor";
import { vaultSecretsDescriptor } from "./secrets/descriptor";
import {
    propagationWaitDescriptor,
    secretStoreExtensionDescriptor,
    secretSyncsDescriptor,
} from "./secretsync/descriptor";
import { secretProviderClassDescriptor } from "./spc/descriptor";

/**
 * Every component's descriptor (components/descriptor.ts): the one place tools/ and policy/
 * learn what the program declares. A new component adds its descriptor here. Pure.
 */
export const COMPONENT_DESCRIPTORS: readonly ComponentDescriptor[] = [
    keyVaultDescriptor,
    vaultAccessDescriptor,
    vaultSecretsDescriptor,
    servicePrincipalDescriptor,
    workloadIdentityDescriptor,
    clusterStoreDescriptor,
    csiDriverExtensionDescriptor,
    secretProviderClassDescriptor,
    secretSyncsDescriptor,
    secretStoreExtensionDescriptor,
    propagationWaitDescriptor,
    testCaDescriptor,
    vaultCaCsiDescriptor,
    mqResourcesDescriptor,
    expiryAlertsDescriptor,
];

/** A component's descriptor by its type token. */
export function componentDescriptor(type: string): ComponentDescriptor | undefined {
    return COMPONENT_DESCRIPTORS.find((d) => d.type === type);
}

/**
 * The descriptor of a resource type some component declares: by exact type first, then by a
 * component's pattern. Undefined for a type no component declares.
 */
export function resourceDescriptor(type: string): ResourceDescriptor | undefined {
    for (const component of COMPONENT_DESCRIPTORS) {
        if (Object.hasOwn(component.resources, type)) return component.resources[type];
    }
    for (const component of COMPONENT_DESCRIPTORS) {
        const found = component.patterns?.find((p) => p.match.test(type));
        if (found) return found.descriptor;
    }
    return undefined;
}

import type { ComponentDescriptor, ResourceDescriptor } from "../descriptor";

/** Microsoft Graph application permission an application's owner needs for all of it. */
const GRAPH_APPS = "Application.ReadWrite.OwnedBy";

/** `time:index/rotating:Rotating`: a clock that turns at `rotationDays` (password slots, the test CA). */
export const ROTATING: ResourceDescriptor = {
    rights: { kind: "local" },
    display: ["rotationDays"],
    fake: ({ inputs, clock, now }) => {
        const days = Number(inputs.rotationDays ?? 0) * 86400000;
        const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
        let base = typeof inputs.rfc3339 === "string" ? inputs.rfc3339 : clock;
        // Due by the time of this run: the refresh dropped it from state and the up made it anew, based now
        // (time_rotating's Read; a clock with a fixed rfc3339 input is left as it was).
        if (now !== undefined && typeof inputs.rfc3339 !== "string" && Date.parse(base) + days <= Date.parse(now))
            base = now;
        return { id: base, state: { ...inputs, rfc3339: base, rotationRfc3339: at(Date.parse(base) + days) } };
    },
};

/**
 * ServicePrincipal (ServicePrincipal.ts): the Entra application, its service principal and two rotating password slots.
 */
export const servicePrincipalDescriptor: ComponentDescriptor = {
    type: "aio-secrets:identity:ServicePrincipal",
    resources: {
        "azuread:index/application:Application": {
            rights: {
                kind: "graph",
                permission: GRAPH_APPS,
                why: "create the application (the deploying identity becomes an owner)",
            },
            display: ["displayName", "signInAudience"],
            fake: ({ name, inputs, guid }) => {
                const objectId = guid(`app-object-${name}`);
                return {
                    id: `/applications/${objectId}`,
                    state: { ...inputs, clientId: guid(`app-client-${name}`), objectId },
                };
            },
        },
        "azuread:index/servicePrincipal:ServicePrincipal": {
            rights: { kind: "graph", permission: GRAPH_APPS, why: "create the application's service principal" },
            display: ["clientId"],
            fake: ({ name, inputs, guid }) => ({
                id: guid(`sp-${name}`),
                state: { ...inputs, objectId: guid(`sp-${name}`) },
            }),
        },
        "azuread:index/applicationPassword:ApplicationPassword": {
            rights: {
                kind: "graph",
                permission: GRAPH_APPS,
                why: "add and remove the application's passwords (rotation)",
            },
            display: ["endDate", "rotateWhenChanged"],
            fake: ({ name, inputs, guid, secret }) => ({
                id: `${name}-id`,
                state: { ...inputs, keyId: guid(`key-${name}`), value: secret(`mock-password-value-${name}`) },
            }),
        },
        "time:index/rotating:Rotating": ROTATING,
    },
};

const IDENTITY_CONTRIBUTOR = "Managed Identity Contributor on the resource group";

/** WorkloadIdentity (WorkloadIdentity.ts): secret sync's user-assigned identity and its federated credentials. */
export const workloadIdentityDescriptor: ComponentDescriptor = {
    type: "aio-secrets:identity:WorkloadIdentity",
    resources: {
        "azure-native:managedidentity:UserAssignedIdentity": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.ManagedIdentity/userAssignedIdentities",
                        operations: ["read", "write"],
                        role: IDENTITY_CONTRIBUTOR,
                    },
                ],
            },
            display: ["resourceName", "resourceGroupName", "location"],
            fake: ({ name: resourceName, inputs, subscriptionId, guid }) => {
                const name = String(inputs.resourceName ?? resourceName);
                return {
                    id: `/subscriptions/${subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
                    state: {
                        ...inputs,
                        name,
                        clientId: guid(`uai-client-${name}`),
                        principalId: guid(`uai-principal-${name}`),
                    },
                };
            },
        },
        "azure-native:managedidentity:FederatedIdentityCredential": {
            rights: {
                kind: "azure",
                rights: [
                    {
                        resourceType: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
                        operations: ["read", "write"],
                        role: IDENTITY_CONTRIBUTOR,
                    },
                ],
            },
            display: ["federatedIdentityCredentialResourceName", "resourceName", "issuer", "subject", "audiences"],
        },
    },
};

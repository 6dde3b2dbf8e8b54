import type { ComponentDescriptor } from "../descriptor";

/**
 * MqResources (MqResources.ts): the catalog's Azure IoT Operations custom resources (any `*.iotoperations.azure.com`
 * kind).
 */
export const mqResourcesDescriptor: ComponentDescriptor = {
    type: "aio-secrets:mq:MqResources",
    resources: {},
    patterns: [
        {
            match: /^kubernetes:([a-z0-9-]+\.)*iotoperations\.azure\.com\/[a-z0-9]+:[A-Z][A-Za-z0-9]*$/,
            descriptor: { rights: { kind: "kubernetes" }, display: [] },
        },
    ],
};

import type { ComponentDescriptor, ResourceDescriptor } from "../descriptor";
import { KUBERNETES_SECRET } from "../cluster/descriptor";
import { ROTATING } from "../identity/descriptor";
import { SECRET_PROVIDER_CLASS, SPC_TYPE } from "../spc/descriptor";

/** `kubernetes:core/v1:ConfigMap` (the CA's trust bundle). */
const CONFIG_MAP: ResourceDescriptor = {
    rights: { kind: "kubernetes" },
    display: ["metadata.namespace", "metadata.name"],
};

/** TestCa (TestCa.ts): a self-signed CA made and renewed by the stack, as init's test CA. */
export const testCaDescriptor: ComponentDescriptor = {
    type: "aio-secrets:ca:TestCa",
    resources: {
        "time:index/rotating:Rotating": ROTATING,
        "tls:index/privateKey:PrivateKey": {
            rights: { kind: "local" },
            display: ["algorithm", "ecdsaCurve"],
            fake: ({ name, inputs, guid, pem, secret }) => ({
                id: guid(`tls-key-${name}`),
                state: {
                    ...inputs,
                    privateKeyPem: secret(pem("EC PRIVATE KEY", `key-${name}`, 121)),
                    publicKeyPem: pem("PUBLIC KEY", `pub-${name}`, 91),
                },
            }),
        },
        "tls:index/selfSignedCert:SelfSignedCert": {
            rights: { kind: "local" },
            display: [
                "subject.commonName",
                "isCaCertificate",
                "allowedUses",
                "validityPeriodHours",
                "earlyRenewalHours",
            ],
            fake: ({ name, inputs, clock, pem, sha256 }) => {
                // Issued at the fake cloud's "now", valid validityPeriodHours.
                const end = new Date(Date.parse(clock) + Number(inputs.validityPeriodHours ?? 0) * 3600000)
                    .toISOString()
                    .replace(/\.\d{3}Z$/, "Z");
                const state = {
                    ...inputs,
                    certPem: pem("CERTIFICATE", `cert-${name}`, 420),
                    validityStartTime: clock,
                    validityEndTime: end,
                    readyForRenewal: false,
                };
                return { id: BigInt(`0x${sha256(name).toString("hex").slice(0, 32)}`).toString(), state };
            },
        },
        "kubernetes:core/v1:Secret": KUBERNETES_SECRET,
        "kubernetes:core/v1:ConfigMap": CONFIG_MAP,
    },
};

/** VaultCaCsi (VaultCaCsi.ts): your own CA from the vault, synced into a Secret by a small CSI-mounting Deployment. */
export const vaultCaCsiDescriptor: ComponentDescriptor = {
    type: "aio-secrets:ca:VaultCaCsi",
    resources: {
        [SPC_TYPE]: SECRET_PROVIDER_CLASS,
        "kubernetes:apps/v1:Deployment": {
            rights: { kind: "kubernetes" },
            display: ["metadata.namespace", "metadata.name"],
        },
        "kubernetes:core/v1:ConfigMap": CONFIG_MAP,
    },
};

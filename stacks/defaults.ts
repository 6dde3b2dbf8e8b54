/**
 * The defaults of the stack settings, once: what `az iot ops init` and `az iot ops secretsync
 * enable` set up, and the config namespace (the delivery modes: delivery/modes.ts). A leaf module (it imports only
 * the well-known names, stacks/wellKnown.ts), so that the settings sections of the delivery modes
 * (delivery/<mode>/settings.ts)
 * and stacks/settings.ts share them without an import cycle.
 */

import { AIO_NAMESPACE, CSI_CREDENTIAL_SECRET, PROJECT } from "./wellKnown";

export const CONFIG_NAMESPACE = PROJECT;

/** Defaults that reproduce what `az iot ops init` did. */
export const INIT_DEFAULTS = {
    namespace: AIO_NAMESPACE,
    defaultSecretName: AIO_NAMESPACE,
    extensionName: "akvsecretsprovider",
    extensionType: "microsoft.azurekeyvaultsecretsprovider",
    csiDriverVersion: "1.5.3",
    rotationPollInterval: "1h",
    secretValidDays: 365,
    spSecretName: CSI_CREDENTIAL_SECRET,
} as const;

/**
 * What `az iot ops init` + `az iot ops secretsync enable` (GA) set up, from the CLI source and
 * microsoft/edge-ai (see test/fixtures/az-iot-ops-secretsync/README.md).
 */
export const SECRET_SYNC_DEFAULTS = {
    /** The Secret Store's service account: hard-coded in the CLI, undocumented. */
    serviceAccount: "aio-ssc-sa",
    audience: "api://AzureADTokenExchange",
    extensionName: "azure-secret-store",
    extensionType: "microsoft.azure.secretstore",
    version: "1.5.1",
    releaseTrain: "stable",
    rotationPollIntervalInSeconds: 120,
    /**
     * How long the stack waits after the identity's grants and federated credential, before the
     * SecretSyncs: Key Vault RBAC and a new credential take minutes to propagate, and a sync that
     * fails meanwhile backs off for up to ~1000 s.
     */
    propagationWait: "5m",
    /** The AIO instance API version that has `defaultSecretProviderClassRef`. */
    instanceApiVersion: "2025-07-01-preview",
} as const;

/**
 * The vault's network, private endpoint and diagnostics as the components take them: the validated settings
 * (stacks/vaultSecurity.ts), and the two facts a component needs about them. Pure.
 */
export type {
    DiagnosticsSettings as VaultDiagnostics,
    PrivateEndpointSettings as VaultPrivateEndpoint,
    VaultNetworkSettings as VaultNetwork,
} from "../stacks/vaultSecurity";
export { normalizedIpRule, openToAllNetworks, OPEN_NETWORK_REASON_TAG } from "../stacks/vaultSecurity";

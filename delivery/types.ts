import type * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import type { RoleKey } from "../model/permissions";
import type { VaultAccess } from "../components/access/VaultAccess";
import type { KeyVault } from "../components/keyvault/KeyVault";
import type { VaultSecrets } from "../components/secrets/VaultSecrets";

/** The principal the cluster reads the vault with, as the vault access grants it. */
export interface VaultReader {
    /** Object (principal) id. */
    objectId: pulumi.Input<string>;
    /** RBAC roles; default the CSI driver's. */
    roles?: readonly RoleKey[];
    /** Child name part of its role assignments (`access-<part>-<role>`); default `reader`. */
    part?: string;
    /** Earlier name parts of the same role assignments, kept by aliases; default: the other mode's (see index.ts). */
    aliasParts?: readonly string[];
    /** Keep its role assignments in Azure when they leave the stack; default: as the vault access. */
    retainOnDelete?: boolean;
}

/** What the shared part declares before the delivery mode's cluster side. */
export interface VaultSide {
    vault: KeyVault;
    access: VaultAccess;
    secrets: VaultSecrets;
    deployer: pulumi.Output<authorization.GetClientConfigResult>;
    tags: Record<string, string>;
}

/**
 * A delivery mode: how the cluster gets the vault's secrets. The program declares the vault,
 * then the mode's reader, then vault access and secrets (shared), then the mode's cluster side.
 */
export interface DeliveryFlow {
    /**
     * Declares the reading principal (called once, between the vault and its access); two while
     * both modes run side by side (a staged migration), the first one the main reader. `vault`
     * for what it must wait for (a created resource group).
     */
    reader(owners: pulumi.Input<string>[], vault: KeyVault): VaultReader | VaultReader[];
    /** Declares the cluster side; returns the mode's stack outputs. */
    cluster(azure: VaultSide): Record<string, unknown>;
}

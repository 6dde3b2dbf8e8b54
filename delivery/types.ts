import type * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import type { RoleKey } from "../model/permissions";
import type { ModeModel, StackModel } from "../model/stack";
import type { VaultAccess } from "../components/access/VaultAccess";
import type { KeyVault } from "../components/keyvault/KeyVault";
import type { VaultSecrets } from "../components/secrets/VaultSecrets";
import type { ProgramInputs } from "../stacks/load";
import type { DeliveryMode } from "../stacks/settings";

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
 * What declaring the reader gives: the principals to grant, and the cluster step. The cluster
 * step exists only as part of this result, so the order "reader, then vault access and secrets,
 * then the cluster side" is a type: there is no way to reach `cluster` before `reader` ran.
 */
export interface ReaderStep {
    /** The reading principals, the main one first; two while both modes run side by side (a staged migration). */
    readers: [VaultReader, ...VaultReader[]];
    /** Declares the cluster side (after vault access and secrets); returns the mode's stack outputs. */
    cluster(azure: VaultSide): Record<string, unknown>;
}

/**
 * A delivery mode's declarations: how the cluster gets the vault's secrets. The program declares
 * the vault, then the mode's reader, then vault access and secrets (shared), then the mode's
 * cluster side.
 */
export interface DeliveryFlow {
    /**
     * Declares the reading principal (called once, between the vault and its access). `vault`
     * for what it must wait for (a created resource group).
     */
    reader(owners: pulumi.Input<string>[], vault: KeyVault): ReaderStep;
}

/**
 * A delivery mode, as the program walks it (delivery/registry.ts): one folder
 * `delivery/<mode>/` with its settings section and catalog checks (delivery/modes.ts, read by
 * the parsing layer), its part of the model (usage, syncs, budget), its preflight (Azure reads
 * before anything is declared) and its declarations.
 */
export interface DeliveryModule<M extends DeliveryMode = DeliveryMode> {
    /** The `aio-secrets:delivery` value this module serves (its key in delivery/registry.ts). */
    mode: M;
    /** What the mode adds to the model, built once by model/stack.ts buildModel. */
    model: ModeModel;
    /**
     * Reads what only Azure knows (throwing the settings error before anything is declared),
     * then returns the mode's declarations. Declares nothing itself. A mode that reads nothing
     * returns the flow itself, not a promise: resources then register in the same order as
     * without the read (the plans compare that order).
     */
    prepare(inputs: ProgramInputs, model: StackModel): DeliveryFlow | Promise<DeliveryFlow>;
}

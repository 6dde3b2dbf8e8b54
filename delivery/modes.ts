import type { z } from "zod";
import type { Catalog, CatalogSecret } from "../stacks/catalog";
import type { Problem } from "../stacks/errors";
import type { CommonStackSettings, RawStackConfig } from "../stacks/settings";
import { csiDriverCatalogCheck } from "./csiDriver/catalog";
import { csiDriverModeWarnings, CsiDriverStackSettings, servicePrincipalSchema } from "./csiDriver/settings";
import { secretSyncCatalogCheck } from "./secretSync/catalog";
import { secretSyncRules, secretSyncSchema, SecretSyncSettings, SecretSyncStackSettings } from "./secretSync/settings";

/**
 * The delivery modes as the parsing layer sees them: one entry per `aio-secrets:delivery` value,
 * built from each mode folder's pure `settings.ts` and `catalog.ts` only (test/layers.test.ts).
 * stacks/ takes everything mode-specific from here: the mode names (`DELIVERY_MODES`), the
 * settings keys of each mode's section (`settingsShape`), the `StackSettings` union, the mode's
 * rules, how its settings are assembled, its catalog checks, and the facts other parsing code
 * asks about a mode (a Kubernetes provider, the CA's defaults, the reader's alias part). The
 * program's registry (delivery/registry.ts) holds the runtime side (model, preflight,
 * declarations), since that imports resource code. A third mode is one folder and one line in
 * each registry.
 */

/** What a mode's rules read: the decoded input and the parsed common sections. */
export interface ModeRulesContext {
    raw: RawStackConfig;
    /** The settings file, for messages. */
    file: string;
    /** The decoded `aio-secrets:*` input, before the schemas. */
    input: Record<string, unknown>;
    /** The parsed `keyVault` section; undefined when it did not parse. */
    keyVault?: { name: string; resourceGroupName: string; existing: boolean; permissionModel: string };
    /** `aio-secrets:migration`, parsed; undefined when not set. */
    migration?: string;
    /** The parsed top-level sections by key (the mode's own among them); one that did not parse is absent. */
    sections: Readonly<Record<string, unknown>>;
    /** The parsed `cluster` section (defaults when absent); undefined when it did not parse. */
    cluster?: { arcClusterName?: string; arcResourceGroupName?: string };
}

/** One delivery mode's parsing side. `S`: its member of the `StackSettings` union; `R`: what its rules resolve. */
export interface ModeParsing<S extends CommonStackSettings & { delivery: string }, R> {
    /**
     * The mode's own top-level settings keys and their schemas (joined into `settingsShape`;
     * each a map of keys). Every section is optional at the top level: a mode's rules say
     * when its section is required.
     */
    sections: Readonly<Record<string, z.ZodType>>;
    /**
     * Whether the stack runs the CSI side (service principal and CSI driver, `csiSideRules`)
     * in this mode; the CSI side also runs beside another mode in step 3 of the migration
     * (`migration: both`).
     */
    csiSide: boolean;
    /**
     * Whether a stack of this mode deploys through a Kubernetes provider (init's test CA, the
     * CA's ConfigMap): false means Azure Resource Manager only, and the CA defaults to `none`
     * and to the names AIO GA reads (stacks/ca.ts).
     */
    kubernetesProvider: boolean;
    /** Whether the mode writes the Kubernetes Secrets the catalog's `sync` entries name (those names are taken). */
    syncsSecrets: boolean;
    /** The child name part of the reader's role assignments in this mode (`access-<part>-<role>`), for aliases. */
    readerAliasPart: string;
    /**
     * Who reads the vault's data plane from the cluster, and how, for the network lock-out warnings
     * (stacks/vaultSecurity.ts; docs/vault-security.md, "What reaches the vault").
     */
    vaultReader: string;
    /** The mode's cross-field rules; `resolved` whenever they found no problem. */
    rules(ctx: ModeRulesContext): { problems: Problem[]; warnings: string[]; resolved?: R };
    /**
     * The stack settings of this mode from the common ones, what the rules resolved and the CSI
     * side (when it ran); undefined when something needed is missing (a problem was reported).
     */
    assemble(
        common: CommonStackSettings,
        resolved: R | undefined,
        csi: CsiDriverStackSettings | undefined,
    ): S | undefined;
    /** What the catalog means for a stack of this mode (delivery/<mode>/catalog.ts). */
    catalogCheck(
        settings: S,
        catalog: Catalog,
        enabled: readonly CatalogSecret[],
    ): { problems: Problem[]; warnings: string[] };
    /** Whether a stack of this mode creates an Entra app registration (its deployers own it). */
    createsApp(settings: S): boolean;
}

const csiDriver = {
    sections: { servicePrincipal: servicePrincipalSchema.default(() => servicePrincipalSchema.parse({})) },
    csiSide: true,
    kubernetesProvider: true,
    syncsSecrets: false,
    readerAliasPart: "csi-reader",
    vaultReader:
        "the CSI driver's Azure provider on the cluster signs in as the service principal and reads the vault's data plane from the cluster's egress address at every mount and rotation poll",
    rules: ({ file, input }) => ({ problems: [], warnings: csiDriverModeWarnings(file, input) }),
    assemble: (_common, _resolved, csi) => csi,
    catalogCheck: csiDriverCatalogCheck,
    createsApp: (settings) => settings.servicePrincipal.mode === "create",
} satisfies ModeParsing<CsiDriverStackSettings, undefined>;

const secretSync = {
    sections: { secretSync: secretSyncSchema.optional() },
    csiSide: false,
    kubernetesProvider: false,
    syncsSecrets: true,
    readerAliasPart: "sync-reader",
    vaultReader:
        "the Secret Store extension on the cluster exchanges its service account token for the managed identity's and reads the vault's data plane from the cluster's egress address at every sync and rotation poll",
    rules: (ctx) => {
        const { secretSync: resolved, ...rest } = secretSyncRules({
            raw: ctx.raw,
            file: ctx.file,
            input: ctx.input,
            keyVault: ctx.keyVault,
            migration: ctx.migration,
            section: ctx.sections.secretSync as z.infer<typeof secretSyncSchema> | undefined,
            cluster: ctx.cluster,
        });
        return { ...rest, resolved };
    },
    assemble: (common, resolved, csi) =>
        resolved && { ...common, delivery: "secretSync", secretSync: resolved, ...(csi ? { csiSide: csi } : {}) },
    catalogCheck: secretSyncCatalogCheck,
    createsApp: () => false,
} satisfies ModeParsing<SecretSyncStackSettings, SecretSyncSettings>;

/** Every delivery mode's parsing side, by its `aio-secrets:delivery` value; the first is the default. */
export const MODES = { csiDriver, secretSync };

/** How the cluster gets the vault's secrets: the keys of {@link MODES}. */
export type DeliveryMode = keyof typeof MODES;

/** The `aio-secrets:delivery` values, in registry order (the first is the default). */
export const DELIVERY_MODES = Object.keys(MODES) as [DeliveryMode, ...DeliveryMode[]];

/** `aio-secrets:delivery` when not set: init's flow, the first mode of the registry. */
export const DEFAULT_DELIVERY: DeliveryMode = DELIVERY_MODES[0];

/** A mode's member of the `StackSettings` union, as its registry entry declares it. */
export type ModeSettings<M extends DeliveryMode> = Parameters<(typeof MODES)[M]["catalogCheck"]>[0];

/** The modes whose settings member's `delivery` is not their own key (none: the compiler checks below). */
type MisKeyed = { [M in DeliveryMode]: ModeSettings<M>["delivery"] extends M ? never : M }[DeliveryMode];
const everyMemberIsKeyed: [MisKeyed] extends [never] ? true : MisKeyed = true;
void everyMemberIsKeyed;

/** A mode's parsing side, typed by the mode (for dispatch over a union of modes). */
type ParsingOf<M extends DeliveryMode> = ModeParsing<
    ModeSettings<M>,
    Exclude<Parameters<(typeof MODES)[M]["assemble"]>[1], undefined>
>;

/** The registry entry of mode `mode`, typed by it. */
export function modeParsing<M extends DeliveryMode>(mode: M): ParsingOf<M> {
    const table: { readonly [K in DeliveryMode]: ParsingOf<K> } = MODES;
    return table[mode];
}

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The mode sections of every mode, by settings key. */
export type ModeSections = Intersection<(typeof MODES)[DeliveryMode]["sections"]>;

/**
 * Runs mode `mode`'s rules; `assemble` then builds its stack settings from the common ones and
 * the CSI side (undefined when the rules found a problem or something needed is missing).
 */
export function runModeRules<M extends DeliveryMode>(
    mode: M,
    ctx: ModeRulesContext,
): {
    problems: Problem[];
    warnings: string[];
    assemble(common: CommonStackSettings, csi: CsiDriverStackSettings | undefined): ModeSettings<M> | undefined;
} {
    const entry = modeParsing(mode);
    const { problems, warnings, resolved } = entry.rules(ctx);
    return { problems, warnings, assemble: (common, csi) => entry.assemble(common, resolved, csi) };
}

/**
 * What the catalog means for this stack's delivery mode: its registry entry's check
 * (delivery/<mode>/catalog.ts).
 */
export function modeCatalogCheck<M extends DeliveryMode>(
    settings: ModeSettings<M> & { delivery: M },
    catalog: Catalog,
    enabled: readonly CatalogSecret[],
): { problems: Problem[]; warnings: string[] } {
    return modeParsing(settings.delivery).catalogCheck(settings, catalog, enabled);
}

/** Whether the stack creates an Entra app registration (its deployers own it): its mode's fact. */
export function createsApp<M extends DeliveryMode>(settings: ModeSettings<M> & { delivery: M }): boolean {
    return modeParsing(settings.delivery).createsApp(settings);
}

/** Every mode's own top-level settings sections, by key (the `settingsShape` entries of the modes). */
export const MODE_SECTIONS = Object.assign({}, ...DELIVERY_MODES.map((m) => MODES[m].sections)) as ModeSections;

import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as time from "@pulumiverse/time";
import { activeSlot, addDays } from "../../model/expiry";
import { invariant } from "../invariant";

/** Create an app registration (single tenant), its service principal and two rotating passwords. */
export interface CreatedServicePrincipalArgs {
    /** Create the app registration, its service principal and the passwords. */
    mode: "create";
    /** App registration display name. Required (settings default: `aio-secrets-<project>-<stack>`). */
    displayName: string;
    /**
     * Object ids (users or service principals; Entra refuses groups) that own the app and SP;
     * default: none. Give the deploying principals so they can rotate the password.
     */
    owners?: pulumi.Input<pulumi.Input<string>[]>;
    /** Lifetime of each password in days. Required (settings default 365, as init). */
    secretValidDays: number;
    /** Days between rotations; at most `secretValidDays - overlapDays`. Required (settings default 180). */
    rotationDays: number;
    /**
     * Clients of the old password must keep working this many days after the switch; at most `rotationDays`. Required
     * (settings default 7).
     */
    overlapDays: number;
}

/** Bring your own: the given credentials are used and nothing is created in Entra ID. */
export interface ExistingServicePrincipalArgs {
    /** Use the given credentials; nothing is created in Entra ID. */
    mode: "existing";
    /** Client (application) id. Required. */
    clientId: pulumi.Input<string>;
    /** Service principal object id. Required. */
    objectId: pulumi.Input<string>;
    /** Client secret; must be a Pulumi secret. Required. */
    clientSecret: pulumi.Input<string>;
}

/**
 * `create`: an app registration, its service principal and two rotating passwords. `existing`:
 * the given credentials. The defaults live in the settings (delivery/csiDriver/settings.ts).
 */
export type ServicePrincipalArgs = CreatedServicePrincipalArgs | ExistingServicePrincipalArgs;

/** The two password slots. */
const SLOTS = ["a", "b"] as const;

/**
 * The identity the Secrets Store CSI driver uses to read the vault, as `az iot ops init`
 * made it: an app registration with a service principal and a client secret.
 *
 * Rotation keeps the old password valid for an overlap: two password slots alternate. Each
 * slot is reissued every `2 * rotationDays` (a `time:Rotating` trigger kept in state, fired by
 * `pulumi up --refresh`), slot b half a period after slot a, so every `rotationDays` one slot
 * gets a new password and becomes the active one (written to `aio-akv-sp`), while the other
 * slot's password stays valid until that slot's next turn, `rotationDays` later. Nothing is
 * deleted in the `up` that switches, so pods still holding the old password keep mounting
 * while Entra replicates the new one and the CSI driver picks it up.
 */
export class ServicePrincipal extends pulumi.ComponentResource {
    /** Application (client) id. */
    readonly clientId: pulumi.Output<string>;
    /** Service principal object id, the principal the vault grants access to. */
    readonly objectId: pulumi.Output<string>;
    /** Client secret of the active password, always a Pulumi secret. */
    readonly clientSecret: pulumi.Output<string>;
    /** When the active password expires (RFC 3339); undefined for bring-your-own. */
    readonly passwordExpiresAt: pulumi.Output<string | undefined>;
    /** When the previous (still valid) password expires (RFC 3339); undefined for bring-your-own. */
    readonly previousPasswordExpiresAt: pulumi.Output<string | undefined>;
    /** When the next rotation is due (RFC 3339); undefined for bring-your-own. */
    readonly rotationDueAt: pulumi.Output<string | undefined>;
    /** When each slot's clock is due (RFC 3339), as this run reads them; undefined for bring-your-own. */
    readonly slotRotationDueAt: pulumi.Output<{ a: string; b: string } | undefined>;

    constructor(name: string, args: ServicePrincipalArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:identity:ServicePrincipal", name, {}, opts);

        if (args.mode === "existing") {
            this.clientId = pulumi.output(args.clientId);
            this.objectId = pulumi.output(args.objectId);
            this.clientSecret = pulumi.secret(args.clientSecret);
            this.passwordExpiresAt = pulumi.output(undefined);
            this.previousPasswordExpiresAt = pulumi.output(undefined);
            this.rotationDueAt = pulumi.output(undefined);
            this.slotRotationDueAt = pulumi.output(undefined);
        } else {
            const { secretValidDays: validDays, rotationDays, overlapDays } = args;
            // Validated by passwordOverlapProblem (delivery/csiDriver/settings.ts).
            invariant(
                overlapDays <= rotationDays && rotationDays + overlapDays <= validDays,
                name,
                "overlapDays <= rotationDays and rotationDays + overlapDays <= secretValidDays must hold",
            );
            const app = new azuread.Application(
                `${name}-app`,
                { displayName: args.displayName, signInAudience: "AzureADMyOrg", owners: args.owners },
                { parent: this },
            );
            const sp = new azuread.ServicePrincipal(
                `${name}-sp`,
                { clientId: app.clientId, owners: args.owners },
                { parent: this },
            );
            // Rotation clocks kept in state: each moves only when `up --refresh` finds it due.
            // Slot b's base is half a period after slot a's, set once (later changes of slot a's
            // base are ignored: slot b keeps its own rhythm).
            const rotationA = new time.Rotating(
                `${name}-rotation-a`,
                { rotationDays: 2 * rotationDays },
                { parent: this, aliases: [{ name: `${name}-rotation` }] },
            );
            const rotationB = new time.Rotating(
                `${name}-rotation-b`,
                {
                    rfc3339: rotationA.rfc3339.apply((base) => addDays(base, rotationDays)),
                    rotationDays: 2 * rotationDays,
                },
                { parent: this, ignoreChanges: ["rfc3339"] },
            );
            const rotations = { a: rotationA, b: rotationB };
            const passwords = {} as Record<(typeof SLOTS)[number], azuread.ApplicationPassword>;
            for (const slot of SLOTS) {
                const rotation = rotations[slot];
                passwords[slot] = new azuread.ApplicationPassword(
                    `${name}-password-${slot}`,
                    {
                        applicationId: app.id,
                        displayName: `aio-secrets (Secrets Store CSI driver) slot ${slot}`,
                        endDate: rotation.rfc3339.apply((base) => addDays(base, validDays)),
                        rotateWhenChanged: { rotation: rotation.id },
                    },
                    // One password write at a time per application. A replaced password is never
                    // deleted (retainOnDelete also covers the delete half of a replacement: pulumi.com,
                    // "Resource option: retainOnDelete"): it stays valid until its own end date. Both
                    // clocks come due in one refresh after a missed rotation (time_rotating's Read
                    // removes the resource once the rotation time has passed), and the program cannot
                    // tell which password pods still hold; deleting neither keeps the overlap in every
                    // case. Expired passwords stay listed on the app until it goes.
                    {
                        parent: this,
                        dependsOn: slot === "b" ? [passwords.a] : [],
                        aliases: slot === "a" ? [{ name: `${name}-password` }] : [],
                        retainOnDelete: true,
                    },
                );
            }
            // The slot with the later base is the newest password: the active one.
            const active = pulumi.all([rotationA.rfc3339, rotationB.rfc3339]).apply(([a, b]) => activeSlot(a, b));
            this.clientId = app.clientId;
            this.objectId = sp.objectId;
            this.clientSecret = pulumi.secret(
                pulumi
                    .all([active, passwords.a.value, passwords.b.value])
                    .apply(([slot, a, b]) => (slot === "a" ? a : b)),
            );
            this.passwordExpiresAt = pulumi
                .all([active, passwords.a.endDate, passwords.b.endDate])
                .apply(([slot, a, b]): string | undefined => (slot === "a" ? a : b));
            this.previousPasswordExpiresAt = pulumi
                .all([active, passwords.a.endDate, passwords.b.endDate])
                .apply(([slot, a, b]): string | undefined => (slot === "a" ? b : a));
            this.rotationDueAt = pulumi
                .all([rotationA.rotationRfc3339, rotationB.rotationRfc3339])
                .apply(([a, b]): string | undefined => (Date.parse(a) <= Date.parse(b) ? a : b));
            this.slotRotationDueAt = pulumi
                .all([rotationA.rotationRfc3339, rotationB.rotationRfc3339])
                .apply(([a, b]): { a: string; b: string } | undefined => ({ a, b }));
        }

        this.registerOutputs({
            clientId: this.clientId,
            objectId: this.objectId,
            passwordExpiresAt: this.passwordExpiresAt,
            previousPasswordExpiresAt: this.previousPasswordExpiresAt,
        });
    }
}

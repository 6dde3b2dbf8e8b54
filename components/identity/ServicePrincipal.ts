import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as time from "@pulumiverse/time";
import { addDays } from "./expiry";

export interface ServicePrincipalArgs {
    /**
     * `create`: an app registration (single tenant), its service principal and a rotating
     * password. `existing`: the given credentials are used and nothing is created in Entra ID.
     */
    mode: "create" | "existing";
    /** App registration display name (create). Required for create. */
    displayName?: string;
    /** Object ids that own the app and SP (create); default: none. Give the deploying identity so it can rotate the password. */
    owners?: pulumi.Input<pulumi.Input<string>[]>;
    /** Password lifetime in days (create). Default 365, as init. */
    secretValidDays?: number;
    /** Days between rotations (create), less than `secretValidDays`. Default 180. */
    rotationDays?: number;
    /** Client (application) id (existing). */
    clientId?: pulumi.Input<string>;
    /** Service principal object id (existing). */
    objectId?: pulumi.Input<string>;
    /** Client secret (existing); must be a Pulumi secret. */
    clientSecret?: pulumi.Input<string>;
}

/**
 * The identity the Secrets Store CSI driver uses to read the vault, as `az iot ops init`
 * made it: an app registration with a service principal and a client secret. The password is
 * replaced every `rotationDays` (on `pulumi up --refresh` after that date) and the new one is
 * issued before the old one expires (create before delete).
 */
export class ServicePrincipal extends pulumi.ComponentResource {
    /** Application (client) id. */
    readonly clientId: pulumi.Output<string>;
    /** Service principal object id, the principal the vault grants access to. */
    readonly objectId: pulumi.Output<string>;
    /** Client secret, always a Pulumi secret. */
    readonly clientSecret: pulumi.Output<string>;
    /** When the current password expires (RFC 3339); undefined for bring-your-own. */
    readonly passwordExpiresAt: pulumi.Output<string | undefined>;
    /** When the next rotation is due (RFC 3339); undefined for bring-your-own. */
    readonly rotationDueAt: pulumi.Output<string | undefined>;

    constructor(name: string, args: ServicePrincipalArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:identity:ServicePrincipal", name, {}, opts);

        if (args.mode === "existing") {
            if (args.clientId === undefined || args.objectId === undefined || args.clientSecret === undefined) {
                throw new Error(`${name}: an existing service principal needs clientId, objectId and clientSecret`);
            }
            this.clientId = pulumi.output(args.clientId);
            this.objectId = pulumi.output(args.objectId);
            this.clientSecret = pulumi.secret(args.clientSecret);
            this.passwordExpiresAt = pulumi.output(undefined);
            this.rotationDueAt = pulumi.output(undefined);
        } else {
            const validDays = args.secretValidDays ?? 365;
            const rotationDays = args.rotationDays ?? 180;
            if (!args.displayName) throw new Error(`${name}: displayName is required to create an app registration`);
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
            // Rotation clock kept in state: it moves only when `up --refresh` finds it due.
            const rotation = new time.Rotating(`${name}-rotation`, { rotationDays }, { parent: this });
            const password = new azuread.ApplicationPassword(
                `${name}-password`,
                {
                    applicationId: app.id,
                    displayName: "aio-secrets (Secrets Store CSI driver)",
                    endDate: rotation.rfc3339.apply((base) => addDays(base, validDays)),
                    rotateWhenChanged: { rotation: rotation.id },
                },
                { parent: this },
            );
            this.clientId = app.clientId;
            this.objectId = sp.objectId;
            this.clientSecret = pulumi.secret(password.value);
            this.passwordExpiresAt = password.endDate;
            this.rotationDueAt = rotation.rotationRfc3339;
        }

        this.registerOutputs({
            clientId: this.clientId,
            objectId: this.objectId,
            passwordExpiresAt: this.passwordExpiresAt,
        });
    }
}

import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { FEDERATED_CREDENTIAL_NAME } from "../../model/secretSync";
import { invariant } from "../invariant";

/** One federated credential: a Kubernetes service account that may act as the identity. */
export interface FederatedSubject {
    /** Credential name under the identity: 3-120 letters, digits, `-` and `_`, unique per identity. Required. */
    name: string;
    /** `system:serviceaccount:<namespace>:<service account>`. Required. */
    subject: string;
}

export interface WorkloadIdentityArgs {
    /** Name of the user-assigned managed identity. Required. */
    identityName: string;
    /** Its resource group. Required. */
    resourceGroupName: string;
    /**
     * Region of a created identity (secret sync: the Arc cluster's). Default: the resource group's.
     * Taken at creation only: ARM cannot move an identity ("already exists in location ..."), and
     * its region changes nothing it does, so a later change (such as the default that moved from
     * `azure-native:location` to the Arc cluster's region) is ignored, never a failed update.
     */
    location?: pulumi.Input<string>;
    /**
     * `true`: look the identity up by name, never create or delete it (the credentials are still the stack's). Default
     * false.
     */
    existing?: boolean;
    /** The Arc cluster's OIDC issuer URL (`oidcIssuerProfile.issuerUrl`). Required. */
    issuer: pulumi.Input<string>;
    /** Service accounts to federate; at least one, at most 20 (Azure's limit per identity). Required. */
    subjects: readonly FederatedSubject[];
    /** Token audience. Required (`api://AzureADTokenExchange`, as workload identity expects: stacks/defaults.ts). */
    audience: string;
    /** Tags of a created identity. Default none. */
    tags?: Record<string, string>;
    /**
     * What the identity (or, for an existing one, its first credential) waits for, e.g. a resource group the stack
     * creates. Default none.
     */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The identity the Secret Store extension reads the vault with: a user-assigned managed
 * identity federated with the Arc cluster's OIDC issuer, so no password exists anywhere.
 * Azure refuses concurrent credential writes on one identity (409
 * ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity,
 * pulumi/pulumi-azure-native#4343): the credentials are chained, each waiting for the previous.
 */
export class WorkloadIdentity extends pulumi.ComponentResource {
    /** Client id (the SPC's `clientId`). */
    readonly clientId: pulumi.Output<string>;
    /** Principal (object) id: what role assignments name. */
    readonly principalId: pulumi.Output<string>;
    /** ARM id of the identity. */
    readonly identityId: pulumi.Output<string>;
    /** The credentials in creation order; the last one is what dependants wait for. */
    readonly credentials: managedidentity.FederatedIdentityCredential[] = [];

    constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:identity:WorkloadIdentity", name, {}, opts);
        // The flow gives one credential per custom location, named by federatedCredentialName (model/secretSync.ts).
        invariant(
            args.subjects.length >= 1 && args.subjects.length <= 20,
            name,
            `an identity takes 1 to 20 federated credentials (got ${args.subjects.length})`,
        );
        const names = args.subjects.map((s) => s.name);
        const duplicate = names.find((n, i) => names.indexOf(n) !== i);
        invariant(duplicate === undefined, name, `two federated credentials are named ${duplicate}`);
        const refused = names.find((n) => !FEDERATED_CREDENTIAL_NAME.test(n));
        invariant(
            refused === undefined,
            name,
            `federated credential name ${JSON.stringify(refused)} must be 3-120 letters, digits, '-' or '_', starting with a letter or digit`,
        );

        // The name is known up front (a preview shows it); a created identity is waited for.
        let created: managedidentity.UserAssignedIdentity | undefined;
        if (args.existing) {
            const found = managedidentity.getUserAssignedIdentityOutput(
                { resourceGroupName: args.resourceGroupName, resourceName: args.identityName },
                { parent: this },
            );
            this.clientId = found.clientId;
            this.principalId = found.principalId;
            this.identityId = found.id;
        } else {
            created = new managedidentity.UserAssignedIdentity(
                `${name}-identity`,
                {
                    resourceName: args.identityName,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    tags: args.tags,
                },
                { parent: this, dependsOn: args.dependsOn, ignoreChanges: ["location"] },
            );
            this.clientId = created.clientId;
            this.principalId = created.principalId;
            this.identityId = created.id;
        }

        let previous: pulumi.Resource | undefined = created;
        for (const subject of args.subjects) {
            const credential: managedidentity.FederatedIdentityCredential =
                new managedidentity.FederatedIdentityCredential(
                    `${name}-${subject.name}`,
                    {
                        resourceGroupName: args.resourceGroupName,
                        resourceName: args.identityName,
                        federatedIdentityCredentialResourceName: subject.name,
                        issuer: args.issuer,
                        subject: subject.subject,
                        audiences: [args.audience],
                    },
                    // Issuer and subject are unique per identity: a replacement removes the old one first.
                    {
                        parent: this,
                        deleteBeforeReplace: true,
                        dependsOn: previous ? [previous] : (args.dependsOn ?? []),
                    },
                );
            this.credentials.push(credential);
            previous = credential;
        }

        this.registerOutputs({ clientId: this.clientId, principalId: this.principalId, identityId: this.identityId });
    }
}

import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { invariant } from "../invariant";

export interface PropagationWaitArgs {
    /** How long to wait (Go duration, e.g. `5m`; `0s` is refused: declare no wait instead). Required. */
    duration: string;
    /**
     * What the wait is for, by name: when any value changes (a grant or credential replaced, a new
     * identity) the wait is replaced and runs again; an unchanged stack neither waits nor diffs.
     * Values are ids and inputs that change exactly when Azure must propagate something anew. Required.
     */
    triggers: Record<string, pulumi.Input<string>>;
    /** The resources whose propagation is waited for (role assignments, federated credentials). Required. */
    after: pulumi.Input<pulumi.Resource>[];
}

/**
 * A wait after Key Vault role assignments and a federated credential, before the SecretSyncs
 * that need them: both take minutes to propagate, and a SecretSync created meanwhile fails
 * and is retried with backoff up to ~1000 s (the controller's requeue), long after `up`
 * reported success. @pulumiverse/time `Sleep`: `createDuration` runs on create and on every
 * replacement, and a change of `triggers` replaces it (terraform-provider-time: RequiresReplace).
 */
export class PropagationWait extends pulumi.ComponentResource {
    /** What the SecretSyncs depend on. */
    readonly sleep: time.Sleep;

    constructor(name: string, args: PropagationWaitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:secretsync:PropagationWait", name, {}, opts);
        // Validated as secretSync.propagationWait (delivery/secretSync/settings.ts).
        invariant(
            /^(\d+h)?(\d+m)?(\d+s)?$/.test(args.duration) &&
                args.duration !== "" &&
                !/^(0+[hms])+$/.test(args.duration),
            name,
            `duration ${JSON.stringify(args.duration)} must be a positive Go duration such as 5m or 90s`,
        );
        this.sleep = new time.Sleep(
            `${name}-sleep`,
            { createDuration: args.duration, triggers: args.triggers },
            { parent: this, dependsOn: args.after },
        );
        this.registerOutputs({ sleepId: this.sleep.id });
    }
}

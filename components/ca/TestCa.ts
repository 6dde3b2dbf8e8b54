import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import * as time from "@pulumiverse/time";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import { FORCE_APPLY } from "../cluster/ClusterStore";
import {
    CA_KEYS,
    CA_SECRET_TYPE,
    caGenerationNames,
    caGenerations,
    INIT_TEST_CA,
    joinTrustBundle,
} from "../../model/ca";
import { invariant } from "../invariant";

export interface TestCaArgs {
    /** Namespace of Azure IoT Operations, where init wrote the CA. Required. */
    namespace: pulumi.Input<string>;
    /** Lifetime of each CA certificate in days (init's `--ca-valid-days`). Required (settings default 365); 1..3650. */
    validDays: number;
    /**
     * Renew (a new certificate for the same key) this many days before expiry. Required (settings default 30); less
     * than `validDays`.
     */
    renewBeforeDays: number;
    /**
     * The `kubernetes.io/tls` Secret AIO's issuer reads. Default init's `aio-ca-key-pair-test-only`; a Kubernetes name.
     */
    secretName?: string;
    /** The trust bundle ConfigMap (`ca.crt`). Default init's `aio-ca-trust-bundle-test-only`; a Kubernetes name. */
    configMapName?: string;
    /** The current CA key: raising it by one makes a new key on purpose. Default 1; a whole number from 1. */
    keyGeneration?: number;
    /**
     * With `keyGeneration` >= 2: keep generation - 1's key and certificate, and publish its
     * certificate next to the new one in the trust bundle (the overlap). Default true.
     */
    keepPreviousKey?: boolean;
    /**
     * The generation whose key and certificate the Secret holds (what AIO's issuer signs with):
     * `keyGeneration`, or `keyGeneration - 1` while it is kept. Default `keyGeneration`; settings
     * (stacks/ca.ts signingGenerationOf) default it to the previous one during an overlap.
     */
    signingGeneration?: number;
    /**
     * More CA certificates (PEM) to publish in the trust bundle after the stack's: a CA the test CA
     * takes over (init's), until the certificates it issued are re-issued. Default: none.
     */
    extraTrustBundlePem?: string;
    /** Kubernetes provider; default: the ambient kubeconfig/context. */
    provider?: Provider;
    /** Resources that must exist first (the namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * init's self-signed test CA as code (see model/ca.ts for what init made): an
 * ECDSA P-256 key, a self-signed CA certificate, the Secret `aio-ca-key-pair-test-only` and the
 * ConfigMap `aio-ca-trust-bundle-test-only` (names configurable).
 *
 * Renewal keeps the key. cert-manager's CA issuer does not re-issue the certificates it issued
 * when its CA Secret changes (cert-manager issue 2478), so a new key would leave the broker's
 * certificates chaining to a CA the trust bundle no longer holds. A `time:Rotating` clock kept in
 * state fires `validDays - renewBeforeDays` after it was set, on a `pulumi up --refresh`; only
 * the certificates carry `replacementTrigger: rotation.id`, so each is re-issued for the same key
 * (same subject, same subject key identifier: certificates issued under the old one verify with
 * the new one). The engine treats a trigger going from set to unset as no change (pulumi/pulumi#20936,
 * step_generator.go), so removing it from the key replaces nothing. An engine older than
 * December 2025 ignores the option; the certificate's own `earlyRenewalHours` (the tls
 * provider's `ready_for_renewal`) then re-issues it, same key, on any `up` within half of
 * `renewBeforeDays` of expiry: a late backstop that never fires before the clock.
 *
 * A new key only on purpose: `keyGeneration` + 1 declares a new key and certificate
 * (`<name>-key-g<N>`); while `keepPreviousKey` the previous generation stays and the ConfigMap
 * and `trustBundle` hold both certificates (new first), then `extraTrustBundlePem`'s. The Secret
 * holds `signingGeneration`'s: first the previous key (the new CA is published, nothing is signed
 * with it yet), then, in a later `up`, the new one.
 *
 * The Secret and ConfigMap are retained on delete: they are what AIO's issuer and clients read,
 * so a switch to `ca.mode: vault` (whose objects of the same names take over) or `none` never
 * deletes them, and a destroy leaves them on the cluster.
 */
export class TestCa extends pulumi.ComponentResource {
    /** The signing CA certificate, PEM (public): the one in the Secret. */
    readonly certPem: pulumi.Output<string>;
    /** The trust bundle clients need, PEM: the current certificate, then the previous generation's while kept. */
    readonly trustBundle: pulumi.Output<string>;
    /** When the signing certificate (the one in the Secret) expires (RFC 3339). */
    readonly expiresAt: pulumi.Output<string>;
    /** When the next renewal is due (RFC 3339): the rotation clock's next firing. */
    readonly renewalDueAt: pulumi.Output<string>;
    readonly secretName: pulumi.Output<string>;
    readonly configMapName: pulumi.Output<string>;

    constructor(name: string, args: TestCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:ca:TestCa", name, {}, opts);
        const { validDays, renewBeforeDays } = args;
        // Validated with the CA settings (stacks/ca.ts).
        invariant(
            renewBeforeDays < validDays,
            name,
            `renewBeforeDays (${renewBeforeDays}) must be less than validDays (${validDays})`,
        );

        const rotation = new time.Rotating(
            `${name}-rotation`,
            { rotationDays: validDays - renewBeforeDays },
            { parent: this },
        );
        const generation = (g: number) => {
            const names = caGenerationNames(name, g);
            // No trigger on the key: nothing but a new generation makes a new one.
            const key = new tls.PrivateKey(
                names.key,
                { algorithm: INIT_TEST_CA.algorithm, ecdsaCurve: INIT_TEST_CA.ecdsaCurve },
                { parent: this },
            );
            const cert = new tls.SelfSignedCert(
                names.cert,
                {
                    privateKeyPem: key.privateKeyPem,
                    subject: { commonName: INIT_TEST_CA.commonName },
                    isCaCertificate: INIT_TEST_CA.isCaCertificate,
                    allowedUses: [...INIT_TEST_CA.allowedUses],
                    setSubjectKeyId: INIT_TEST_CA.setSubjectKeyId,
                    setAuthorityKeyId: INIT_TEST_CA.setAuthorityKeyId,
                    validityPeriodHours: validDays * 24,
                    // Half the clock's lead: a backstop that never fires before the clock does.
                    earlyRenewalHours: renewBeforeDays * 12,
                },
                // A new clock (rotation.id) re-issues the certificate, for the same key.
                { parent: this, replacementTrigger: rotation.id },
            );
            return { key, cert };
        };
        const generations = caGenerations(args.keyGeneration ?? 1, args.keepPreviousKey ?? true);
        const declared = generations.map(generation);
        const signingIndex = generations.indexOf(args.signingGeneration ?? generations[0]);
        invariant(
            signingIndex >= 0,
            name,
            `signingGeneration ${args.signingGeneration} is not a declared key generation (${generations.join(", ")}); stacks/ca.ts signingGenerationOf validates it`,
        );
        // The Secret holds the signing generation; the trust bundle every declared one, newest first.
        const signing = declared[signingIndex];
        const extra = args.extraTrustBundlePem !== undefined ? [args.extraTrustBundlePem] : [];
        const trustBundle = pulumi
            .all(declared.map((g) => g.cert.certPem))
            .apply((pems) => joinTrustBundle([...pems, ...extra]));

        const childOpts = { parent: this, provider: args.provider, dependsOn: args.dependsOn, retainOnDelete: true };
        const secret = new corev1.Secret(
            `${name}-key-pair`,
            {
                // Fixed name: init's object of the same name is taken over, never a 409.
                metadata: {
                    name: args.secretName ?? INIT_TEST_CA.secretName,
                    namespace: args.namespace,
                    annotations: { ...FORCE_APPLY },
                },
                type: CA_SECRET_TYPE,
                stringData: {
                    [CA_KEYS.cert]: signing.cert.certPem,
                    [CA_KEYS.key]: pulumi.secret(signing.key.privateKeyPem),
                },
            },
            childOpts,
        );
        const bundle = new corev1.ConfigMap(
            `${name}-trust-bundle`,
            {
                metadata: {
                    name: args.configMapName ?? INIT_TEST_CA.configMapName,
                    namespace: args.namespace,
                    annotations: { ...FORCE_APPLY },
                },
                data: { [CA_KEYS.bundle]: trustBundle },
            },
            childOpts,
        );

        this.certPem = signing.cert.certPem;
        this.trustBundle = trustBundle;
        this.expiresAt = signing.cert.validityEndTime;
        this.renewalDueAt = rotation.rotationRfc3339;
        this.secretName = secret.metadata.name;
        this.configMapName = bundle.metadata.name;
        this.registerOutputs({
            certPem: this.certPem,
            trustBundle: this.trustBundle,
            expiresAt: this.expiresAt,
            renewalDueAt: this.renewalDueAt,
            secretName: this.secretName,
            configMapName: this.configMapName,
        });
    }
}

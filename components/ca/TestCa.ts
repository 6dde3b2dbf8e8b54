import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import * as time from "@pulumiverse/time";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import { FORCE_APPLY } from "../cluster/ClusterStore";
import { CA_KEYS, CA_SECRET_TYPE, INIT_TEST_CA } from "./model";

export interface TestCaArgs {
    /** Namespace of Azure IoT Operations, where init wrote the CA. Required. */
    namespace: pulumi.Input<string>;
    /** Lifetime of each CA certificate in days (init's `--ca-valid-days`). Default 365; 1..3650. */
    validDays?: number;
    /** Renew (new key and certificate) this many days before expiry. Default 30; less than `validDays`. */
    renewBeforeDays?: number;
    /** Kubernetes provider; default: the ambient kubeconfig/context. */
    provider?: Provider;
    /** Resources that must exist first (the namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** The cluster went through init: never delete the objects taken over. Default false. */
    retainOnDelete?: boolean;
}

/**
 * init's self-signed test CA as code (see components/ca/model.ts for what init made): an
 * ECDSA P-256 key, a self-signed CA certificate, the Secret `aio-ca-key-pair-test-only` and the
 * ConfigMap `aio-ca-trust-bundle-test-only`.
 *
 * Renewal: a `time:Rotating` clock kept in state fires `validDays - renewBeforeDays` after it was
 * set, on a `pulumi up --refresh` (schedule it, as for the SP password); the key and the
 * certificate carry `replacementTrigger: rotation.id`, so both are made anew and the Secret and
 * ConfigMap are updated in place. `replacementTrigger` needs a Pulumi CLI whose engine knows the
 * option (released December 2025, pulumi/pulumi#20936); an older engine ignores it, and then the certificate's own `earlyRenewalHours`
 * still re-issues it (same key) on any `up` within half of `renewBeforeDays` of expiry: a late
 * backstop, so that with a current engine the clock renews first and clients fetch one new
 * trust bundle, not two. By hand:
 * `pulumi up --replace <key urn> --replace <certificate urn>`.
 */
export class TestCa extends pulumi.ComponentResource {
    /** The CA certificate, PEM (public): the trust bundle clients need. */
    readonly certPem: pulumi.Output<string>;
    /** When the certificate expires (RFC 3339). */
    readonly expiresAt: pulumi.Output<string>;
    /** When the next renewal is due (RFC 3339): the rotation clock's next firing. */
    readonly renewalDueAt: pulumi.Output<string>;
    readonly secretName: pulumi.Output<string>;
    readonly configMapName: pulumi.Output<string>;

    constructor(name: string, args: TestCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aio-secrets:ca:TestCa", name, {}, opts);
        const validDays = args.validDays ?? 365;
        const renewBeforeDays = args.renewBeforeDays ?? 30;
        if (renewBeforeDays >= validDays) throw new Error(`${name}: renewBeforeDays (${renewBeforeDays}) must be less than validDays (${validDays})`);

        const rotation = new time.Rotating(`${name}-rotation`, { rotationDays: validDays - renewBeforeDays }, { parent: this });
        // A new clock (rotation.id) replaces both the key and the certificate.
        const renew = { parent: this, replacementTrigger: rotation.id };
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: INIT_TEST_CA.algorithm, ecdsaCurve: INIT_TEST_CA.ecdsaCurve }, renew);
        const cert = new tls.SelfSignedCert(
            `${name}-cert`,
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
            renew,
        );

        const childOpts = { parent: this, provider: args.provider, dependsOn: args.dependsOn, retainOnDelete: args.retainOnDelete };
        const secret = new corev1.Secret(
            `${name}-key-pair`,
            {
                // Fixed name: init's object of the same name is taken over, never a 409.
                metadata: { name: INIT_TEST_CA.secretName, namespace: args.namespace, annotations: { ...FORCE_APPLY } },
                type: CA_SECRET_TYPE,
                stringData: { [CA_KEYS.cert]: cert.certPem, [CA_KEYS.key]: pulumi.secret(key.privateKeyPem) },
            },
            childOpts,
        );
        const bundle = new corev1.ConfigMap(
            `${name}-trust-bundle`,
            {
                metadata: { name: INIT_TEST_CA.configMapName, namespace: args.namespace, annotations: { ...FORCE_APPLY } },
                data: { [CA_KEYS.bundle]: cert.certPem },
            },
            childOpts,
        );

        this.certPem = cert.certPem;
        this.expiresAt = cert.validityEndTime;
        this.renewalDueAt = rotation.rotationRfc3339;
        this.secretName = secret.metadata.name;
        this.configMapName = bundle.metadata.name;
        this.registerOutputs({ certPem: this.certPem, expiresAt: this.expiresAt, renewalDueAt: this.renewalDueAt, secretName: this.secretName, configMapName: this.configMapName });
    }
}

import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/kubernetes/provider";
import {
    caExpiryWarning,
    INIT_TEST_CA,
    OWN_CA_NAMES,
    testCaOverlapWarnings,
    type CaModel,
    type CaSettings,
} from "../../model/ca";
import { TestCa } from "./TestCa";
import { VaultCaCsi } from "./VaultCaCsi";

/** What the CSI delivery mode's cluster side hands the CA. */
export interface CaCsiContext {
    /** Stack settings file and stack, for messages. */
    file: string;
    stack: string;
    provider: Provider;
    namespace: pulumi.Input<string>;
    keyvaultName: pulumi.Input<string>;
    tenantId: pulumi.Input<string>;
    /** `aio-akv-sp`: the sync pod's `nodePublishSecretRef`. */
    credentialSecretName: pulumi.Input<string>;
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Adopted cluster: never delete the objects taken over. */
    retainOnDelete: boolean;
    /** Options of the CA's component (its children inherit them). Default none. */
    componentOptions?: pulumi.ComponentResourceOptions;
}

/** The CA's stack outputs (all undefined with `ca.mode: none`). */
export interface CaOutputs {
    /** `test`, `vault` or `none`. */
    caMode: string;
    /**
     * The CA certificates clients trust the broker with, PEM (public): during a key change, the new and the previous
     * CA.
     */
    caTrustBundle: pulumi.Output<string | undefined>;
    /** When the CA certificate (test) or the earliest certificate of the trust bundle (vault) expires. */
    caExpiresAt: pulumi.Output<string | undefined>;
    /** When the test CA is renewed by a scheduled `up --refresh`. */
    caRenewalDueAt: pulumi.Output<string | undefined>;
    /** The Secret holding the CA's key pair in the AIO namespace. */
    caSecretName: pulumi.Output<string | undefined>;
    /** The ConfigMap holding the public CA certificate (`ca.crt`), when declared. */
    caTrustBundleConfigMap: pulumi.Output<string | undefined>;
}

const none = () => pulumi.output(undefined as string | undefined);

/**
 * The CA for the CSI delivery mode: init's test CA (TestCa), or your own CA from the vault
 * synced by the CSI driver (VaultCaCsi), or nothing. Warns when the CA is near expiry and when
 * clients have no trust bundle from the stack. `model` is the stack model's CA (model/ca.ts caModel).
 */
export function declareCaForCsi(ca: CaSettings, model: CaModel | undefined, ctx: CaCsiContext): CaOutputs {
    if (!model || ca.mode === "none") {
        return {
            caMode: "none",
            caTrustBundle: none(),
            caExpiresAt: none(),
            caRenewalDueAt: none(),
            caSecretName: none(),
            caTrustBundleConfigMap: none(),
        };
    }
    const warnExpiry = (expiresAt: string | undefined) => {
        if (!expiresAt) return;
        const warning = caExpiryWarning(model.mode, expiresAt, ca.renewBeforeDays, new Date(), ctx.stack);
        if (warning) void pulumi.log.warn(`${ctx.file}: ${warning}`);
    };

    if (ca.mode === "test") {
        const testCa = new TestCa(
            "ca",
            {
                namespace: ctx.namespace,
                validDays: ca.validDays,
                renewBeforeDays: ca.renewBeforeDays,
                secretName: model.secretName,
                configMapName: model.configMapName,
                keyGeneration: ca.keyGeneration,
                keepPreviousKey: ca.keepPreviousKey,
                signingGeneration: ca.signingGeneration,
                extraTrustBundlePem: ca.trustBundle?.pem,
                provider: ctx.provider,
                dependsOn: ctx.dependsOn,
            },
            ctx.componentOptions,
        );
        for (const warning of testCaOverlapWarnings(ca, model.secretName))
            void pulumi.log.warn(`${ctx.file}: ${warning}`);
        return {
            caMode: "test",
            caTrustBundle: testCa.trustBundle,
            caExpiresAt: testCa.expiresAt.apply((end) => {
                warnExpiry(end);
                return end;
            }),
            caRenewalDueAt: testCa.renewalDueAt,
            caSecretName: testCa.secretName,
            caTrustBundleConfigMap: testCa.configMapName,
        };
    }

    const own = new VaultCaCsi(
        "ca",
        {
            namespace: ctx.namespace,
            keyvaultName: ctx.keyvaultName,
            tenantId: ctx.tenantId,
            vaultObject: model.vaultObject!,
            spcName: model.spcName!,
            secretName: model.secretName,
            syncDeploymentName: model.syncDeploymentName,
            syncImage: ca.syncImage,
            credentialSecretName: ctx.credentialSecretName,
            configMapName: model.configMapName,
            trustBundlePem: ca.trustBundle?.pem,
            provider: ctx.provider,
            dependsOn: ctx.dependsOn,
            retainOnDelete: ctx.retainOnDelete,
        },
        ctx.componentOptions,
    );
    if (!ca.trustBundle) {
        void pulumi.log.warn(
            `${ctx.file}: aio-secrets:ca.trustBundleFile is not set: the stack publishes no trust bundle for your CA, so clients of the MQTT broker ` +
                `need the CA certificate from the vault (az keyvault certificate download --vault-name <vault> --name ${ca.certificate} --file ca.crt --encoding PEM), ` +
                `or commit its public chain and set ca.trustBundleFile`,
        );
    } else {
        warnExpiry(ca.trustBundle.expiresAt);
    }
    if (ctx.retainOnDelete || model.secretName === INIT_TEST_CA.secretName) {
        // init (adopted cluster) or this stack's test CA (kept on a switch to vault) wrote this
        // Secret. The CSI driver updates an existing Secret only from v1.6.0
        // (secretproviderclasspodstatus_controller.go createOrUpdateK8sSecret); before, it
        // creates only the Secrets that do not exist, and the old CA stays (which keeps TLS
        // working, with the old CA) until the Secret is deleted.
        void pulumi.log.warn(
            `${ctx.file}: Secret ${model.secretName} may already hold a CA that init or this stack's test CA wrote; a CSI driver older than v1.6.0 does not ` +
                `overwrite it. Once the trust bundle holds the old and the new CA: kubectl delete secret ${model.secretName} -n <namespace>, ` +
                `kubectl rollout restart deployment ${model.syncDeploymentName ?? "<the pod that mounts " + model.spcName + ">"} -n <namespace>, ` +
                `then re-issue the broker's certificates (cmctl renew --namespace <namespace> --all). A cluster that init set up with --ca-file reads ` +
                `${OWN_CA_NAMES.secretName} / ${OWN_CA_NAMES.configMapName}: then set ca.secretName and ca.trustBundleConfigMapName`,
        );
    }
    if (!ca.syncPod) {
        void pulumi.log.warn(
            `${ctx.file}: aio-secrets:ca.syncPod is false: the CSI driver fills Secret ${model.secretName} only while some pod mounts SecretProviderClass ${model.spcName}`,
        );
    }
    return {
        caMode: "vault",
        caTrustBundle: pulumi.output(ca.trustBundle?.pem),
        caExpiresAt: pulumi.output(ca.trustBundle?.expiresAt),
        caRenewalDueAt: none(),
        caSecretName: own.secretName,
        caTrustBundleConfigMap: own.configMapName,
    };
}

import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/kubernetes/provider";
import type { CaSettings } from "../../stacks/ca";
import { caExpiryWarning, caModel } from "./model";
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
    /** The CA certificate chain, PEM (public): what clients trust the broker with. */
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
 * clients have no trust bundle from the stack.
 */
export function declareCaForCsi(ca: CaSettings, ctx: CaCsiContext): CaOutputs {
    const model = caModel(ca);
    if (!model || ca.mode === "none") {
        return { caMode: "none", caTrustBundle: none(), caExpiresAt: none(), caRenewalDueAt: none(), caSecretName: none(), caTrustBundleConfigMap: none() };
    }
    const warnExpiry = (expiresAt: string | undefined) => {
        if (!expiresAt) return;
        const warning = caExpiryWarning(model.mode, expiresAt, ca.renewBeforeDays, new Date(), ctx.stack);
        if (warning) void pulumi.log.warn(`${ctx.file}: ${warning}`);
    };

    if (ca.mode === "test") {
        const testCa = new TestCa("ca", {
            namespace: ctx.namespace,
            validDays: ca.validDays,
            renewBeforeDays: ca.renewBeforeDays,
            provider: ctx.provider,
            dependsOn: ctx.dependsOn,
            retainOnDelete: ctx.retainOnDelete,
        }, ctx.componentOptions);
        return {
            caMode: "test",
            caTrustBundle: testCa.certPem,
            caExpiresAt: testCa.expiresAt.apply((end) => {
                warnExpiry(end);
                return end;
            }),
            caRenewalDueAt: testCa.renewalDueAt,
            caSecretName: testCa.secretName,
            caTrustBundleConfigMap: testCa.configMapName,
        };
    }

    const own = new VaultCaCsi("ca", {
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
    }, ctx.componentOptions);
    if (!ca.trustBundle) {
        void pulumi.log.warn(
            `${ctx.file}: aio-secrets:ca.trustBundleFile is not set: the stack publishes no trust bundle for your CA, so clients of the MQTT broker ` +
                `need the CA certificate from the vault (az keyvault certificate download --vault-name <vault> --name ${ca.certificate} --file ca.crt --encoding PEM), ` +
                `or commit its public chain and set ca.trustBundleFile`,
        );
    } else {
        warnExpiry(ca.trustBundle.expiresAt);
    }
    if (ctx.retainOnDelete) {
        // Adopted: init with --ca-file wrote this Secret itself, and the CSI driver only creates
        // the Secrets it syncs (and updates those it labelled): init's copy would stay as it is.
        void pulumi.log.warn(
            `${ctx.file}: on an adopted cluster, a Secret ${model.secretName} that az iot ops init --ca-file wrote is not replaced by the CSI driver's sync: ` +
                `after the first up, kubectl delete secret ${model.secretName} -n <namespace> once so the driver writes the vault's CA`,
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

import { CA_SPC_NAME, INIT_CA_NAMES, type CaSettings } from "../stacks/ca";

/** The CA settings the model is built from (stacks/ca.ts), for the components that declare it. */
export type { CaSettings };
import type { SpcObject } from "./spc";

/**
 * The CA of AIO's TLS as plain data: which Kubernetes objects carry it, under which names,
 * types and keys, and which vault object it comes from. Pure; one component per delivery
 * path (components/ca/TestCa.ts, components/ca/VaultCaCsi.ts) declares it.
 *
 * What `az iot ops init` wrote (azure-iot-ops-cli-extension, `generate_self_signed_cert` in
 * its x509 utilities, and the docs "Configure TLS with automatic certificate management"):
 * without `--ca-file`, a self-signed EC P-256 (SECP256R1) root, SHA-256 signature, subject and
 * issuer CN "Azure IoT Operations Quickstart Root CA - Not for Production", BasicConstraints
 * ca=true without a path length (critical), KeyUsage keyCertSign only, SubjectKeyIdentifier
 * from the public key, valid `--ca-valid-days` (default 365) from now; the key as a
 * traditional OpenSSL PEM (`EC PRIVATE KEY`). Written to the AIO namespace as Secret
 * `aio-ca-key-pair-test-only` (kubernetes.io/tls: tls.crt, tls.key) and ConfigMap
 * `aio-ca-trust-bundle-test-only` (ca.crt). With `--ca-file` the names drop `-test-only`.
 */

/** init's test CA, field by field. */
export const INIT_TEST_CA = {
    commonName: "Azure IoT Operations Quickstart Root CA - Not for Production",
    algorithm: "ECDSA",
    ecdsaCurve: "P256",
    /** KeyUsage keyCertSign (Go's x509, which the tls provider uses, always marks KeyUsage critical; init did not). */
    allowedUses: ["cert_signing"],
    isCaCertificate: true,
    setSubjectKeyId: true,
    /** init added no AuthorityKeyIdentifier (self-signed: it would repeat the subject key id). */
    setAuthorityKeyId: false,
    secretName: INIT_CA_NAMES.test.secretName,
    configMapName: INIT_CA_NAMES.test.configMapName,
} as const;

/** The names init used for a CA it was given (`--ca-file`). */
export const OWN_CA_NAMES = INIT_CA_NAMES.caFile;

/** Keys of the objects, as init wrote them (and cert-manager's CA issuer reads them). */
export const CA_KEYS = { cert: "tls.crt", key: "tls.key", bundle: "ca.crt" } as const;
export const CA_SECRET_TYPE = "kubernetes.io/tls";

/**
 * CSI delivery of your own CA: the SPC that mounts it (named in the parsing layer) and the pod that keeps it synced.
 */
export { CA_SPC_NAME };
export const CA_SYNC_DEPLOYMENT_NAME = "aio-ca-sync";
/** The file the SPC writes in the sync pod (objectAlias): also the `objectName` of its secretObjects data. */
export const CA_MOUNT_FILE = "aio-ca.pem";

export interface CaModel {
    mode: "test" | "vault";
    /** The Secret holding the CA's key pair (type kubernetes.io/tls). */
    secretName: string;
    /** The ConfigMap holding the public CA certificate (`ca.crt`); undefined: none declared. */
    configMapName?: string;
    /** Your own CA: the vault object, mounted as a secret (PEM chain and key) and synced. */
    vaultObject?: SpcObject;
    /** Your own CA over CSI: the SPC and, when declared, the sync pod's Deployment. */
    spcName?: string;
    syncDeploymentName?: string;
}

/** What the stack declares for the CA; undefined for `none`. */
export function caModel(ca: CaSettings): CaModel | undefined {
    switch (ca.mode) {
        case "none":
            return undefined;
        case "test":
            return { mode: "test", secretName: ca.secretName, configMapName: ca.configMapName };
        case "vault":
            return {
                mode: "vault",
                secretName: ca.secretName,
                // Without a committed trust bundle the stack has no public certificate to publish.
                configMapName: ca.trustBundle ? ca.configMapName : undefined,
                // objectType secret: for a Key Vault certificate this is its PEM chain with the
                // private key (the provider's default format), which the sync splits into tls.key
                // and tls.crt; a secret holding a PEM chain and key reads the same.
                vaultObject: {
                    objectName: ca.certificate,
                    objectType: "secret",
                    objectVersion: "",
                    objectAlias: CA_MOUNT_FILE,
                },
                spcName: CA_SPC_NAME,
                syncDeploymentName: ca.syncPod ? CA_SYNC_DEPLOYMENT_NAME : undefined,
            };
        default: {
            const exhaustiveCheck: never = ca;
            throw new Error(
                `internal error: unknown CA mode ${JSON.stringify((exhaustiveCheck as { mode: unknown }).mode)}`,
            );
        }
    }
}

/**
 * The test CA's resources of one key generation: generation 1 keeps the names the stack always
 * had (`<name>-key`, `<name>-cert`), so an existing stack's key is never replaced by this scheme;
 * generation g >= 2 is `<name>-key-g<g>`, `<name>-cert-g<g>`.
 */
export function caGenerationNames(name: string, generation: number): { key: string; cert: string } {
    if (!Number.isInteger(generation) || generation < 1)
        throw new Error(`${name}: key generation must be a whole number from 1 (is ${generation})`);
    const suffix = generation === 1 ? "" : `-g${generation}`;
    return { key: `${name}-key${suffix}`, cert: `${name}-cert${suffix}` };
}

/** The key generations the test CA declares: the current one first, then the previous one while it is kept. */
export function caGenerations(keyGeneration: number, keepPreviousKey: boolean): number[] {
    return keyGeneration > 1 && keepPreviousKey ? [keyGeneration, keyGeneration - 1] : [keyGeneration];
}

/**
 * A trust bundle of several CA certificate PEMs (each one certificate or more): the certificates
 * in order, each once, each ending in a newline. A single PEM is returned as it is.
 */
export function joinTrustBundle(pems: readonly string[]): string {
    if (pems.length === 1) return pems[0];
    const blocks = pems.flatMap(
        (p) => p.match(/-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g) ?? [],
    );
    return [...new Set(blocks.map((b) => b.replace(/\r\n/g, "\n")))].map((b) => `${b}\n`).join("");
}

const CMCTL_RENEW = "`cmctl renew --namespace <namespace> --all`";

/**
 * What a test CA with more than one CA in its trust bundle asks of you next: a key change
 * (`keyGeneration` > 1) or a taken-over CA (`trustBundleFile`) is finished only once cert-manager
 * has re-issued its certificates, which it does not do on its own (cert-manager issue 2478).
 */
export function testCaOverlapWarnings(ca: Extract<CaSettings, { mode: "test" }>, secretName: string): string[] {
    const warnings: string[] = [];
    if (ca.keyGeneration > 1 && ca.keepPreviousKey && ca.signingGeneration < ca.keyGeneration) {
        warnings.push(
            `ca.keyGeneration ${ca.keyGeneration}: the trust bundle holds the new and the previous CA, and Secret ${secretName} still signs with the previous key. ` +
                `Once clients have the new caTrustBundle, set ca.signingGeneration: ${ca.keyGeneration} (the Secret takes the new key), run ${CMCTL_RENEW}, ` +
                "then set ca.keepPreviousKey: false",
        );
    } else if (ca.keyGeneration > 1 && ca.keepPreviousKey) {
        warnings.push(
            `ca.keyGeneration ${ca.keyGeneration}: Secret ${secretName} holds the new CA key; the trust bundle holds the new and the previous CA. ` +
                `cert-manager does not re-issue certificates when its CA changes: run ${CMCTL_RENEW}, ` +
                "then set ca.keepPreviousKey: false (and remove it and ca.signingGeneration before the next key change, one keyGeneration step at a time)",
        );
    } else if (ca.keyGeneration > 1) {
        warnings.push(
            `ca.keyGeneration ${ca.keyGeneration} with ca.keepPreviousKey false: the trust bundle holds only the current CA; ` +
                `certificates issued under an earlier key fail TLS until re-issued (${CMCTL_RENEW})`,
        );
    }
    if (ca.trustBundle) {
        warnings.push(
            `the trust bundle also holds ${ca.trustBundle.file} (${ca.trustBundle.subjects.join("; ")}): once the broker's certificates ` +
                `are re-issued by the stack's CA (${CMCTL_RENEW}) and clients have the new caTrustBundle, remove ca.trustBundleFile`,
        );
    }
    return warnings;
}

/** Whole days from `now` until `end` (negative once past). */
function daysUntil(end: string, now: Date): number {
    return Math.floor((Date.parse(end) - now.getTime()) / (24 * 60 * 60 * 1000));
}

/**
 * A warning when the CA expires within `renewBeforeDays` (or has expired), with what to do;
 * undefined otherwise. `test`: a scheduled `up --refresh` renews it; `vault`: renew it in the
 * vault and update the committed trust bundle.
 */
export function caExpiryWarning(
    mode: "test" | "vault",
    expiresAt: string,
    renewBeforeDays: number,
    now: Date,
    stack: string,
): string | undefined {
    const days = daysUntil(expiresAt, now);
    if (days >= renewBeforeDays) return undefined;
    const when = days < 0 ? `expired on ${expiresAt}` : `expires in ${days} days (${expiresAt})`;
    return mode === "test"
        ? `the test CA ${when}; run \`pulumi up --refresh --stack ${stack}\` to renew it (a new certificate for the same key: issued certificates stay valid; clients fetch the new caTrustBundle before the old one expires)`
        : `the CA in ca.trustBundleFile ${when}; renew your CA in Key Vault and commit its new public certificate chain`;
}

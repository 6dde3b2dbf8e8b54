import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { caNameProblems, caSchema, checkTrustBundle, resolveCa, CaContext } from "../stacks/ca";
import { caExpiryWarning, caModel, joinTrustBundle, testCaOverlapWarnings } from "../model/ca";
import { parseSpcObjects } from "../model/spc";
import { formatProblem } from "../stacks/errors";
import { parseStackSettings } from "../stacks/settings";
import { withCaSync } from "../model/stack";
import { inputAt, MOCK_CLOCK, RunResult, SECRET_SIG, SECRET_SIG_KEY } from "../tools/harness";
import { addDays } from "../model/expiry";
import { kubernetesManifests, outputFiles } from "../tools/planRender";
import { byName, byType, MINIMAL_STACK, PROJECT_DIR, runStack, scratch } from "./helpers";

/**
 * The CA of AIO's TLS (issue 13): settings, parity of the test CA with what `az iot ops init`
 * made, renewal wiring, your own CA over CSI, and what `--out` shows.
 */

const CA_FILE = "test/fixtures/ca/example-ca.pem";
const LEAF_FILE = "test/fixtures/ca/not-a-ca.pem";
const CA_PEM = fs.readFileSync(path.join(PROJECT_DIR, CA_FILE), "utf8");
const NOW = new Date("2026-06-01T00:00:00Z");
const read = (rel: string) => fs.readFileSync(path.join(PROJECT_DIR, rel), "utf8");
const ctx = (over: Partial<CaContext> = {}): CaContext => ({
    syncSecret: true,
    readProjectFile: read,
    now: NOW,
    ...over,
});
const resolve = (input: Record<string, unknown>, over: Partial<CaContext> = {}) =>
    resolveCa(caSchema.parse(input), ctx(over));
const TEST_NAMES = { secretName: "aio-ca-key-pair-test-only", configMapName: "aio-ca-trust-bundle-test-only" };
const CA_FILE_NAMES = { secretName: "aio-ca-key-pair", configMapName: "aio-ca-trust-bundle" };

describe("settings: aio-secrets:ca", () => {
    test("default: init's test CA, 365 days, renewed 30 days before expiry", () => {
        expect(resolve({})).toEqual({
            settings: {
                mode: "test",
                validDays: 365,
                renewBeforeDays: 30,
                secretName: "aio-ca-key-pair-test-only",
                configMapName: "aio-ca-trust-bundle-test-only",
                keyGeneration: 1,
                keepPreviousKey: true,
                signingGeneration: 1,
            },
            problems: [],
        });
    });

    test("renewBeforeDays must be less than validDays", () => {
        expect(resolve({ validDays: 30, renewBeforeDays: 30 }).problems).toEqual([
            expect.objectContaining({
                path: "ca.renewBeforeDays",
                value: "30",
                rule: expect.stringContaining("must be less than ca.validDays (30)"),
            }),
        ]);
        // Only validDays given: the default renewBeforeDays (30) is named, at validDays.
        expect(resolve({ validDays: 20 }).problems).toEqual([
            expect.objectContaining({ path: "ca.validDays", value: "20" }),
        ]);
        expect(resolve({ validDays: 31 }).problems).toEqual([]);
    });

    test("vault mode needs the vault object and the CSI driver's secret sync", () => {
        const { problems } = resolve({ mode: "vault" }, { syncSecret: false });
        expect(problems.map((p) => p.path)).toEqual(["ca.certificate", "ca.mode"]);
        expect(problems[1].rule).toContain("set aio-secrets:cluster.csiDriver.syncSecret: true");
        expect(resolve({ mode: "vault", certificate: "aio-ca" }).settings).toEqual({
            mode: "vault",
            // The names AIO reads on a cluster init set up without --ca-file (and the test CA's).
            secretName: "aio-ca-key-pair-test-only",
            configMapName: "aio-ca-trust-bundle-test-only",
            certificate: "aio-ca",
            trustBundle: undefined,
            syncPod: true,
            syncImage: "registry.k8s.io/pause:3.10",
            renewBeforeDays: 30,
        });
    });

    test("keys of another mode are refused, not ignored", () => {
        expect(resolve({ mode: "test", certificate: "aio-ca", syncPod: false }).problems.map((p) => p.path)).toEqual([
            "ca.certificate",
            "ca.syncPod",
        ]);
        expect(resolve({ mode: "vault", certificate: "aio-ca", validDays: 90 }).problems.map((p) => p.path)).toEqual([
            "ca.validDays",
        ]);
        expect(resolve({ mode: "none", validDays: 90 }).problems.map((p) => p.path)).toEqual(["ca.validDays"]);
        expect(resolve({ mode: "none" })).toEqual({ settings: { mode: "none" }, problems: [] });
    });

    test("schema: mode, ranges, vault object name, unknown keys", () => {
        const bad = (input: unknown) =>
            caSchema.safeParse(input).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        expect(bad({ mode: "selfSigned" })).toEqual(["mode: must be one of test, vault, none"]);
        expect(bad({ validDays: 3651 })).toEqual(["validDays: must be a whole number from 1 to 3650"]);
        expect(bad({ mode: "vault", certificate: "aio_ca" })?.[0]).toContain("letters, digits and hyphens");
        expect(bad({ validdays: 10 })?.[0]).toContain("unknown key");
    });

    test("through the stack settings: problems name the file and the full key path", () => {
        const raw = {
            project: "aio-secrets",
            stack: "dev",
            config: {
                "aio-secrets:keyVault": JSON.stringify({ name: "kv-aio-dev-01", resourceGroupName: "rg" }),
                "aio-secrets:ca": JSON.stringify({ mode: "vault", trustBundleFile: LEAF_FILE }),
            },
            secretKeys: [],
            readProjectFile: read,
        };
        const lines = parseStackSettings(raw).problems.map(formatProblem);
        expect(lines).toEqual(
            expect.arrayContaining([
                expect.stringMatching(
                    /^Pulumi\.dev\.yaml: aio-secrets:ca\.certificate: is required with ca\.mode vault/,
                ),
                expect.stringMatching(
                    /^Pulumi\.dev\.yaml: aio-secrets:ca\.mode "vault": vault needs the CSI driver to sync/,
                ),
                expect.stringMatching(
                    /^Pulumi\.dev\.yaml: aio-secrets:ca\.trustBundleFile "test\/fixtures\/ca\/not-a-ca\.pem": .*is not a CA certificate/,
                ),
            ]),
        );
        const ok = parseStackSettings({
            ...raw,
            config: { ...raw.config, "aio-secrets:ca": JSON.stringify({ mode: "none" }) },
        });
        expect(ok.settings?.ca).toEqual({ mode: "none" });
    });
});

describe("settings: the committed trust bundle", () => {
    test("a CA certificate is accepted, normalized, with its expiry", () => {
        const checked = checkTrustBundle(`# a comment\r\n${CA_PEM.replace(/\n/g, "\r\n")}`, "x.pem", NOW);
        expect("bundle" in checked && checked.bundle.pem).toBe(CA_PEM.slice(CA_PEM.indexOf("-----BEGIN")));
        expect("bundle" in checked && checked.bundle.expiresAt).toBe("2036-11-25T05:21:59Z");
        expect("bundle" in checked && checked.bundle.subjects[0]).toContain("CN=aio-secrets example root CA");
    });

    test.each([
        [
            "a private key",
            `${CA_PEM}-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n`,
            "holds a private key",
        ],
        ["a server certificate", read(LEAF_FILE), "is not a CA certificate"],
        ["no certificate", "hello\n", "holds no PEM certificate"],
        [
            "another PEM block",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            'holds a "PUBLIC KEY" PEM block',
        ],
        [
            "a broken certificate",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "certificate 1 is not a valid X.509 certificate",
        ],
    ])("refused: %s", (_, text, rule) => {
        expect(checkTrustBundle(text, "x.pem", NOW)).toEqual({ rule: expect.stringContaining(rule) });
    });

    test("refused: an expired certificate", () => {
        expect(checkTrustBundle(CA_PEM, "x.pem", new Date("2040-01-01T00:00:00Z"))).toEqual({
            rule: expect.stringContaining("expired on 2036-11-25"),
        });
    });

    test.each([
        ["/etc/ca.pem", "relative to the project root"],
        ["../ca.pem", "inside the project"],
        ["certs\\ca.pem", "'/' as separator"],
        ["missing/ca.pem", "cannot be read"],
    ])("refused path %s", (file, rule) => {
        expect(resolve({ mode: "vault", certificate: "aio-ca", trustBundleFile: file }).problems).toEqual([
            expect.objectContaining({ path: "ca.trustBundleFile", rule: expect.stringContaining(rule) }),
        ]);
    });
});

describe("the CA model", () => {
    test("names, types and keys per mode (init: -test-only for its own CA, without for --ca-file)", () => {
        expect(caModel({ mode: "none" })).toBeUndefined();
        expect(
            caModel({
                mode: "test",
                validDays: 365,
                renewBeforeDays: 30,
                ...TEST_NAMES,
                keyGeneration: 1,
                keepPreviousKey: true,
                signingGeneration: 1,
            }),
        ).toEqual({
            mode: "test",
            secretName: "aio-ca-key-pair-test-only",
            configMapName: "aio-ca-trust-bundle-test-only",
        });
        const vault = {
            mode: "vault" as const,
            ...CA_FILE_NAMES,
            certificate: "my-ca",
            syncPod: false,
            syncImage: "x",
            renewBeforeDays: 30,
        };
        expect(caModel(vault)).toEqual({
            mode: "vault",
            secretName: "aio-ca-key-pair",
            configMapName: undefined,
            vaultObject: { objectName: "my-ca", objectType: "secret", objectVersion: "", objectAlias: "aio-ca.pem" },
            spcName: "aio-ca",
            syncDeploymentName: undefined,
        });
        const bundle = { file: "f", pem: CA_PEM, subjects: [], expiresAt: "2036-01-01T00:00:00Z" };
        expect(caModel({ ...vault, syncPod: true, trustBundle: bundle })).toMatchObject({
            configMapName: "aio-ca-trust-bundle",
            syncDeploymentName: "aio-ca-sync",
        });
    });

    test("the vault object must not be one the stack writes, nor the SPC a catalog one", () => {
        const ca = {
            mode: "vault" as const,
            ...CA_FILE_NAMES,
            certificate: "My-CA",
            syncPod: true,
            syncImage: "x",
            renewBeforeDays: 30,
        };
        expect(
            caNameProblems(ca, {
                written: [{ name: "my-ca", where: "secrets.yaml secrets[0], source config" }],
                spcNames: [],
                caSpcName: "aio-ca",
            }),
        ).toEqual([
            expect.objectContaining({
                path: "ca.certificate",
                rule: expect.stringContaining("the stack would overwrite your CA"),
            }),
        ]);
        expect(
            caNameProblems(ca, { written: [], spcNames: ["aio-ca"], caSpcName: "aio-ca" }).map((p) => p.path),
        ).toEqual(["ca.mode"]);
        expect(
            caNameProblems(
                {
                    mode: "test",
                    validDays: 1,
                    renewBeforeDays: 0,
                    ...TEST_NAMES,
                    keyGeneration: 1,
                    keepPreviousKey: true,
                    signingGeneration: 1,
                },
                { written: [{ name: "My-CA", where: "" }], spcNames: ["aio-ca"], caSpcName: "aio-ca" },
            ),
        ).toEqual([]);
    });

    test("expiry warning within renewBeforeDays, with what to do", () => {
        expect(caExpiryWarning("test", "2026-07-01T00:00:00Z", 30, NOW, "dev")).toBeUndefined();
        expect(caExpiryWarning("test", "2026-06-20T00:00:00Z", 30, NOW, "dev")).toBe(
            "the test CA expires in 19 days (2026-06-20T00:00:00Z); run `pulumi up --refresh --stack dev` to renew it " +
                "(a new certificate for the same key: issued certificates stay valid; clients fetch the new caTrustBundle before the old one expires)",
        );
        expect(caExpiryWarning("vault", "2026-05-01T00:00:00Z", 30, NOW, "dev")).toContain(
            "expired on 2026-05-01T00:00:00Z; renew your CA in Key Vault",
        );
    });
});

/** Runs the program for a stack file made of the minimal one plus `extra` config lines. */
async function runWith(
    extra: string,
    mode: "up" | "preview" = "up",
    catalog = "secrets: []\n",
    clock?: string,
): Promise<RunResult> {
    const dir = scratch({ "Pulumi.ca.yaml": `${MINIMAL_STACK}${extra}`, "secrets.yaml": catalog });
    return runStack({
        stack: "ca",
        stackFile: path.join(dir, "Pulumi.ca.yaml"),
        catalogFile: path.join(dir, "secrets.yaml"),
        mode,
        clock,
    });
}

/** A stack deployed on New Year's Day 2026 (the fake cloud's clocks start then). */
const DEPLOYED_2026 = "2026-01-01T00:00:00Z";

/** The private key (PEM) a certificate resource is signed with, unwrapped for the test. */
const certKey = (run: RunResult, cert: string) =>
    (byName(run, cert).inputs.privateKeyPem as Record<string, unknown>).value as string;
/** `tls.key` / `tls.crt` of the CA Secret, unwrapped for the test. */
const secretData = (run: RunResult) =>
    inputAt(byName(run, "ca-key-pair").inputs, "stringData") as Record<string, string>;
const secretKey = (run: RunResult) => secretData(run)["tls.key"];

const isEnvelope = (v: unknown) =>
    v !== null && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;

describe("test CA: parity with az iot ops init", () => {
    let run: RunResult;
    beforeAll(async () => {
        run = await runWith("");
        expect(run.error).toBeUndefined();
    });

    test("key: ECDSA P-256 (init: ec.SECP256R1)", () => {
        const key = byType(run, "tls:index/privateKey:PrivateKey");
        expect(key).toHaveLength(1);
        expect(key[0].inputs).toMatchObject({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    });

    test("certificate: self-signed CA, init's CN, keyCertSign only, subject key id, 365 days", () => {
        const cert = byName(run, "ca-cert");
        expect(cert.type).toBe("tls:index/selfSignedCert:SelfSignedCert");
        expect(inputAt(cert.inputs, "subject")).toEqual({
            commonName: "Azure IoT Operations Quickstart Root CA - Not for Production",
        });
        expect(cert.inputs).toMatchObject({
            isCaCertificate: true,
            allowedUses: ["cert_signing"],
            setSubjectKeyId: true,
            // init added no AuthorityKeyIdentifier.
            setAuthorityKeyId: false,
            validityPeriodHours: 365 * 24,
        });
        // No path length (init: BasicConstraints(ca=True, path_length=None)).
        expect(cert.inputs.maxPathLength).toBeUndefined();
        // Signed with the key, which travels as a secret.
        expect(isEnvelope(cert.inputs.privateKeyPem)).toBe(true);
    });

    test("Secret aio-ca-key-pair-test-only: kubernetes.io/tls, tls.crt and tls.key, the key wrapped", () => {
        const secret = byName(run, "ca-key-pair");
        expect(inputAt(secret.inputs, "metadata.name")).toBe("aio-ca-key-pair-test-only");
        expect(inputAt(secret.inputs, "metadata.namespace")).toBe("azure-iot-operations");
        expect(inputAt(secret.inputs, "type")).toBe("kubernetes.io/tls");
        expect(isEnvelope(secret.inputs.stringData)).toBe(true);
        const data = inputAt(secret.inputs, "stringData") as Record<string, string>;
        expect(Object.keys(data).sort()).toEqual(["tls.crt", "tls.key"]);
        expect(data["tls.key"]).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
        expect(data["tls.crt"]).toBe(run.outputs.caTrustBundle);
        expect(inputAt(secret.inputs, "metadata.annotations")).toEqual({ "pulumi.com/patchForce": "true" });
    });

    test("ConfigMap aio-ca-trust-bundle-test-only: ca.crt is the certificate, public", () => {
        const bundle = byName(run, "ca-trust-bundle");
        expect(inputAt(bundle.inputs, "metadata.name")).toBe("aio-ca-trust-bundle-test-only");
        expect(inputAt(bundle.inputs, "metadata.namespace")).toBe("azure-iot-operations");
        expect(bundle.inputs.data).toEqual({ "ca.crt": expect.stringMatching(/^-----BEGIN CERTIFICATE-----\n/) });
        expect((bundle.inputs.data as Record<string, string>)["ca.crt"]).toBe(run.outputs.caTrustBundle);
    });

    test("every CA object goes through the program's Kubernetes provider", () => {
        for (const name of ["ca-key-pair", "ca-trust-bundle"])
            expect(byName(run, name).provider).toMatch(/pulumi:providers:kubernetes::kubernetes::/);
    });

    test("outputs: trust bundle, expiry and renewal date", () => {
        expect(run.outputs.caMode).toBe("test");
        expect(run.outputs.caExpiresAt).toBe(addDays(MOCK_CLOCK, 365));
        expect(run.outputs.caRenewalDueAt).toBe(addDays(MOCK_CLOCK, 335));
        expect(run.outputs.caSecretName).toBe("aio-ca-key-pair-test-only");
        expect(run.outputs.caTrustBundleConfigMap).toBe("aio-ca-trust-bundle-test-only");
    });
});

describe("test CA: renewal", () => {
    test("a time:Rotating clock of validDays - renewBeforeDays re-issues the certificate and keeps the key", async () => {
        const run = await runWith(
            "  aio-secrets:ca: { validDays: 90, renewBeforeDays: 10 }\n",
            "up",
            undefined,
            DEPLOYED_2026,
        );
        expect(run.error).toBeUndefined();
        const rotation = byName(run, "ca-rotation");
        expect(rotation.inputs).toEqual({ rotationDays: 80 });
        const rotationId = DEPLOYED_2026; // the mock clock's id (its base time)
        expect(byName(run, "ca-cert").replacementTrigger).toBe(rotationId);
        // The key carries no trigger: a renewal never makes a new key, so the broker's certificates
        // (which cert-manager does not re-issue when its CA Secret changes) keep chaining to the CA.
        expect(byName(run, "ca-key").replacementTrigger).toBeUndefined();
        // Nothing else is replaced by the clock: the Secret and ConfigMap update in place.
        expect(run.resources.filter((r) => r.replacementTrigger !== undefined).map((r) => r.name)).toEqual(["ca-cert"]);
        // One key: the certificate is signed with the key the Secret carries.
        expect(byType(run, "tls:index/privateKey:PrivateKey").map((r) => r.name)).toEqual(["ca-key"]);
        expect(certKey(run, "ca-cert")).toBe(secretKey(run));
        // A backstop for engines without replacementTrigger, later than the clock: one renewal, not two.
        expect(byName(run, "ca-cert").inputs).toMatchObject({
            validityPeriodHours: 90 * 24,
            earlyRenewalHours: 10 * 12,
        });
        expect(run.outputs.caExpiresAt).toBe("2026-04-01T00:00:00Z");
        expect(run.outputs.caRenewalDueAt).toBe("2026-03-22T00:00:00Z");
    });

    test("a CA that expires within renewBeforeDays is warned about; a fresh one is not", async () => {
        const old = await runWith(
            "  aio-secrets:ca: { validDays: 90, renewBeforeDays: 10 }\n",
            "up",
            undefined,
            DEPLOYED_2026,
        );
        expect(old.warnings.filter((w) => w.includes("test CA"))).toEqual([
            expect.stringMatching(
                /^Pulumi\.ca\.yaml: the test CA expired on 2026-04-01T00:00:00Z; run `pulumi up --refresh --stack ca`/,
            ),
        ]);
        const fresh = await runWith("  aio-secrets:ca: { validDays: 3650 }\n");
        expect(fresh.warnings.filter((w) => w.includes("CA"))).toEqual([]);
    });

    test("in a preview the certificate is unknown, the replacement trigger is sent unknown, nothing leaks", async () => {
        const run = await runWith("", "preview");
        expect(run.error).toBeUndefined();
        expect(run.outputs.caTrustBundle).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
        // Unknown trigger: the engine assumes a replacement only while the clock itself is unknown.
        expect(byName(run, "ca-cert").replacementTrigger).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
        expect(byName(run, "ca-key").replacementTrigger).toBeUndefined();
        const files = kubernetesManifests(run);
        const bundle = parse(files.find((f) => f.fileName === "ca-trust-bundle.yaml")!.yaml) as Record<string, unknown>;
        expect(bundle.data).toEqual({ "ca.crt": "(known after up)" });
        expect(outputFiles(run).map((f) => f.fileName)).not.toContain("ca-trust-bundle.pem");
    });
});

describe("test CA: a deliberate key change publishes the old and the new CA", () => {
    test("keyGeneration 2 keeps generation 1 (same resources), adds a new key, and the bundle holds both; the Secret still signs with generation 1", async () => {
        const run = await runWith("  aio-secrets:ca: { keyGeneration: 2 }\n");
        expect(run.error).toBeUndefined();
        // Generation 1 keeps the names it always had: it is neither replaced nor deleted.
        expect(
            byType(run, "tls:index/privateKey:PrivateKey")
                .map((r) => r.name)
                .sort(),
        ).toEqual(["ca-key", "ca-key-g2"]);
        expect(
            byType(run, "tls:index/selfSignedCert:SelfSignedCert")
                .map((r) => r.name)
                .sort(),
        ).toEqual(["ca-cert", "ca-cert-g2"]);
        for (const cert of ["ca-cert", "ca-cert-g2"]) expect(byName(run, cert).replacementTrigger).toBeDefined();
        for (const key of ["ca-key", "ca-key-g2"]) expect(byName(run, key).replacementTrigger).toBeUndefined();
        // The new CA is published first: the Secret AIO's issuer reads keeps generation 1's key, so
        // nothing cert-manager issues meanwhile chains to a CA clients do not have yet.
        expect(secretKey(run)).toBe(certKey(run, "ca-cert"));
        // The trust bundle (ConfigMap and output) holds the new CA, then the previous one.
        const bundle = (byName(run, "ca-trust-bundle").inputs.data as Record<string, string>)["ca.crt"];
        const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g) ?? [];
        expect(blocks).toHaveLength(2);
        expect(blocks[1]).toBe(secretData(run)["tls.crt"]);
        expect(run.outputs.caTrustBundle).toBe(bundle);
        expect(bundle).not.toContain("PRIVATE KEY");
        // What to do next: switch signing once clients have the bundle, re-issue, drop the previous key.
        expect(run.warnings).toEqual(
            expect.arrayContaining([
                expect.stringMatching(
                    /still signs with the previous key.*ca\.signingGeneration: 2.*cmctl renew --namespace <namespace> --all.*ca\.keepPreviousKey: false/,
                ),
            ]),
        );
    });

    test("signingGeneration 2 (a later up): the Secret takes the new key; the bundle still holds both", async () => {
        const published = await runWith("  aio-secrets:ca: { keyGeneration: 2 }\n");
        const run = await runWith("  aio-secrets:ca: { keyGeneration: 2, signingGeneration: 2 }\n");
        expect(run.error).toBeUndefined();
        expect(secretKey(run)).toBe(certKey(run, "ca-cert-g2"));
        expect(secretKey(run)).not.toBe(certKey(run, "ca-cert"));
        const bundle = (byName(run, "ca-trust-bundle").inputs.data as Record<string, string>)["ca.crt"];
        expect(bundle).toBe((byName(published, "ca-trust-bundle").inputs.data as Record<string, string>)["ca.crt"]);
        expect(bundle.indexOf(secretData(run)["tls.crt"])).toBe(0);
        expect(run.warnings).toEqual(
            expect.arrayContaining([
                expect.stringMatching(
                    /^Pulumi\.ca\.yaml: ca\.keyGeneration 2: Secret .* holds the new CA key; .*cmctl renew/,
                ),
            ]),
        );
    });

    test("keepPreviousKey false ends the overlap: only the current generation remains", async () => {
        const run = await runWith("  aio-secrets:ca: { keyGeneration: 2, keepPreviousKey: false }\n");
        expect(run.error).toBeUndefined();
        expect(byType(run, "tls:index/privateKey:PrivateKey").map((r) => r.name)).toEqual(["ca-key-g2"]);
        expect((byName(run, "ca-trust-bundle").inputs.data as Record<string, string>)["ca.crt"]).toBe(
            secretData(run)["tls.crt"],
        );
    });

    test("what to do next: re-issue, then end the overlap; without the overlap, what breaks", () => {
        const base = {
            mode: "test" as const,
            validDays: 365,
            renewBeforeDays: 30,
            ...TEST_NAMES,
            keyGeneration: 1,
            keepPreviousKey: true,
            signingGeneration: 1,
        };
        expect(testCaOverlapWarnings(base, "s")).toEqual([]);
        expect(testCaOverlapWarnings({ ...base, keyGeneration: 2, signingGeneration: 1 }, "s")).toEqual([
            expect.stringMatching(
                /^ca\.keyGeneration 2: the trust bundle holds the new and the previous CA, and Secret s still signs/,
            ),
        ]);
        expect(testCaOverlapWarnings({ ...base, keyGeneration: 2, signingGeneration: 2 }, "s")).toEqual([
            expect.stringMatching(/^ca\.keyGeneration 2: Secret s holds the new CA key; .*cmctl renew/),
        ]);
        expect(
            testCaOverlapWarnings({ ...base, keyGeneration: 2, keepPreviousKey: false, signingGeneration: 2 }, "s"),
        ).toEqual([expect.stringContaining("certificates issued under an earlier key fail TLS until re-issued")]);
        const bundle = { file: "init.pem", pem: CA_PEM, subjects: ["CN=init"], expiresAt: "2036-01-01T00:00:00Z" };
        expect(testCaOverlapWarnings({ ...base, trustBundle: bundle }, "s")).toEqual([
            expect.stringMatching(/^the trust bundle also holds init\.pem \(CN=init\)/),
        ]);
    });

    test("settings: keyGeneration and keepPreviousKey belong to the test CA", () => {
        expect(resolve({ keyGeneration: 3 }).settings).toMatchObject({
            mode: "test",
            keyGeneration: 3,
            keepPreviousKey: true,
            signingGeneration: 2,
        });
        expect(resolve({ keyGeneration: 3, signingGeneration: 3 }).settings).toMatchObject({ signingGeneration: 3 });
        expect(resolve({ keyGeneration: 3, keepPreviousKey: false }).settings).toMatchObject({ signingGeneration: 3 });
        expect(resolve({ keyGeneration: 3, signingGeneration: 1 }).problems).toEqual([
            expect.objectContaining({
                path: "ca.signingGeneration",
                rule: "must be 3 (the new key) or 2 (the previous key, kept while ca.keepPreviousKey is true)",
            }),
        ]);
        expect(resolve({ keyGeneration: 3, keepPreviousKey: false, signingGeneration: 2 }).problems).toEqual([
            expect.objectContaining({
                path: "ca.signingGeneration",
                rule: expect.stringContaining("must be 3, the only key generation declared"),
            }),
        ]);
        expect(resolve({ mode: "none", signingGeneration: 1 }).problems.map((p) => p.path)).toEqual([
            "ca.signingGeneration",
        ]);
        expect(resolve({ keepPreviousKey: false }).problems).toEqual([
            expect.objectContaining({ path: "ca.keepPreviousKey", rule: expect.stringContaining("no previous key") }),
        ]);
        expect(resolve({ mode: "vault", certificate: "aio-ca", keyGeneration: 2 }).problems).toEqual([
            expect.objectContaining({
                path: "ca.keyGeneration",
                rule: expect.stringContaining("put the old and the new CA in ca.trustBundleFile"),
            }),
        ]);
        expect(resolve({ mode: "none", keyGeneration: 2 }).problems.map((p) => p.path)).toEqual(["ca.keyGeneration"]);
        expect(caSchema.safeParse({ keyGeneration: 0 }).success).toBe(false);
    });
});

describe("the CA's Kubernetes names: what AIO on the cluster reads", () => {
    test("defaults: init's -test-only names in a CSI stack (test and vault), aio-ca-key-pair in a secret-sync stack", () => {
        expect(resolve({}).settings).toMatchObject(TEST_NAMES);
        expect(resolve({ mode: "vault", certificate: "aio-ca" }).settings).toMatchObject(TEST_NAMES);
        const ga = resolveCa(caSchema.parse({ mode: "vault", certificate: "c", privateKey: "k" }), {
            syncSecret: false,
            delivery: "secretSync",
            modeGiven: true,
        });
        expect(ga.settings).toMatchObject({ secretName: "aio-ca-key-pair" });
    });

    test("settings: ca.secretName and ca.trustBundleConfigMapName, Kubernetes names, no ConfigMap name in secret-sync mode", () => {
        expect(
            resolve({
                mode: "vault",
                certificate: "aio-ca",
                secretName: "aio-ca-key-pair",
                trustBundleConfigMapName: "aio-ca-trust-bundle",
            }).settings,
        ).toMatchObject(CA_FILE_NAMES);
        const bad = caSchema
            .safeParse({ secretName: "Aio_CA" })
            .error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        expect(bad).toEqual([expect.stringMatching(/^secretName: must be a Kubernetes name/)]);
        const ga = resolveCa(
            caSchema.parse({ mode: "vault", certificate: "c", privateKey: "k", trustBundleConfigMapName: "x" }),
            {
                syncSecret: false,
                delivery: "secretSync",
                modeGiven: true,
            },
        );
        expect(ga.problems).toEqual([
            expect.objectContaining({
                path: "ca.trustBundleConfigMapName",
                rule: expect.stringContaining("writes no ConfigMap"),
            }),
        ]);
        expect(resolve({ mode: "none", secretName: "x" }).problems.map((p) => p.path)).toEqual(["ca.secretName"]);
    });

    test("the program writes the names it is given (test CA and your own CA over CSI)", async () => {
        const names = "    secretName: aio-ca-key-pair\n    trustBundleConfigMapName: aio-ca-trust-bundle\n";
        const test = await runWith(`  aio-secrets:ca:\n${names}`);
        expect(test.error).toBeUndefined();
        expect(inputAt(byName(test, "ca-key-pair").inputs, "metadata.name")).toBe("aio-ca-key-pair");
        expect(inputAt(byName(test, "ca-trust-bundle").inputs, "metadata.name")).toBe("aio-ca-trust-bundle");
        expect(test.outputs).toMatchObject({
            caSecretName: "aio-ca-key-pair",
            caTrustBundleConfigMap: "aio-ca-trust-bundle",
        });
        const own = await runWith(`${VAULT_CA}${names}    trustBundleFile: ${CA_FILE}\n`);
        expect(own.error).toBeUndefined();
        expect(
            (inputAt(byName(own, "ca-spc").inputs, "spec.secretObjects") as { secretName: string }[])[0].secretName,
        ).toBe("aio-ca-key-pair");
        expect(inputAt(byName(own, "ca-trust-bundle").inputs, "metadata.name")).toBe("aio-ca-trust-bundle");
    });

    test("secret sync: the CA's SecretSync takes ca.secretName, and a catalog Secret of that name clashes", () => {
        const ca = {
            mode: "vault" as const,
            ...CA_FILE_NAMES,
            secretName: "my-ca",
            certificate: "c",
            privateKey: "k",
            syncPod: false,
            syncImage: "x",
            renewBeforeDays: 30,
        };
        expect(withCaSync({ objects: [], syncs: [] }, ca).syncs.map((s) => s.name)).toEqual(["my-ca"]);
        expect(caNameProblems(ca, { written: [], spcNames: [], caSpcName: "aio-ca", syncNames: ["my-ca"] })).toEqual([
            expect.objectContaining({
                path: "ca.mode",
                rule: expect.stringContaining("Kubernetes Secret my-ca (ca.secretName)"),
            }),
        ]);
    });
});

test("joinTrustBundle: certificates in order, each once, newline-terminated; one PEM as it is", () => {
    const one = CA_PEM.slice(CA_PEM.indexOf("-----BEGIN"));
    const other = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
    expect(joinTrustBundle([other])).toBe(other);
    expect(joinTrustBundle([other, `${one}${other}\n`])).toBe(`${other}\n${one}`);
    expect(joinTrustBundle([one.replace(/\n/g, "\r\n"), other])).toBe(`${one}${other}\n`);
});

describe("switching the CA never deletes what AIO's issuer and clients read", () => {
    test("the test CA's Secret and ConfigMap are retained on delete, in every stack", async () => {
        const run = await runWith("");
        for (const name of ["ca-key-pair", "ca-trust-bundle"]) expect(byName(run, name).retainOnDelete).toBe(true);
        // The key material is not: it lives only in the stack's state.
        for (const name of ["ca-key", "ca-cert"]) expect(byName(run, name).retainOnDelete).toBe(false);
    });

    test("test -> vault: the vault CA writes the same names; the test CA's objects stay until the vault's take over", async () => {
        const test = await runWith("");
        const vault = await runWith(`${VAULT_CA}    trustBundleFile: ${CA_FILE}\n`);
        expect(vault.error).toBeUndefined();
        const secretOfTest = inputAt(byName(test, "ca-key-pair").inputs, "metadata.name");
        const synced = (inputAt(byName(vault, "ca-spc").inputs, "spec.secretObjects") as { secretName: string }[])[0]
            .secretName;
        expect(synced).toBe(secretOfTest);
        // The ConfigMap of the same name is a new resource (another component): created (taking the
        // object over), and the test CA's, retained, is dropped from the state without a delete.
        expect(inputAt(byName(vault, "ca-trust-bundle").inputs, "metadata.name")).toBe(
            inputAt(byName(test, "ca-trust-bundle").inputs, "metadata.name"),
        );
        expect(byName(vault, "ca-trust-bundle").retainOnDelete).toBe(true);
        expect(byName(vault, "ca-trust-bundle").deleteBeforeReplace).toBe(false);
        // And the warning says how the driver takes over the Secret the test CA left.
        expect(vault.warnings).toEqual(
            expect.arrayContaining([expect.stringContaining("a CSI driver older than v1.6.0 does not overwrite it")]),
        );
    });
});

describe("adopting an init cluster leaves init's CA key alone", () => {
    const ADOPT = "  aio-secrets:adopt: true\n";

    test("the adopt example declares nothing for the CA: no key, no certificate, no CA Secret or ConfigMap", async () => {
        const run = await runStack({ stack: "adopt", mode: "up" });
        expect(run.error).toBeUndefined();
        // (A catalog entry's own rotation clock, under vault-secrets, is not the CA's.)
        expect(
            run.resources.filter(
                (r) =>
                    (r.type.startsWith("tls:") || r.type.startsWith("time:")) && !r.name.startsWith("vault-secrets-"),
            ),
        ).toEqual([]);
        const names = run.resources
            .filter((r) => r.type.startsWith("kubernetes:core/v1:"))
            .map((r) => inputAt(r.inputs, "metadata.name"));
        expect(names).not.toContain("aio-ca-key-pair-test-only");
        expect(names).not.toContain("aio-ca-trust-bundle-test-only");
        expect(run.outputs.caMode).toBe("none");
    });

    test("an explicit test CA on an adopted cluster is refused before any resource, with the reason", async () => {
        const run = await runWith(`${ADOPT}  aio-secrets:ca: { mode: test }\n`);
        expect(run.error).toMatch(/aio-secrets:ca\.mode "test": test on an adopted cluster .*cert-manager issue 2478/);
        expect(run.resources).toHaveLength(0);
        expect(resolve({}, { adopt: true, modeGiven: false })).toEqual({ settings: { mode: "none" }, problems: [] });
        expect(resolve({ validDays: 90 }, { adopt: true, modeGiven: false }).problems).toEqual([
            expect.objectContaining({
                path: "ca.validDays",
                rule: expect.stringContaining("the default with aio-secrets:adopt"),
            }),
        ]);
    });

    test("your own CA on an adopted cluster needs a trust bundle too (it is written over init's Secret)", () => {
        const vault = { mode: "vault", certificate: "aio-ca" };
        expect(resolve(vault, { adopt: true }).problems).toEqual([
            expect.objectContaining({
                path: "ca.mode",
                value: '"vault"',
                rule: expect.stringMatching(
                    /^vault on an adopted cluster .*writes your CA over init's Secret.*init's CA certificate and yours/,
                ),
            }),
        ]);
        expect(resolve({ ...vault, trustBundleFile: CA_FILE }, { adopt: true }).problems).toEqual([]);
        // Not a CSI question in a secret-sync stack: there is no init CA Secret it writes over.
        expect(
            resolveCa(caSchema.parse({ ...vault, privateKey: "k" }), {
                syncSecret: false,
                delivery: "secretSync",
                adopt: true,
            }).problems,
        ).toEqual([]);
    });

    test("taking over with the stack's test CA publishes init's CA next to the new one (ca.trustBundleFile)", async () => {
        const run = await runWith(`${ADOPT}  aio-secrets:ca: { mode: test, trustBundleFile: ${CA_FILE} }\n`);
        expect(run.error).toBeUndefined();
        const initCa = CA_PEM.slice(CA_PEM.indexOf("-----BEGIN"));
        const bundle = (byName(run, "ca-trust-bundle").inputs.data as Record<string, string>)["ca.crt"];
        expect(bundle.startsWith(secretData(run)["tls.crt"])).toBe(true);
        expect(bundle.endsWith(initCa)).toBe(true);
        expect(run.outputs.caTrustBundle).toBe(bundle);
        expect(run.warnings).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/the trust bundle also holds test\/fixtures\/ca\/example-ca\.pem .*cmctl renew/),
            ]),
        );
    });
});

describe("--out with the test CA", () => {
    test("the Secret is redacted, the ConfigMap and ca-trust-bundle.pem carry the public certificate", async () => {
        const run = await runWith("");
        const files = outputFiles(run);
        const secret = parse(files.find((f) => f.fileName === "ca-key-pair.yaml")!.yaml) as Record<string, unknown>;
        expect(secret.stringData).toEqual({ "tls.crt": "[secret]", "tls.key": "[secret]" });
        expect(secret.type).toBe("kubernetes.io/tls");
        const bundle = parse(files.find((f) => f.fileName === "ca-trust-bundle.yaml")!.yaml) as {
            data: Record<string, string>;
        };
        expect(bundle.data["ca.crt"]).toBe(run.outputs.caTrustBundle);
        expect(files.find((f) => f.fileName === "ca-trust-bundle.pem")?.yaml).toBe(run.outputs.caTrustBundle);
        for (const f of files) expect(f.yaml).not.toContain("PRIVATE KEY");
    });
});

const VAULT_CA = `  aio-secrets:cluster:
    csiDriver: { syncSecret: true }
  aio-secrets:ca:
    mode: vault
    certificate: aio-ca-test
`;

describe("your own CA from the vault (CSI)", () => {
    let run: RunResult;
    beforeAll(async () => {
        run = await runWith(`${VAULT_CA}    trustBundleFile: ${CA_FILE}\n`);
        expect(run.error).toBeUndefined();
    });

    test("an SPC aio-ca mounts the vault object as a secret and syncs it to the Secret AIO reads, aio-ca-key-pair-test-only (kubernetes.io/tls)", () => {
        const spc = byName(run, "ca-spc");
        expect(inputAt(spc.inputs, "metadata.name")).toBe("aio-ca");
        expect(inputAt(spc.inputs, "metadata.namespace")).toBe("azure-iot-operations");
        expect(inputAt(spc.inputs, "spec.provider")).toBe("azure");
        expect(inputAt(spc.inputs, "spec.parameters.usePodIdentity")).toBe("false");
        expect(inputAt(spc.inputs, "spec.parameters.keyvaultName")).toBe("kv-test-01");
        expect(parseSpcObjects(inputAt(spc.inputs, "spec.parameters.objects") as string)).toEqual([
            { objectName: "aio-ca-test", objectType: "secret", objectVersion: "", objectAlias: "aio-ca.pem" },
        ]);
        expect(inputAt(spc.inputs, "spec.secretObjects")).toEqual([
            {
                secretName: "aio-ca-key-pair-test-only",
                type: "kubernetes.io/tls",
                data: [
                    { objectName: "aio-ca.pem", key: "tls.key" },
                    { objectName: "aio-ca.pem", key: "tls.crt" },
                ],
            },
        ]);
    });

    test("a small locked-down pod mounts the SPC with aio-akv-sp, so the driver keeps syncing", () => {
        const deployment = byName(run, "ca-sync");
        expect(deployment.type).toBe("kubernetes:apps/v1:Deployment");
        expect(inputAt(deployment.inputs, "metadata.name")).toBe("aio-ca-sync");
        const pod = inputAt(deployment.inputs, "spec.template.spec") as Record<string, unknown>;
        expect(pod.volumes).toEqual([
            {
                name: "aio-ca",
                csi: {
                    driver: "secrets-store.csi.k8s.io",
                    readOnly: true,
                    volumeAttributes: { secretProviderClass: "aio-ca" },
                    nodePublishSecretRef: { name: "aio-akv-sp" },
                },
            },
        ]);
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
        const [container] = pod.containers as Record<string, unknown>[];
        expect(container.image).toBe("registry.k8s.io/pause:3.10");
        expect(container.securityContext).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
        });
        expect(byName(run, "ca-spc").dependsOn).toEqual(
            expect.arrayContaining([expect.stringContaining("cluster-sp-secret")]),
        );
    });

    test("the trust bundle: ConfigMap aio-ca-trust-bundle-test-only and the caTrustBundle output", () => {
        const bundle = byName(run, "ca-trust-bundle");
        expect(inputAt(bundle.inputs, "metadata.name")).toBe("aio-ca-trust-bundle-test-only");
        expect(bundle.inputs.data).toEqual({ "ca.crt": CA_PEM.slice(CA_PEM.indexOf("-----BEGIN")) });
        expect(run.outputs.caTrustBundle).toBe(CA_PEM.slice(CA_PEM.indexOf("-----BEGIN")));
        expect(run.outputs.caExpiresAt).toBe("2036-11-25T05:21:59Z");
        expect(run.outputs.caRenewalDueAt).toBeUndefined();
        expect(run.outputs.caMode).toBe("vault");
    });

    test("the stack never reads the key: no tls resource, no Secret for the CA, nothing written to the vault for it", () => {
        expect(run.resources.filter((r) => r.type.startsWith("tls:"))).toEqual([]);
        expect(byType(run, "kubernetes:core/v1:Secret").map((r) => inputAt(r.inputs, "metadata.name"))).toEqual([
            "aio-akv-sp",
        ]);
        expect(byType(run, "azure-native:keyvault:Secret").map((r) => inputAt(r.inputs, "secretName"))).not.toContain(
            "aio-ca-test",
        );
        expect(run.warnings.filter((w) => w.includes("trustBundleFile"))).toEqual([]);
    });

    test("without a trust bundle: no ConfigMap, and a warning saying where clients get the CA", async () => {
        const bare = await runWith(VAULT_CA);
        expect(bare.error).toBeUndefined();
        expect(byType(bare, "kubernetes:core/v1:ConfigMap")).toEqual([]);
        expect(bare.outputs.caTrustBundle).toBeUndefined();
        expect(bare.warnings).toEqual(
            expect.arrayContaining([
                expect.stringContaining("az keyvault certificate download --vault-name <vault> --name aio-ca-test"),
            ]),
        );
    });

    test("syncPod false: no Deployment, and a warning that something must mount the SPC", async () => {
        const noPod = await runWith(`${VAULT_CA}    syncPod: false\n`);
        expect(byType(noPod, "kubernetes:apps/v1:Deployment")).toEqual([]);
        expect(noPod.warnings).toEqual(
            expect.arrayContaining([expect.stringContaining("only while some pod mounts SecretProviderClass aio-ca")]),
        );
    });

    test("refused before any resource: vault mode without syncSecret, a CA name the stack writes", async () => {
        const noSync = await runWith("  aio-secrets:ca: { mode: vault, certificate: aio-ca-test }\n");
        expect(noSync.error).toContain('aio-secrets:ca.mode "vault": vault needs the CSI driver to sync the CA');
        expect(noSync.resources).toHaveLength(0);
        const clash = await runWith(
            VAULT_CA,
            "up",
            "secrets:\n  - { name: AIO-CA-TEST, source: generated, spcs: [] }\n",
        );
        expect(clash.error).toContain(
            'aio-secrets:ca.certificate "aio-ca-test": is also a vault object the stack writes',
        );
        expect(clash.resources).toHaveLength(0);
    });
});

test("ca.mode none declares nothing for the CA", async () => {
    const run = await runWith("  aio-secrets:ca: { mode: none }\n");
    expect(run.error).toBeUndefined();
    expect(run.resources.filter((r) => r.name === "ca" || r.name.startsWith("ca-"))).toEqual([]);
    expect(run.outputs.caMode).toBe("none");
    expect(run.outputs.caTrustBundle).toBeUndefined();
});

describe("the CA in secret-sync mode", () => {
    const ctx = { syncSecret: false, delivery: "secretSync" as const };
    const parsed = (ca: Record<string, unknown>) => caSchema.parse(ca);

    test("no ca.mode: none (AIO GA brings its own quickstart CA); test is refused with the reason", () => {
        expect(resolveCa(parsed({}), { ...ctx, modeGiven: false })).toEqual({
            settings: { mode: "none" },
            problems: [],
        });
        const refused = resolveCa(parsed({ mode: "test" }), { ...ctx, modeGiven: true });
        expect(refused.settings).toBeUndefined();
        expect(refused.problems.map((p) => p.path)).toEqual(["ca.mode"]);
        expect(refused.problems[0].rule).toMatch(/Azure Resource Manager only.*use ca.mode none, or vault/);
        // A CSI stack keeps init's default.
        expect(resolveCa(parsed({}), { syncSecret: false, modeGiven: false }).settings?.mode).toBe("test");
    });

    test("vault needs the private key as its own vault object, and no CSI-only keys", () => {
        const missing = resolveCa(parsed({ mode: "vault", certificate: "ca-chain", syncPod: false }), {
            ...ctx,
            modeGiven: true,
        });
        expect(missing.problems.map((p) => p.path).sort()).toEqual(["ca.privateKey", "ca.syncPod"]);
        const ok = resolveCa(parsed({ mode: "vault", certificate: "ca-chain", privateKey: "ca-key" }), {
            ...ctx,
            modeGiven: true,
        });
        expect(ok.problems).toEqual([]);
        expect(ok.settings).toMatchObject({ mode: "vault", certificate: "ca-chain", privateKey: "ca-key" });
        // The CSI driver reads the key from the certificate object: privateKey means nothing there.
        const csi = resolveCa(parsed({ mode: "vault", certificate: "ca", privateKey: "ca-key" }), {
            syncSecret: true,
            modeGiven: true,
        });
        expect(csi.problems.map((p) => p.path)).toEqual(["ca.privateKey"]);
    });

    test("the CA lands as a kubernetes.io/tls SecretSync, next to the catalog's, and its objects in the SPC", () => {
        const model = withCaSync(
            {
                objects: [{ objectName: "mq-password", objectType: "secret" }],
                syncs: [
                    { name: "mq", type: "Opaque", mappings: [{ sourcePath: "mq-password", targetKey: "password" }] },
                ],
            },
            {
                mode: "vault",
                ...CA_FILE_NAMES,
                certificate: "ca-chain",
                privateKey: "ca-key",
                syncPod: true,
                syncImage: "x",
                renewBeforeDays: 30,
            },
        );
        expect(model.objects.map((o) => o.objectName)).toEqual(["ca-chain", "ca-key", "mq-password"]);
        expect(model.syncs.map((s) => [s.name, s.type])).toEqual([
            ["aio-ca-key-pair", "kubernetes.io/tls"],
            ["mq", "Opaque"],
        ]);
        expect(model.syncs[0].mappings).toEqual([
            { sourcePath: "ca-chain", targetKey: "tls.crt" },
            { sourcePath: "ca-key", targetKey: "tls.key" },
        ]);
    });

    test("the ga example syncs its CA through the Secret Store, with no Kubernetes object", async () => {
        const run = await runStack({ stack: "ga", mode: "up" });
        expect(run.error).toBeUndefined();
        const caSync = byType(run, "azure-native:secretsynccontroller:SecretSync").find(
            (r) => inputAt(r.inputs, "secretSyncName") === "aio-ca-key-pair",
        );
        expect(caSync && inputAt(caSync.inputs, "kubernetesSecretType")).toBe("kubernetes.io/tls");
        expect(caSync && inputAt(caSync.inputs, "objectSecretMapping")).toEqual([
            { sourcePath: "aio-ca-ga-chain", targetKey: "tls.crt" },
            { sourcePath: "aio-ca-ga-key", targetKey: "tls.key" },
        ]);
        const spc = byType(run, "azure-native:secretsynccontroller:AzureKeyVaultSecretProviderClass")[0];
        expect(String(inputAt(spc.inputs, "objects"))).toMatch(
            /objectName: aio-ca-ga-chain[\s\S]*objectName: aio-ca-ga-key/,
        );
        expect(run.resources.filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("tls:"))).toEqual([]);
        expect(run.outputs.caMode).toBe("vault");
        expect(run.outputs.caSecretName).toBe("aio-ca-key-pair");
        expect(String(run.outputs.caTrustBundle)).toMatch(/^-----BEGIN CERTIFICATE-----/);
    });
});

describe("trust bundle files are read safely", () => {
    const { readInsideProject, MAX_PROJECT_FILE_BYTES } =
        jest.requireActual<typeof import("../stacks/load")>("../stacks/load");
    const example = fs.readFileSync(path.join(PROJECT_DIR, "test", "fixtures", "ca", "example-ca.pem"), "utf8");

    test("a symlink that points out of the project, a FIFO, a directory and an oversized file are refused", () => {
        const dir = scratch({ "certs/ca.pem": example, "big.pem": "x".repeat(MAX_PROJECT_FILE_BYTES + 1) });
        const outside = scratch({ "secret.pem": example });
        fs.symlinkSync(path.join(outside, "secret.pem"), path.join(dir, "certs", "link.pem"));
        fs.mkdirSync(path.join(dir, "adir"));
        expect(readInsideProject(dir, "certs/ca.pem")).toBe(example);
        expect(() => readInsideProject(dir, "certs/link.pem")).toThrow("resolves outside the project");
        expect(() => readInsideProject(dir, "adir")).toThrow("is not a regular file");
        expect(() => readInsideProject(dir, "big.pem")).toThrow(/at most 1048576/);
        if (process.platform !== "win32") {
            execFileSync("mkfifo", [path.join(dir, "fifo.pem")]);
            expect(() => readInsideProject(dir, "fifo.pem")).toThrow("is not a regular file");
        }
        // A symlink that stays inside the project is fine.
        fs.symlinkSync("ca.pem", path.join(dir, "certs", "same.pem"));
        expect(readInsideProject(dir, "certs/same.pem")).toBe(example);
    });

    test("the rule reaches the settings error, naming the key", () => {
        const dir = scratch({ "x.pem": example });
        fs.symlinkSync("/etc/hostname", path.join(dir, "escape.pem"));
        const result = resolveCa(caSchema.parse({ mode: "vault", certificate: "ca", trustBundleFile: "escape.pem" }), {
            syncSecret: true,
            readProjectFile: (p) => readInsideProject(dir, p),
        });
        expect(result.problems).toEqual([
            {
                path: "ca.trustBundleFile",
                rule: "resolves outside the project (a symbolic link?)",
                value: '"escape.pem"',
            },
        ]);
    });

    test("a file of unterminated BEGIN lines is checked in linear time", () => {
        const hostile = "-----BEGIN CERTIFICATE-----\n".repeat(36000);
        const start = Date.now();
        expect(checkTrustBundle(hostile, "x.pem", new Date())).toEqual({
            rule: "x.pem holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        });
        expect(Date.now() - start).toBeLessThan(500);
    });
});

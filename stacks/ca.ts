import { X509Certificate } from "node:crypto";
import * as path from "node:path";
import { z } from "zod";
import { intRange, ruled, strictObject } from "./schema";
import * as rules from "./rules";
import { DEFAULT_DELIVERY, type DeliveryMode, MODES } from "../delivery/modes";

/**
 * `aio-secrets:ca`: the certificate authority AIO's MQTT broker issues its TLS server
 * certificates from. Schema, defaults and cross-field rules; pure apart from reading the
 * committed trust bundle file through the reader it is given.
 *
 * `az iot ops init` made a self-signed test CA unless given `--ca-file` (see
 * model/ca.ts for what it wrote). `test` does the same as code, `vault` takes your
 * own CA from Key Vault, `none` leaves the CA to something else.
 */

export const CA_MODES = ["test", "vault", "none"] as const;
export type CaMode = (typeof CA_MODES)[number];

/** init's `--ca-valid-days` default. */
export const DEFAULT_CA_VALID_DAYS = 365;
export const DEFAULT_CA_RENEW_BEFORE_DAYS = 30;
/**
 * The sync pod's image: the Kubernetes pause image (registry.k8s.io/pause, 3.10 since
 * Kubernetes 1.31), which only sleeps. Air-gapped clusters point `ca.syncImage` at a mirror.
 */
export const DEFAULT_SYNC_IMAGE = "registry.k8s.io/pause:3.10";
/** The highest `ca.keyGeneration`. */
export const MAX_CA_KEY_GENERATION = 1000;

/**
 * The names `az iot ops init` configured AIO's trust with (`aioTrust.*`, read by AIO's cert-manager
 * issuer and its clients): without `--ca-file` the test CA's, with it the names without
 * `-test-only` (azure-iot-ops-cli-extension, `prepare_ca`: secret_name "aio-ca-key-pair",
 * cm_name "aio-ca-trust-bundle", plus "-test-only" for the generated CA).
 */
export const INIT_CA_NAMES = {
    test: { secretName: "aio-ca-key-pair-test-only", configMapName: "aio-ca-trust-bundle-test-only" },
    caFile: { secretName: "aio-ca-key-pair", configMapName: "aio-ca-trust-bundle" },
} as const;

/** CSI delivery of your own CA: the SPC that mounts it (a name the catalog may not use). */
export const CA_SPC_NAME = "aio-ca";

export const caSchema = strictObject({
    mode: z.enum(CA_MODES, { error: `must be one of ${CA_MODES.join(", ")}` }).default("test"),
    // Defaults are applied in resolveCa: which keys were given decides what applies.
    validDays: intRange(1, 3650).optional(),
    renewBeforeDays: intRange(1, 3649).optional(),
    certificate: ruled(rules.vaultObjectName).optional(),
    privateKey: ruled(rules.vaultObjectName).optional(),
    trustBundleFile: z.string().min(1, "must not be empty").max(1024, "must be at most 1024 characters").optional(),
    syncPod: z.boolean().optional(),
    secretName: ruled(rules.dns1123Subdomain).optional(),
    trustBundleConfigMapName: ruled(rules.dns1123Subdomain).optional(),
    keyGeneration: intRange(1, MAX_CA_KEY_GENERATION).optional(),
    keepPreviousKey: z.boolean().optional(),
    signingGeneration: intRange(1, MAX_CA_KEY_GENERATION).optional(),
    syncImage: z
        .string()
        .min(1, "must not be empty")
        .max(512, "must be at most 512 characters")
        .regex(/^[a-z0-9][a-z0-9._\-/:@]*$/, "must be an image reference such as registry.k8s.io/pause:3.10")
        .optional(),
});

export type ParsedCa = z.infer<typeof caSchema>;

/** A committed public PEM of your CA chain, checked. */
export interface TrustBundle {
    /** The file as given in the settings (relative to the project root). */
    file: string;
    /** The certificates, PEM, normalized (one block after another, LF line ends). */
    pem: string;
    /** Subject of each certificate, in file order. */
    subjects: string[];
    /** The earliest expiry among the certificates (RFC 3339). */
    expiresAt: string;
}

/** The Kubernetes names AIO's issuer and clients read the CA from (`ca.secretName`, `ca.trustBundleConfigMapName`). */
export interface CaNames {
    /** The `kubernetes.io/tls` Secret with the CA's certificate and key. */
    secretName: string;
    /** The ConfigMap with the trust bundle (`ca.crt`); a secret-sync stack writes none. */
    configMapName: string;
}

/** Validated CA settings. */
export type CaSettings =
    | { mode: "none" }
    | (CaNames & {
          /** A self-signed test CA made and renewed by the stack, as init made it. */
          mode: "test";
          validDays: number;
          /** Renew (a new certificate for the same key) this many days before expiry. */
          renewBeforeDays: number;
          /** Which CA key is current: raising it by one makes a new key on purpose. 1.. */
          keyGeneration: number;
          /** With keyGeneration >= 2: keep generation - 1 and publish its certificate too (the overlap). */
          keepPreviousKey: boolean;
          /**
           * The generation whose key the Secret holds (what AIO's issuer signs with): keyGeneration, or
           * keyGeneration - 1 while it is kept. Default: the previous one while kept, so a new key is
           * published in the trust bundle before anything is signed with it.
           */
          signingGeneration: number;
          /** More CA certificates to publish next to the test CA (a CA it takes over, e.g. init's). */
          trustBundle?: TrustBundle;
      })
    | (CaNames & {
          /** Your own CA, read from Key Vault by the cluster; the stack never reads the key. */
          mode: "vault";
          /** Key Vault object (a certificate with its key, or a secret with PEM chain and key). */
          certificate: string;
          /**
           * Secret-sync delivery only: the vault secret holding the CA's private key (PEM); the
           * Secret Store extension maps one vault object to one key, so `certificate` then holds
           * the certificate chain (PEM) alone.
           */
          privateKey?: string;
          trustBundle?: TrustBundle;
          /** Declare the pod that keeps the CSI driver syncing the CA into the cluster. */
          syncPod: boolean;
          syncImage: string;
          /** Warn this many days before the trust bundle's certificates expire. */
          renewBeforeDays: number;
      });

export interface CaProblem {
    /** Key path below `aio-secrets:` (e.g. `ca.certificate`). */
    path: string;
    rule: string;
    value?: string;
}

export interface CaContext {
    /** `cluster.csiDriver.syncSecret`: the CSI driver syncs `secretObjects` only with it on. */
    syncSecret: boolean;
    /** The stack's delivery mode. Default: the default mode (delivery/modes.ts). */
    delivery?: DeliveryMode;
    /**
     * Whether the stack writes through a Kubernetes provider (init's test CA, the trust bundle
     * ConfigMap); false: Azure Resource Manager only, so the CA defaults to `none` and to the
     * names AIO GA reads. Default: the delivery mode's (delivery/modes.ts `kubernetesProvider`).
     */
    kubernetesProvider?: boolean;
    /** Whether `ca.mode` was written (its default depends on the delivery mode). Default true. */
    modeGiven?: boolean;
    /** `aio-secrets:adopt`: the cluster went through `az iot ops init`, which made its own CA. Default false. */
    adopt?: boolean;
    /** Reads a file relative to the project root; throws when it cannot. Absent: file keys are refused. */
    readProjectFile?: (relativePath: string) => string;
    /** The clock for expiry checks. Default: now. */
    now?: Date;
}

/**
 * The PEM blocks of a text, in one pass over its lines (a regular expression over the whole text
 * backtracks badly on many unterminated BEGIN lines). `[0]` is the block's text, `[1]` its label;
 * a block without its END line is not returned.
 */
function pemBlocks(text: string): [string, string][] {
    const blocks: [string, string][] = [];
    let open: { label: string; lines: string[] } | undefined;
    for (const raw of text.split("\n")) {
        const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        const begin = /^-----BEGIN ([A-Z0-9 ]+)-----$/.exec(line);
        if (begin) {
            open = { label: begin[1], lines: [line] };
            continue;
        }
        if (!open) continue;
        open.lines.push(line);
        if (line === `-----END ${open.label}-----`) {
            blocks.push([open.lines.join("\n"), open.label]);
            open = undefined;
        }
    }
    return blocks;
}

/**
 * Checks a trust bundle's text: PEM certificates only (a private key is refused outright), each
 * one a CA certificate (BasicConstraints ca=true), none expired. Returns the problem's rule, or
 * the bundle.
 */
export function checkTrustBundle(text: string, file: string, now: Date): { rule: string } | { bundle: TrustBundle } {
    // A byte order mark before the first line, as editors on Windows write it: openssl and Go's
    // pem.Decode skip to the first BEGIN line, so it is accepted here too.
    const blocks = pemBlocks(text.replace(/^\uFEFF/, ""));
    if (blocks.some((b) => b[1].includes("PRIVATE KEY")) || /PRIVATE KEY-----/.test(text)) {
        return {
            rule: `${file} holds a private key: a trust bundle is public and committed; keep only the CA certificates (the key stays in Key Vault)`,
        };
    }
    const other = blocks.find((b) => b[1] !== "CERTIFICATE");
    if (other) return { rule: `${file} holds a "${other[1]}" PEM block; a trust bundle holds only CERTIFICATE blocks` };
    if (blocks.length === 0) return { rule: `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
    const subjects: string[] = [];
    let earliest: Date | undefined;
    for (const [i, block] of blocks.entries()) {
        let cert: X509Certificate;
        try {
            cert = new X509Certificate(block[0]);
        } catch {
            return { rule: `${file}: certificate ${i + 1} is not a valid X.509 certificate` };
        }
        const subject = cert.subject.replace(/\n/g, ", ");
        if (!cert.ca)
            return {
                rule: `${file}: certificate ${i + 1} (${subject}) is not a CA certificate (BasicConstraints ca=true); give the CA chain, not a server certificate`,
            };
        const end = new Date(cert.validTo);
        if (end.getTime() <= now.getTime())
            return { rule: `${file}: certificate ${i + 1} (${subject}) expired on ${end.toISOString()}` };
        if (earliest === undefined || end < earliest) earliest = end;
        subjects.push(subject);
    }
    const pem = blocks.map((b) => `${b[0]}\n`).join("");
    return { bundle: { file, pem, subjects, expiresAt: earliest!.toISOString().replace(/\.\d{3}Z$/, "Z") } };
}

/** A project-relative path that stays inside the project. */
function projectPathProblem(file: string): string | undefined {
    if (path.isAbsolute(file) || /^[A-Za-z]:/.test(file) || file.startsWith("/"))
        return "must be a path relative to the project root (where Pulumi.yaml is)";
    if (file.includes("\\")) return "must use '/' as separator";
    if (file.split("/").includes("..")) return "must stay inside the project (no '..')";
    return undefined;
}

/** Keys that apply only to `ca.mode: test`, with why. */
const TEST_ONLY_KEYS = ["keyGeneration", "keepPreviousKey", "signingGeneration"] as const;

/** Whether the stack has a Kubernetes provider: given, else its delivery mode's. */
function hasKubernetes(ctx: CaContext): boolean {
    return ctx.kubernetesProvider ?? MODES[ctx.delivery ?? DEFAULT_DELIVERY].kubernetesProvider;
}

/**
 * Where the CA's mode comes from when `ca.mode` is not written: a secret-sync stack deploys
 * through Azure Resource Manager only and AIO GA brings its own quickstart CA; an adopted
 * cluster already has init's CA, which a new test CA would replace (a new key in its Secret:
 * cert-manager does not re-issue the broker's certificates, cert-manager issue 2478). Both: none.
 */
function defaultMode(ctx: CaContext): { mode: CaMode; why?: string } {
    if (ctx.modeGiven !== false) return { mode: "test" };
    if (!hasKubernetes(ctx)) return { mode: "none", why: `the default in ${ctx.delivery ?? DEFAULT_DELIVERY} mode` };
    if (ctx.adopt === true)
        return { mode: "none", why: "the default with aio-secrets:adopt: init's CA stays as it is" };
    return { mode: "test" };
}

/**
 * The Secret and ConfigMap names: given, else what AIO on such a cluster reads. A CSI stack's
 * cluster reads the names init configured, the `-test-only` ones unless init was given
 * `--ca-file` (then set the names); AIO GA reads no fixed name (its trust settings name an
 * issuer and a ConfigMap), so a secret-sync stack's Secret is `aio-ca-key-pair`, the one its
 * cert-manager Issuer points at.
 */
function caNames(parsed: ParsedCa, armOnly: boolean): CaNames {
    const defaults = armOnly ? INIT_CA_NAMES.caFile : INIT_CA_NAMES.test;
    return {
        secretName: parsed.secretName ?? defaults.secretName,
        configMapName: parsed.trustBundleConfigMapName ?? defaults.configMapName,
    };
}

/** `ca.trustBundleFile`, read and checked; problems are added to `problems`. */
function readTrustBundle(parsed: ParsedCa, ctx: CaContext, problems: CaProblem[]): TrustBundle | undefined {
    const file = parsed.trustBundleFile;
    if (file === undefined) return undefined;
    const refuse = (rule: string) =>
        void problems.push({ path: "ca.trustBundleFile", rule, value: JSON.stringify(file) });
    const pathProblem = projectPathProblem(file);
    if (pathProblem) return refuse(pathProblem);
    if (!ctx.readProjectFile) return refuse("cannot be read here (no project directory)");
    let text: string;
    try {
        text = ctx.readProjectFile(file);
    } catch (e) {
        return refuse(
            e instanceof Error && !("code" in e) ? e.message : "cannot be read (no such file in the project)",
        );
    }
    const checked = checkTrustBundle(text, file, ctx.now ?? new Date());
    if ("rule" in checked) return refuse(checked.rule);
    return checked.bundle;
}

/** What the mode resolvers share: the input with its defaults, and the problems found so far. */
interface Resolving {
    parsed: ParsedCa;
    ctx: CaContext;
    /** The stack deploys through Azure Resource Manager only (no Kubernetes provider). */
    armOnly: boolean;
    given: (key: keyof ParsedCa) => boolean;
    problems: CaProblem[];
    names: CaNames;
    validDays: number;
    renewBeforeDays: number;
}

type Resolved = { settings?: CaSettings; problems: CaProblem[] };

/**
 * A mode the context refuses outright: test in a secret-sync stack; on an adopted cluster, a CA
 * written over init's without a trust bundle that keeps init's CA trusted.
 */
function refusedMode(r: Pick<Resolving, "parsed" | "ctx" | "armOnly" | "given">): CaProblem | undefined {
    const mode = r.parsed.mode;
    if (r.armOnly && mode === "test") {
        return {
            path: "ca.mode",
            rule:
                "test is init's CA, a Secret and a ConfigMap the stack writes through a Kubernetes provider, and a secretSync stack " +
                "deploys through Azure Resource Manager only; AIO GA deploys its own quickstart CA: use ca.mode none, or vault with your CA in Key Vault",
            value: '"test"',
        };
    }
    if (r.ctx.adopt === true && !r.armOnly && mode !== "none" && !r.given("trustBundleFile")) {
        const what = mode === "test" ? "makes a new CA key and writes it" : "writes your CA";
        const also = mode === "test" ? "" : " and yours";
        return {
            path: "ca.mode",
            rule:
                `${mode} on an adopted cluster (aio-secrets:adopt) ${what} over init's Secret; cert-manager ` +
                "does not re-issue the broker's certificates when its CA Secret changes (cert-manager issue 2478), so a trust bundle without init's CA " +
                `breaks TLS: leave ca.mode unset (none: init's CA stays as it is), or set ca.trustBundleFile to init's CA certificate${also} ` +
                "(kubectl get configmap aio-ca-trust-bundle-test-only -n <namespace> -o jsonpath='{.data.ca\\.crt}') so the bundle holds both",
            value: JSON.stringify(mode),
        };
    }
    return undefined;
}

/**
 * Which key generation the test CA's Secret holds. A key change is two `up`s: the first publishes
 * the new CA in the trust bundle while the Secret keeps signing with the previous key (the
 * default while it is kept), the second (`signingGeneration` = `keyGeneration`) switches signing,
 * once clients have the bundle; a certificate cert-manager issues in between is then never signed
 * by a CA its clients do not trust yet. Only the current or the kept previous generation can sign.
 */
export function signingGenerationOf(
    keyGeneration: number,
    keepPreviousKey: boolean,
    given: number | undefined,
): { generation: number } | { rule: string } {
    const previousKept = keyGeneration > 1 && keepPreviousKey;
    if (given === undefined) return { generation: previousKept ? keyGeneration - 1 : keyGeneration };
    if (given === keyGeneration || (previousKept && given === keyGeneration - 1)) return { generation: given };
    return {
        rule: previousKept
            ? `must be ${keyGeneration} (the new key) or ${keyGeneration - 1} (the previous key, kept while ca.keepPreviousKey is true)`
            : `must be ${keyGeneration}, the only key generation declared (ca.keyGeneration${keyGeneration > 1 ? " with ca.keepPreviousKey false" : ""})`,
    };
}

/** `ca.mode: test`: init's test CA, with the key generations and the extra trust bundle. */
function resolveTest(r: Resolving): Resolved {
    const { parsed, given, problems } = r;
    for (const key of ["certificate", "syncPod", "syncImage"] as const) {
        if (given(key))
            problems.push({
                path: `ca.${key}`,
                rule: `applies only to ca.mode vault (your own CA in Key Vault); remove it or set ca.mode: vault`,
            });
    }
    const keyGeneration = parsed.keyGeneration ?? 1;
    if (given("keepPreviousKey") && keyGeneration === 1) {
        problems.push({
            path: "ca.keepPreviousKey",
            rule: "has no effect with ca.keyGeneration 1 (there is no previous key); remove it",
            value: String(parsed.keepPreviousKey),
        });
    }
    const keepPreviousKey = parsed.keepPreviousKey ?? true;
    const signing = signingGenerationOf(keyGeneration, keepPreviousKey, parsed.signingGeneration);
    if ("rule" in signing)
        problems.push({ path: "ca.signingGeneration", rule: signing.rule, value: String(parsed.signingGeneration) });
    const trustBundle = readTrustBundle(parsed, r.ctx, problems);
    if (problems.length > 0 || "rule" in signing) return { problems };
    const { validDays, renewBeforeDays, names } = r;
    return {
        settings: {
            mode: "test",
            validDays,
            renewBeforeDays,
            ...names,
            keyGeneration,
            keepPreviousKey,
            signingGeneration: signing.generation,
            ...(trustBundle ? { trustBundle } : {}),
        },
        problems,
    };
}

/** `ca.mode: vault`: your own CA from Key Vault, per delivery mode. */
function resolveVault(r: Resolving): Resolved {
    const { parsed, given, problems } = r;
    if (given("validDays"))
        problems.push({
            path: "ca.validDays",
            rule: "applies only to ca.mode test: your own CA's lifetime is set where it was issued",
        });
    for (const key of TEST_ONLY_KEYS) {
        if (given(key)) {
            problems.push({
                path: `ca.${key}`,
                rule: "applies only to ca.mode test: your own CA's key changes in Key Vault; for the overlap, put the old and the new CA in ca.trustBundleFile",
            });
        }
    }
    if (parsed.certificate === undefined) {
        problems.push({
            path: "ca.certificate",
            rule: "is required with ca.mode vault: the Key Vault object holding your CA (a certificate with its private key, or a secret with the PEM chain and key)",
        });
    }
    if (r.armOnly) {
        if (parsed.privateKey === undefined) {
            problems.push({
                path: "ca.privateKey",
                rule: "is required with ca.mode vault in secretSync mode: the vault secret holding the CA's private key (PEM); ca.certificate then holds the certificate chain (PEM)",
            });
        }
        for (const key of ["syncPod", "syncImage"] as const) {
            if (given(key))
                problems.push({
                    path: `ca.${key}`,
                    rule: "applies only to the CSI driver (a pod keeps it syncing); the Secret Store extension syncs on its own",
                });
        }
    } else if (!r.ctx.syncSecret) {
        problems.push({
            path: "ca.mode",
            rule:
                "vault needs the CSI driver to sync the CA into a Kubernetes Secret: set aio-secrets:cluster.csiDriver.syncSecret: true " +
                "(the extension setting secrets-store-csi-driver.syncSecret.enabled), or use ca.mode test or none",
            value: '"vault"',
        });
    }
    const trustBundle = readTrustBundle(parsed, r.ctx, problems);
    if (problems.length > 0) return { problems };
    return {
        settings: {
            mode: "vault",
            ...r.names,
            certificate: parsed.certificate!,
            ...(parsed.privateKey !== undefined ? { privateKey: parsed.privateKey } : {}),
            trustBundle,
            syncPod: parsed.syncPod ?? true,
            syncImage: parsed.syncImage ?? DEFAULT_SYNC_IMAGE,
            renewBeforeDays: r.renewBeforeDays,
        },
        problems,
    };
}

/** Cross-field rules of `aio-secrets:ca` and the validated settings. */
export function resolveCa(input: ParsedCa, ctx: CaContext): Resolved {
    const problems: CaProblem[] = [];
    const armOnly = !hasKubernetes(ctx);
    const defaulted = defaultMode(ctx);
    const parsed: ParsedCa = ctx.modeGiven === false ? { ...input, mode: defaulted.mode } : input;
    const given = (key: keyof ParsedCa) => Object.hasOwn(parsed, key) && parsed[key] !== undefined;
    const refused = refusedMode({ parsed, ctx, armOnly, given });
    if (refused) return { problems: [refused] };
    if (!armOnly && given("privateKey")) {
        problems.push({
            path: "ca.privateKey",
            rule: "applies only to aio-secrets:delivery secretSync; the CSI driver reads the certificate and its key from ca.certificate",
        });
    }
    if (parsed.mode === "none") {
        // Keys of the other modes would silently do nothing.
        const ignored = (
            [
                "validDays",
                "renewBeforeDays",
                "certificate",
                "privateKey",
                "trustBundleFile",
                "syncPod",
                "syncImage",
                "secretName",
                "trustBundleConfigMapName",
                ...TEST_ONLY_KEYS,
            ] as const
        ).filter(given);
        const why = ctx.modeGiven === false && defaulted.why ? ` (${defaulted.why})` : "";
        for (const key of ignored)
            problems.push({
                path: `ca.${key}`,
                rule: `has no effect with ca.mode none${why} (the stack declares no CA); remove it or set ca.mode`,
            });
        return problems.length > 0 ? { problems } : { settings: { mode: "none" }, problems };
    }
    if (armOnly && given("trustBundleConfigMapName")) {
        problems.push({
            path: "ca.trustBundleConfigMapName",
            rule: "has no effect in secretSync mode: the stack writes no ConfigMap (no Kubernetes provider); name it in AIO's trust settings (configMapName) instead",
        });
    }

    const validDays = parsed.validDays ?? DEFAULT_CA_VALID_DAYS;
    const renewBeforeDays = parsed.renewBeforeDays ?? DEFAULT_CA_RENEW_BEFORE_DAYS;
    if (renewBeforeDays >= validDays && parsed.mode === "test") {
        problems.push({
            path: given("renewBeforeDays") ? "ca.renewBeforeDays" : "ca.validDays",
            rule: `ca.renewBeforeDays (${renewBeforeDays}) must be less than ca.validDays (${validDays}): the CA is renewed renewBeforeDays before it expires`,
            value: String(given("renewBeforeDays") ? renewBeforeDays : validDays),
        });
    }
    const r: Resolving = {
        parsed,
        ctx,
        armOnly,
        given,
        problems,
        names: caNames(parsed, armOnly),
        validDays,
        renewBeforeDays,
    };
    return parsed.mode === "test" ? resolveTest(r) : resolveVault(r);
}

/** What the catalog and settings name, for {@link caNameProblems}. */
export interface CaNameContext {
    /** Vault object names the stack writes (the generated default secret, config/generated catalog entries). */
    written: readonly { name: string; where: string }[];
    /** SPC names the catalog declares. */
    spcNames: readonly string[];
    /** The SPC name the CA's CSI delivery uses. */
    caSpcName: string;
    /** Kubernetes Secrets the catalog's `sync` entries write (secret-sync mode). */
    syncNames?: readonly string[];
}

/**
 * Your own CA is mounted, never written: a catalog entry or default secret the stack writes
 * under the same vault name would overwrite the CA, and a catalog SPC under the CA's SPC name
 * would be declared twice. Key Vault names compare without case.
 */
export function caNameProblems(ca: CaSettings, ctx: CaNameContext): CaProblem[] {
    if (ca.mode !== "vault") return [];
    const problems: CaProblem[] = [];
    const objects: [string, string | undefined][] = [
        ["ca.certificate", ca.certificate],
        ["ca.privateKey", ca.privateKey],
    ];
    for (const [key, name] of objects) {
        if (name === undefined) continue;
        const clash = ctx.written.find((w) => w.name.toLowerCase() === name.toLowerCase());
        if (clash) {
            problems.push({
                path: key,
                rule: `is also a vault object the stack writes (${clash.where}): the stack would overwrite your CA; name a different vault object`,
                value: JSON.stringify(name),
            });
        }
    }
    if (ca.privateKey !== undefined && ca.privateKey.toLowerCase() === ca.certificate.toLowerCase()) {
        problems.push({
            path: "ca.privateKey",
            rule: "must be another vault object than ca.certificate (one object per Secret key)",
            value: JSON.stringify(ca.privateKey),
        });
    }
    if (ctx.syncNames?.includes(ca.secretName)) {
        problems.push({
            path: "ca.mode",
            rule: `vault writes Kubernetes Secret ${ca.secretName} (ca.secretName), which the catalog's sync entries write too; rename the catalog's`,
            value: '"vault"',
        });
    }
    if (ctx.spcNames.includes(ctx.caSpcName)) {
        problems.push({
            path: "ca.mode",
            rule: `vault declares SecretProviderClass ${ctx.caSpcName}, which the catalog declares too; rename the catalog's`,
            value: '"vault"',
        });
    }
    return problems;
}

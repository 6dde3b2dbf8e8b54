/**
 * Naming and format rules of Azure Key Vault, Kubernetes and Pulumi, as pure checks.
 * Each returns the broken rule as a message, or undefined when the value is fine.
 * Sources: Key Vault naming (learn.microsoft.com "Azure Key Vault keys, secrets and
 * certificates overview" and the resource-name rules for Microsoft.KeyVault), Kubernetes
 * object names (DNS-1123), and the Secrets Store CSI driver's rotation poll interval
 * (a Go duration).
 */

export type Rule = (value: string) => string | undefined;

/** Key Vault name: 3-24 chars, letters/digits/hyphens, starts with a letter, ends with a letter or digit, no `--`. */
export const vaultName: Rule = (v) => {
    if (v.length < 3 || v.length > 24) return `must be 3-24 characters (is ${v.length})`;
    if (!/^[A-Za-z0-9-]+$/.test(v)) return "only letters, digits and hyphens";
    if (!/^[A-Za-z]/.test(v)) return "must start with a letter";
    if (!/[A-Za-z0-9]$/.test(v)) return "must end with a letter or digit";
    if (v.includes("--")) return "no consecutive hyphens";
    return undefined;
};

/** Key Vault object (secret, key, certificate) name: 1-127 chars, letters, digits and hyphens. */
export const vaultObjectName: Rule = (v) => {
    if (v.length < 1 || v.length > 127) return `must be 1-127 characters (is ${v.length})`;
    if (!/^[A-Za-z0-9-]+$/.test(v)) return "Key Vault object names allow only letters, digits and hyphens";
    return undefined;
};

/** Azure resource group name: 1-90 chars, letters, digits, `_`, `-`, `.`, `(`, `)`, not ending in `.`. */
export const resourceGroupName: Rule = (v) => {
    if (v.length < 1 || v.length > 90) return `must be 1-90 characters (is ${v.length})`;
    if (!/^[-\w.()]+$/.test(v)) return "only letters, digits, underscores, hyphens, periods and parentheses";
    if (v.endsWith(".")) return "must not end with a period";
    return undefined;
};

/** Arc connected cluster name: 1-63 chars, letters, digits, `-` and `_`, starting with a letter or digit. */
export const arcClusterName: Rule = (v) => {
    if (v.length < 1 || v.length > 63) return `must be 1-63 characters (is ${v.length})`;
    if (!/^[A-Za-z0-9][-_A-Za-z0-9]*$/.test(v))
        return "only letters, digits, hyphens and underscores, starting with a letter or digit";
    return undefined;
};

/** A GUID such as a tenant id, client id or object id. */
export const guid: Rule = (v) =>
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(v)
        ? undefined
        : "must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)";

/** DNS-1123 label: namespaces. 1-63 chars, lower-case alphanumerics and `-`, alphanumeric at both ends. */
export const dns1123Label: Rule = (v) => {
    if (v.length < 1 || v.length > 63) return `must be 1-63 characters (is ${v.length})`;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v))
        return "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit";
    return undefined;
};

/**
 * DNS-1123 subdomain: most Kubernetes object names (SecretProviderClass, Deployment), and exactly
 * the name pattern ARM gives secret sync's SPCs and SecretSyncs (max 253; same sources as
 * {@link ARM_SYNC_PATH}).
 */
export const dns1123Subdomain: Rule = (v) => {
    if (v.length < 1 || v.length > 253) return `must be 1-253 characters (is ${v.length})`;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v))
        return "must be a Kubernetes name (DNS-1123 subdomain): lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";
    return undefined;
};

/** Environment names: short lower-case words, as used in stack names. */
export const environmentName: Rule = (v) =>
    /^[a-z][a-z0-9-]{0,31}$/.test(v)
        ? undefined
        : "must be 1-32 lower-case letters, digits or '-', starting with a letter";

/** Go duration as the CSI driver reads `rotationPollInterval`: `1h`, `30m`, `1h30m`, `90s`. */
export const goDuration: Rule = (v) => {
    if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(v) || v === "") return "must be a duration such as 1h, 30m, 1h30m or 90s";
    if (durationNanoseconds(v) > MAX_GO_DURATION_NS)
        return "is longer than Go's longest duration (2562047h47m16s); the driver would refuse it";
    if (durationSeconds(v) < 1) return "must be at least 1s";
    return undefined;
};

/** Go's `time.Duration` is an int64 of nanoseconds: `time.ParseDuration` refuses anything longer. */
export const MAX_GO_DURATION_NS = 2n ** 63n - 1n;

function durationParts(v: string): [bigint, bigint, bigint] | undefined {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
    return m ? [BigInt(m[1] ?? 0), BigInt(m[2] ?? 0), BigInt(m[3] ?? 0)] : undefined;
}

/** Nanoseconds in a duration accepted by {@link goDuration}, exactly (-1 when unparsable). */
export function durationNanoseconds(v: string): bigint {
    const parts = durationParts(v);
    if (!parts) return -1n;
    const [h, m, s] = parts;
    return (h * 3600n + m * 60n + s) * 1_000_000_000n;
}

/** Seconds in a duration accepted by {@link goDuration}. */
export function durationSeconds(v: string): number {
    const parts = durationParts(v);
    if (!parts) return NaN;
    return Number(parts[0] * 3600n + parts[1] * 60n + parts[2]);
}

/** Extension version: semantic version, as the Arc extension API pins it. */
export const semver: Rule = (v) =>
    /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(v) ? undefined : "must be a version such as 1.5.3";

/** Longest file name (one path segment) and path the driver's atomic writer accepts, in bytes. */
export const MAX_FILE_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

/**
 * File name inside the mount, as the CSI driver's atomic writer accepts it
 * (secrets-store-csi-driver pkg/util/fileutil/atomic_writer.go, validatePath): relative, no `..`
 * segments, a first segment not starting with `..` (reserved for its `..data` links), segments
 * of at most 255 bytes, at most 4096 bytes in all. We also refuse empty or `.` segments and
 * control characters, which make files nobody can name in a shell or a log.
 */
export const relativeFileName: Rule = (v) => {
    if (v.length === 0) return "must not be empty";
    if (v.startsWith("/")) return "must be a relative file name (no leading '/')";
    if (v.includes("\\")) return "must use '/' as separator, not '\\'";
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(v)) return "must not contain control characters (tabs, newlines, ...)";
    const parts = v.split("/");
    if (parts.some((p) => p === "..")) return "must not contain '..'";
    if (parts.some((p) => p === "" || p === ".")) return "must not contain empty or '.' path segments";
    if (parts[0].startsWith(".."))
        return "must not start with '..' (the CSI driver reserves those names for its own links)";
    const long = parts.find((p) => Buffer.byteLength(p, "utf8") > MAX_FILE_NAME_BYTES);
    if (long !== undefined)
        return `path segments must be at most ${MAX_FILE_NAME_BYTES} bytes (one is ${Buffer.byteLength(long, "utf8")})`;
    if (Buffer.byteLength(v, "utf8") > MAX_PATH_BYTES) return `must be at most ${MAX_PATH_BYTES} bytes`;
    return undefined;
};

/** Unix file mode in octal as the CSI driver reads `filePermission`, e.g. `0644`. */
export const octalFileMode: Rule = (v) =>
    /^0?[0-7]{3}$/.test(v) ? undefined : "must be an octal file mode such as 0644 or 0400 (a string, quoted in YAML)";

/** Kubernetes label value for identifiers we derive. */
export const maxLength =
    (n: number): Rule =>
    (v) =>
        v.length <= n ? undefined : `must be at most ${n} characters (is ${v.length})`;

/**
 * Kubernetes refuses a Secret (or ConfigMap) data key that starts with `..` (apimachinery
 * validation.IsConfigMapKey: "must not start with '..'"): a volume would turn it into the
 * kubelet's own `..data` links.
 */
export const notDotDotPrefixed: Rule = (v) =>
    v.startsWith("..")
        ? "must not start with '..' (Kubernetes refuses such Secret keys: the kubelet reserves them)"
        : undefined;

/**
 * Key of a Kubernetes Secret's data (`targetKey` of a SecretSync mapping): 1-253 characters,
 * letters, digits, `-`, `_` and `.` (Kubernetes IsConfigMapKey), not `.` and not starting with `..`.
 */
export const secretDataKey: Rule = (v) => {
    if (v.length < 1 || v.length > 253) return `must be 1-253 characters (is ${v.length})`;
    if (!/^[-._a-zA-Z0-9]+$/.test(v)) return "a Kubernetes Secret key allows only letters, digits, '-', '_' and '.'";
    if (v === ".") return "must not be '.' or '..'";
    return notDotDotPrefixed(v);
};

/**
 * The pattern Azure Resource Manager gives a SecretSync mapping's `sourcePath` and `targetKey`
 * (Microsoft.SecretSyncController 2024-08-21-preview, the API azure-native 3.x uses, which
 * checks it at preview; Azure/bicep-types-az generated/ews/microsoft.secretsynccontroller; the
 * same as the controller's CRD, kubernetes-sigs/secrets-store-sync-controller
 * api/v1alpha1/secretsync_types.go). After the first character comes a letter, digit or `-`
 * before any `.` or `_`, and each `.` or `_` is followed by a letter or digit: `a.b` and `x_y`
 * fail, `ab.c` and `xy_z` pass. The `/<digits>` tail is for versioned paths.
 */
export const ARM_SYNC_PATH = /^[A-Za-z0-9.]([-A-Za-z0-9]+([-._a-zA-Z0-9]?[A-Za-z0-9])*)?(\/([0-9]+))*$/;

const ALNUM = /^[A-Za-z0-9]$/;

/**
 * {@link ARM_SYNC_PATH}, decided in linear time. The pattern's nested quantifiers backtrack
 * exponentially (40 characters then `_` take seconds), so it is never run on user input; this
 * accepts exactly the same strings (test/rules.test.ts compares both on every short string).
 * Reading of the pattern: a first character; then, optionally, a run of letters, digits and `-`
 * after which every `.` or `_` (and every `-` from the first `.` or `_` on) is followed by a
 * letter or digit; then `/<digits>` tails.
 */
export function matchesArmSyncPath(v: string): boolean {
    const slash = v.indexOf("/");
    const head = slash === -1 ? v : v.slice(0, slash);
    if (slash !== -1 && !/^(\/[0-9]+)+$/.test(v.slice(slash))) return false;
    if (head.length === 0 || !/^[A-Za-z0-9.]$/.test(head[0])) return false;
    const rest = head.slice(1);
    if (rest.length === 0) return true;
    if (!/^[-._A-Za-z0-9]+$/.test(rest) || !/^[-A-Za-z0-9]$/.test(rest[0])) return false;
    const firstDotOrUnderscore = rest.search(/[._]/);
    if (firstDotOrUnderscore === -1) return true;
    const tail = rest.slice(firstDotOrUnderscore);
    for (let i = 0; i < tail.length; i++) {
        if (!ALNUM.test(tail[i]) && (i + 1 >= tail.length || !ALNUM.test(tail[i + 1]))) return false;
    }
    return true;
}

/**
 * A sync key (`targetKey` of a SecretSync mapping): a Kubernetes Secret key ({@link secretDataKey},
 * so no `/`) that also matches ARM's pattern ({@link ARM_SYNC_PATH}).
 */
export const syncTargetKey: Rule = (v) => {
    const k8s = secretDataKey(v);
    if (k8s) return k8s;
    if (!matchesArmSyncPath(v)) {
        return (
            "does not match the pattern Azure Resource Manager checks on a SecretSync targetKey: a letter, digit or '.', then a letter, digit or '-' " +
            "before any '.' or '_', and a letter or digit after every '.' or '_' (a.b, x_y and key. fail; ab.c, xy_z and tls.crt pass)"
        );
    }
    return undefined;
};

/**
 * A vault object synced by a SecretSync: its name is the mapping's `sourcePath` ({@link ARM_SYNC_PATH}),
 * which Key Vault's own names (letters, digits, `-`) match unless they start with `-`.
 */
export const syncSourcePath: Rule = (v) =>
    matchesArmSyncPath(v)
        ? undefined
        : "is synced by a SecretSync, whose sourcePath must start with a letter or digit (the pattern Azure Resource Manager checks)";

/**
 * A SecretSync's `forceSynchronization`: at most 253 characters, starting with a letter or digit
 * (ARM's pattern `^[A-Za-z0-9]([-A-Za-z0-9]+([-._a-zA-Z0-9]?[A-Za-z0-9])*)?` is anchored at the
 * start only, so only its first character counts; same sources as {@link ARM_SYNC_PATH}).
 */
export const forceSynchronization: Rule = (v) => {
    if (v.length < 1) return "must not be empty (remove the key instead)";
    if (v.length > 253) return `must be at most 253 characters (is ${v.length})`;
    if (!/^[A-Za-z0-9]/.test(v))
        return "must start with a letter or digit (the pattern Azure Resource Manager checks), e.g. a date such as 2026-01-31";
    return undefined;
};

/** User-assigned managed identity name: 3-128 chars, letters, digits, `-` and `_`, starting with a letter or digit. */
export const managedIdentityName: Rule = (v) => {
    if (v.length < 3 || v.length > 128) return `must be 3-128 characters (is ${v.length})`;
    if (!/^[A-Za-z0-9][-_A-Za-z0-9]*$/.test(v))
        return "only letters, digits, hyphens and underscores, starting with a letter or digit";
    return undefined;
};

/** Arc custom location name: 1-63 chars, letters, digits, `-` and `.`, starting and ending with a letter or digit. */
export const customLocationName: Rule = (v) => {
    if (v.length < 1 || v.length > 63) return `must be 1-63 characters (is ${v.length})`;
    if (!/^[A-Za-z0-9]([-.A-Za-z0-9]*[A-Za-z0-9])?$/.test(v))
        return "only letters, digits, '-' and '.', starting and ending with a letter or digit";
    return undefined;
};

/**
 * Longest issuer Entra stores on a federated identity credential (Microsoft Graph federatedIdentityCredential: "limited
 * to 600 characters").
 */
export const MAX_ISSUER_LENGTH = 600;

/**
 * An OIDC issuer URL, checked in the exact form in which it is used: the string is sent as the
 * federated credential's `issuer`, and Entra compares it verbatim with the token's `iss` claim
 * (AADSTS700211 on any difference). So: `https://` as written, a host, no user info, query or
 * fragment (not even an empty `?` or `#`), at most 600 characters, and already in the canonical
 * form a URL parser gives it (lower-case scheme and host, no default port, no dot segments, no
 * spaces, control characters or backslashes, which a parser silently rewrites or drops).
 */
export const httpsUrl: Rule = (v) => {
    if (v.length > MAX_ISSUER_LENGTH)
        return `must be at most ${MAX_ISSUER_LENGTH} characters (Entra's limit for an issuer; is ${v.length})`;
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0000-\u001f\u007f\\]/.test(v))
        return "must not contain spaces, control characters or backslashes (the token's iss has none)";
    if (!v.startsWith("https://")) return "must be an https:// URL (written with https:// in lower case)";
    if (v.includes("?") || v.includes("#")) return "must not have a query or fragment (not even an empty ? or #)";
    let url: URL;
    try {
        url = new URL(v);
    } catch {
        return "must be an https:// URL";
    }
    if (url.hostname === "") return "must name a host";
    if (url.username !== "" || url.password !== "" || v.slice("https://".length).split("/")[0].includes("@"))
        return "must not carry user info (user@host)";
    // The parser's serialisation adds "/" to an empty path; anything else it changes would not
    // match the token's iss as written.
    if (url.href !== v && url.href !== `${v}/`)
        return `must be written in canonical form, as the issuer's tokens carry it: ${url.href}`;
    return undefined;
};

/**
 * AIO instance name (Microsoft.IoTOperations/instances): 3-63 lower-case letters, digits and `-`, starting and ending
 * with a letter or digit.
 */
export const aioInstanceName: Rule = (v) => {
    if (v.length < 3 || v.length > 63) return `must be 3-63 characters (is ${v.length})`;
    if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(v))
        return "only lower-case letters, digits and '-', starting and ending with a letter or digit";
    return undefined;
};

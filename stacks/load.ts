import * as fs from "node:fs";
import * as path from "node:path";
import {
    Catalog,
    CATALOG_FILE,
    CatalogSecret,
    DEFAULT_SPC_NAMES,
    fileNameOf,
    parseCatalog,
    secretsForEnvironment,
} from "./catalog";
import { ConfigError, Problem } from "./errors";
import { closest } from "./names";
// The delivery modes' catalog checks (pure; they import only stacks/ modules): see test/layers.test.ts.
import { modeCatalogCheck, MODES } from "../delivery/modes";
import { CA_SPC_NAME, caNameProblems } from "./ca";
import { CONFIG_NAMESPACE, parseStackSettings, RawStackConfig, StackSettings } from "./settings";
import { decodeUtf8, NOT_UTF8, readUtf8File, shellWord } from "./text";
import { stackFilesDir } from "./stackDir";
import {
    ConfigOrigins,
    originOf,
    parentPath,
    parseProjectConfig,
    recordOrigins,
    stackEnvironments,
} from "./sharedConfig";
import { readYaml } from "./yaml";
import { vaultLockoutWarnings } from "./vaultSecurity";
import {
    isPlaceholderCiphertext,
    isPlaceholderGuid,
    parseStackFile,
    StackFileLeaves,
    stackFileLeaves,
} from "./stackFile";

/**
 * Everything the program needs, validated once at the edge before any resource is declared.
 */
export interface ProgramInputs {
    settings: StackSettings;
    catalog: Catalog;
    /** Catalog entries that exist in this stack's environment, in catalog order. */
    enabled: CatalogSecret[];
    /** Soft problems, for `pulumi.log.warn`. */
    warnings: string[];
}

/**
 * What the stack file says about its leaves: which are `secure:` (with ciphertext) and which
 * are plaintext. Throws the file's own problems (unknown tags, `secure: ""`, alias bombs).
 */
export function stackFileLeavesOf(stackFileText: string, file: string, project: string): StackFileLeaves {
    const parsed = parseStackFile(stackFileText, file, project);
    if (!parsed.entries) throw new ConfigError(parsed.problems);
    return stackFileLeaves(parsed.entries);
}

/**
 * The provider configuration keys of pulumi-kubernetes 4.x (its `ProviderArgs`, plus
 * `strictMode`): a `kubernetes:` key outside this list is a typo the provider ignores.
 */
export const KUBERNETES_CONFIG_KEYS = [
    "alwaysRender",
    "cluster",
    "clusterIdentifier",
    "context",
    "deleteUnreachable",
    "enableConfigMapMutable",
    "enablePatchForce",
    "enableSecretMutable",
    "enableServerSideApply",
    "helmReleaseSettings",
    "kubeClientSettings",
    "kubeconfig",
    "namespace",
    "renderYamlToDirectory",
    "skipUpdateUnreachable",
    "strictMode",
    "suppressDeprecationWarnings",
    "suppressHelmHookWarnings",
    "upsertExistingObjects",
] as const;

/** Soft problems of the raw configuration: `kubernetes:` typos, example placeholders. */
export function configWarnings(raw: RawStackConfig, file: string): string[] {
    const warnings: string[] = [];
    for (const key of Object.keys(raw.config)) {
        if (!key.startsWith("kubernetes:")) continue;
        const name = key.slice("kubernetes:".length);
        if ((KUBERNETES_CONFIG_KEYS as readonly string[]).includes(name)) continue;
        const hint = closest(name, KUBERNETES_CONFIG_KEYS, 3);
        warnings.push(
            `${file}: ${key} is not a pulumi-kubernetes setting${hint ? ` (did you mean kubernetes:${hint}?)` : ""}; it has no effect`,
        );
    }
    // The example stack files' placeholders: `pulumi up` cannot decrypt the ciphertexts, and
    // made-up ids point at nothing.
    for (const [leaf, ciphertext] of raw.stackFile?.secure ?? []) {
        if (!isPlaceholderCiphertext(ciphertext)) continue;
        const below = leaf.startsWith(`${CONFIG_NAMESPACE}:`) ? leaf.slice(CONFIG_NAMESPACE.length + 1) : leaf;
        warnings.push(
            `${file}: ${leaf} is an example placeholder, not a real secret; set it with pulumi config set --secret${below === leaf ? "" : " --path"} ${shellWord(below)} <value> --stack ${raw.stack}`,
        );
    }
    const secretKeys = new Set(raw.secretKeys);
    for (const [key, text] of Object.entries(raw.config)) {
        if (!key.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
        // Only values known to be plaintext: a secret is never shown, not even as a placeholder.
        const shown = (at: string) => !secretKeys.has(key) || (raw.stackFile?.plain.has(at) ?? false);
        let value: unknown = text;
        try {
            value = text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text;
        } catch {
            value = text;
        }
        for (const [at, guid] of placeholderGuids(value, key).filter(([at]) => shown(at))) {
            warnings.push(`${file}: ${at} ${guid} is an example placeholder id; replace it with the real one`);
        }
    }
    return warnings;
}

function placeholderGuids(value: unknown, at: string): [string, string][] {
    if (typeof value === "string") return isPlaceholderGuid(value) ? [[at, value]] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => placeholderGuids(v, `${at}[${i}]`));
    if (value !== null && typeof value === "object") {
        return Object.keys(value).flatMap((k) => placeholderGuids((value as Record<string, unknown>)[k], `${at}.${k}`));
    }
    return [];
}

/**
 * Checks the stack settings against the catalog: values for exactly the enabled `config`
 * secrets, no catalog entry shadowing the default secret, environments the catalog knows.
 * Pure: every problem is returned, none thrown.
 */
export function crossCheck(
    settings: StackSettings,
    catalog: Catalog,
): { enabled: CatalogSecret[]; problems: Problem[]; warnings: string[] } {
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const file = settings.file;
    const env = settings.environment;
    const enabled = secretsForEnvironment(catalog, env);

    if (catalog.environments && !catalog.environments.includes(env)) {
        problems.push({
            file,
            path: `${CONFIG_NAMESPACE}:environment`,
            value: JSON.stringify(env),
            rule: `is not one of the catalog's environments (${catalog.environments.join(", ")}); add it to environments: in ${catalog.file}`,
        });
    }

    const defaultName = settings.defaultSecret.name;
    for (const secret of catalog.secrets) {
        if (secret.name.toLowerCase() === defaultName.toLowerCase()) {
            problems.push({
                file: catalog.file,
                line: secret.line,
                path: `secrets[${secret.index}] (${secret.name}).name`,
                rule: `is the stack's default secret (aio-secrets:defaultSecret.name in ${file}); the stack manages it already`,
            });
        }
        for (const spc of secret.spcs) {
            if ((DEFAULT_SPC_NAMES as readonly string[]).includes(spc) && fileNameOf(secret) === defaultName) {
                problems.push({
                    file: catalog.file,
                    line: secret.line,
                    path: `secrets[${secret.index}] (${secret.name}).alias`,
                    rule: `file name "${defaultName}" is the default secret's file in SecretProviderClass ${spc}; set a distinct alias`,
                });
            } else if (
                (DEFAULT_SPC_NAMES as readonly string[]).includes(spc) &&
                fileNameOf(secret).startsWith(`${defaultName}/`)
            ) {
                // The driver would need a directory where the default secret is a file.
                problems.push({
                    file: catalog.file,
                    line: secret.line,
                    path: `secrets[${secret.index}] (${secret.name}).alias`,
                    rule: `file name "${fileNameOf(secret)}" needs a directory "${defaultName}", but that is the default secret's file in SecretProviderClass ${spc}; the driver cannot write both`,
                });
            }
        }
    }

    // Your own CA is mounted from the vault: nothing the stack writes may share its name.
    const written = [
        ...(settings.defaultSecret.source === "generated"
            ? [{ name: defaultName, where: "aio-secrets:defaultSecret.name" }]
            : []),
        ...enabled
            .filter((s) => s.source !== "existing")
            .map((s) => ({ name: s.name, where: `${catalog.file} secrets[${s.index}], source ${s.source}` })),
    ];
    for (const p of caNameProblems(settings.ca, {
        written,
        spcNames: [...catalog.spcs.keys()],
        caSpcName: CA_SPC_NAME,
        syncNames: MODES[settings.delivery].syncsSecrets
            ? [...new Set(enabled.flatMap((s) => (s.sync ? [s.sync.secret] : [])))]
            : [],
    })) {
        problems.push({ file, path: `${CONFIG_NAMESPACE}:${p.path}`, rule: p.rule, value: p.value });
    }

    const enabledByName = new Set(enabled.map((s) => s.name));
    for (const site of catalog.keyVaultRefs) {
        if (!enabledByName.has(site.secret)) {
            problems.push({
                file: catalog.file,
                path: `mqResources[${site.resource}].${site.path
                    .map((p) => (typeof p === "number" ? `[${p}]` : p))
                    .join(".")
                    .replace(/\.\[/g, "[")}.keyVaultRef`,
                value: JSON.stringify(site.secret),
                rule: `secret "${site.secret}" is not enabled in environment ${env}; add ${env} to its environments`,
            });
        }
    }
    catalog.mqResources.forEach((resource, i) => {
        if (resource.metadata.namespace !== undefined && resource.metadata.namespace !== settings.cluster.namespace) {
            problems.push({
                file: catalog.file,
                path: `mqResources[${i}].metadata.namespace`,
                value: JSON.stringify(resource.metadata.namespace),
                rule: `MQ resources are applied in the AIO namespace (${settings.cluster.namespace}); remove the key or set it to that`,
            });
        }
    });

    const declared = new Map(catalog.secrets.map((s) => [s.name, s]));
    const enabledNames = new Set(enabled.map((s) => s.name));
    for (const name of Object.keys(settings.secretValues)) {
        const entry = declared.get(name);
        if (!entry) {
            const hint = closest(name, [...declared.keys()]);
            problems.push({
                file,
                path: `${CONFIG_NAMESPACE}:secretValues.${name}`,
                rule: `${catalog.file} declares no secret named "${name}"${hint ? ` (did you mean "${hint}"?)` : ""}; declare it there or remove the value`,
            });
        } else if (entry.source !== "config") {
            problems.push({
                file,
                path: `${CONFIG_NAMESPACE}:secretValues.${name}`,
                rule: `secret "${name}" has source ${entry.source} in ${catalog.file}, so this value would be ignored; remove it or set source: config`,
            });
        } else if (!enabledNames.has(name)) {
            warnings.push(
                `${file}: ${CONFIG_NAMESPACE}:secretValues.${name} is set but secret "${name}" is not enabled for environment ${env} (${catalog.file} environments: ${entry.environments?.join(", ")}); the value is not used`,
            );
        }
    }
    const delivery = deliveryCheck(settings, catalog, enabled);
    problems.push(...delivery.problems);
    warnings.push(...delivery.warnings);
    for (const secret of enabled) {
        if (secret.source === "config" && !Object.hasOwn(settings.secretValues, secret.name)) {
            problems.push({
                file,
                path: `${CONFIG_NAMESPACE}:secretValues.${secret.name}`,
                rule: `is missing: secret "${secret.name}" (${catalog.file}) takes its value from config in environment ${env}. Set it with: pulumi config set --secret --path 'secretValues.${secret.name}' --stack ${settings.stack}`,
            });
        }
        // The SPC object of an OPC UA preset has objectEncoding: hex (stacks/opcua.ts): the vault
        // value must be the file's bytes as hex, or the provider cannot decode it. The value is not shown.
        if (
            secret.source === "config" &&
            secret.opcua !== undefined &&
            Object.hasOwn(settings.secretValues, secret.name) &&
            !/^(?:[0-9a-fA-F]{2})+$/.test(settings.secretValues[secret.name])
        ) {
            problems.push({
                file,
                path: `${CONFIG_NAMESPACE}:secretValues.${secret.name}`,
                rule: `must be the bytes of ${secret.opcua.file} as hex (the OPC UA connector's SPC object is hex-encoded, as az iot ops connector opcua writes it). Set it with: xxd -p ${secret.opcua.file} | tr -d '\\n' | pulumi config set --secret --path 'secretValues.${secret.name}' --stack ${settings.stack}`,
            });
        }
        if (secret.deleteOnRemove) {
            warnings.push(
                `${catalog.file}: secret "${secret.name}" has deleteOnRemove: true; removing it from the catalog soft-deletes it and its name cannot be reused until it is purged or recovered`,
            );
        }
    }
    return { enabled, problems, warnings };
}

/**
 * What the catalog means for this stack's delivery mode: the checks of its folder
 * (delivery/<mode>/catalog.ts), through the parsing registry (delivery/modes.ts).
 */
export function deliveryCheck(
    settings: StackSettings,
    catalog: Catalog,
    enabled: readonly CatalogSecret[],
): { problems: Problem[]; warnings: string[] } {
    return modeCatalogCheck(settings, catalog, enabled);
}

/**
 * Problems of the stack settings named after the file their value came from: a value Pulumi.yaml
 * or an ESC environment set is fixed there, not in the stack file. A line number of the stack
 * file is dropped when the file changes.
 */
export function withOrigins(
    problems: readonly Problem[],
    stackFile: string,
    originOf: RawStackConfig["originOf"],
): Problem[] {
    if (!originOf) return [...problems];
    return problems.map((p) => {
        if (p.file !== stackFile || p.path === "") return p;
        const origin = originOf(p.path);
        if (origin === undefined || origin === stackFile) return p;
        return { file: origin, path: p.path, rule: p.rule, ...(p.value !== undefined ? { value: p.value } : {}) };
    });
}

/** Validates settings and catalog together and throws every problem at once. */
export function resolveProgramInputs(
    raw: RawStackConfig,
    catalogText: string,
    catalogFile: string = CATALOG_FILE,
): ProgramInputs {
    try {
        return resolveInputs(raw, catalogText, catalogFile);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        throw new ConfigError(withOrigins(e.problems, raw.file ?? `Pulumi.${raw.stack}.yaml`, raw.originOf));
    }
}

/**
 * The last catalog parsed, by its text and file label: `plan --all` runs the program once per
 * stack in one process, and every stack reads the same catalog. The parse is a pure function of
 * the two, and its result is only read.
 */
let lastCatalog: { text: string; file: string; parsed: ReturnType<typeof parseCatalog> } | undefined;

function parseCatalogOnce(text: string, file: string): ReturnType<typeof parseCatalog> {
    if (lastCatalog?.text !== text || lastCatalog.file !== file)
        lastCatalog = { text, file, parsed: parseCatalog(text, file) };
    return lastCatalog.parsed;
}

function resolveInputs(raw: RawStackConfig, catalogText: string, catalogFile: string): ProgramInputs {
    const fromSettings = parseStackSettings(raw);
    const fromCatalog = parseCatalogOnce(catalogText, catalogFile);
    const problems = [...fromSettings.problems, ...fromCatalog.problems];
    if (!fromSettings.settings || !fromCatalog.catalog) throw new ConfigError(problems);
    const checked = crossCheck(fromSettings.settings, fromCatalog.catalog);
    problems.push(...checked.problems);
    const settings = fromSettings.settings;
    if (!settings.keyVault.existing && !settings.keyVault.location && !raw.config["azure-native:location"]) {
        problems.push({
            file: settings.file,
            path: "azure-native:location",
            rule: "is required to create the vault (or set aio-secrets:keyVault.location)",
        });
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const warnings = [...configWarnings(raw, settings.file), ...fromSettings.warnings, ...checked.warnings];
    warnings.push(
        ...vaultLockoutWarnings({
            file: settings.file,
            vaultName: settings.keyVault.name,
            keyVault: settings.keyVault,
            reader: MODES[settings.delivery].vaultReader,
            dataPlaneWrites: checked.enabled.some((s) => s.source === "existing"),
        }),
    );
    return { settings, catalog: fromCatalog.catalog, enabled: checked.enabled, warnings };
}

/** Largest project file the settings may name (a trust bundle is a few KiB). */
export const MAX_PROJECT_FILE_BYTES = 1024 * 1024;

/**
 * Reads a file the settings name, relative to the project: it must really be inside the
 * project (a symlink pointing out is refused), be a regular file (a FIFO or device would hang
 * the run) and hold at most {@link MAX_PROJECT_FILE_BYTES}. Throws an Error whose message is
 * the rule broken (the caller names the setting).
 */
export function readInsideProject(projectDir: string, relativePath: string): string {
    const root = fs.realpathSync(projectDir);
    const real = fs.realpathSync(path.join(root, relativePath));
    const inside = path.relative(root, real);
    if (inside === "" || inside.startsWith("..") || path.isAbsolute(inside))
        throw new Error("resolves outside the project (a symbolic link?)");
    const stat = fs.statSync(real);
    if (!stat.isFile()) throw new Error("is not a regular file");
    if (stat.size > MAX_PROJECT_FILE_BYTES)
        throw new Error(`is ${stat.size} bytes; at most ${MAX_PROJECT_FILE_BYTES} (1 MiB)`);
    const text = decodeUtf8(fs.readFileSync(real));
    if (text === undefined) throw new Error(NOT_UTF8);
    return text;
}

/** Where the program finds its files. Tooling (the offline plan, tests) may point elsewhere. */
export interface InputFiles {
    projectDir: string;
    /** Catalog path; default `<projectDir>/stacks/secrets.yaml`, or `AIO_SECRETS_CATALOG`. */
    catalogPath?: string;
    /**
     * Stack file path; default `<stack files folder>/Pulumi.<stack>.yaml` ({@link stackFilesDir}), or
     * `AIO_SECRETS_STACK_FILE`.
     */
    stackFilePath?: string;
}

/** Reads the catalog and the stack file, then validates everything. */
export function loadProgramInputs(config: Omit<RawStackConfig, "stackFile">, files: InputFiles): ProgramInputs {
    const catalogPath =
        files.catalogPath ?? process.env.AIO_SECRETS_CATALOG ?? path.join(files.projectDir, CATALOG_FILE);
    const defaultStackFile = () => path.join(stackFilesDir(files.projectDir), `Pulumi.${config.stack}.yaml`);
    const stackFilePath = files.stackFilePath ?? process.env.AIO_SECRETS_STACK_FILE ?? defaultStackFile();
    const catalogLabel = path.relative(files.projectDir, catalogPath) || catalogPath;
    let catalogBytes: Buffer;
    try {
        catalogBytes = fs.readFileSync(catalogPath);
    } catch {
        throw new ConfigError([
            {
                file: catalogLabel,
                path: "",
                rule: 'cannot be read; the catalog of secrets is required (see docs/reference.md, "The catalog")',
            },
        ]);
    }
    const catalogText = decodeUtf8(catalogBytes);
    if (catalogText === undefined) throw new ConfigError([{ file: catalogLabel, path: "", rule: NOT_UTF8 }]);
    // The stack file tells which leaves are `secure:` and which plaintext; without it (e.g.
    // config from an environment) we fall back to Pulumi's per-key secrecy.
    const file =
        path.basename(stackFilePath) === `Pulumi.${config.stack}.yaml` ? undefined : path.basename(stackFilePath);
    const stackFileLabel = file ?? `Pulumi.${config.stack}.yaml`;
    const stackText = fs.existsSync(stackFilePath) ? readUtf8File(stackFilePath, stackFileLabel) : undefined;
    const stackFile =
        stackText !== undefined ? stackFileLeavesOf(stackText, stackFileLabel, config.project) : undefined;
    const readProjectFile = (relativePath: string) => readInsideProject(files.projectDir, relativePath);
    const originOf = configOriginsOf(config.config, stackText, stackFileLabel, config.project, files.projectDir);
    return resolveProgramInputs(
        { ...config, file, stackFile, readProjectFile, originOf },
        catalogText,
        catalogLabel.split(path.sep).join("/"),
    );
}

/**
 * Where each config value came from. The offline tools, which resolved the config themselves,
 * hand over every value's file (`AIO_SECRETS_CONFIG_ORIGINS`). Under `pulumi up` the CLI has
 * merged it: a value the stack file does not hold came from the ESC environments it imports, or
 * else from Pulumi.yaml's project config.
 */
function configOriginsOf(
    config: Readonly<Record<string, string>>,
    stackText: string | undefined,
    stackFile: string,
    project: string,
    projectDir: string,
): RawStackConfig["originOf"] {
    const handed = process.env.AIO_SECRETS_CONFIG_ORIGINS;
    if (handed !== undefined) {
        const origins = new Map<string, string>(JSON.parse(handed) as [string, string][]);
        return (at) => originOf(origins, at);
    }
    if (stackText === undefined) return undefined;
    const origins: ConfigOrigins = new Map();
    const parsed = parseStackFile(stackText, stackFile, project);
    for (const entry of parsed.entries ?? []) recordOrigins(origins, entry.value, entry.key, stackFile);
    const environments = stackEnvironments(readYaml(stackText, stackFile, { merge: true }).value, stackFile).names;
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const projectText = fs.existsSync(projectFile) ? decodeUtf8(fs.readFileSync(projectFile)) : undefined;
    const projectKeys = new Set(
        (projectText !== undefined ? parseProjectConfig(projectText, "Pulumi.yaml", project).entries : undefined)?.map(
            (e) => e.key,
        ) ?? [],
    );
    const esc =
        environments.length > 0
            ? `the ESC environment${environments.length > 1 ? "s" : ""} ${environments.join(", ")}`
            : undefined;
    return (at) => {
        // Written in the stack file (at or above the path), or missing altogether: the stack file.
        for (let p: string | undefined = at; p !== undefined; p = parentPath(p)) if (origins.has(p)) return undefined;
        if (!configHasPath(config, at)) return undefined;
        const key = at.split(/[.[]/)[0];
        const inStackFile = [...origins.keys()].some((p) => p.startsWith(`${key}.`) || p.startsWith(`${key}[`));
        // Pulumi.yaml gives only whole keys the stack file does not set; ESC merges into them.
        if (esc !== undefined) return inStackFile || !projectKeys.has(key) ? esc : `${esc} (or Pulumi.yaml)`;
        return !inStackFile && projectKeys.has(key) ? "Pulumi.yaml" : undefined;
    };
}

/** Whether the merged config (`ns:key` -> string, objects as JSON) has a value at a full path. */
function configHasPath(config: Readonly<Record<string, string>>, at: string): boolean {
    const [key, ...rest] = at.split(/\.|\[|\]\.?/).filter((p) => p !== "");
    if (!Object.hasOwn(config, key)) return false;
    if (rest.length === 0) return true;
    let node: unknown;
    try {
        node = JSON.parse(config[key]);
    } catch {
        return false;
    }
    for (const part of rest) {
        if (node === null || typeof node !== "object" || !Object.hasOwn(node, part)) return false;
        node = (node as Record<string, unknown>)[part];
    }
    return true;
}

import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, parseDocument } from "yaml";
import { Catalog, CATALOG_FILE, CatalogSecret, DEFAULT_SPC_NAMES, fileNameOf, parseCatalog, secretsForEnvironment } from "./catalog";
import { ConfigError, Problem } from "./errors";
import { CONFIG_NAMESPACE, editDistance, parseStackSettings, RawStackConfig, StackSettings } from "./settings";

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
 * Paths below `aio-secrets:` whose stack-file value is a `secure:` leaf, e.g.
 * `secretValues.mq-password`. Lets us reject a plaintext value that sits next to secure ones
 * (Pulumi only reports secrecy per top-level key).
 */
export function secureLeavesOf(stackFileText: string): Set<string> {
    const leaves = new Set<string>();
    const doc = parseDocument(stackFileText);
    const config = doc.get("config", true);
    if (!isMap(config)) return leaves;
    const walk = (node: unknown, at: string) => {
        if (!isMap(node)) return;
        if (node.items.length === 1 && isScalar(node.items[0].key) && node.items[0].key.value === "secure") {
            leaves.add(at);
            return;
        }
        for (const pair of node.items) {
            const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
            if (key !== undefined) walk(pair.value, at === "" ? key : `${at}.${key}`);
        }
    };
    for (const pair of config.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "";
        if (key.startsWith(`${CONFIG_NAMESPACE}:`)) walk(pair.value, key.slice(CONFIG_NAMESPACE.length + 1));
    }
    return leaves;
}

function closest(name: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = 3;
    for (const c of candidates) {
        const d = editDistance(name, c);
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}

/**
 * Checks the stack settings against the catalog: values for exactly the enabled `config`
 * secrets, no catalog entry shadowing the default secret, environments the catalog knows.
 * Pure: every problem is returned, none thrown.
 */
export function crossCheck(settings: StackSettings, catalog: Catalog): { enabled: CatalogSecret[]; problems: Problem[]; warnings: string[] } {
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
            }
        }
    }

    const enabledByName = new Set(enabled.map((s) => s.name));
    for (const site of catalog.keyVaultRefs) {
        if (!enabledByName.has(site.secret)) {
            problems.push({
                file: catalog.file,
                path: `mqResources[${site.resource}].${site.path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replace(/\.\[/g, "[")}.keyVaultRef`,
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
    for (const secret of enabled) {
        if (secret.source === "config" && settings.secretValues[secret.name] === undefined) {
            problems.push({
                file,
                path: `${CONFIG_NAMESPACE}:secretValues.${secret.name}`,
                rule: `is missing: secret "${secret.name}" (${catalog.file}) takes its value from config in environment ${env}. Set it with: pulumi config set --secret --path 'secretValues.${secret.name}' --stack ${settings.stack}`,
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

/** Validates settings and catalog together and throws every problem at once. */
export function resolveProgramInputs(raw: RawStackConfig, catalogText: string, catalogFile: string = CATALOG_FILE): ProgramInputs {
    const fromSettings = parseStackSettings(raw);
    const fromCatalog = parseCatalog(catalogText, catalogFile);
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
    return { settings, catalog: fromCatalog.catalog, enabled: checked.enabled, warnings: checked.warnings };
}

/** Where the program finds its files. Tooling (the offline plan, tests) may point elsewhere. */
export interface InputFiles {
    projectDir: string;
    /** Catalog path; default `<projectDir>/stacks/secrets.yaml`, or `AIO_SECRETS_CATALOG`. */
    catalogPath?: string;
    /** Stack file path; default `<projectDir>/Pulumi.<stack>.yaml`, or `AIO_SECRETS_STACK_FILE`. */
    stackFilePath?: string;
}

/** Reads the catalog and the stack file, then validates everything. */
export function loadProgramInputs(
    config: Omit<RawStackConfig, "secureLeaves">,
    files: InputFiles,
): ProgramInputs {
    const catalogPath = files.catalogPath ?? process.env.AIO_SECRETS_CATALOG ?? path.join(files.projectDir, CATALOG_FILE);
    const stackFilePath =
        files.stackFilePath ?? process.env.AIO_SECRETS_STACK_FILE ?? path.join(files.projectDir, `Pulumi.${config.stack}.yaml`);
    const catalogLabel = path.relative(files.projectDir, catalogPath) || catalogPath;
    let catalogText: string;
    try {
        catalogText = fs.readFileSync(catalogPath, "utf8");
    } catch {
        throw new ConfigError([{ file: catalogLabel, path: "", rule: "cannot be read; the catalog of secrets is required (see README)" }]);
    }
    // The stack file tells which leaves are `secure:`; without it (e.g. config from an
    // environment) we fall back to Pulumi's per-key secrecy.
    const secureLeaves = fs.existsSync(stackFilePath) ? secureLeavesOf(fs.readFileSync(stackFilePath, "utf8")) : undefined;
    const file = stackFilePath === path.join(files.projectDir, `Pulumi.${config.stack}.yaml`) ? undefined : path.basename(stackFilePath);
    return resolveProgramInputs({ ...config, file, secureLeaves }, catalogText, catalogLabel.split(path.sep).join("/"));
}

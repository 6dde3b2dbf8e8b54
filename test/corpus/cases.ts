/**
 * The bad input corpus: one stack settings file and one catalog per case, each broken in one
 * known way (a few in several), with the problems the program must report. Every case runs
 * the real program (see `run-corpus.ts`); `corpus.test.ts` checks that each expected problem
 * appears as one line naming the file, the key path and the rule, with no stack trace and
 * no resource declared.
 *
 * Files are written as `Pulumi.corpus.yaml` (stack `corpus`) and `secrets.yaml` in a temp
 * dir, so the catalog is named by a path relative to the project: match it with
 * {@link CATALOG}.
 */

export interface ExpectedProblem {
    /** The file named at the start of the problem line. */
    file: string | RegExp;
    /** The key path as printed after the file (and line); "" for problems with the whole file. */
    path: string;
    /** The offending value exactly as printed after the path (e.g. `"kv--x"`, `6`), when it must be shown. */
    value?: string;
    /** The broken rule: a substring or a pattern of the problem line. */
    rule: RegExp | string;
    /** The line number printed after the file name, when the problem must have one. */
    line?: number;
}

export interface CorpusCase {
    id: string;
    /** `Pulumi.corpus.yaml` text; default {@link BASE_STACK}. */
    stackFile?: string;
    /** Catalog text; default {@link BASE_CATALOG}. */
    catalog?: string;
    /** Every problem the message must list (it may list more). */
    expect: ExpectedProblem[];
    /** A control case: valid input that must NOT be rejected. */
    ok?: true;
    /** Text that must never appear in the message (secret values, misleading lines). */
    mustNotContain?: (string | RegExp)[];
    /** For a control case: warnings the run must print (each matched by one warning). */
    warnings?: RegExp[];
}

/** One line of the runner's output per case. */
export interface CorpusResult {
    id: string;
    /** The user-facing message, or the stack of an unexpected exception. */
    error?: string;
    /** Resources declared (bad input must declare none). */
    resources: number;
    /** Whether the message carries a JavaScript stack trace. */
    stackTrace: boolean;
    /** Warnings the run printed. */
    warnings: string[];
}

/** What a JavaScript stack trace looks like in a message. */
export const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

/** The stack name used for every case, so the stack file is `Pulumi.corpus.yaml`. */
export const STACK = "corpus";
export const STACK_FILE = `Pulumi.${STACK}.yaml`;
/** The catalog as printed: a path relative to the project dir, ending in the temp file's name. */
export const CATALOG = /(^|\/)secrets\.yaml$/;
export const CATALOG_BASENAME = "secrets.yaml";

export const BASE_STACK = `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555
  aio-secrets:keyVault:
    name: kv-corpus-01
    resourceGroupName: rg-corpus
`;

export const BASE_CATALOG = "secrets: []\n";

const BASE_KEY_VAULT: Record<string, string> = { name: "kv-corpus-01", resourceGroupName: "rg-corpus" };

/**
 * The base stack file with keyVault keys replaced or added (raw YAML scalars; `null` drops
 * the key) and raw YAML appended under `config:` (two-space indented sections).
 */
function stack(opts: { keyVault?: Record<string, string | null>; extra?: string } = {}): string {
    const kv = { ...BASE_KEY_VAULT, ...(opts.keyVault ?? {}) };
    const kvLines = Object.entries(kv)
        .filter((e): e is [string, string] => e[1] !== null)
        .map(([k, v]) => `    ${k}: ${v}\n`)
        .join("");
    return `config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555
  aio-secrets:keyVault:
${kvLines}${opts.extra ?? ""}`;
}

/** A catalog with the given `secrets:` entries (raw YAML, list items at two spaces) and extra top-level text before it. */
function catalog(secrets: string, before = ""): string {
    return `${before}secrets:\n${secrets}`;
}

const S = STACK_FILE;
const C = CATALOG;
const NS = "aio-secrets";
const PLAIN = "Pl41ntext-Secret-Do-Not-Print";
const NAME_127 = `s${"x".repeat(126)}`;
const NAME_128 = `s${"x".repeat(127)}`;

/** A catalog secret that takes its value from config, with the stack's value. */
const MQ_CATALOG = catalog("  - { name: mq-password, source: config, spcs: [aio-default-spc] }\n");

export const cases: CorpusCase[] = [
    // ---- aio-secrets:environment, tenantId, protect ----
    {
        id: "environment upper case",
        stackFile: BASE_STACK.replace("environment: dev", "environment: Dev"),
        expect: [{ file: S, path: `${NS}:environment`, value: `"Dev"`, rule: "lower-case" }],
    },
    {
        id: "environment not in the catalog's environments",
        stackFile: BASE_STACK.replace("environment: dev", "environment: qa"),
        catalog: "environments: [dev, prod]\nsecrets: []\n",
        expect: [
            {
                file: S,
                path: `${NS}:environment`,
                value: `"qa"`,
                rule: /is not one of the catalog's environments \(dev, prod\)/,
            },
        ],
    },
    {
        id: "tenantId not a GUID",
        stackFile: BASE_STACK.replace("11111111-2222-3333-4444-555555555555", "contoso.onmicrosoft.com"),
        expect: [{ file: S, path: `${NS}:tenantId`, value: `"contoso.onmicrosoft.com"`, rule: "must be a GUID" }],
    },
    {
        id: "protect not a boolean",
        stackFile: stack({ extra: "  aio-secrets:protect: maybe\n" }),
        expect: [{ file: S, path: `${NS}:protect`, value: `"maybe"`, rule: "must be true or false" }],
    },

    // ---- keyVault ----
    {
        id: "keyVault.name too short",
        stackFile: stack({ keyVault: { name: "kv" } }),
        expect: [{ file: S, path: `${NS}:keyVault.name`, value: `"kv"`, rule: "must be 3-24 characters (is 2)" }],
    },
    {
        id: "keyVault.name too long (25)",
        stackFile: stack({ keyVault: { name: "kv-corpus-0123456789abcd" + "e" } }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.name`,
                value: `"kv-corpus-0123456789abcde"`,
                rule: "must be 3-24 characters (is 25)",
            },
        ],
    },
    {
        id: "keyVault.name leading digit",
        stackFile: stack({ keyVault: { name: "1kv-corpus" } }),
        expect: [{ file: S, path: `${NS}:keyVault.name`, value: `"1kv-corpus"`, rule: "must start with a letter" }],
    },
    {
        id: "keyVault.name trailing hyphen",
        stackFile: stack({ keyVault: { name: "kv-corpus-" } }),
        expect: [
            { file: S, path: `${NS}:keyVault.name`, value: `"kv-corpus-"`, rule: "must end with a letter or digit" },
        ],
    },
    {
        id: "keyVault.name consecutive hyphens",
        stackFile: stack({ keyVault: { name: "kv--corpus" } }),
        expect: [{ file: S, path: `${NS}:keyVault.name`, value: `"kv--corpus"`, rule: "no consecutive hyphens" }],
    },
    {
        id: "keyVault.name underscore",
        stackFile: stack({ keyVault: { name: "kv_corpus" } }),
        expect: [
            { file: S, path: `${NS}:keyVault.name`, value: `"kv_corpus"`, rule: "only letters, digits and hyphens" },
        ],
    },
    {
        id: "keyVault.name missing",
        stackFile: stack({ keyVault: { name: null } }),
        expect: [{ file: S, path: `${NS}:keyVault.name`, rule: "is required" }],
    },
    {
        id: "keyVault.resourceGroupName ends with a period",
        stackFile: stack({ keyVault: { resourceGroupName: "rg-corpus." } }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.resourceGroupName`,
                value: `"rg-corpus."`,
                rule: "must not end with a period",
            },
        ],
    },
    {
        id: "keyVault.existing wrong type",
        stackFile: stack({ keyVault: { existing: "yes" } }),
        expect: [{ file: S, path: `${NS}:keyVault.existing`, value: `"yes"`, rule: "must be true or false" }],
    },
    {
        id: "keyVault.createResourceGroup wrong type",
        stackFile: stack({ keyVault: { createResourceGroup: "1" } }),
        expect: [{ file: S, path: `${NS}:keyVault.createResourceGroup`, value: `1`, rule: "must be true or false" }],
    },
    {
        id: "keyVault.location empty",
        stackFile: stack({ keyVault: { location: '""' } }),
        expect: [{ file: S, path: `${NS}:keyVault.location`, value: `""`, rule: "must not be empty" }],
    },
    {
        id: "keyVault.permissionModel unknown",
        stackFile: stack({ keyVault: { permissionModel: "RBAC" } }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.permissionModel`,
                value: `"RBAC"`,
                rule: "must be one of accessPolicy, rbac",
            },
        ],
    },
    {
        id: "keyVault.softDeleteRetentionDays 6",
        stackFile: stack({ keyVault: { softDeleteRetentionDays: "6" } }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.softDeleteRetentionDays`,
                value: `6`,
                rule: "must be a whole number from 7 to 90",
            },
        ],
    },
    {
        id: "keyVault.softDeleteRetentionDays 91",
        stackFile: stack({ keyVault: { softDeleteRetentionDays: "91" } }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.softDeleteRetentionDays`,
                value: `91`,
                rule: "must be a whole number from 7 to 90",
            },
        ],
    },
    {
        id: "keyVault.softDeleteRetentionDays quoted string",
        stackFile: stack({ keyVault: { softDeleteRetentionDays: '"90"' } }),
        // Known bug: "90" is a whole number from 7 to 90 as far as the user can see; the rule
        // must say that it is text (quoted), as the string rules say "quote numbers".
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.softDeleteRetentionDays`,
                value: `"90"`,
                rule: /must be a whole number.*\b(string|text|quotes?|unquoted)\b/i,
            },
        ],
    },
    {
        id: "keyVault.softDeleteRetentionDays fraction",
        stackFile: stack({ keyVault: { softDeleteRetentionDays: "7.5" } }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.softDeleteRetentionDays`,
                value: `7.5`,
                rule: "must be a whole number from 7 to 90",
            },
        ],
    },
    {
        id: "keyVault.purgeProtection wrong type",
        stackFile: stack({ keyVault: { purgeProtection: "enabled" } }),
        expect: [
            { file: S, path: `${NS}:keyVault.purgeProtection`, value: `"enabled"`, rule: "must be true or false" },
        ],
    },
    {
        id: "keyVault.purgeProtection false in a protected stack",
        stackFile: stack({ keyVault: { purgeProtection: "false" }, extra: "  aio-secrets:protect: true\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.purgeProtection`,
                value: `false`,
                rule: /must be true in a protected environment/,
            },
        ],
    },
    {
        id: "keyVault.publicNetworkAccess unknown",
        stackFile: stack({ keyVault: { publicNetworkAccess: "Private" } }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.publicNetworkAccess`,
                value: `"Private"`,
                rule: "must be one of Enabled, Disabled",
            },
        ],
    },
    {
        id: "keyVault.grantDeployer wrong type",
        stackFile: stack({ keyVault: { grantDeployer: "always" } }),
        expect: [{ file: S, path: `${NS}:keyVault.grantDeployer`, value: `"always"`, rule: "must be true or false" }],
    },
    {
        id: "keyVault unknown key",
        stackFile: stack({ keyVault: { sku: "premium" } }),
        expect: [
            { file: S, path: `${NS}:keyVault.sku`, rule: /unknown key; allowed keys here: name, resourceGroupName/ },
        ],
    },

    // ---- servicePrincipal ----
    {
        id: "servicePrincipal.displayName empty",
        stackFile: stack({ extra: '  aio-secrets:servicePrincipal:\n    displayName: ""\n' }),
        expect: [{ file: S, path: `${NS}:servicePrincipal.displayName`, value: `""`, rule: "must not be empty" }],
    },
    {
        id: "servicePrincipal.secretValidDays 0",
        stackFile: stack({ extra: "  aio-secrets:servicePrincipal:\n    secretValidDays: 0\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:servicePrincipal.secretValidDays`,
                value: `0`,
                rule: "must be a whole number from 1 to 730",
            },
        ],
    },
    {
        id: "servicePrincipal.secretValidDays 731",
        stackFile: stack({ extra: "  aio-secrets:servicePrincipal:\n    secretValidDays: 731\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:servicePrincipal.secretValidDays`,
                value: `731`,
                rule: "must be a whole number from 1 to 730",
            },
        ],
    },
    {
        id: "servicePrincipal.rotationDays not less than secretValidDays",
        stackFile: stack({ extra: "  aio-secrets:servicePrincipal:\n    secretValidDays: 90\n    rotationDays: 90\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:servicePrincipal.rotationDays`,
                value: `90`,
                rule: /rotationDays \+ overlapDays \(90 \+ 7\) must be at most secretValidDays \(90\)/,
            },
        ],
    },
    {
        id: "servicePrincipal.overlapDays longer than rotationDays",
        stackFile: stack({ extra: "  aio-secrets:servicePrincipal:\n    rotationDays: 5\n    overlapDays: 6\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:servicePrincipal.overlapDays`,
                value: `6`,
                rule: /must be at most rotationDays \(5\)/,
            },
        ],
    },
    {
        id: "deployers: a principal type Azure does not know, an object id that is no GUID",
        stackFile: stack({ extra: "  aio-secrets:deployers:\n    - objectId: ci-bot\n      type: App\n" }),
        expect: [
            { file: S, path: `${NS}:deployers[0].objectId`, value: `"ci-bot"`, rule: /must be a GUID/ },
            {
                file: S,
                path: `${NS}:deployers[0].type`,
                value: `"App"`,
                rule: /must be one of User, Group, ServicePrincipal/,
            },
        ],
    },
    {
        id: "deployers: a map instead of a list",
        stackFile: stack({
            extra: "  aio-secrets:deployers:\n    objectId: 12345678-1234-4123-8123-123456789abc\n    type: User\n",
        }),
        expect: [{ file: S, path: `${NS}:deployers`, rule: /must be a list/ }],
    },
    {
        id: "deployers: an unknown key in an entry",
        stackFile: stack({
            extra: "  aio-secrets:deployers:\n    - objectId: 12345678-1234-4123-8123-123456789abc\n      type: User\n      role: owner\n",
        }),
        expect: [
            { file: S, path: `${NS}:deployers[0].role`, rule: /unknown key; allowed keys here: objectId, type, name/ },
        ],
    },
    {
        id: "cluster.identifier empty",
        stackFile: stack({ extra: '  aio-secrets:cluster:\n    identifier: ""\n' }),
        expect: [{ file: S, path: `${NS}:cluster.identifier`, rule: /must not be empty/ }],
    },
    {
        id: "servicePrincipal.clientId not a GUID",
        stackFile: stack({
            extra: "  aio-secrets:servicePrincipal:\n    clientId: my-app\n    objectId: 22222222-2222-2222-2222-222222222222\n    clientSecret:\n      secure: v1:abc\n",
        }),
        expect: [{ file: S, path: `${NS}:servicePrincipal.clientId`, value: `"my-app"`, rule: "must be a GUID" }],
    },
    {
        id: "servicePrincipal.objectId not a GUID",
        stackFile: stack({
            extra: "  aio-secrets:servicePrincipal:\n    clientId: 22222222-2222-2222-2222-222222222222\n    objectId: 1234\n    clientSecret:\n      secure: v1:abc\n",
        }),
        expect: [{ file: S, path: `${NS}:servicePrincipal.objectId`, rule: /must be a (GUID|string)/ }],
    },
    ...(
        [
            ["clientId"],
            ["objectId"],
            ["clientSecret"],
            ["clientId", "objectId"],
            ["clientId", "clientSecret"],
            ["objectId", "clientSecret"],
        ] as const
    ).map((given): CorpusCase => {
        const lines: Record<string, string> = {
            clientId: "    clientId: 22222222-2222-2222-2222-222222222222\n",
            objectId: "    objectId: 33333333-3333-3333-3333-333333333333\n",
            clientSecret: "    clientSecret:\n      secure: v1:abc\n",
        };
        const missing = ["clientId", "objectId", "clientSecret"].filter(
            (k) => !(given as readonly string[]).includes(k),
        );
        return {
            id: `servicePrincipal half-given: only ${given.join(" + ")}`,
            stackFile: stack({ extra: `  aio-secrets:servicePrincipal:\n${given.map((g) => lines[g]).join("")}` }),
            expect: [
                {
                    file: S,
                    path: `${NS}:servicePrincipal`,
                    rule: new RegExp(
                        `clientId, objectId and clientSecret together; missing ${missing.join(", ")} \\(or remove ${given.join(", ")}`,
                    ),
                },
            ],
        };
    }),
    {
        id: "servicePrincipal.clientSecret plaintext",
        stackFile: stack({
            extra: `  aio-secrets:servicePrincipal:\n    clientId: 22222222-2222-2222-2222-222222222222\n    objectId: 33333333-3333-3333-3333-333333333333\n    clientSecret: ${PLAIN}\n`,
        }),
        expect: [
            {
                file: S,
                path: `${NS}:servicePrincipal.clientSecret`,
                rule: "must be a secure value: pulumi config set --secret --path 'servicePrincipal.clientSecret' --stack corpus",
            },
        ],
        mustNotContain: [PLAIN],
    },
    {
        id: "servicePrincipal unknown key",
        stackFile: stack({
            extra: "  aio-secrets:servicePrincipal:\n    appId: 22222222-2222-2222-2222-222222222222\n",
        }),
        expect: [
            { file: S, path: `${NS}:servicePrincipal.appId`, rule: /unknown key; allowed keys here: displayName/ },
        ],
    },

    // ---- cluster ----
    {
        id: "cluster.namespace upper case",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    namespace: Azure-IoT-Operations\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.namespace`,
                value: `"Azure-IoT-Operations"`,
                rule: "must be a DNS-1123 label",
            },
        ],
    },
    {
        id: "cluster.namespace 64 characters",
        stackFile: stack({ extra: `  aio-secrets:cluster:\n    namespace: ${"n".repeat(64)}\n` }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.namespace`,
                value: `"${"n".repeat(56)}..."`,
                rule: "must be 1-63 characters (is 64)",
            },
        ],
    },
    {
        id: "cluster.arcClusterName without arcResourceGroupName",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    arcClusterName: arc-corpus\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.arcResourceGroupName`,
                rule: "arcClusterName and arcResourceGroupName come together",
            },
        ],
    },
    {
        id: "cluster.arcResourceGroupName without arcClusterName",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    arcResourceGroupName: rg-arc-corpus\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.arcClusterName`,
                rule: "arcClusterName and arcResourceGroupName come together",
            },
        ],
    },
    {
        id: "cluster.csiDriver.version 1.5 (quoted)",
        stackFile: stack({ extra: '  aio-secrets:cluster:\n    csiDriver:\n      version: "1.5"\n' }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.version`,
                value: `"1.5"`,
                rule: "must be a version such as 1.5.3",
            },
        ],
    },
    {
        id: "cluster.csiDriver.version 1.5 (a YAML number)",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      version: 1.5\n" }),
        expect: [
            { file: S, path: `${NS}:cluster.csiDriver.version`, value: `1.5`, rule: /must be a (string|version)/ },
        ],
    },
    {
        id: "cluster.csiDriver.rotationPollInterval in words",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      rotationPollInterval: 1 hour\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.rotationPollInterval`,
                value: `"1 hour"`,
                rule: "must be a duration such as 1h, 30m, 1h30m or 90s",
            },
        ],
    },
    {
        id: "cluster.csiDriver.enableSecretRotation wrong type",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      enableSecretRotation: on\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.enableSecretRotation`,
                value: `"on"`,
                rule: "must be true or false",
            },
        ],
    },
    {
        id: "cluster.csiDriver.syncSecret wrong type",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      syncSecret: [false]\n" }),
        expect: [
            { file: S, path: `${NS}:cluster.csiDriver.syncSecret`, value: `(a list)`, rule: "must be true or false" },
        ],
    },
    {
        id: "cluster.csiDriver.install without Arc names",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      install: true\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.install`,
                rule: "needs cluster.arcClusterName and cluster.arcResourceGroupName",
            },
        ],
    },
    {
        id: "cluster.csiDriver.settings non-string value",
        stackFile: stack({
            extra: "  aio-secrets:cluster:\n    csiDriver:\n      settings:\n        secrets-store-csi-driver.linux.kubeletRootDir: 5\n",
        }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.settings.secrets-store-csi-driver.linux.kubeletRootDir`,
                value: `5`,
                rule: "must be a string (quote numbers and booleans meant as text)",
            },
        ],
    },
    {
        id: "cluster.csiDriver.extensionName not a DNS label",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      extensionName: AKV_Provider\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.extensionName`,
                value: `"AKV_Provider"`,
                rule: "must be a DNS-1123 label",
            },
        ],
    },
    {
        id: "cluster.csiDriver unknown key",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      rotationInterval: 1h\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.rotationInterval`,
                rule: /unknown key; allowed keys here: install, extensionName/,
            },
        ],
    },

    // ---- defaultSecret ----
    {
        id: "defaultSecret.name underscore",
        stackFile: stack({ extra: "  aio-secrets:defaultSecret:\n    name: azure_iot_operations\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:defaultSecret.name`,
                value: `"azure_iot_operations"`,
                rule: "only letters, digits and hyphens",
            },
        ],
    },
    {
        id: "defaultSecret.source config",
        stackFile: stack({ extra: "  aio-secrets:defaultSecret:\n    source: config\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:defaultSecret.source`,
                value: `"config"`,
                rule: "must be one of generated, existing",
            },
        ],
    },

    // ---- secretValues ----
    {
        id: "secretValues plaintext value",
        stackFile: stack({ extra: `  aio-secrets:secretValues:\n    mq-password: ${PLAIN}\n` }),
        catalog: MQ_CATALOG,
        expect: [
            {
                file: S,
                path: `${NS}:secretValues.mq-password`,
                rule: "is plaintext in the stack file; set it with pulumi config set --secret --path 'secretValues.mq-password'",
            },
        ],
        mustNotContain: [PLAIN],
    },
    {
        id: "secretValues plaintext value next to a secure one",
        stackFile: stack({
            extra: `  aio-secrets:secretValues:\n    mq-password:\n      secure: v1:abc\n    other-password: ${PLAIN}\n`,
        }),
        catalog: catalog("  - { name: mq-password, source: config }\n  - { name: other-password, source: config }\n"),
        expect: [{ file: S, path: `${NS}:secretValues.other-password`, rule: "is plaintext in the stack file" }],
        mustNotContain: [PLAIN],
    },
    {
        id: "secretValues value for an undeclared secret",
        stackFile: stack({ extra: "  aio-secrets:secretValues:\n    mq-pasword:\n      secure: v1:abc\n" }),
        catalog: catalog("  - { name: mq-password, source: generated }\n"),
        expect: [
            {
                file: S,
                path: `${NS}:secretValues.mq-pasword`,
                rule: /declares no secret named "mq-pasword" \(did you mean "mq-password"\?\)/,
            },
        ],
    },
    {
        id: "secretValues missing for a declared config secret",
        catalog: MQ_CATALOG,
        expect: [
            {
                file: S,
                path: `${NS}:secretValues.mq-password`,
                rule: /is missing: .*pulumi config set --secret --path 'secretValues\.mq-password' --stack corpus/,
            },
        ],
    },

    // ---- unknown keys, file shape ----
    {
        id: "unknown top-level key",
        stackFile: stack({ extra: "  aio-secrets:bogus: 1\n" }),
        expect: [{ file: S, path: `${NS}:bogus`, rule: /unknown key; allowed keys here: environment, tenantId/ }],
    },
    {
        id: "unknown nested key",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      settings: {}\n    bogus: true\n" }),
        expect: [{ file: S, path: `${NS}:cluster.bogus`, rule: /unknown key; allowed keys here: namespace/ }],
    },
    {
        id: "stack file empty",
        stackFile: "",
        expect: [{ file: S, path: "", rule: "is empty; it needs a config: map" }],
    },
    {
        id: "stack file YAML syntax error",
        // resourceGroupName is indented one space less than name.
        stackFile: "config:\n  aio-secrets:keyVault:\n    name: kv-corpus-01\n   resourceGroupName: rg-corpus\n",
        expect: [
            { file: S, path: "", rule: /^YAML syntax: All mapping items must start at the same column$/, line: 4 },
        ],
    },
    {
        id: "stack file duplicate keys",
        stackFile: stack({ extra: "  aio-secrets:environment: prod\n" }),
        expect: [{ file: S, path: "", rule: /YAML syntax: Map keys must be unique/, line: 8 }],
    },
    {
        id: "stack file without config:",
        stackFile: "aio-secrets:keyVault:\n  name: kv-corpus-01\n  resourceGroupName: rg-corpus\n",
        expect: [{ file: S, path: "config", rule: "is missing; the stack settings live under config:" }],
    },
    {
        id: "stack file without keyVault",
        stackFile: "config:\n  azure-native:location: westeurope\n  aio-secrets:environment: dev\n",
        expect: [{ file: S, path: `${NS}:keyVault`, rule: "is required" }],
    },

    // ---- several problems in one stack file ----
    {
        id: "three problems in three sections",
        stackFile: stack({
            keyVault: { name: "kv--corpus" },
            extra: "  aio-secrets:servicePrincipal:\n    secretValidDays: 0\n  aio-secrets:cluster:\n    namespace: Not_A_Namespace\n",
        }),
        expect: [
            { file: S, path: `${NS}:keyVault.name`, value: `"kv--corpus"`, rule: "no consecutive hyphens" },
            {
                file: S,
                path: `${NS}:servicePrincipal.secretValidDays`,
                value: `0`,
                rule: "must be a whole number from 1 to 730",
            },
            { file: S, path: `${NS}:cluster.namespace`, value: `"Not_A_Namespace"`, rule: "must be a DNS-1123 label" },
        ],
    },

    // ---- the catalog ----
    {
        id: "catalog empty",
        catalog: "",
        expect: [{ file: C, path: "", rule: "is empty: declare at least `secrets: []`" }],
    },
    {
        id: "catalog YAML syntax error",
        catalog: "secrets:\n  - name: mq-password\n    source: generated\n    spcs: [aio-default-spc]]\n",
        expect: [{ file: C, path: "", rule: /^YAML syntax: Unexpected flow-seq-end token/, line: 4 }],
        // The first error only: the parser's later ones are echoes of it.
        mustNotContain: [/problems in the stack settings or the catalog/],
    },
    {
        id: "catalog duplicate keys",
        catalog: "secrets: []\nsecretProviderClasses: {}\nsecrets: []\n",
        expect: [{ file: C, path: "", rule: /YAML syntax: Map keys must be unique/, line: 3 }],
    },
    {
        id: "catalog secrets not a list",
        catalog: "secrets:\n  mq-password: { source: config }\n",
        expect: [{ file: C, path: "secrets", rule: "must be a list of secrets", line: 2 }],
    },
    {
        id: "catalog unknown key in a secret",
        catalog: catalog("  - name: mq-password\n    source: generated\n    colour: red\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).colour",
                rule: /unknown key; allowed keys here: name, type, source/,
                line: 4,
            },
        ],
    },
    {
        id: "catalog unknown top-level key",
        catalog: "secret-provider-classes: {}\nsecrets: []\n",
        expect: [
            {
                file: C,
                path: "secret-provider-classes",
                rule: /unknown key; allowed keys here: environments, secretProviderClasses, secrets/,
                line: 1,
            },
        ],
    },
    {
        id: "catalog secret name with underscore",
        catalog: catalog("  - name: mq_password\n    source: generated\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq_password).name",
                value: '"mq_password"',
                rule: "only letters, digits and hyphens",
                line: 2,
            },
        ],
    },
    {
        id: "catalog secret name of 128 characters",
        catalog: catalog(`  - name: ${NAME_128}\n    source: generated\n`),
        expect: [
            { file: C, path: `secrets[0] (${NAME_128}).name`, rule: "must be 1-127 characters (is 128)", line: 2 },
        ],
    },
    {
        id: "catalog secret name of 127 characters (control)",
        catalog: catalog(`  - name: ${NAME_127}\n    source: generated\n`),
        expect: [],
        ok: true,
    },
    {
        id: "catalog duplicate secret names (case-insensitive)",
        catalog: catalog(
            "  - name: mq-password\n    source: generated\n  - name: MQ-Password\n    source: generated\n",
        ),
        expect: [
            {
                file: C,
                path: "secrets[1] (MQ-Password).name",
                value: '"MQ-Password"',
                rule: /duplicate secret name \(first at secrets\[0\]/,
                line: 4,
            },
        ],
    },
    {
        id: "catalog bad type",
        catalog: catalog("  - name: mq-password\n    type: password\n    source: generated\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).type",
                value: '"password"',
                rule: "must be one of secret, key, cert",
                line: 3,
            },
        ],
    },
    {
        id: "catalog bad source",
        catalog: catalog("  - name: mq-password\n    source: vault\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).source",
                value: '"vault"',
                rule: "must be one of config, generated, existing",
                line: 3,
            },
        ],
    },
    {
        id: "catalog source missing",
        catalog: catalog("  - name: mq-password\n"),
        // Reported as the list of allowed values rather than "is required": still actionable.
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).source",
                rule: /is required|must be one of config, generated, existing/,
                line: 2,
            },
        ],
    },
    {
        id: "catalog certificate not existing",
        catalog: catalog("  - name: broker-cert\n    type: cert\n    source: generated\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (broker-cert).source",
                value: '"generated"',
                rule: "certificates must be `existing`",
                line: 4,
            },
        ],
    },
    {
        id: "catalog key from config",
        catalog: catalog("  - name: signing-key\n    type: key\n    source: config\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (signing-key).source",
                value: '"config"',
                rule: "keys cannot take a value from config",
                line: 4,
            },
        ],
    },
    {
        id: "catalog spcs names an undeclared SPC",
        catalog: catalog("  - name: mq-password\n    source: generated\n    spcs: [aio-defualt-spc]\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).spcs[0]",
                value: '"aio-defualt-spc"',
                rule: 'is not a declared SecretProviderClass (did you mean "aio-default-spc"?)',
                line: 4,
            },
        ],
    },
    {
        id: "catalog alias absolute",
        catalog: catalog("  - name: mq-password\n    source: generated\n    alias: /etc/mq-password\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).alias",
                value: '"/etc/mq-password"',
                rule: "must be a relative file name (no leading '/')",
                line: 4,
            },
        ],
    },
    {
        id: "catalog alias with ..",
        catalog: catalog("  - name: mq-password\n    source: generated\n    alias: ../mq-password\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).alias",
                value: '"../mq-password"',
                rule: "must not contain '..'",
                line: 4,
            },
        ],
    },
    {
        id: "catalog two secrets with one file name in one SPC",
        catalog: catalog(
            "  - name: mq-password\n    source: generated\n    spcs: [aio-default-spc]\n    alias: password\n" +
                "  - name: opcua-password\n    source: generated\n    spcs: [aio-default-spc]\n    alias: password\n",
        ),
        expect: [
            {
                file: C,
                path: "secrets[1] (opcua-password).alias",
                rule: /file name "password" is already used in SecretProviderClass aio-default-spc by secrets\[0\] \(mq-password\)/,
                line: 9,
            },
        ],
    },
    {
        id: "catalog bad filePermission",
        catalog: catalog('  - name: mq-password\n    source: generated\n    filePermission: "0999"\n'),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).filePermission",
                value: '"0999"',
                rule: "must be an octal file mode",
                line: 4,
            },
        ],
    },
    {
        id: "catalog filePermission unquoted",
        catalog: catalog("  - name: mq-password\n    source: generated\n    filePermission: 0644\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).filePermission",
                rule: /must be (a string|an octal file mode)/,
                line: 4,
            },
        ],
    },
    {
        id: "catalog version not 32 hex",
        catalog: catalog("  - name: broker-cert\n    type: cert\n    source: existing\n    version: 1234abcd\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (broker-cert).version",
                value: '"1234abcd"',
                rule: "32-character Key Vault version id",
                line: 5,
            },
        ],
    },
    {
        id: "catalog length on a non-generated secret",
        catalog: catalog("  - name: mq-password\n    source: config\n    length: 32\n"),
        stackFile: stack({ extra: "  aio-secrets:secretValues:\n    mq-password:\n      secure: v1:abc\n" }),
        expect: [
            { file: C, path: "secrets[0] (mq-password).length", rule: "applies only to generated secrets", line: 4 },
        ],
    },
    {
        id: "catalog secret environment not in the environments list",
        catalog: catalog(
            "  - name: mq-password\n    source: generated\n    environments: [dev, prdo]\n",
            "environments: [dev, staging, prod]\n",
        ),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).environments[1]",
                value: '"prdo"',
                rule: "is not one of the catalog's environments (dev, staging, prod)",
                line: 5,
            },
        ],
    },
    {
        id: "catalog bad restart kind",
        catalog:
            "secretProviderClasses:\n  aio-default-spc:\n    restart:\n      - { kind: Pod, name: my-pod }\nsecrets: []\n",
        expect: [
            {
                file: C,
                path: "secretProviderClasses.aio-default-spc.restart[0].kind",
                value: '"Pod"',
                rule: "must be one of Deployment, StatefulSet, DaemonSet",
                line: 4,
            },
        ],
    },
    {
        id: "catalog duplicate restart workload",
        catalog:
            "secretProviderClasses:\n  aio-default-spc:\n    restart:\n      - { kind: StatefulSet, name: aio-dp-runner-worker }\n      - { kind: StatefulSet, name: aio-dp-runner-worker }\nsecrets: []\n",
        expect: [
            {
                file: C,
                path: "secretProviderClasses.aio-default-spc.restart[1]",
                rule: "lists the same workload twice",
                line: 5,
            },
        ],
    },
    {
        id: "catalog SPC name with upper case",
        catalog: "secretProviderClasses:\n  My-App-SPC: {}\nsecrets: []\n",
        expect: [
            {
                file: C,
                path: "secretProviderClasses.My-App-SPC",
                rule: /SecretProviderClass name must be a Kubernetes name/,
                line: 2,
            },
        ],
    },

    {
        id: "catalog version on a secret the stack writes",
        catalog: catalog(
            "  - name: mq-password\n    source: generated\n    version: 0123456789abcdef0123456789abcdef\n",
        ),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).version",
                rule: "a pinned version applies only to existing objects",
                line: 4,
            },
        ],
    },
    {
        id: "catalog spcs lists one SPC twice",
        catalog: catalog(
            "  - name: mq-password\n    source: generated\n    spcs: [aio-default-spc, aio-default-spc]\n",
        ),
        expect: [
            { file: C, path: "secrets[0] (mq-password).spcs", rule: "lists a SecretProviderClass twice", line: 4 },
        ],
    },
    {
        id: "catalog deleteOnRemove wrong type",
        catalog: catalog("  - name: mq-password\n    source: generated\n    deleteOnRemove: yes\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).deleteOnRemove",
                value: '"yes"',
                rule: "must be true or false",
                line: 4,
            },
        ],
    },
    {
        id: "catalog deleteOnRemove on an existing object",
        catalog: catalog("  - name: broker-cert\n    type: cert\n    source: existing\n    deleteOnRemove: true\n"),
        expect: [{ file: C, path: "secrets[0] (broker-cert).deleteOnRemove", rule: "cannot delete it", line: 5 }],
    },
    {
        id: "catalog keySize not allowed",
        catalog: catalog("  - name: signing-key\n    type: key\n    source: generated\n    keySize: 1024\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (signing-key).keySize",
                value: "1024",
                rule: "must be 2048, 3072 or 4096",
                line: 5,
            },
        ],
    },
    {
        id: "catalog keySize on a secret",
        catalog: catalog("  - name: mq-password\n    source: generated\n    keySize: 2048\n"),
        expect: [
            { file: C, path: "secrets[0] (mq-password).keySize", rule: "applies only to generated keys", line: 4 },
        ],
    },
    {
        id: "catalog contentType too long",
        catalog: catalog(`  - name: mq-password\n    source: generated\n    contentType: ${"t".repeat(256)}\n`),
        expect: [
            { file: C, path: "secrets[0] (mq-password).contentType", rule: "must be at most 255 characters", line: 4 },
        ],
    },
    {
        id: "catalog contentType on a key",
        catalog: catalog("  - name: signing-key\n    type: key\n    source: generated\n    contentType: text/plain\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (signing-key).contentType",
                rule: "applies only to secrets the stack writes",
                line: 5,
            },
        ],
    },
    {
        id: "catalog bad encoding",
        catalog: catalog("  - name: mq-password\n    source: generated\n    encoding: utf8\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).encoding",
                value: '"utf8"',
                rule: "must be one of utf-8, hex, base64",
                line: 4,
            },
        ],
    },
    {
        id: "catalog encoding on a certificate",
        catalog: catalog("  - name: broker-cert\n    type: cert\n    source: existing\n    encoding: base64\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (broker-cert).encoding",
                rule: "objectEncoding applies only to secrets",
                line: 5,
            },
        ],
    },
    {
        id: "catalog bad format",
        catalog: catalog("  - name: broker-cert\n    type: cert\n    source: existing\n    format: der\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (broker-cert).format",
                value: '"der"',
                rule: "must be one of pem, pfx",
                line: 5,
            },
        ],
    },
    {
        id: "catalog format pfx on a certificate",
        catalog: catalog("  - name: broker-cert\n    type: cert\n    source: existing\n    format: pfx\n"),
        expect: [
            { file: C, path: "secrets[0] (broker-cert).format", rule: "pfx applies only to type secret", line: 5 },
        ],
    },
    {
        id: "catalog environments entry not an environment name",
        catalog: "environments: [dev, Prod]\nsecrets: []\n",
        expect: [{ file: C, path: "environments[1]", value: '"Prod"', rule: "lower-case letters", line: 1 }],
    },
    {
        id: "catalog SPC pods zero",
        catalog: "secretProviderClasses:\n  aio-default-spc:\n    pods: 0\nsecrets: []\n",
        expect: [
            {
                file: C,
                path: "secretProviderClasses.aio-default-spc.pods",
                value: "0",
                rule: "must be a whole number from 1 to 100000",
                line: 3,
            },
        ],
    },
    {
        id: "catalog restart not a list",
        catalog:
            "secretProviderClasses:\n  aio-default-spc:\n    restart: { kind: StatefulSet, name: aio-dp-runner-worker }\nsecrets: []\n",
        expect: [
            {
                file: C,
                path: "secretProviderClasses.aio-default-spc.restart",
                value: "(a map)",
                rule: "must be a list",
                line: 3,
            },
        ],
    },
    {
        id: "catalog restart workload name not a Kubernetes name",
        catalog:
            "secretProviderClasses:\n  aio-default-spc:\n    restart:\n      - { kind: StatefulSet, name: AIO_Runner }\nsecrets: []\n",
        expect: [
            {
                file: C,
                path: "secretProviderClasses.aio-default-spc.restart[0].name",
                value: '"AIO_Runner"',
                rule: "must be a Kubernetes name",
                line: 4,
            },
        ],
    },
    {
        id: "catalog unterminated quote",
        // The quote opens on line 3; a line number past the end of the file points nowhere.
        catalog: catalog('  - name: mq-password\n    source: "generated\n    alias: mq-password.txt\n'),
        expect: [{ file: C, path: "", rule: /^YAML syntax: Missing closing "quote/, line: 3 }],
    },
    {
        id: "catalog root is a list",
        catalog: "- name: mq-password\n  source: generated\n",
        expect: [{ file: C, path: "", rule: "must be a map with the keys secretProviderClasses and secrets", line: 1 }],
    },
    {
        id: "catalog environments listed twice",
        catalog: "environments: [dev, staging, dev]\nsecrets: []\n",
        expect: [{ file: C, path: "environments", rule: "lists an environment twice", line: 1 }],
    },
    {
        id: "catalog secret with an empty environments list",
        catalog: catalog("  - name: mq-password\n    source: generated\n    environments: []\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).environments",
                rule: "must list at least one environment (omit the key for all)",
                line: 4,
            },
        ],
    },
    {
        id: "catalog alias with a backslash",
        catalog: catalog("  - name: mq-password\n    source: generated\n    alias: 'certs\\mq-password'\n"),
        expect: [{ file: C, path: "secrets[0] (mq-password).alias", rule: "must use '/' as separator", line: 4 }],
    },
    {
        id: "catalog restart namespace not a DNS label",
        catalog:
            "secretProviderClasses:\n  aio-default-spc:\n    restart:\n      - { kind: Deployment, name: my-app, namespace: My_Apps }\nsecrets: []\n",
        expect: [
            {
                file: C,
                path: "secretProviderClasses.aio-default-spc.restart[0].namespace",
                value: '"My_Apps"',
                rule: "must be a DNS-1123 label",
                line: 4,
            },
        ],
    },
    {
        id: "catalog secret named like the default secret",
        catalog: catalog("  - name: Azure-IoT-Operations\n    source: generated\n"),
        expect: [
            {
                file: C,
                path: "secrets[0] (Azure-IoT-Operations).name",
                rule: /is the stack's default secret \(aio-secrets:defaultSecret\.name in Pulumi\.corpus\.yaml\)/,
                line: 2,
            },
        ],
    },
    {
        id: "secretValues value for a generated secret",
        stackFile: stack({ extra: "  aio-secrets:secretValues:\n    mq-password:\n      secure: v1:abc\n" }),
        catalog: catalog("  - { name: mq-password, source: generated }\n"),
        expect: [
            {
                file: S,
                path: `${NS}:secretValues.mq-password`,
                rule: /has source generated in .*secrets\.yaml, so this value would be ignored/,
            },
        ],
    },
    {
        id: "secretValues value not a string",
        stackFile: stack({ extra: "  aio-secrets:secretValues:\n    mq-password: 918273645\n" }),
        catalog: MQ_CATALOG,
        expect: [{ file: S, path: `${NS}:secretValues.mq-password`, rule: "must be a string value set with --secret" }],
        mustNotContain: ["918273645"],
    },
    {
        id: "secretValues not a map",
        stackFile: stack({ extra: `  aio-secrets:secretValues: ${PLAIN}\n` }),
        expect: [{ file: S, path: `${NS}:secretValues`, rule: "must be a map of keys" }],
        mustNotContain: [PLAIN],
    },
    {
        id: "secure value at a plain key is never shown",
        stackFile: BASE_STACK.replace("11111111-2222-3333-4444-555555555555", "\n    secure: v1:abc"),
        // Only that it is secret: a value rule ("must be a GUID") would describe the secret.
        expect: [
            {
                file: S,
                path: `${NS}:tenantId`,
                rule: /^is secret \(secure: in the stack file\).*set it without --secret/,
            },
        ],
        mustNotContain: [/tenantId "/, /must be a GUID/],
    },
    {
        id: "cluster.arcClusterName bad",
        stackFile: stack({
            extra: "  aio-secrets:cluster:\n    arcClusterName: -arc-corpus\n    arcResourceGroupName: rg-arc-corpus\n",
        }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.arcClusterName`,
                value: '"-arc-corpus"',
                rule: "starting with a letter or digit",
            },
        ],
    },
    {
        id: "cluster.csiDriver.settings bad setting name",
        stackFile: stack({
            extra: "  aio-secrets:cluster:\n    csiDriver:\n      settings:\n        'rotation poll': 2m\n",
        }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.settings.rotation poll`,
                rule: "extension setting names are letters, digits",
            },
        ],
    },
    {
        id: "prod environment without purge protection",
        stackFile: stack({ keyVault: { purgeProtection: "false" } }).replace("environment: dev", "environment: prod"),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.purgeProtection`,
                value: "false",
                rule: /must be true in a protected environment/,
            },
        ],
    },
    {
        id: "no location for a created vault",
        stackFile: BASE_STACK.replace("  azure-native:location: westeurope\n", ""),
        expect: [{ file: S, path: "azure-native:location", rule: "is required to create the vault" }],
    },
    {
        id: "stack file root is a list",
        stackFile: "- config\n",
        expect: [{ file: S, path: "", rule: "must be a map with a config: key", line: 1 }],
    },
    {
        id: "stack file config is a list",
        stackFile: "config:\n  - aio-secrets:environment: dev\n",
        expect: [{ file: S, path: "config", rule: "must be a map of settings" }],
    },
    {
        id: "keyVault given as a list",
        stackFile: "config:\n  azure-native:location: westeurope\n  aio-secrets:keyVault: [kv-corpus-01, rg-corpus]\n",
        expect: [{ file: S, path: `${NS}:keyVault`, rule: "must be a map of keys" }],
        // Known bug: it is given, so "is required" is wrong.
        mustNotContain: [/aio-secrets:keyVault: is required/],
    },
    {
        id: "misspelt project namespace",
        // `aio-secret:` is no provider's namespace: a typo of `aio-secrets:` whose settings
        // would silently not apply (here: the namespace the SPCs go to).
        stackFile: stack({ extra: "  aio-secret:cluster:\n    namespace: my-aio\n" }),
        expect: [{ file: S, path: "aio-secret:cluster", rule: /aio-secrets:cluster/ }],
    },

    // ---- issue 10.9: secure: where a secret makes no sense ----
    {
        id: "secure keyVault.location",
        stackFile: stack({ keyVault: { location: "\n      secure: v1:abc" } }),
        expect: [{ file: S, path: `${NS}:keyVault.location`, rule: /^is secret \(secure: in the stack file\)/ }],
        mustNotContain: [/location "/],
    },
    {
        id: "secure servicePrincipal.displayName",
        stackFile: stack({ extra: "  aio-secrets:servicePrincipal:\n    displayName:\n      secure: v1:abc\n" }),
        expect: [{ file: S, path: `${NS}:servicePrincipal.displayName`, rule: /^is secret .*set it without --secret/ }],
    },
    {
        id: "secure cluster.namespace",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    namespace:\n      secure: v1:abc\n" }),
        expect: [{ file: S, path: `${NS}:cluster.namespace`, rule: /^is secret / }],
    },
    {
        id: "secure kubernetes:context",
        stackFile: stack({ extra: "  kubernetes:context:\n    secure: v1:abc\n" }),
        expect: [{ file: S, path: "kubernetes:context", rule: /^is secret .*kubernetes:kubeconfig may be secret/ }],
    },
    {
        id: "secure keyVault as a whole",
        stackFile: BASE_STACK.replace(
            "  aio-secrets:keyVault:\n    name: kv-corpus-01\n    resourceGroupName: rg-corpus\n",
            "  aio-secrets:keyVault:\n    secure: v1:abc\n",
        ),
        expect: [{ file: S, path: `${NS}:keyVault`, rule: /^is secret / }],
    },
    {
        id: "secure CSI setting and secure kubeconfig (control)",
        stackFile: stack({
            extra:
                "  kubernetes:kubeconfig:\n    secure: v1:abc\n" +
                "  aio-secrets:cluster:\n    arcClusterName: arc-corpus\n    arcResourceGroupName: rg-arc\n    csiDriver:\n      settings:\n        linux.proxy:\n          secure: v1:abc\n",
        }),
        expect: [],
        ok: true,
    },

    // ---- issue 11.3: secure: "" ----
    {
        id: "secure empty string",
        stackFile: stack({ extra: '  aio-secrets:secretValues:\n    mq-password:\n      secure: ""\n' }),
        catalog: MQ_CATALOG,
        expect: [
            {
                file: S,
                path: `${NS}:secretValues.mq-password`,
                rule: "secure: must hold a ciphertext; set the value with pulumi config set --secret --path 'secretValues.mq-password'",
            },
        ],
    },
    {
        id: "secure null",
        stackFile: stack({
            extra: "  aio-secrets:servicePrincipal:\n    clientId: 22222222-2222-2222-2222-222222222222\n    objectId: 33333333-3333-3333-3333-333333333333\n    clientSecret:\n      secure:\n",
        }),
        expect: [{ file: S, path: `${NS}:servicePrincipal.clientSecret`, rule: /^secure: must hold a ciphertext/ }],
    },
    {
        id: "example placeholders (control: a warning, not an error)",
        stackFile: stack({
            extra: "  aio-secrets:secretValues:\n    mq-password:\n      secure: v1:placeholder-replace-with-pulumi-config-set-secret\n",
        }),
        catalog: MQ_CATALOG,
        expect: [],
        ok: true,
        warnings: [
            /^Pulumi\.corpus\.yaml: aio-secrets:secretValues\.mq-password is an example placeholder, not a real secret/,
            /^Pulumi\.corpus\.yaml: aio-secrets:tenantId 11111111-2222-3333-4444-555555555555 is an example placeholder id/,
        ],
    },

    // ---- issue 10.10: own-property lookups, __proto__ ----
    {
        id: "catalog config secret named toString without a value",
        catalog: catalog("  - { name: toString, source: config }\n  - { name: constructor, source: config }\n"),
        expect: [
            { file: S, path: `${NS}:secretValues.toString`, rule: /^is missing/ },
            { file: S, path: `${NS}:secretValues.constructor`, rule: /^is missing/ },
        ],
    },
    {
        id: "__proto__ in the stack file",
        stackFile: stack({
            // A computed key: a literal `__proto__:` would set the object's prototype instead.
            keyVault: { ["__proto__"]: "{ existing: true }" },
            extra: "  aio-secrets:secretValues:\n    __proto__:\n      secure: v1:abc\n",
        }),
        expect: [
            { file: S, path: `${NS}:keyVault.__proto__`, rule: /^unknown key/ },
            { file: S, path: `${NS}:secretValues.__proto__`, rule: /^unknown key/ },
        ],
    },
    {
        id: "__proto__ in the catalog",
        catalog:
            "secretProviderClasses:\n  __proto__: { pods: 2 }\nsecrets:\n  - { name: a, source: generated, __proto__: { deleteOnRemove: true } }\n",
        expect: [
            { file: C, path: "secretProviderClasses.__proto__", rule: /^unknown key/, line: 2 },
            { file: C, path: "secrets[0] (a).__proto__", rule: /^unknown key/ },
        ],
    },

    // ---- issue 10.11: what the engine or the CSI driver refuses ----
    {
        id: "restart targets whose patch names collided (control)",
        catalog:
            "secretProviderClasses:\n" +
            "  a:\n    restart:\n      - { kind: Deployment, name: b-restart-deployment-c }\n" +
            "  a-restart-deployment-b:\n    restart:\n      - { kind: Deployment, name: c }\n" +
            "secrets:\n  - { name: s1, source: generated, spcs: [a, a-restart-deployment-b] }\n",
        expect: [],
        ok: true,
    },
    {
        id: "catalog alias ..data",
        catalog: catalog("  - name: mq-password\n    source: generated\n    alias: ..data/mq-password\n"),
        expect: [{ file: C, path: "secrets[0] (mq-password).alias", rule: "must not start with '..'", line: 4 }],
    },
    {
        id: "catalog alias segment over 255 bytes",
        catalog: catalog(`  - name: mq-password\n    source: generated\n    alias: certs/${"x".repeat(256)}\n`),
        expect: [
            {
                file: C,
                path: "secrets[0] (mq-password).alias",
                rule: "path segments must be at most 255 bytes (one is 256)",
                line: 4,
            },
        ],
    },
    {
        id: "catalog alias with a control character",
        catalog: catalog('  - name: mq-password\n    source: generated\n    alias: "mq\\tpassword"\n'),
        expect: [
            { file: C, path: "secrets[0] (mq-password).alias", rule: "must not contain control characters", line: 4 },
        ],
    },
    {
        id: "catalog file name that is also a directory",
        catalog: catalog(
            "  - { name: a, source: generated, spcs: [aio-default-spc], alias: certs }\n" +
                "  - { name: b, source: generated, spcs: [aio-default-spc], alias: certs/b.pem }\n",
        ),
        expect: [
            {
                file: C,
                path: "secrets[1] (b).alias",
                rule: 'file name "certs/b.pem" needs a directory "certs", but secrets[0] (a) is the file "certs"',
            },
        ],
    },
    {
        id: "cluster.csiDriver.rotationPollInterval beyond Go's limit",
        stackFile: stack({ extra: "  aio-secrets:cluster:\n    csiDriver:\n      rotationPollInterval: 2562048h\n" }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.rotationPollInterval`,
                value: '"2562048h"',
                rule: "longer than Go's longest duration",
            },
        ],
    },
    ...[
        ["secrets-store-csi-driver.enableSecretRotation", "cluster.csiDriver.enableSecretRotation"],
        ["secrets-store-csi-driver.rotationPollInterval", "cluster.csiDriver.rotationPollInterval"],
        ["secrets-store-csi-driver.syncSecret.enabled", "cluster.csiDriver.syncSecret"],
    ].map(([key, typed]): CorpusCase => ({
        id: `cluster.csiDriver.settings overrides ${key}`,
        stackFile: stack({ extra: `  aio-secrets:cluster:\n    csiDriver:\n      settings:\n        ${key}: "x"\n` }),
        expect: [
            {
                file: S,
                path: `${NS}:cluster.csiDriver.settings.${key}`,
                rule: `overrides a checked setting; use aio-secrets:${typed} instead`,
            },
        ],
    })),
    {
        id: "environment empty",
        stackFile: BASE_STACK.replace("environment: dev", 'environment: ""'),
        expect: [{ file: S, path: `${NS}:environment`, rule: "is empty; set an environment name, or remove the key" }],
    },
    {
        id: "environment null",
        stackFile: BASE_STACK.replace("environment: dev", "environment:"),
        expect: [{ file: S, path: `${NS}:environment`, rule: "is empty; set an environment name, or remove the key" }],
        mustNotContain: ['"null"'],
    },
    {
        id: "stack file alias bomb",
        stackFile:
            BASE_STACK +
            "  other:a: &a [x,x,x,x,x,x,x,x,x]\n  other:b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  other:c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
            "  other:d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  other:e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
        expect: [{ file: S, path: "", rule: /^YAML aliases expand beyond 100 nested uses/ }],
    },
    {
        id: "catalog alias bomb",
        catalog:
            "secretProviderClasses:\n  x: &a { restart: [] }\nsecrets: []\nmqResources:\n" +
            "  - { apiVersion: mq.iotoperations.azure.com/v1beta1, kind: Broker, metadata: { name: b }, spec: { a: &l1 [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], b: &l2 [*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1], c: &l3 [*l2,*l2,*l2,*l2,*l2,*l2,*l2,*l2,*l2,*l2], d: [*l3,*l3,*l3,*l3,*l3,*l3,*l3,*l3,*l3,*l3] } }\n",
        expect: [{ file: C, path: "", rule: /^YAML aliases expand beyond 100 nested uses/ }],
    },
    {
        id: "stack file unknown tag",
        stackFile: BASE_STACK.replace("environment: dev", "environment: !env dev"),
        expect: [{ file: S, path: "", rule: "YAML tag !env is not supported", line: 3 }],
    },
    {
        id: "catalog unknown tag",
        catalog: catalog("  - name: mq-password\n    source: !!js/function generated\n"),
        expect: [{ file: C, path: "", rule: "YAML tag !!js/function is not supported", line: 3 }],
    },
    {
        id: "kubernetes: key typo (control: a warning, not an error)",
        stackFile: stack({ extra: "  kubernetes:contxt: edge\n" }),
        expect: [],
        ok: true,
        warnings: [
            /^Pulumi\.corpus\.yaml: kubernetes:contxt is not a pulumi-kubernetes setting \(did you mean kubernetes:context\?\)/,
        ],
    },

    // ---- issue 11.4: stack files read as Pulumi reads them ----
    {
        id: "stack file anchors, aliases and merge keys (control)",
        stackFile:
            "defaults: &kv { resourceGroupName: rg-corpus }\n" +
            "config:\n  azure-native:location: westeurope\n  aio-secrets:environment: dev\n" +
            "  aio-secrets:keyVault:\n    <<: *kv\n    name: kv-corpus-01\n  aio-secrets:cluster:\n    namespace: &ns azure-iot-operations\n",
        expect: [],
        ok: true,
    },

    // ---- issue 11.7: the first YAML error only ----
    {
        id: "stack file YAML syntax error: the first error only",
        stackFile: 'config:\n  aio-secrets:environment: "dev\n  aio-secrets:keyVault:\n    name: [kv\n',
        expect: [{ file: S, path: "", rule: /^YAML syntax: /, line: 2 }],
        mustNotContain: [/problems in the stack settings or the catalog/],
    },

    // ---- issue 13: aio-secrets:ca ----
    {
        id: "ca test in a secret-sync stack (no Kubernetes provider there)",
        stackFile: stack({
            keyVault: { permissionModel: "rbac" },
            extra:
                `  aio-secrets:delivery: secretSync\n  aio-secrets:secretSync:\n    customLocation: { name: cl-x, resourceGroupName: rg-arc }\n    identity: { name: id-x }\n    oidcIssuerUrl: https://issuer.example/x/\n    extension: { install: false }\n` +
                "  aio-secrets:ca: { mode: test }\n",
        }),
        expect: [{ file: S, path: `${NS}:ca.mode`, value: `"test"`, rule: /Azure Resource Manager only/ }],
    },
    {
        id: "ca vault in a secret-sync stack without its private key object",
        stackFile: stack({
            keyVault: { permissionModel: "rbac" },
            extra:
                `  aio-secrets:delivery: secretSync\n  aio-secrets:secretSync:\n    customLocation: { name: cl-x, resourceGroupName: rg-arc }\n    identity: { name: id-x }\n    oidcIssuerUrl: https://issuer.example/x/\n    extension: { install: false }\n` +
                "  aio-secrets:ca: { mode: vault, certificate: ca-chain }\n",
        }),
        expect: [{ file: S, path: `${NS}:ca.privateKey`, rule: /is required with ca.mode vault in secretSync mode/ }],
    },
    {
        id: "ca mode unknown",
        stackFile: stack({ extra: "  aio-secrets:ca: { mode: selfsigned }\n" }),
        expect: [{ file: S, path: `${NS}:ca.mode`, value: `"selfsigned"`, rule: "must be one of test, vault, none" }],
    },
    {
        id: "ca renewBeforeDays not below validDays",
        stackFile: stack({ extra: "  aio-secrets:ca: { validDays: 30, renewBeforeDays: 30 }\n" }),
        expect: [
            { file: S, path: `${NS}:ca.renewBeforeDays`, value: "30", rule: "must be less than ca.validDays (30)" },
        ],
    },
    {
        id: "ca vault without the certificate and without syncSecret",
        stackFile: stack({ extra: "  aio-secrets:ca: { mode: vault }\n" }),
        expect: [
            { file: S, path: `${NS}:ca.certificate`, rule: "is required with ca.mode vault" },
            {
                file: S,
                path: `${NS}:ca.mode`,
                value: `"vault"`,
                rule: "set aio-secrets:cluster.csiDriver.syncSecret: true",
            },
        ],
    },
    {
        id: "ca trust bundle that is a server certificate",
        stackFile: stack({
            extra:
                "  aio-secrets:cluster: { csiDriver: { syncSecret: true } }\n" +
                "  aio-secrets:ca: { mode: vault, certificate: aio-ca, trustBundleFile: test/fixtures/ca/not-a-ca.pem }\n",
        }),
        expect: [
            {
                file: S,
                path: `${NS}:ca.trustBundleFile`,
                value: `"test/fixtures/ca/not-a-ca.pem"`,
                rule: "is not a CA certificate",
            },
        ],
    },
    {
        id: "ca trust bundle outside the project",
        stackFile: stack({
            extra: "  aio-secrets:cluster: { csiDriver: { syncSecret: true } }\n  aio-secrets:ca: { mode: vault, certificate: aio-ca, trustBundleFile: ../ca.pem }\n",
        }),
        expect: [
            { file: S, path: `${NS}:ca.trustBundleFile`, value: `"../ca.pem"`, rule: "must stay inside the project" },
        ],
    },
    {
        id: "ca vault object the catalog writes",
        stackFile: stack({
            extra: "  aio-secrets:cluster: { csiDriver: { syncSecret: true } }\n  aio-secrets:ca: { mode: vault, certificate: mq-password }\n  aio-secrets:secretValues:\n    mq-password:\n      secure: v1:abc\n",
        }),
        catalog: MQ_CATALOG,
        expect: [
            {
                file: S,
                path: `${NS}:ca.certificate`,
                value: `"mq-password"`,
                rule: "is also a vault object the stack writes",
            },
        ],
    },
    {
        id: "ca vault with a committed trust bundle (control)",
        stackFile: stack({
            extra: "  aio-secrets:cluster: { csiDriver: { syncSecret: true } }\n  aio-secrets:ca: { mode: vault, certificate: aio-ca, trustBundleFile: test/fixtures/ca/example-ca.pem }\n",
        }),
        expect: [],
        ok: true,
    },
    // ---- issue 12: secret sync (aio-secrets:delivery: secretSync) ----
    {
        id: "secretSync with an access-policy vault",
        stackFile: stack({
            keyVault: { permissionModel: "accessPolicy" },
            extra: `  aio-secrets:delivery: secretSync\n  aio-secrets:secretSync:\n    customLocation: { name: cl-x, resourceGroupName: rg-arc }\n    identity: { name: id-x }\n    oidcIssuerUrl: https://issuer.example/x/\n    extension: { install: false }\n`,
        }),
        expect: [
            {
                file: S,
                path: `${NS}:keyVault.permissionModel`,
                value: `"accessPolicy"`,
                rule: /must be rbac in secretSync mode.*permissionModel: rbac/,
            },
        ],
    },
    {
        id: "secretSync without custom location, identity or issuer",
        stackFile: stack({
            keyVault: { permissionModel: "rbac" },
            extra: "  aio-secrets:delivery: secretSync\n  aio-secrets:secretSync:\n    spcName: spc-x\n",
        }),
        expect: [
            { file: S, path: `${NS}:secretSync.customLocation`, rule: "is required" },
            { file: S, path: `${NS}:secretSync.identity`, rule: "is required" },
            { file: S, path: `${NS}:secretSync.oidcIssuerUrl`, rule: /Arc cluster is not named/ },
        ],
    },
    {
        id: "secretSync with a brought service principal's password",
        stackFile: stack({
            keyVault: { permissionModel: "rbac" },
            extra:
                `  aio-secrets:delivery: secretSync\n  aio-secrets:secretSync:\n    customLocation: { name: cl-x, resourceGroupName: rg-arc }\n    identity: { name: id-x }\n    oidcIssuerUrl: https://issuer.example/x/\n    extension: { install: false }\n` +
                `  aio-secrets:servicePrincipal:\n    clientSecret:\n      secure: v1:abc\n`,
        }),
        expect: [
            {
                file: S,
                path: `${NS}:servicePrincipal.clientSecret`,
                rule: /is not used in secretSync mode: .*no password/,
            },
        ],
    },
    {
        id: "delivery misspelled",
        stackFile: stack({ extra: "  aio-secrets:delivery: secretsync\n" }),
        expect: [{ file: S, path: `${NS}:delivery`, value: `"secretsync"`, rule: /csiDriver.*secretSync/ }],
    },
    {
        id: "sync key used twice in one Secret",
        catalog: catalog(
            "  - { name: a, source: generated, sync: { secret: creds, key: password } }\n  - { name: b, source: generated, sync: { secret: creds, key: password } }\n",
        ),
        expect: [{ file: C, path: "secrets[1] (b).sync.key", rule: /already mapped by secrets\[0\] \(a\)/, line: 3 }],
    },
    {
        id: "sync Secret name not DNS-1123",
        catalog: catalog("  - { name: a, source: generated, sync: { secret: My_Creds, key: password } }\n"),
        expect: [{ file: C, path: "secrets[0] (a).sync.secret", value: `"My_Creds"`, rule: "DNS-1123" }],
    },
    {
        id: "declared secretSyncs entry with no mapping",
        catalog: catalog(
            "  - { name: a, source: generated }\n",
            "secretSyncs:\n  lonely: { type: kubernetes.io/tls }\n",
        ),
        expect: [{ file: C, path: "secretSyncs.lonely", rule: "no catalog entry maps into this Secret" }],
    },
    {
        id: "sync in a CSI stack: warned, not refused",
        catalog: catalog("  - { name: a, source: generated, sync: { secret: creds, key: token } }\n"),
        expect: [],
        ok: true,
        warnings: [/a has sync: but no spcs:, and Pulumi\.corpus\.yaml delivers with the CSI driver/],
    },

    // ---- stack and catalog broken together: one run lists both ----
    {
        id: "stack and catalog problems together",
        stackFile: stack({ keyVault: { name: "kv_corpus" } }),
        catalog: catalog("  - name: mq-password\n    source: vault\n"),
        expect: [
            { file: S, path: `${NS}:keyVault.name`, value: `"kv_corpus"`, rule: "only letters, digits and hyphens" },
            {
                file: C,
                path: "secrets[0] (mq-password).source",
                value: '"vault"',
                rule: "must be one of config, generated, existing",
            },
        ],
    },
];

/**
 * Cases whose expectation is the correct behaviour but that the program does not meet yet:
 * `corpus.test.ts` runs them with `test.failing`. Fix the bug, then remove the id here.
 */
export const knownBugs: Record<string, string> = {};

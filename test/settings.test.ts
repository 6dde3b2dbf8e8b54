import { formatProblem, Problem } from "../stacks/errors";
import {
    CsiDriverStackSettings,
    MAX_SECRET_VALUE_BYTES,
    parseStackSettings,
    RawStackConfig,
    settingsOf as modeSettings,
} from "../stacks/settings";

/** Builds what Pulumi hands the program: `aio-secrets:*` object sections as JSON text. */
function rawConfig(
    sections: Record<string, unknown>,
    opts: { stack?: string; secretKeys?: string[]; secureLeaves?: string[]; extra?: Record<string, string> } = {},
): RawStackConfig {
    const config: Record<string, string> = { ...(opts.extra ?? {}) };
    for (const [key, value] of Object.entries(sections)) {
        config[`aio-secrets:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return {
        project: "aio-secrets",
        stack: opts.stack ?? "dev",
        config,
        secretKeys: opts.secretKeys ?? [],
        stackFile: opts.secureLeaves ? stackFileOf(sections, opts.secureLeaves) : undefined,
    };
}

/**
 * What the stack file would say: `secure` leaves (paths below `aio-secrets:`) are secure, every
 * other leaf of the sections is written in plaintext.
 */
function stackFileOf(sections: Record<string, unknown>, secureLeaves: readonly string[]): RawStackConfig["stackFile"] {
    const secure = new Map(secureLeaves.map((leaf) => [`aio-secrets:${leaf}`, "v1:x"]));
    const plain = new Set<string>();
    const walk = (value: unknown, at: string) => {
        if ([...secure.keys()].some((leaf) => at === leaf)) return;
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`);
        } else plain.add(at);
    };
    for (const [key, value] of Object.entries(sections)) walk(value, `aio-secrets:${key}`);
    return { secure, plain };
}

const KV = { name: "kv-aio-dev-01", resourceGroupName: "rg-aio-dev" };
const GUID_A = "11111111-2222-3333-4444-555555555555";
const GUID_B = "66666666-7777-8888-9999-aaaaaaaaaaaa";

function messages(raw: RawStackConfig): string[] {
    return parseStackSettings(raw).problems.map(formatProblem);
}

/** Parses and expects success (in csiDriver mode, what this file tests). */
function settingsOf(raw: RawStackConfig): CsiDriverStackSettings {
    const result = parseStackSettings(raw);
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.settings).toBeDefined();
    return modeSettings(result.settings!, "csiDriver");
}

/** Parses and expects failure with exactly one problem; returns it. */
function onlyProblem(raw: RawStackConfig): Problem {
    const result = parseStackSettings(raw);
    expect(result.problems.map(formatProblem)).toHaveLength(1);
    expect(result.settings).toBeUndefined();
    return result.problems[0];
}

describe("defaults (what az iot ops init did)", () => {
    const s = () => settingsOf(rawConfig({ keyVault: KV }));

    test("stack and file", () => {
        const settings = s();
        expect(settings.project).toBe("aio-secrets");
        expect(settings.stack).toBe("dev");
        expect(settings.file).toBe("Pulumi.dev.yaml");
        expect(settings.environment).toBe("dev");
        expect(settings.tenantId).toBeUndefined();
        expect(settings.protect).toBe(false);
    });

    test("key vault", () => {
        expect(s().keyVault).toMatchObject({
            name: "kv-aio-dev-01",
            resourceGroupName: "rg-aio-dev",
            existing: false,
            permissionModel: "accessPolicy",
            softDeleteRetentionDays: 90,
            purgeProtection: true,
        });
    });

    test("cluster and CSI driver", () => {
        const { cluster } = s();
        expect(cluster.namespace).toBe("azure-iot-operations");
        expect(cluster.arcClusterName).toBeUndefined();
        expect(cluster.arcResourceGroupName).toBeUndefined();
        expect(cluster.csiDriver).toMatchObject({
            version: "1.5.3",
            rotationPollInterval: "1h",
            enableSecretRotation: true,
            syncSecret: false,
            install: false,
            extensionName: "akvsecretsprovider",
        });
    });

    test("default secret azure-iot-operations, generated", () => {
        expect(s().defaultSecret).toEqual({ name: "azure-iot-operations", source: "generated" });
    });

    test("service principal is created, password valid 365 days, rotated after 180", () => {
        expect(s().servicePrincipal).toEqual({
            mode: "create",
            displayName: "aio-secrets-aio-secrets-dev",
            secretValidDays: 365,
            rotationDays: 180,
            overlapDays: 7,
        });
    });

    test("no deployers: the identity running the program (the program warns)", () => {
        expect(s().deployers).toBeUndefined();
    });

    test("the default secret is generated in a vault the stack creates", () => {
        expect(s().defaultSecret).toEqual({ name: "azure-iot-operations", source: "generated" });
    });

    test("an existing vault mounts the default secret init made instead of creating it", () => {
        expect(settingsOf(rawConfig({ keyVault: { ...KV, existing: true } })).defaultSecret).toEqual({
            name: "azure-iot-operations",
            source: "existing",
        });
        expect(
            settingsOf(rawConfig({ keyVault: { ...KV, existing: true }, defaultSecret: { source: "generated" } }))
                .defaultSecret.source,
        ).toBe("generated");
    });

    test("no secret values", () => {
        expect(s().secretValues).toEqual({});
    });

    test("given values override the defaults", () => {
        const settings = settingsOf(
            rawConfig({
                keyVault: {
                    ...KV,
                    permissionModel: "rbac",
                    softDeleteRetentionDays: 30,
                    purgeProtection: false,
                    existing: true,
                },
                cluster: {
                    namespace: "aio",
                    arcClusterName: "arc-aio-dev",
                    arcResourceGroupName: "rg-arc-dev",
                    csiDriver: {
                        version: "1.6.0",
                        rotationPollInterval: "30m",
                        syncSecret: true,
                        enableSecretRotation: false,
                    },
                },
                servicePrincipal: { secretValidDays: 90, rotationDays: 60, displayName: "my-sp" },
                defaultSecret: { name: "my-default", source: "existing" },
                tenantId: GUID_A,
            }),
        );
        expect(settings.keyVault).toMatchObject({
            permissionModel: "rbac",
            softDeleteRetentionDays: 30,
            purgeProtection: false,
            existing: true,
        });
        expect(settings.cluster.namespace).toBe("aio");
        expect(settings.cluster.csiDriver).toMatchObject({
            version: "1.6.0",
            rotationPollInterval: "30m",
            syncSecret: true,
            enableSecretRotation: false,
            install: true,
        });
        expect(settings.servicePrincipal).toEqual({
            mode: "create",
            displayName: "my-sp",
            secretValidDays: 90,
            rotationDays: 60,
            overlapDays: 7,
        });
        expect(settings.defaultSecret).toEqual({ name: "my-default", source: "existing" });
        expect(settings.tenantId).toBe(GUID_A);
    });
});

describe("keyVault", () => {
    test("the exact message for a bad vault name", () => {
        expect(messages(rawConfig({ keyVault: { ...KV, name: "kv--x" } }))).toEqual([
            'Pulumi.dev.yaml: aio-secrets:keyVault.name "kv--x": no consecutive hyphens',
        ]);
    });

    test.each([
        ["abc", undefined],
        ["a" + "b".repeat(23), undefined],
        ["ab", /must be 3-24 characters/],
        ["a" + "b".repeat(24), /must be 3-24 characters/],
        ["1kv", /must start with a letter/],
        ["kv-", /must end with a letter or digit/],
        ["kv_x", /only letters, digits and hyphens/],
    ])("vault name %p", (name, error) => {
        const result = parseStackSettings(rawConfig({ keyVault: { ...KV, name } }));
        if (error === undefined) {
            expect(result.problems).toEqual([]);
        } else {
            expect(result.problems).toHaveLength(1);
            expect(result.problems[0].path).toBe("aio-secrets:keyVault.name");
            expect(result.problems[0].rule).toMatch(error);
        }
    });

    test.each([
        ["rg-aio-dev", undefined],
        ["rg_(aio).dev", undefined],
        ["r".repeat(90), undefined],
        ["r".repeat(91), /must be 1-90 characters/],
        ["rg.", /must not end with a period/],
        ["rg aio", /only letters, digits, underscores/],
    ])("resource group %p", (resourceGroupName, error) => {
        const result = parseStackSettings(rawConfig({ keyVault: { ...KV, resourceGroupName } }));
        if (error === undefined) {
            expect(result.problems).toEqual([]);
        } else {
            expect(result.problems).toHaveLength(1);
            expect(result.problems[0].path).toBe("aio-secrets:keyVault.resourceGroupName");
            expect(result.problems[0].rule).toMatch(error);
        }
    });

    test.each([7, 90, 30])("retention %p days is fine", (days) => {
        expect(
            settingsOf(rawConfig({ keyVault: { ...KV, softDeleteRetentionDays: days } })).keyVault
                .softDeleteRetentionDays,
        ).toBe(days);
    });

    test.each([6, 91, 0, 7.5])("retention %p days is rejected", (days) => {
        expect(formatProblem(onlyProblem(rawConfig({ keyVault: { ...KV, softDeleteRetentionDays: days } })))).toBe(
            `Pulumi.dev.yaml: aio-secrets:keyVault.softDeleteRetentionDays ${days}: must be a whole number from 7 to 90`,
        );
    });

    test("name and resourceGroupName are required", () => {
        const problems = parseStackSettings(rawConfig({ keyVault: {} })).problems.map(formatProblem);
        expect(problems).toEqual(
            expect.arrayContaining([
                "Pulumi.dev.yaml: aio-secrets:keyVault.name: is required",
                "Pulumi.dev.yaml: aio-secrets:keyVault.resourceGroupName: is required",
            ]),
        );
    });

    test("the keyVault section is required", () => {
        expect(formatProblem(onlyProblem(rawConfig({})))).toBe("Pulumi.dev.yaml: aio-secrets:keyVault: is required");
    });

    test("permissionModel must be accessPolicy or rbac", () => {
        const p = onlyProblem(rawConfig({ keyVault: { ...KV, permissionModel: "RBAC" } }));
        expect(p.path).toBe("aio-secrets:keyVault.permissionModel");
        expect(p.rule).toBe("must be one of accessPolicy, rbac");
    });

    test("a section that is not a map", () => {
        const result = parseStackSettings(rawConfig({ keyVault: "kv-aio-dev-01" }));
        expect(result.settings).toBeUndefined();
        expect(result.problems.map(formatProblem)).toContain(
            "Pulumi.dev.yaml: aio-secrets:keyVault: must be a map of keys (see docs/reference.md, Stack settings)",
        );
    });
});

describe("wrong types", () => {
    test.each([
        [
            { ...KV, softDeleteRetentionDays: "90" },
            'aio-secrets:keyVault.softDeleteRetentionDays "90": must be a whole number from 7 to 90, written without quotes',
        ],
        [
            { ...KV, name: 5 },
            "aio-secrets:keyVault.name 5: must be a string (quote numbers and booleans meant as text)",
        ],
        [{ ...KV, existing: "yes" }, 'aio-secrets:keyVault.existing "yes": must be true or false'],
        [{ ...KV, purgeProtection: 1 }, "aio-secrets:keyVault.purgeProtection 1: must be true or false"],
        [
            { ...KV, name: ["kv"] },
            "aio-secrets:keyVault.name (a list): must be a string (quote numbers and booleans meant as text)",
        ],
    ])("keyVault %j", (keyVault, message) => {
        expect(messages(rawConfig({ keyVault }))).toEqual([`Pulumi.dev.yaml: ${message}`]);
    });

    test("a number where a duration string is expected", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, cluster: { csiDriver: { rotationPollInterval: 3600 } } }));
        expect(p.path).toBe("aio-secrets:cluster.csiDriver.rotationPollInterval");
        expect(p.rule).toMatch(/must be a string/);
    });

    test("a string where a number of days is expected", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, servicePrincipal: { secretValidDays: "365" } }));
        expect(p.path).toBe("aio-secrets:servicePrincipal.secretValidDays");
        expect(p.rule).toBe("must be a whole number from 1 to 730, written without quotes");
    });

    test("protect must be true or false", () => {
        expect(messages(rawConfig({ keyVault: KV, protect: "yes" }))).toEqual([
            'Pulumi.dev.yaml: aio-secrets:protect "yes": must be true or false',
        ]);
    });
});

describe("tenantId, namespace, durations, version", () => {
    test("tenantId must be a GUID", () => {
        expect(settingsOf(rawConfig({ keyVault: KV, tenantId: GUID_A })).tenantId).toBe(GUID_A);
        expect(messages(rawConfig({ keyVault: KV, tenantId: "contoso.onmicrosoft.com" }))).toEqual([
            'Pulumi.dev.yaml: aio-secrets:tenantId "contoso.onmicrosoft.com": must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
        ]);
    });

    test.each(["aio", "a".repeat(63), "azure-iot-operations-2"])("namespace %p is fine", (namespace) => {
        expect(settingsOf(rawConfig({ keyVault: KV, cluster: { namespace } })).cluster.namespace).toBe(namespace);
    });

    test.each([
        ["a".repeat(64), /must be 1-63 characters \(is 64\)/],
        ["Azure-IoT", /DNS-1123 label/],
        ["aio_ops", /DNS-1123 label/],
        ["aio-", /DNS-1123 label/],
        ["", /must be 1-63 characters \(is 0\)/],
    ])("namespace %p is rejected", (namespace, rule) => {
        const p = onlyProblem(rawConfig({ keyVault: KV, cluster: { namespace } }));
        expect(p.path).toBe("aio-secrets:cluster.namespace");
        expect(p.rule).toMatch(rule);
    });

    test.each(["1h", "30m", "1h30m", "90s"])("rotationPollInterval %p is fine", (rotationPollInterval) => {
        expect(
            settingsOf(rawConfig({ keyVault: KV, cluster: { csiDriver: { rotationPollInterval } } })).cluster.csiDriver
                .rotationPollInterval,
        ).toBe(rotationPollInterval);
    });

    test.each([
        ["1 hour", /must be a duration such as 1h, 30m, 1h30m or 90s/],
        ["", /must be a duration/],
        ["0s", /must be at least 1s/],
        ["1d", /must be a duration/],
    ])("rotationPollInterval %p is rejected", (rotationPollInterval, rule) => {
        const p = onlyProblem(rawConfig({ keyVault: KV, cluster: { csiDriver: { rotationPollInterval } } }));
        expect(p.path).toBe("aio-secrets:cluster.csiDriver.rotationPollInterval");
        expect(p.value).toBe(JSON.stringify(rotationPollInterval));
        expect(p.rule).toMatch(rule);
    });

    test.each(["1.5.3", "1.6.0-preview.1"])("CSI driver version %p is fine", (version) => {
        expect(
            settingsOf(rawConfig({ keyVault: KV, cluster: { csiDriver: { version } } })).cluster.csiDriver.version,
        ).toBe(version);
    });

    test.each(["1.5", "v1.5.3", "latest", ""])("CSI driver version %p is rejected", (version) => {
        const p = onlyProblem(rawConfig({ keyVault: KV, cluster: { csiDriver: { version } } }));
        expect(formatProblem(p)).toBe(
            `Pulumi.dev.yaml: aio-secrets:cluster.csiDriver.version ${JSON.stringify(version)}: must be a version such as 1.5.3`,
        );
    });
});

describe("unknown keys", () => {
    test("at the top level, listing the allowed keys, with the closest one", () => {
        expect(messages(rawConfig({ keyVault: KV, keyvault: { name: "x" } }))).toEqual([
            'Pulumi.dev.yaml: aio-secrets:keyvault: unknown key (did you mean "keyVault"?); allowed keys here: environment, tenantId, protect, adopt, delivery, keyVault, cluster, defaultSecret, deployers, secretValues, ca, servicePrincipal, secretSync, migration, ring, alerts, outOfBand',
        ]);
    });

    test("in keyVault, listing its keys", () => {
        const p = onlyProblem(rawConfig({ keyVault: { ...KV, sku: "premium" } }));
        expect(p.path).toBe("aio-secrets:keyVault.sku");
        expect(p.rule).toMatch(/^unknown key; allowed keys here: name, resourceGroupName, existing, /);
        expect(p.rule).toMatch(/softDeleteRetentionDays, purgeProtection/);
        // The value of an unknown key is not echoed.
        expect(p.value).toBeUndefined();
    });

    test("nested two levels down (cluster.csiDriver)", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, cluster: { csiDriver: { rotationInterval: "1h" } } }));
        expect(p.path).toBe("aio-secrets:cluster.csiDriver.rotationInterval");
        expect(p.rule).toMatch(
            /allowed keys here: install, extensionName, version, enableSecretRotation, rotationPollInterval, syncSecret, settings/,
        );
    });

    test("in servicePrincipal", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, servicePrincipal: { appId: GUID_A } }));
        expect(p.path).toBe("aio-secrets:servicePrincipal.appId");
        expect(p.rule).toMatch(/clientId, objectId, clientSecret/);
    });

    test("keys of other namespaces are ignored", () => {
        const settings = settingsOf(
            rawConfig(
                { keyVault: KV },
                {
                    extra: {
                        "azure-native:location": "westeurope",
                        "azure-native:subscriptionId": "x",
                        "kubernetes:context": "edge",
                        "other:keyVault": "not json",
                    },
                },
            ),
        );
        expect(settings.keyVault.name).toBe("kv-aio-dev-01");
    });
});

describe("service principal", () => {
    const secure = { secretKeys: ["aio-secrets:servicePrincipal"], secureLeaves: ["servicePrincipal.clientSecret"] };
    const full = { clientId: GUID_A, objectId: GUID_B, clientSecret: "byo-password" };

    test("bring your own with all three, secure", () => {
        expect(settingsOf(rawConfig({ keyVault: KV, servicePrincipal: full }, secure)).servicePrincipal).toEqual({
            mode: "existing",
            ...full,
        });
    });

    test("bring your own, secure by key when the stack file was not read (no secureLeaves)", () => {
        expect(
            settingsOf(rawConfig({ keyVault: KV, servicePrincipal: full }, { secretKeys: secure.secretKeys }))
                .servicePrincipal.mode,
        ).toBe("existing");
    });

    test.each([
        [["clientId"], ["objectId", "clientSecret"]],
        [["objectId"], ["clientId", "clientSecret"]],
        [["clientSecret"], ["clientId", "objectId"]],
        [["clientId", "objectId"], ["clientSecret"]],
        [["clientId", "clientSecret"], ["objectId"]],
        [["objectId", "clientSecret"], ["clientId"]],
    ] as const)("given %j: error naming missing %j", (given, missing) => {
        const sp = Object.fromEntries(given.map((k) => [k, full[k]]));
        const p = onlyProblem(rawConfig({ keyVault: KV, servicePrincipal: sp }, secure));
        expect(p.path).toBe("aio-secrets:servicePrincipal");
        expect(p.rule).toContain("needs clientId, objectId and clientSecret together");
        expect(p.rule).toContain(`missing ${missing.join(", ")} `);
        expect(p.rule).toContain(`(or remove ${given.join(", ")} to let the stack create one)`);
        expect(p.rule).not.toContain("byo-password");
    });

    test("clientSecret not secure: key not in secretKeys", () => {
        expect(
            messages(
                rawConfig(
                    { keyVault: KV, servicePrincipal: full },
                    { secretKeys: [], secureLeaves: ["servicePrincipal.clientSecret"] },
                ),
            ),
        ).toEqual([
            "Pulumi.dev.yaml: aio-secrets:servicePrincipal.clientSecret: must be a secure value: pulumi config set --secret --path 'servicePrincipal.clientSecret' --stack dev",
        ]);
    });

    test("clientSecret not secure: secureLeaves lacks servicePrincipal.clientSecret", () => {
        const p = onlyProblem(
            rawConfig(
                { keyVault: KV, servicePrincipal: full },
                { secretKeys: secure.secretKeys, secureLeaves: ["secretValues.x"] },
            ),
        );
        expect(p.path).toBe("aio-secrets:servicePrincipal.clientSecret");
        expect(p.rule).toContain("pulumi config set --secret --path 'servicePrincipal.clientSecret' --stack dev");
    });

    test("BYO ids must be GUIDs", () => {
        const p = onlyProblem(
            rawConfig({ keyVault: KV, servicePrincipal: { ...full, objectId: "sp-object" } }, secure),
        );
        expect(formatProblem(p)).toBe(
            'Pulumi.dev.yaml: aio-secrets:servicePrincipal.objectId "sp-object": must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
        );
    });

    test.each([
        // rotationDays, secretValidDays, overlapDays, expected problem
        [180, 365, 7, undefined],
        [358, 365, 7, undefined],
        [
            359,
            365,
            7,
            "aio-secrets:servicePrincipal.rotationDays 359: rotationDays + overlapDays (359 + 7) must be at most secretValidDays (365) so that the previous password is still valid for the whole overlap",
        ],
        [
            365,
            365,
            7,
            "aio-secrets:servicePrincipal.rotationDays 365: rotationDays + overlapDays (365 + 7) must be at most secretValidDays (365) so that the previous password is still valid for the whole overlap",
        ],
        [20, 30, 10, undefined],
        [
            20,
            30,
            11,
            "aio-secrets:servicePrincipal.rotationDays 20: rotationDays + overlapDays (20 + 11) must be at most secretValidDays (30) so that the previous password is still valid for the whole overlap",
        ],
        [
            5,
            30,
            6,
            "aio-secrets:servicePrincipal.overlapDays 6: must be at most rotationDays (5): the previous password's slot is reissued at the next rotation",
        ],
    ])(
        "rotationDays %p, secretValidDays %p, overlapDays %p",
        (rotationDays, secretValidDays, overlapDays, expected) => {
            const result = parseStackSettings(
                rawConfig({ keyVault: KV, servicePrincipal: { rotationDays, secretValidDays, overlapDays } }),
            );
            if (expected === undefined) {
                expect(result.problems).toEqual([]);
                expect(modeSettings(result.settings!, "csiDriver").servicePrincipal).toMatchObject({
                    mode: "create",
                    rotationDays,
                    secretValidDays,
                    overlapDays,
                });
            } else {
                expect(result.problems.map(formatProblem)).toEqual([`Pulumi.dev.yaml: ${expected}`]);
            }
        },
    );

    test("secretValidDays range 1..730", () => {
        expect(onlyProblem(rawConfig({ keyVault: KV, servicePrincipal: { secretValidDays: 731 } })).rule).toBe(
            "must be a whole number from 1 to 730",
        );
        expect(
            settingsOf(rawConfig({ keyVault: KV, servicePrincipal: { secretValidDays: 730 } })).servicePrincipal,
        ).toMatchObject({ secretValidDays: 730 });
    });
});

describe("cluster and CSI driver extension", () => {
    test("both Arc names install the extension by default", () => {
        const s = settingsOf(
            rawConfig({ keyVault: KV, cluster: { arcClusterName: "arc-aio-dev", arcResourceGroupName: "rg-arc-dev" } }),
        );
        expect(s.cluster.csiDriver.install).toBe(true);
        expect(s.cluster.arcClusterName).toBe("arc-aio-dev");
    });

    test("both Arc names with install: false", () => {
        const s = settingsOf(
            rawConfig({
                keyVault: KV,
                cluster: { arcClusterName: "arc", arcResourceGroupName: "rg", csiDriver: { install: false } },
            }),
        );
        expect(s.cluster.csiDriver.install).toBe(false);
    });

    test("arcClusterName without arcResourceGroupName", () => {
        expect(messages(rawConfig({ keyVault: KV, cluster: { arcClusterName: "arc-aio-dev" } }))).toEqual([
            "Pulumi.dev.yaml: aio-secrets:cluster.arcResourceGroupName: arcClusterName and arcResourceGroupName come together (both name the Arc cluster that gets the CSI driver extension)",
        ]);
    });

    test("arcResourceGroupName without arcClusterName", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, cluster: { arcResourceGroupName: "rg-arc-dev" } }));
        expect(p.path).toBe("aio-secrets:cluster.arcClusterName");
        expect(p.rule).toMatch(/come together/);
    });

    test("csiDriver.install true without Arc settings", () => {
        expect(messages(rawConfig({ keyVault: KV, cluster: { csiDriver: { install: true } } }))).toEqual([
            "Pulumi.dev.yaml: aio-secrets:cluster.csiDriver.install: installing the CSI driver extension needs cluster.arcClusterName and cluster.arcResourceGroupName",
        ]);
    });

    test("bad Arc cluster name", () => {
        const p = onlyProblem(
            rawConfig({ keyVault: KV, cluster: { arcClusterName: "-arc", arcResourceGroupName: "rg" } }),
        );
        expect(p.path).toBe("aio-secrets:cluster.arcClusterName");
        expect(p.rule).toMatch(/starting with a letter or digit/);
    });

    test("extension setting names are checked", () => {
        const p = onlyProblem(
            rawConfig({
                keyVault: KV,
                cluster: { csiDriver: { settings: { "bad key": "x", "secrets-store-csi-driver.ok_1": "y" } } },
            }),
        );
        expect(p.path).toBe("aio-secrets:cluster.csiDriver.settings.bad key");
        expect(p.rule).toMatch(/extension setting names/);
    });
});

describe("secret values", () => {
    const secure = (names: string[]) => ({
        secretKeys: ["aio-secrets:secretValues"],
        secureLeaves: names.map((n) => `secretValues.${n}`),
    });

    test("secure values pass through", () => {
        const s = settingsOf(
            rawConfig(
                { keyVault: KV, secretValues: { "mq-password": "pw", other: "o" } },
                secure(["mq-password", "other"]),
            ),
        );
        expect(s.secretValues).toEqual({ "mq-password": "pw", other: "o" });
    });

    test("values present but the key is not secret", () => {
        expect(messages(rawConfig({ keyVault: KV, secretValues: { "mq-password": "pw" } }))).toEqual([
            "Pulumi.dev.yaml: aio-secrets:secretValues: values must be secure: pulumi config set --secret --path 'secretValues.<name>' <value> --stack dev (or fn::secret in an ESC environment)",
        ]);
    });

    test("a plaintext leaf next to secure ones", () => {
        const result = parseStackSettings(
            rawConfig(
                { keyVault: KV, secretValues: { "mq-password": "pw", "plain-one": "oops" } },
                secure(["mq-password"]),
            ),
        );
        expect(result.settings).toBeUndefined();
        expect(result.problems.map(formatProblem)).toEqual([
            "Pulumi.dev.yaml: aio-secrets:secretValues.plain-one: is plaintext in the stack file; set it with pulumi config set --secret --path 'secretValues.plain-one' <value> --stack dev",
        ]);
    });

    test("the stack name in the command follows the stack", () => {
        const p = onlyProblem(
            rawConfig(
                { keyVault: KV, secretValues: { x: "v" } },
                { stack: "staging", secretKeys: ["aio-secrets:secretValues"], secureLeaves: [] },
            ),
        );
        expect(p.file).toBe("Pulumi.staging.yaml");
        expect(p.rule).toContain("pulumi config set --secret --path 'secretValues.x' <value> --stack staging");
    });

    test("at 25 KiB exactly is fine, one byte more is not", () => {
        const ok = "a".repeat(MAX_SECRET_VALUE_BYTES);
        expect(MAX_SECRET_VALUE_BYTES).toBe(25600);
        expect(
            settingsOf(rawConfig({ keyVault: KV, secretValues: { big: ok } }, secure(["big"]))).secretValues.big,
        ).toHaveLength(25600);
        expect(messages(rawConfig({ keyVault: KV, secretValues: { big: ok + "a" } }, secure(["big"])))).toEqual([
            "Pulumi.dev.yaml: aio-secrets:secretValues.big: is 25601 bytes; Key Vault secrets hold at most 25600 bytes (25 KiB)",
        ]);
    });

    test("size is counted in UTF-8 bytes, not characters", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, secretValues: { big: "é".repeat(12801) } }, secure(["big"])));
        expect(p.rule).toMatch(/^is 25602 bytes/);
    });

    test("an empty value", () => {
        expect(messages(rawConfig({ keyVault: KV, secretValues: { e: "" } }, secure(["e"])))).toEqual([
            "Pulumi.dev.yaml: aio-secrets:secretValues.e: must not be empty (Key Vault rejects empty secrets)",
        ]);
    });

    test("a value that is not a string", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, secretValues: { n: 42 } }, secure(["n"])));
        expect(formatProblem(p)).toBe(
            "Pulumi.dev.yaml: aio-secrets:secretValues.n: must be a string value set with --secret",
        );
    });
});

describe("secret values never appear in problem messages", () => {
    const MARK = "Sup3r-S3cret-Marker-7f3a9c";
    const cases: [string, RawStackConfig][] = [
        [
            "too large",
            rawConfig(
                { keyVault: KV, secretValues: { big: MARK + "x".repeat(26000) } },
                { secretKeys: ["aio-secrets:secretValues"], secureLeaves: ["secretValues.big"] },
            ),
        ],
        [
            "plaintext leaf",
            rawConfig(
                { keyVault: KV, secretValues: { a: MARK } },
                { secretKeys: ["aio-secrets:secretValues"], secureLeaves: [] },
            ),
        ],
        ["key not secret", rawConfig({ keyVault: KV, secretValues: { a: MARK } })],
        [
            "unused value next to a broken vault",
            rawConfig({ keyVault: { ...KV, name: "kv--x" }, secretValues: { a: MARK } }),
        ],
        [
            "secret value of the wrong type",
            rawConfig(
                { keyVault: KV, secretValues: `{"a": {"nested": "${MARK}"}}` },
                { secretKeys: ["aio-secrets:secretValues"] },
            ),
        ],
        [
            "secretValues not a map",
            rawConfig({ keyVault: KV, secretValues: MARK }, { secretKeys: ["aio-secrets:secretValues"] }),
        ],
        [
            "secretValues a list",
            rawConfig({ keyVault: KV, secretValues: [MARK] }, { secretKeys: ["aio-secrets:secretValues"] }),
        ],
        [
            "typo in the top-level key",
            rawConfig({ keyVault: KV, secretValue: MARK }, { secretKeys: ["aio-secrets:secretValue"] }),
        ],
        [
            "BYO clientSecret half-given",
            rawConfig(
                { keyVault: KV, servicePrincipal: { clientId: GUID_A, clientSecret: MARK } },
                { secretKeys: ["aio-secrets:servicePrincipal"] },
            ),
        ],
        [
            "BYO clientSecret not secure",
            rawConfig({ keyVault: KV, servicePrincipal: { clientId: GUID_A, objectId: GUID_B, clientSecret: MARK } }),
        ],
        [
            "BYO clientSecret of the wrong type",
            rawConfig({ keyVault: KV, servicePrincipal: `{"clientSecret": ["${MARK}"]}` }),
        ],
        [
            "BYO clientSecret next to an unknown key",
            rawConfig(
                { keyVault: KV, servicePrincipal: { clientSecret: MARK, password: MARK } },
                { secretKeys: ["aio-secrets:servicePrincipal"] },
            ),
        ],
    ];

    test.each(cases)("%s", (_label, raw) => {
        const result = parseStackSettings(raw);
        expect(result.problems.length).toBeGreaterThan(0);
        for (const p of result.problems) {
            expect(formatProblem(p)).not.toContain(MARK);
            expect(JSON.stringify(p)).not.toContain(MARK);
        }
    });

    // A top-level key the user set with `pulumi config set --secret` is a secret value too
    // (Pulumi lists it in the secret keys), even when it is not one of the usual secret paths.
    test("a key Pulumi reports as secret (secretKeys) is not echoed when invalid", () => {
        const result = parseStackSettings(
            rawConfig({ keyVault: KV, tenantId: MARK }, { secretKeys: ["aio-secrets:tenantId"] }),
        );
        // Refused as a secret where none belongs, and only that: a "must be a GUID" would describe it.
        expect(result.problems.map((p) => p.rule)).toEqual([expect.stringMatching(/^is secret \(secret to Pulumi\)/)]);
        for (const p of result.problems) expect(formatProblem(p)).not.toContain(MARK);
    });
});

describe("environment and protect", () => {
    test("environment defaults to the stack name", () => {
        expect(settingsOf(rawConfig({ keyVault: KV }, { stack: "staging" })).environment).toBe("staging");
    });

    test("an explicit environment wins", () => {
        expect(settingsOf(rawConfig({ keyVault: KV, environment: "dev" }, { stack: "edge-site-7" })).environment).toBe(
            "dev",
        );
    });

    test("a stack name that is no environment name needs aio-secrets:environment", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV }, { stack: "Dev_1" }));
        expect(p.path).toBe("aio-secrets:environment");
        expect(p.rule).toMatch(/stack name "Dev_1" is not a valid environment name; set aio-secrets:environment/);
        expect(settingsOf(rawConfig({ keyVault: KV, environment: "dev" }, { stack: "Dev_1" })).environment).toBe("dev");
    });

    test("a bad explicit environment", () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, environment: "Prod" }));
        expect(p.path).toBe("aio-secrets:environment");
        expect(p.rule).toMatch(/lower-case/);
    });

    test.each([
        ["dev", undefined, undefined, false],
        ["staging", undefined, undefined, false],
        ["prod", undefined, undefined, true],
        ["prod-eu", "prod", undefined, true],
        ["prod", "production", undefined, false],
        ["prod", undefined, "false", false],
        ["dev", undefined, "true", true],
    ])("stack %p, environment %p, protect %p: protected %p", (stack, environment, protect, expected) => {
        const sections: Record<string, unknown> = { keyVault: KV };
        if (environment !== undefined) sections.environment = environment;
        if (protect !== undefined) sections.protect = protect;
        expect(settingsOf(rawConfig(sections, { stack })).protect).toBe(expected);
    });

    test("protect with purgeProtection false is an error", () => {
        expect(messages(rawConfig({ keyVault: { ...KV, purgeProtection: false } }, { stack: "prod" }))).toEqual([
            "Pulumi.prod.yaml: aio-secrets:keyVault.purgeProtection false: must be true in a protected environment (aio-secrets:protect)",
        ]);
        const p = onlyProblem(rawConfig({ keyVault: { ...KV, purgeProtection: false }, protect: "true" }));
        expect(p.path).toBe("aio-secrets:keyVault.purgeProtection");
    });

    test("purgeProtection false is fine when not protected", () => {
        expect(settingsOf(rawConfig({ keyVault: { ...KV, purgeProtection: false } })).keyVault.purgeProtection).toBe(
            false,
        );
    });
});

describe("problems are collected, not first-only", () => {
    test("problems in four sections come back from one call", () => {
        const result = parseStackSettings(
            rawConfig(
                {
                    keyVault: { ...KV, name: "kv--x", softDeleteRetentionDays: 91 },
                    cluster: { namespace: "Azure", csiDriver: { rotationPollInterval: "1 hour" } },
                    servicePrincipal: { rotationDays: 400 },
                    secretValues: { a: "" },
                    tenantId: "not-a-guid",
                    bogus: "x",
                },
                { secretKeys: ["aio-secrets:secretValues"], secureLeaves: ["secretValues.a"] },
            ),
        );
        expect(result.settings).toBeUndefined();
        const paths = result.problems.map((p) => p.path).sort();
        expect(paths).toEqual(
            [
                "aio-secrets:bogus",
                "aio-secrets:keyVault.name",
                "aio-secrets:keyVault.softDeleteRetentionDays",
                "aio-secrets:cluster.namespace",
                "aio-secrets:cluster.csiDriver.rotationPollInterval",
                "aio-secrets:servicePrincipal.rotationDays",
                "aio-secrets:secretValues.a",
                "aio-secrets:tenantId",
            ].sort(),
        );
        for (const p of result.problems) expect(p.file).toBe("Pulumi.dev.yaml");
    });

    test("a broken keyVault does not hide the Arc cross-field problem", () => {
        const paths = parseStackSettings(
            rawConfig({ keyVault: { name: "x" }, cluster: { arcClusterName: "arc" } }),
        ).problems.map((p) => p.path);
        expect(paths).toEqual(
            expect.arrayContaining([
                "aio-secrets:keyVault.name",
                "aio-secrets:keyVault.resourceGroupName",
                "aio-secrets:cluster.arcResourceGroupName",
            ]),
        );
    });
});

describe("deployers and cluster identifier", () => {
    test("deployers: object id and principal type, several allowed", () => {
        const deployers = [
            { objectId: GUID_A, type: "ServicePrincipal", name: "github-actions" },
            { objectId: GUID_B, type: "Group" },
        ];
        expect(settingsOf(rawConfig({ keyVault: KV, deployers })).deployers).toEqual(deployers);
    });

    test("deployers: type must be one Azure knows, object id a GUID, list not empty", () => {
        expect(messages(rawConfig({ keyVault: KV, deployers: [{ objectId: "ci", type: "App" }] }))).toEqual([
            'Pulumi.dev.yaml: aio-secrets:deployers[0].objectId "ci": must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
            'Pulumi.dev.yaml: aio-secrets:deployers[0].type "App": must be one of User, Group, ServicePrincipal',
        ]);
        expect(messages(rawConfig({ keyVault: KV, deployers: [] }))).toEqual([
            "Pulumi.dev.yaml: aio-secrets:deployers (a list): must list at least one principal (or remove the key to use the deploying identity)",
        ]);
        expect(messages(rawConfig({ keyVault: KV, deployers: { objectId: GUID_A } as unknown as unknown[] }))).toEqual([
            "Pulumi.dev.yaml: aio-secrets:deployers: must be a list (see docs/reference.md, Stack settings)",
        ]);
    });

    test("cluster.identifier is taken as given", () => {
        expect(settingsOf(rawConfig({ keyVault: KV, cluster: { identifier: "edge-07" } })).cluster.identifier).toBe(
            "edge-07",
        );
        expect(onlyProblem(rawConfig({ keyVault: KV, cluster: { identifier: "" } })).rule).toBe("must not be empty");
    });
});

describe("secrets from an ESC environment (not in the stack file)", () => {
    /** The stack file as read: only these leaves (below aio-secrets:) are in it, in plaintext. */
    const fileWith = (plain: string[], secure: string[] = []): RawStackConfig["stackFile"] => ({
        secure: new Map(secure.map((leaf) => [`aio-secrets:${leaf}`, "v1:x"])),
        plain: new Set(plain.map((leaf) => `aio-secrets:${leaf}`)),
    });

    test("secretValues supplied by ESC (secret key, no leaf in the file) are accepted", () => {
        const raw = rawConfig(
            { keyVault: KV, secretValues: { "mq-password": "from-esc" } },
            { secretKeys: ["aio-secrets:secretValues"] },
        );
        raw.stackFile = fileWith(["keyVault.name", "keyVault.resourceGroupName"]);
        expect(settingsOf(raw).secretValues["mq-password"]).toBe("from-esc");
    });

    test("next to secure leaves of the file, an ESC value is accepted and a plaintext file value is refused", () => {
        const raw = rawConfig(
            { keyVault: KV, secretValues: { a: "x", b: "from-esc", c: "oops" } },
            { secretKeys: ["aio-secrets:secretValues"] },
        );
        raw.stackFile = fileWith(["keyVault.name", "secretValues.c"], ["secretValues.a"]);
        expect(parseStackSettings(raw).problems.map((p) => p.path)).toEqual(["aio-secrets:secretValues.c"]);
    });

    test("servicePrincipal.clientSecret from ESC is accepted; written in plaintext in the file it is refused", () => {
        const full = { clientId: GUID_A, objectId: GUID_B, clientSecret: "byo" };
        const raw = rawConfig(
            { keyVault: KV, servicePrincipal: full },
            { secretKeys: ["aio-secrets:servicePrincipal"] },
        );
        raw.stackFile = fileWith(["servicePrincipal.clientId", "servicePrincipal.objectId"]);
        expect(settingsOf(raw).servicePrincipal.mode).toBe("existing");
        raw.stackFile = fileWith([
            "servicePrincipal.clientId",
            "servicePrincipal.objectId",
            "servicePrincipal.clientSecret",
        ]);
        expect(parseStackSettings(raw).problems.map((p) => p.path)).toEqual([
            "aio-secrets:servicePrincipal.clientSecret",
        ]);
    });
});

describe("secure: where a secret makes no sense", () => {
    test.each([
        ["keyVault.location", { keyVault: { ...KV, location: "westeurope" } }],
        ["servicePrincipal.displayName", { keyVault: KV, servicePrincipal: { displayName: "app" } }],
        ["keyVault.name", { keyVault: KV }],
        ["tenantId", { keyVault: KV, tenantId: GUID_A }],
    ])("a secure leaf at %s is refused by its path, without the value", (leaf, sections) => {
        const top = leaf.split(".")[0];
        const result = parseStackSettings(
            rawConfig(sections, { secretKeys: [`aio-secrets:${top}`], secureLeaves: [leaf] }),
        );
        const refused = result.problems.filter((p) => p.rule.startsWith("is secret"));
        expect(refused.map((p) => p.path)).toEqual([`aio-secrets:${leaf}`]);
        expect(refused[0].rule).toMatch(/set it without --secret/);
        expect(result.settings).toBeUndefined();
    });

    test("kubernetes:context secure is refused; kubernetes:kubeconfig secure is fine", () => {
        const raw = rawConfig(
            { keyVault: KV },
            {
                secretKeys: ["kubernetes:context", "kubernetes:kubeconfig"],
                extra: { "kubernetes:context": "edge", "kubernetes:kubeconfig": "apiVersion: v1" },
            },
        );
        raw.stackFile = {
            secure: new Map([
                ["kubernetes:context", "v1:x"],
                ["kubernetes:kubeconfig", "v1:y"],
            ]),
            plain: new Set(),
        };
        expect(parseStackSettings(raw).problems.map((p) => p.path)).toEqual(["kubernetes:context"]);
        raw.stackFile = undefined;
        expect(parseStackSettings(raw).problems.map((p) => p.path)).toEqual(["kubernetes:context"]);
    });

    test("a key secret to Pulumi (ESC) with no value that may be secret is refused by key", () => {
        const raw = rawConfig(
            { keyVault: { ...KV, location: "westeurope" } },
            { secretKeys: ["aio-secrets:keyVault"] },
        );
        raw.stackFile = { secure: new Map(), plain: new Set(["aio-secrets:keyVault.name"]) };
        expect(parseStackSettings(raw).problems.map((p) => p.path)).toEqual(["aio-secrets:keyVault"]);
    });

    test("a secure CSI setting goes to the protected settings, a plain one stays plain", () => {
        const cluster = { csiDriver: { settings: { "linux.proxy": "http://user:pw@proxy", logVerbosity: "2" } } };
        const s = settingsOf(
            rawConfig(
                { keyVault: KV, cluster },
                { secretKeys: ["aio-secrets:cluster"], secureLeaves: ["cluster.csiDriver.settings.linux.proxy"] },
            ),
        );
        expect({ ...s.cluster.csiDriver.settings }).toEqual({ logVerbosity: "2" });
        expect({ ...s.cluster.csiDriver.protectedSettings }).toEqual({ "linux.proxy": "http://user:pw@proxy" });
    });

    test("CSI settings of a secret key from ESC (not in the file) are all protected", () => {
        const cluster = { csiDriver: { settings: { a: "1" } } };
        const raw = rawConfig({ keyVault: KV, cluster }, { secretKeys: ["aio-secrets:cluster"] });
        expect({ ...settingsOf(raw).cluster.csiDriver.protectedSettings }).toEqual({ a: "1" });
    });
});

describe("own keys only", () => {
    test("__proto__ is an unknown key, in a section and in the string maps", () => {
        const raw = rawConfig({ keyVault: KV });
        raw.config["aio-secrets:keyVault"] =
            '{"name":"kv-aio-dev-01","resourceGroupName":"rg","__proto__":{"existing":true}}';
        raw.config["aio-secrets:secretValues"] = '{"__proto__":"x"}';
        raw.config["aio-secrets:cluster"] = '{"csiDriver":{"settings":{"__proto__":"x"}}}';
        raw.secretKeys = ["aio-secrets:secretValues"];
        const problems = parseStackSettings(raw).problems;
        expect(problems.map((p) => p.path).sort()).toEqual([
            "aio-secrets:cluster.csiDriver.settings.__proto__",
            "aio-secrets:keyVault.__proto__",
            "aio-secrets:secretValues.__proto__",
        ]);
        for (const p of problems) expect(p.rule).toMatch(/^unknown key/);
    });

    test("secretValues has no inherited names (toString, constructor)", () => {
        const s = settingsOf(rawConfig({ keyVault: KV }));
        expect(Object.hasOwn(s.secretValues, "toString")).toBe(false);
        expect((s.secretValues as Record<string, unknown>).toString).toBeUndefined();
        expect((s.secretValues as Record<string, unknown>).constructor).toBeUndefined();
    });
});

describe("CSI settings that override the typed rotation keys", () => {
    test.each([
        ["secrets-store-csi-driver.enableSecretRotation", "cluster.csiDriver.enableSecretRotation"],
        ["secrets-store-csi-driver.rotationPollInterval", "cluster.csiDriver.rotationPollInterval"],
        ["secrets-store-csi-driver.syncSecret.enabled", "cluster.csiDriver.syncSecret"],
    ])("%s is refused, pointing to %s", (key, typed) => {
        const p = onlyProblem(rawConfig({ keyVault: KV, cluster: { csiDriver: { settings: { [key]: "x" } } } }));
        expect(p.path).toBe(`aio-secrets:cluster.csiDriver.settings.${key}`);
        expect(p.rule).toContain(`use aio-secrets:${typed} instead`);
    });
});

describe("environment empty or null", () => {
    test('environment "" (also what a YAML null reads as): refused, not taken as a name', () => {
        const p = onlyProblem(rawConfig({ keyVault: KV, environment: "" }));
        expect(p.path).toBe("aio-secrets:environment");
        expect(p.rule).toMatch(/is empty/);
    });
});

describe("Go durations", () => {
    test.each([
        ["2562047h", true],
        ["2562048h", false],
        ["2562047h47m16s", true],
        ["2562047h47m17s", false],
        ["99999999999999999999h", false],
    ])("rotationPollInterval %s valid: %p", (interval, valid) => {
        const result = parseStackSettings(
            rawConfig({ keyVault: KV, cluster: { csiDriver: { rotationPollInterval: interval } } }),
        );
        if (valid) expect(result.problems).toEqual([]);
        else
            expect(result.problems.map((p) => p.rule)).toEqual([
                expect.stringMatching(/longer than Go's longest duration/),
            ]);
    });
});

describe("deployers: one principal, one grant", () => {
    test("object ids are lower-cased; the same principal twice (any case) is an error", () => {
        const upper = GUID_B.toUpperCase();
        expect(
            settingsOf(rawConfig({ keyVault: KV, deployers: [{ objectId: upper, type: "User" }] })).deployers,
        ).toEqual([{ objectId: GUID_B, type: "User" }]);
        expect(
            messages(
                rawConfig({
                    keyVault: KV,
                    deployers: [
                        { objectId: GUID_B, type: "User" },
                        { objectId: upper, type: "Group" },
                    ],
                }),
            ),
        ).toEqual([
            `Pulumi.dev.yaml: aio-secrets:deployers[1].objectId "${GUID_B}": is the same principal as deployers[0] (object ids compare without case); list each principal once`,
        ]);
    });

    test("the CSI driver's own service principal cannot also be a deployer", () => {
        const sp = { clientId: GUID_A, objectId: GUID_B, clientSecret: "s" };
        const p = messages(
            rawConfig(
                { keyVault: KV, servicePrincipal: sp, deployers: [{ objectId: GUID_B, type: "ServicePrincipal" }] },
                { secretKeys: ["aio-secrets:servicePrincipal"] },
            ),
        );
        expect(p).toEqual([expect.stringMatching(/deployers\[0\]\.objectId .*is the CSI driver's service principal/)]);
    });
});

/** Issue 22 item 5: the root error first, no follow-on errors, a did-you-mean for typos. */
describe("errors in the right order", () => {
    const SECRET_ADVICE = /set it without --secret/;

    test("a mistyped secretValues key is an unknown key with a did-you-mean, not a 'set it without --secret'", () => {
        const raw = rawConfig(
            { keyVault: KV, secretValue: { "mq-password": "s3cret" } },
            { secureLeaves: ["secretValue.mq-password"], secretKeys: ["aio-secrets:secretValue"] },
        );
        const all = messages(raw);
        expect(all).toEqual([
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: aio-secrets:secretValue: unknown key \(did you mean "secretValues"\?\); allowed keys here: /,
            ),
        ]);
        expect(all.join("\n")).not.toMatch(SECRET_ADVICE);
        expect(all.join("\n")).not.toContain("s3cret");
    });

    test("a misplaced secret is the only problem said about its value: no rule describes it (its length, its form)", () => {
        const secret = "a-secret-much-longer-than-a-vault-name-may-be";
        const raw = rawConfig(
            { keyVault: { ...KV, name: secret } },
            { secureLeaves: ["keyVault.name"], secretKeys: ["aio-secrets:keyVault"] },
        );
        const all = messages(raw);
        expect(all).toEqual([
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: aio-secrets:keyVault\.name: is secret \(secure: in the stack file\)/,
            ),
        ]);
        expect(all.join("\n")).not.toMatch(/characters|is \d+\)/);
        expect(all.join("\n")).not.toContain(secret);
    });

    test("a secretValues entry that lost its indentation says where it belongs, and the root error comes first", () => {
        // `mq-password:` at the level of `aio-secrets:secretValues:` leaves secretValues empty (null).
        const raw = rawConfig(
            { keyVault: KV, secretValues: "null", "mq-password": "s3cret" },
            { secureLeaves: ["mq-password"], secretKeys: ["aio-secrets:mq-password"] },
        );
        const all = messages(raw);
        expect(all[0]).toMatch(
            /^Pulumi\.dev\.yaml: aio-secrets:mq-password: unknown key; allowed keys here: .*indent it under aio-secrets:secretValues$/,
        );
        expect(all.slice(1)).toEqual([
            "Pulumi.dev.yaml: aio-secrets:secretValues: must be a map of keys (see docs/reference.md, Stack settings)",
        ]);
        expect(all.join("\n")).not.toMatch(SECRET_ADVICE);
    });

    test("a secure leaf under a mistyped nested key is reported once, as the unknown key", () => {
        const raw = rawConfig(
            { keyVault: KV, servicePrincipal: { clientSecrt: "s3cret" } },
            { secureLeaves: ["servicePrincipal.clientSecrt"], secretKeys: ["aio-secrets:servicePrincipal"] },
        );
        expect(messages(raw)).toEqual([
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: aio-secrets:servicePrincipal\.clientSecrt: unknown key \(did you mean "clientSecret"\?\)/,
            ),
        ]);
    });

    test("a secure key that is misplaced but known still gets the 'set it without --secret' advice", () => {
        const raw = rawConfig(
            { keyVault: KV, environment: "dev" },
            { secureLeaves: ["environment"], secretKeys: ["aio-secrets:environment"] },
        );
        expect(messages(raw)).toEqual([
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: aio-secrets:environment: is secret \(secure: in the stack file\).*set it without --secret/,
            ),
        ]);
    });

    test("unknown keys come before every other problem", () => {
        const raw = rawConfig({ keyVault: { ...KV, softDeleteRetentionDays: 3 }, clustr: { namespace: "x" } });
        const all = messages(raw);
        expect(all).toHaveLength(2);
        expect(all[0]).toMatch(/aio-secrets:clustr: unknown key \(did you mean "cluster"\?\)/);
        expect(all[1]).toMatch(/aio-secrets:keyVault\.softDeleteRetentionDays 3: must be a whole number from 7 to 90/);
    });

    test("delivery: secretsync is one error with a did-you-mean: the rules of a mode the stack did not choose do not run", () => {
        const sections = (delivery: string) => ({
            keyVault: { ...KV, permissionModel: "rbac" },
            delivery,
            // Valid only in secretSync mode: the CSI rules would refuse both.
            ca: { mode: "vault", certificate: "ca-cert", privateKey: "ca-key" },
            secretSync: {
                customLocation: { name: "cl-aio", resourceGroupName: "rg-arc" },
                identity: { name: "id-aio-sse" },
                oidcIssuerUrl: "https://issuer.example/",
            },
        });
        const result = parseStackSettings(rawConfig(sections("secretsync")));
        expect(result.problems.map(formatProblem)).toEqual([
            'Pulumi.dev.yaml: aio-secrets:delivery "secretsync": must be one of csiDriver, secretSync (did you mean "secretSync"?)',
        ]);
        // Nor a warning that the secretSync section is ignored "because delivery is csiDriver".
        expect(result.warnings).toEqual([]);
        // With the typo fixed, the same settings are valid.
        expect(messages(rawConfig(sections("secretSync")))).toEqual([]);
    });

    test("a migration step that does not parse is one error too: which sides run depends on it", () => {
        const raw = rawConfig(
            {
                keyVault: { ...KV, permissionModel: "rbac" },
                delivery: "secretSync",
                migration: "bth",
                // Step 3's CSI side: refused in secret sync alone, so it would add a follow-on error.
                servicePrincipal: { clientId: GUID_A, objectId: GUID_B, clientSecret: "s3cret" },
                secretSync: {
                    customLocation: { name: "cl-aio", resourceGroupName: "rg-arc" },
                    identity: { name: "id-aio-sse" },
                    oidcIssuerUrl: "https://issuer.example/",
                },
            },
            { secretKeys: ["aio-secrets:servicePrincipal"], secureLeaves: ["servicePrincipal.clientSecret"] },
        );
        expect(messages(raw)).toEqual([
            'Pulumi.dev.yaml: aio-secrets:migration "bth": must be one of rbacRoles, both (did you mean "both"?)',
        ]);
    });

    test("in secretSync mode a cluster section that does not parse is one error: the Arc cluster is not 'not set'", () => {
        const secretSync = {
            customLocation: { name: "cl-aio" }, // its group defaults to cluster.arcResourceGroupName
            identity: { name: "id-aio-sse" },
            extension: { install: true }, // needs the Arc cluster named
        };
        const cluster = (namespace: string) => ({
            namespace,
            arcClusterName: "arc-aio",
            arcResourceGroupName: "rg-arc",
        });
        const settings = (namespace: string) => ({
            keyVault: { ...KV, permissionModel: "rbac" },
            delivery: "secretSync",
            cluster: cluster(namespace),
            secretSync,
        });
        expect(messages(rawConfig(settings("Bad_NS")))).toEqual([
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: aio-secrets:cluster\.namespace "Bad_NS": must be a DNS-1123 label/,
            ),
        ]);
        // With the namespace fixed, the same settings are valid (the Arc cluster names the group and the issuer).
        expect(messages(rawConfig(settings("azure-iot-operations")))).toEqual([]);
        // Without the Arc cluster, the rules that need it still run.
        const noCluster = { keyVault: { ...KV, permissionModel: "rbac" }, delivery: "secretSync", secretSync };
        expect(messages(rawConfig(noCluster))).toEqual([
            expect.stringContaining("aio-secrets:secretSync.customLocation.resourceGroupName: is required"),
            expect.stringContaining("aio-secrets:secretSync.oidcIssuerUrl: is required"),
            expect.stringContaining(
                "aio-secrets:secretSync.extension.install: installing the Secret Store extension needs",
            ),
        ]);
    });

    test("a choice far from every allowed value gets no guess", () => {
        expect(messages(rawConfig({ keyVault: KV, delivery: "helm" }))).toEqual([
            'Pulumi.dev.yaml: aio-secrets:delivery "helm": must be one of csiDriver, secretSync',
        ]);
        expect(messages(rawConfig({ keyVault: KV, frobnicate: "x" }))).toEqual([
            expect.stringMatching(/aio-secrets:frobnicate: unknown key; allowed keys here: /),
        ]);
    });
});

import * as fs from "node:fs";
import { Catalog, parseCatalog } from "../stacks/catalog";
import { ConfigError, formatProblem } from "../stacks/errors";
import {
    configWarnings,
    crossCheck,
    KUBERNETES_CONFIG_KEYS,
    resolveProgramInputs,
    stackFileLeavesOf,
} from "../stacks/load";
import { parseStackSettings, RawStackConfig, StackSettings } from "../stacks/settings";

const KV = { name: "kv-aio-dev-01", resourceGroupName: "rg-aio-dev" };

interface RawOpts {
    stack?: string;
    /** Plaintext secret values; marked secure (key and leaves) unless told otherwise. */
    secretValues?: Record<string, string>;
    location?: string | null;
}

function rawConfig(sections: Record<string, unknown>, opts: RawOpts = {}): RawStackConfig {
    const config: Record<string, string> = {};
    if (opts.location !== null) config["azure-native:location"] = opts.location ?? "westeurope";
    for (const [key, value] of Object.entries(sections))
        config[`aio-secrets:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    const secretKeys: string[] = [];
    const secure = new Map<string, string>();
    if (opts.secretValues) {
        config["aio-secrets:secretValues"] = JSON.stringify(opts.secretValues);
        secretKeys.push("aio-secrets:secretValues");
        for (const name of Object.keys(opts.secretValues)) secure.set(`aio-secrets:secretValues.${name}`, "v1:x");
    }
    return {
        project: "aio-secrets",
        stack: opts.stack ?? "dev",
        config,
        secretKeys,
        stackFile: { secure, plain: new Set() },
    };
}

function settingsOf(sections: Record<string, unknown>, opts: RawOpts = {}): StackSettings {
    const result = parseStackSettings(rawConfig(sections, opts));
    expect(result.problems.map(formatProblem)).toEqual([]);
    return result.settings!;
}

function catalogOf(text: string): Catalog {
    const result = parseCatalog(text);
    expect(result.problems.map(formatProblem)).toEqual([]);
    return result.catalog!;
}

const CATALOG = `environments: [dev, staging, prod]
secrets:
  - name: mq-password
    source: config
    spcs: [aio-default-spc]
    alias: mq-password.txt
    environments: [dev, staging]
  - name: opcua-user-password
    source: config
    spcs: [aio-opc-ua-broker-user-authentication]
    environments: [dev]
  - name: dataflow-api-token
    source: generated
    length: 48
    spcs: [aio-default-spc]
  - name: prod-only
    source: config
    environments: [prod]
  - name: broker-cert
    type: cert
    source: existing
`;

const DEV_VALUES = { "mq-password": "mq-value", "opcua-user-password": "opcua-value" };

describe("crossCheck", () => {
    test("a complete dev stack: no problems, enabled entries in catalog order", () => {
        const result = crossCheck(settingsOf({ keyVault: KV }, { secretValues: DEV_VALUES }), catalogOf(CATALOG));
        expect(result.problems.map(formatProblem)).toEqual([]);
        expect(result.warnings).toEqual([]);
        expect(result.enabled.map((s) => s.name)).toEqual([
            "mq-password",
            "opcua-user-password",
            "dataflow-api-token",
            "broker-cert",
        ]);
    });

    test("a missing value for an enabled config secret names the exact command", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }, { secretValues: { "mq-password": "v" } }),
            catalogOf(CATALOG),
        );
        expect(result.problems.map(formatProblem)).toEqual([
            "Pulumi.dev.yaml: aio-secrets:secretValues.opcua-user-password: is missing: secret \"opcua-user-password\" (stacks/secrets.yaml) takes its value from config in environment dev. Set it with: pulumi config set --secret --path 'secretValues.opcua-user-password' --stack dev",
        ]);
    });

    test("the command names the stack, which may differ from the environment", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV, environment: "staging" }, { stack: "staging-eu" }),
            catalogOf(CATALOG),
        );
        expect(result.problems).toHaveLength(1);
        expect(result.problems[0].path).toBe("aio-secrets:secretValues.mq-password");
        expect(result.problems[0].file).toBe("Pulumi.staging-eu.yaml");
        expect(result.problems[0].rule).toContain("in environment staging");
        expect(result.problems[0].rule).toContain(
            "pulumi config set --secret --path 'secretValues.mq-password' --stack staging-eu",
        );
    });

    test("no values at all: one problem per enabled config secret", () => {
        const result = crossCheck(settingsOf({ keyVault: KV }), catalogOf(CATALOG));
        expect(result.problems.map((p) => p.path)).toEqual([
            "aio-secrets:secretValues.mq-password",
            "aio-secrets:secretValues.opcua-user-password",
        ]);
    });

    test("a value for an undeclared secret, with a did-you-mean", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }, { secretValues: { ...DEV_VALUES, "mq-pasword": "v" } }),
            catalogOf(CATALOG),
        );
        expect(result.problems.map(formatProblem)).toEqual([
            'Pulumi.dev.yaml: aio-secrets:secretValues.mq-pasword: stacks/secrets.yaml declares no secret named "mq-pasword" (did you mean "mq-password"?); declare it there or remove the value',
        ]);
    });

    test("a value for an undeclared secret far from every name has no hint", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }, { secretValues: { ...DEV_VALUES, "something-else": "v" } }),
            catalogOf(CATALOG),
        );
        expect(result.problems).toHaveLength(1);
        expect(result.problems[0].rule).toBe(
            'stacks/secrets.yaml declares no secret named "something-else"; declare it there or remove the value',
        );
    });

    test("a value for a generated secret is an error", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }, { secretValues: { ...DEV_VALUES, "dataflow-api-token": "v" } }),
            catalogOf(CATALOG),
        );
        expect(result.problems.map(formatProblem)).toEqual([
            'Pulumi.dev.yaml: aio-secrets:secretValues.dataflow-api-token: secret "dataflow-api-token" has source generated in stacks/secrets.yaml, so this value would be ignored; remove it or set source: config',
        ]);
    });

    test("a value for an existing secret is an error", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }, { secretValues: { ...DEV_VALUES, "broker-cert": "v" } }),
            catalogOf(CATALOG),
        );
        expect(result.problems).toHaveLength(1);
        expect(result.problems[0].rule).toMatch(/has source existing/);
    });

    test("a value for a declared secret not enabled here is only a warning", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }, { secretValues: { ...DEV_VALUES, "prod-only": "v" } }),
            catalogOf(CATALOG),
        );
        expect(result.problems).toEqual([]);
        expect(result.warnings).toEqual([
            'Pulumi.dev.yaml: aio-secrets:secretValues.prod-only is set but secret "prod-only" is not enabled for environment dev (stacks/secrets.yaml environments: prod); the value is not used',
        ]);
        expect(result.enabled.map((s) => s.name)).not.toContain("prod-only");
    });

    test("a catalog entry named like the default secret is an error", () => {
        const catalog = catalogOf("secrets:\n  - name: azure-iot-operations\n    source: existing\n");
        const result = crossCheck(settingsOf({ keyVault: KV }), catalog);
        expect(result.problems.map(formatProblem)).toEqual([
            "stacks/secrets.yaml:2: secrets[0] (azure-iot-operations).name: is the stack's default secret (aio-secrets:defaultSecret.name in Pulumi.dev.yaml); the stack manages it already",
        ]);
    });

    test("the default-secret check ignores case (Key Vault names are case-insensitive)", () => {
        const catalog = catalogOf("secrets:\n  - name: Azure-IoT-Operations\n    source: existing\n");
        expect(crossCheck(settingsOf({ keyVault: KV }), catalog).problems.map((p) => p.path)).toEqual([
            "secrets[0] (Azure-IoT-Operations).name",
        ]);
    });

    test("the default-secret check follows defaultSecret.name", () => {
        const catalog = catalogOf(
            "secrets:\n  - name: azure-iot-operations\n    source: existing\n  - name: my-default\n    source: existing\n",
        );
        const result = crossCheck(settingsOf({ keyVault: KV, defaultSecret: { name: "my-default" } }), catalog);
        expect(result.problems.map((p) => p.path)).toEqual(["secrets[1] (my-default).name"]);
    });

    test("an alias equal to the default secret's file name in a default SPC is an error", () => {
        const catalog = catalogOf(
            "secrets:\n  - name: other\n    source: existing\n    spcs: [aio-default-spc]\n    alias: azure-iot-operations\n",
        );
        const result = crossCheck(settingsOf({ keyVault: KV }), catalog);
        expect(result.problems).toHaveLength(1);
        expect(result.problems[0].path).toBe("secrets[0] (other).alias");
        expect(result.problems[0].rule).toMatch(/default secret's file in SecretProviderClass aio-default-spc/);
    });

    test("the stack's environment not in the catalog's list is an error", () => {
        const result = crossCheck(settingsOf({ keyVault: KV }, { stack: "qa" }), catalogOf(CATALOG));
        expect(result.problems.map(formatProblem)).toEqual([
            'Pulumi.qa.yaml: aio-secrets:environment "qa": is not one of the catalog\'s environments (dev, staging, prod); add it to environments: in stacks/secrets.yaml',
        ]);
    });

    test("any environment is fine when the catalog has no list", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }, { stack: "qa" }),
            catalogOf("secrets:\n  - name: a\n    source: generated\n"),
        );
        expect(result.problems).toEqual([]);
        expect(result.enabled.map((s) => s.name)).toEqual(["a"]);
    });

    test("deleteOnRemove on an enabled secret warns", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }),
            catalogOf("secrets:\n  - name: a\n    source: generated\n    deleteOnRemove: true\n"),
        );
        expect(result.problems).toEqual([]);
        expect(result.warnings).toHaveLength(1);
        expect(result.warnings[0]).toMatch(/secret "a" has deleteOnRemove: true/);
    });

    test("an OPC UA preset from config must hold the file as hex (its SPC object is hex-encoded); the value is not shown", () => {
        const catalog = catalogOf(
            "secrets:\n  - { name: ca-der, source: config, opcua: { list: trustList, file: ca.der } }\n",
        );
        const pem = "-----BEGIN CERTIFICATE-----Pl4in-Marker";
        const problems = (value: string) =>
            crossCheck(settingsOf({ keyVault: KV }, { secretValues: { "ca-der": value } }), catalog)
                .problems.filter((p) => p.path === "aio-secrets:secretValues.ca-der")
                .map(formatProblem);
        expect(problems(pem)).toEqual([
            "Pulumi.dev.yaml: aio-secrets:secretValues.ca-der: must be the bytes of ca.der as hex (the OPC UA connector's SPC object is hex-encoded, as az iot ops connector opcua writes it). Set it with: xxd -p ca.der | tr -d '\\n' | pulumi config set --secret --path 'secretValues.ca-der' --stack dev",
        ]);
        expect(problems("30820122300d06")).toEqual([]);
        expect(problems("3082012")).toHaveLength(1);
    });

    test("secret values never appear in problems or warnings", () => {
        const MARK = "Cr0ss-Check-Marker-41b7";
        const result = crossCheck(
            settingsOf(
                { keyVault: KV },
                { stack: "qa", secretValues: { "mq-pasword": MARK, "dataflow-api-token": MARK, "prod-only": MARK } },
            ),
            catalogOf(CATALOG),
        );
        expect(result.problems.length).toBeGreaterThan(0);
        expect(result.warnings.length).toBeGreaterThan(0);
        const all = [
            ...result.problems.map(formatProblem),
            ...result.problems.map((p) => JSON.stringify(p)),
            ...result.warnings,
        ];
        for (const line of all) expect(line).not.toContain(MARK);
    });
});

describe("resolveProgramInputs", () => {
    const DEV_CATALOG = "secrets:\n  - name: mq-password\n    source: config\n";

    test("valid inputs", () => {
        const inputs = resolveProgramInputs(
            rawConfig({ keyVault: KV }, { secretValues: { "mq-password": "v" } }),
            DEV_CATALOG,
        );
        expect(inputs.settings.keyVault.name).toBe("kv-aio-dev-01");
        expect(inputs.catalog.secrets.map((s) => s.name)).toEqual(["mq-password"]);
        expect(inputs.enabled.map((s) => s.name)).toEqual(["mq-password"]);
        expect(inputs.warnings).toEqual([]);
    });

    test("problems from both files are thrown together", () => {
        let error: unknown;
        try {
            resolveProgramInputs(rawConfig({ keyVault: { ...KV, name: "kv--x" } }), "secrets: foo\n");
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        const problems = (error as ConfigError).problems.map(formatProblem);
        expect(problems).toEqual([
            'Pulumi.dev.yaml: aio-secrets:keyVault.name "kv--x": no consecutive hyphens',
            'stacks/secrets.yaml:1: secrets "foo": must be a list of secrets (may be empty: secrets: [])',
        ]);
        expect((error as Error).message).toBe(
            [
                "2 problems in the stack settings or the catalog:",
                '  - Pulumi.dev.yaml: aio-secrets:keyVault.name "kv--x": no consecutive hyphens',
                '  - stacks/secrets.yaml:1: secrets "foo": must be a list of secrets (may be empty: secrets: [])',
            ].join("\n"),
        );
    });

    test("cross-check problems and a missing location are thrown together", () => {
        let error: unknown;
        try {
            resolveProgramInputs(rawConfig({ keyVault: KV }, { location: null }), DEV_CATALOG);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems.map((p) => p.path)).toEqual([
            "aio-secrets:secretValues.mq-password",
            "azure-native:location",
        ]);
    });

    test("one problem: the message is that problem alone", () => {
        expect(() => resolveProgramInputs(rawConfig({ keyVault: KV }), DEV_CATALOG)).toThrow(
            new ConfigError([
                {
                    file: "Pulumi.dev.yaml",
                    path: "aio-secrets:secretValues.mq-password",
                    rule: "is missing: secret \"mq-password\" (stacks/secrets.yaml) takes its value from config in environment dev. Set it with: pulumi config set --secret --path 'secretValues.mq-password' --stack dev",
                },
            ]).message,
        );
    });

    test("missing azure-native:location when creating a vault is an error", () => {
        let error: unknown;
        try {
            resolveProgramInputs(rawConfig({ keyVault: KV }, { location: null }), "secrets: []\n");
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems.map(formatProblem)).toEqual([
            "Pulumi.dev.yaml: azure-native:location: is required to create the vault (or set aio-secrets:keyVault.location)",
        ]);
    });

    test("no location is fine for an existing vault", () => {
        const inputs = resolveProgramInputs(
            rawConfig({ keyVault: { ...KV, existing: true } }, { location: null }),
            "secrets: []\n",
        );
        expect(inputs.settings.keyVault.existing).toBe(true);
    });

    test("keyVault.location stands in for azure-native:location", () => {
        const inputs = resolveProgramInputs(
            rawConfig({ keyVault: { ...KV, location: "northeurope" } }, { location: null }),
            "secrets: []\n",
        );
        expect(inputs.settings.keyVault.location).toBe("northeurope");
    });

    test("the catalog file name given is used in messages", () => {
        let error: unknown;
        try {
            resolveProgramInputs(rawConfig({ keyVault: KV }), "secrets: foo\n", "custom/catalog.yaml");
        } catch (e) {
            error = e;
        }
        expect((error as ConfigError).problems[0].file).toBe("custom/catalog.yaml");
    });
});

describe("stackFileLeavesOf", () => {
    const STACK_FILE = `# example
config:
  azure-native:location: westeurope
  aio-secrets:environment: dev
  aio-secrets:keyVault:
    name: kv-aio-dev-01
    resourceGroupName: rg-aio-dev
  aio-secrets:servicePrincipal:
    clientId: 11111111-2222-3333-4444-555555555555
    objectId: 66666666-7777-8888-9999-aaaaaaaaaaaa
    clientSecret:
      secure: v1:AAAABBBB
  aio-secrets:secretValues:
    mq-password:
      secure: v1:CCCCDDDD
    opcua-user-password:
      secure: v1:EEEEFFFF
    plain-one: not-secret
  other:token:
    secure: v1:GGGG
`;

    const leavesOf = (text: string) => stackFileLeavesOf(text, "Pulumi.dev.yaml", "aio-secrets");

    test("finds every secure leaf with its ciphertext, and the plaintext leaves", () => {
        const leaves = leavesOf(STACK_FILE);
        expect([...leaves.secure].sort()).toEqual([
            ["aio-secrets:secretValues.mq-password", "v1:CCCCDDDD"],
            ["aio-secrets:secretValues.opcua-user-password", "v1:EEEEFFFF"],
            ["aio-secrets:servicePrincipal.clientSecret", "v1:AAAABBBB"],
            ["other:token", "v1:GGGG"],
        ]);
        expect(leaves.plain.has("aio-secrets:secretValues.plain-one")).toBe(true);
        expect(leaves.plain.has("aio-secrets:keyVault.name")).toBe(true);
        expect(leaves.plain.has("aio-secrets:servicePrincipal.clientSecret")).toBe(false);
    });

    test("a whole key set with --secret is a leaf at its top-level name", () => {
        expect([...leavesOf("config:\n  aio-secrets:tenantId:\n    secure: v1:xyz\n").secure.keys()]).toEqual([
            "aio-secrets:tenantId",
        ]);
    });

    test("a plaintext secretValues map has no secure leaves", () => {
        expect(leavesOf("config:\n  aio-secrets:secretValues:\n    a: x\n    b: y\n").secure.size).toBe(0);
    });

    test.each(["", "config:\n", "config: 5\n", "other: {}\n"])(
        "no config map (%p): a problem naming the file",
        (text) => {
            expect(() => leavesOf(text)).toThrow(/^Pulumi\.dev\.yaml/);
        },
    );

    test("a map with 'secure' next to other keys is not a secure leaf", () => {
        expect(
            leavesOf("config:\n  aio-secrets:secretValues:\n    a:\n      secure: v1:x\n      other: y\n").secure.size,
        ).toBe(0);
    });

    test("aliases resolve: a secure value reached through an alias is a secure leaf", () => {
        const leaves = leavesOf("base: &pw { secure: v1:HHHH }\nconfig:\n  aio-secrets:secretValues:\n    a: *pw\n");
        expect([...leaves.secure]).toEqual([["aio-secrets:secretValues.a", "v1:HHHH"]]);
    });

    test("the leaves feed parseStackSettings: a plaintext sibling is rejected", () => {
        const raw = rawConfig({ keyVault: KV });
        raw.config["aio-secrets:secretValues"] = JSON.stringify({ "mq-password": "v1", "plain-one": "v2" });
        raw.secretKeys = ["aio-secrets:secretValues", "aio-secrets:servicePrincipal"];
        raw.stackFile = leavesOf(STACK_FILE);
        const problems = parseStackSettings(raw).problems;
        expect(problems.map((p) => p.path)).toEqual(["aio-secrets:secretValues.plain-one"]);
        expect(problems[0].rule).toContain("pulumi config set --secret --path 'secretValues.plain-one'");
    });
});

describe("own-property lookups", () => {
    test.each(["toString", "constructor", "valueOf", "hasOwnProperty"])(
        "a config secret named %s with no value is missing",
        (name) => {
            const result = crossCheck(
                settingsOf({ keyVault: KV }),
                catalogOf(`secrets:\n  - { name: ${name}, source: config }\n`),
            );
            expect(result.problems.map((p) => p.path)).toEqual([`aio-secrets:secretValues.${name}`]);
            expect(result.problems[0].rule).toMatch(/^is missing/);
        },
    );

    test("a directory of the default secret's file in a default SPC is an error", () => {
        const result = crossCheck(
            settingsOf({ keyVault: KV }),
            catalogOf(
                "secrets:\n  - { name: a, source: generated, spcs: [aio-default-spc], alias: azure-iot-operations/a }\n",
            ),
        );
        expect(result.problems.map(formatProblem)).toEqual([
            expect.stringMatching(
                /secrets\[0\] \(a\)\.alias: file name "azure-iot-operations\/a" needs a directory "azure-iot-operations", but that is the default secret's file/,
            ),
        ]);
    });
});

describe("configWarnings", () => {
    const warningsOf = (
        extra: Record<string, string>,
        stackFile?: RawStackConfig["stackFile"],
        secretKeys: string[] = [],
    ) => {
        const raw = rawConfig({ keyVault: KV });
        Object.assign(raw.config, extra);
        raw.secretKeys = secretKeys;
        raw.stackFile = stackFile;
        return configWarnings(raw, "Pulumi.dev.yaml");
    };

    test("a kubernetes: typo warns with the key and a did-you-mean", () => {
        expect(
            warningsOf({
                "kubernetes:contxt": "edge",
                "kubernetes:context": "edge",
                "kubernetes:enableServerSideAply": "true",
            }),
        ).toEqual([
            "Pulumi.dev.yaml: kubernetes:contxt is not a pulumi-kubernetes setting (did you mean kubernetes:context?); it has no effect",
            "Pulumi.dev.yaml: kubernetes:enableServerSideAply is not a pulumi-kubernetes setting (did you mean kubernetes:enableServerSideApply?); it has no effect",
        ]);
    });

    test("every pulumi-kubernetes provider setting is known", () => {
        // The installed SDK's provider arguments are the provider's configuration keys.
        const providerDts = fs.readFileSync(require.resolve("@pulumi/kubernetes/provider.d.ts"), "utf8");
        const args = providerDts.slice(providerDts.indexOf("export interface ProviderArgs"));
        const keys = [...args.matchAll(/^ {4}(\w+)\?:/gm)].map((m) => m[1]);
        expect(keys.length).toBeGreaterThan(10);
        expect(keys.filter((k) => !(KUBERNETES_CONFIG_KEYS as readonly string[]).includes(k))).toEqual([]);
        expect(warningsOf(Object.fromEntries(keys.map((k) => [`kubernetes:${k}`, "x"])))).toEqual([]);
    });

    test("placeholder ciphertexts and made-up GUIDs warn, naming each key; real-looking ones do not", () => {
        const stackFile = {
            secure: new Map([
                ["aio-secrets:secretValues.a", "v1:placeholder-replace-with-pulumi-config-set-secret"],
                ["aio-secrets:secretValues.b", "v1:c29tZXRoaW5n:YWJj"],
            ]),
            plain: new Set(["aio-secrets:tenantId", "aio-secrets:servicePrincipal.clientId"]),
        };
        const warnings = warningsOf(
            {
                "aio-secrets:tenantId": "11111111-2222-3333-4444-555555555555",
                "aio-secrets:servicePrincipal": JSON.stringify({
                    clientId: "44444444-5555-6666-7777-888888888888",
                    objectId: "9f0c2a51-7d4e-4b8a-a1c3-5e6f7a8b9c0d",
                }),
            },
            stackFile,
        );
        expect(warnings).toEqual([
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: aio-secrets:secretValues\.a is an example placeholder, not a real secret; set it with pulumi config set --secret --path 'secretValues\.a'/,
            ),
            "Pulumi.dev.yaml: aio-secrets:tenantId 11111111-2222-3333-4444-555555555555 is an example placeholder id; replace it with the real one",
            "Pulumi.dev.yaml: aio-secrets:servicePrincipal.clientId 44444444-5555-6666-7777-888888888888 is an example placeholder id; replace it with the real one",
        ]);
    });

    test("a GUID-looking secret value is never shown in a placeholder warning", () => {
        const warnings = warningsOf(
            { "aio-secrets:secretValues": JSON.stringify({ a: "11111111-1111-1111-1111-111111111111" }) },
            { secure: new Map([["aio-secrets:secretValues.a", "v1:x"]]), plain: new Set() },
            ["aio-secrets:secretValues"],
        );
        expect(warnings).toEqual([]);
    });
});

describe("stack files the way Pulumi reads them", () => {
    const leavesOf = (text: string) => stackFileLeavesOf(text, "Pulumi.dev.yaml", "aio-secrets");
    const problemsOf = (text: string): string[] => {
        try {
            leavesOf(text);
            return [];
        } catch (e) {
            return (e as ConfigError).problems.map(formatProblem);
        }
    };

    test('secure: "" and secure: null are refused naming the key', () => {
        expect(
            problemsOf(
                'config:\n  aio-secrets:secretValues:\n    a:\n      secure: ""\n  kubernetes:kubeconfig:\n    secure:\n',
            ),
        ).toEqual([
            "Pulumi.dev.yaml: aio-secrets:secretValues.a: secure: must hold a ciphertext; set the value with pulumi config set --secret --path 'secretValues.a' <value>",
            "Pulumi.dev.yaml: kubernetes:kubeconfig: secure: must hold a ciphertext; set the value with pulumi config set --secret 'kubernetes:kubeconfig' <value>",
        ]);
    });

    test("unknown tags are refused with their line", () => {
        expect(problemsOf("config:\n  aio-secrets:environment: !foo dev\n")).toEqual([
            expect.stringMatching(/^Pulumi\.dev\.yaml:2: YAML tag !foo is not supported/),
        ]);
        expect(problemsOf("config:\n  aio-secrets:environment: !!js/function 'x'\n")).toEqual([
            expect.stringMatching(/^Pulumi\.dev\.yaml:2: YAML tag !!js\/function is not supported/),
        ]);
    });

    test("an alias bomb is a problem naming the file", () => {
        const bomb =
            "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nconfig:\n  aio-secrets:environment: dev\n  other:bomb: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n";
        expect(problemsOf(bomb)).toEqual([
            expect.stringMatching(/^Pulumi\.dev\.yaml: YAML aliases expand beyond 100 nested uses/),
        ]);
    });

    test("an alias inside its own anchor is a problem, not a hang", () => {
        expect(problemsOf("config:\n  other:loop: &x [ *x ]\n")).toEqual([
            expect.stringMatching(/^Pulumi\.dev\.yaml: a YAML alias refers to a value that contains it/),
        ]);
    });

    test("<< merge keys apply", () => {
        const leaves = leavesOf(
            "base: &kv { name: kv-aio-dev-01, resourceGroupName: rg }\nconfig:\n  aio-secrets:keyVault:\n    <<: *kv\n    existing: true\n",
        );
        expect([...leaves.plain].sort()).toEqual([
            "aio-secrets:keyVault.existing",
            "aio-secrets:keyVault.name",
            "aio-secrets:keyVault.resourceGroupName",
        ]);
    });
});

import { mergeConfigValue, mergePatch, parseEscDocument, parseProjectConfig } from "../stacks/sharedConfig";
import { readStackConfig, SharedSources } from "../tools/stackfile";
import * as path from "node:path";
import { byType, configErrorOf, MINIMAL_STACK, plaintextPaths, runStack, scratch } from "./helpers";

/**
 * Settings shared by many stacks: project config in Pulumi.yaml and Pulumi ESC environments
 * (offline: their stand-in files), resolved the way the Pulumi CLI does before the program runs.
 */

const P = "aio-secrets";

function sources(projectYaml: string | undefined, environments: Record<string, string> = {}): SharedSources {
    const projectConfig = projectYaml === undefined ? [] : parseProjectConfig(projectYaml, "Pulumi.yaml", P).entries;
    if (!projectConfig)
        throw new Error(
            `bad test Pulumi.yaml: ${JSON.stringify(parseProjectConfig(projectYaml!, "Pulumi.yaml", P).problems)}`,
        );
    return {
        projectConfig,
        readEnvironment: (rel) => (Object.hasOwn(environments, rel) ? environments[rel] : undefined),
    };
}

function resolve(stackYaml: string, shared: SharedSources) {
    return readStackConfig(stackYaml, "Pulumi.site-1.yaml", P, {}, shared);
}

const problemsOf = configErrorOf;

describe("project config (Pulumi.yaml config:)", () => {
    const project = `name: aio-secrets
runtime: nodejs
config:
  azure-native:location: westeurope          # short form, another namespace: a value
  aio-secrets:environment: prod              # short form, the project's: a default
  tenantId: 11111111-2222-3333-4444-555555555555
  aio-secrets:cluster:
    default: { namespace: azure-iot-operations, csiDriver: { version: 1.5.3 } }
`;

    test("applies to a stack that does not set the key; keys without namespace are the project's", () => {
        const { config } = resolve(
            "config:\n  aio-secrets:keyVault: { name: kv-a, resourceGroupName: rg-a }\n",
            sources(project),
        );
        expect(config["azure-native:location"]).toBe("westeurope");
        expect(config["aio-secrets:environment"]).toBe("prod");
        expect(config["aio-secrets:tenantId"]).toBe("11111111-2222-3333-4444-555555555555");
        expect(JSON.parse(config["aio-secrets:cluster"])).toEqual({
            namespace: "azure-iot-operations",
            csiDriver: { version: "1.5.3" },
        });
    });

    test("a stack's value replaces the project's whole: objects are not merged (as Pulumi)", () => {
        const { config } = resolve(
            "config:\n  aio-secrets:environment: dev\n  aio-secrets:cluster: { arcClusterName: arc-1, arcResourceGroupName: rg-arc-1 }\n",
            sources(project),
        );
        expect(config["aio-secrets:environment"]).toBe("dev");
        expect(JSON.parse(config["aio-secrets:cluster"])).toEqual({
            arcClusterName: "arc-1",
            arcResourceGroupName: "rg-arc-1",
        });
    });

    test.each([
        [
            "a map without value: or default:",
            "config:\n  aio-secrets:cluster: { namespace: x }\n",
            /'namespace' is not a project config attribute .* a map value goes under value: or default:/,
        ],
        [
            "a secure value",
            "config:\n  aio-secrets:secretValues: { secure: v1:abc }\n",
            /project config cannot hold secure values/,
        ],
        [
            "a secure value inside a value",
            "config:\n  aio-secrets:secretValues: { value: { mq-password: { secure: v1:abc } } }\n",
            /config\.aio-secrets:secretValues\.value\.mq-password: project config cannot hold secure values/,
        ],
        [
            "a secure value inside a default",
            "config:\n  aio-secrets:x: { default: { a: [ { secure: v1:abc } ] } }\n",
            /config\.aio-secrets:x\.default\.a\[0\]: project config cannot hold secure values/,
        ],
        [
            "a secure value inside a short-form list",
            "config:\n  aio-secrets:x: [ { secure: v1:abc } ]\n",
            /config\.aio-secrets:x\[0\]: project config cannot hold secure values/,
        ],
        [
            "both value and default",
            "config:\n  aio-secrets:protect: { value: true, default: false }\n",
            /cannot have both a default and a value/,
        ],
        [
            "a default for another namespace",
            "config:\n  azure-native:location: { default: westeurope }\n",
            /is not namespaced by the project: give it a value:/,
        ],
        [
            "a default of the wrong type",
            "config:\n  aio-secrets:protect: { type: boolean, default: maybe }\n",
            /its default is not of the declared type boolean/,
        ],
    ])("refused: %s", (_what, yaml, rule) => {
        const { entries, problems } = parseProjectConfig(
            `name: aio-secrets\nruntime: nodejs\n${yaml}`,
            "Pulumi.yaml",
            P,
        );
        expect(entries).toBeUndefined();
        expect(problems.map((p) => `${p.file}: ${p.path}: ${p.rule}`).join("\n")).toMatch(rule);
    });

    test("a project key declared without a value must be set by every stack; secret: true must be secure", () => {
        const shared = sources(
            "name: aio-secrets\nruntime: nodejs\nconfig:\n  aio-secrets:keyVault: { description: each site its own vault }\n  aio-secrets:secretValues: { secret: true }\n",
        );
        const message = problemsOf(() => resolve("config:\n  aio-secrets:secretValues: { a: plain }\n", shared));
        expect(message).toContain(
            "Pulumi.site-1.yaml: aio-secrets:keyVault: is missing: Pulumi.yaml declares it for every stack without a default",
        );
        expect(message).toContain(
            "Pulumi.site-1.yaml: aio-secrets:secretValues: must be secure (Pulumi.yaml declares it secret: true)",
        );
    });
});

describe("ESC environments (offline stand-ins)", () => {
    const edge = `imports: [aio-secrets/base]
values:
  pulumiConfig:
    aio-secrets:keyVault: { permissionModel: accessPolicy, softDeleteRetentionDays: 90 }
    aio-secrets:secretValues:
      mq-password:
        fn::secret: hunter2-from-esc
`;
    const base =
        "values:\n  pulumiConfig:\n    aio-secrets:environment: staging\n    aio-secrets:keyVault: { softDeleteRetentionDays: 7, purgeProtection: true }\n";
    const envs = { "environments/aio-secrets/edge.yaml": edge, "environments/aio-secrets/base.yaml": base };
    const stackYaml =
        "environment: [aio-secrets/edge]\nconfig:\n  aio-secrets:keyVault: { name: kv-a, resourceGroupName: rg-a }\n";

    test("imports merge in order, the stack file over them key by key (JSON merge patch, as Pulumi)", () => {
        const resolved = resolve(stackYaml, sources(undefined, envs));
        expect(resolved.environments).toEqual(["aio-secrets/edge"]);
        expect(resolved.sharedFiles).toEqual([
            "environments/aio-secrets/edge.yaml",
            "environments/aio-secrets/base.yaml",
        ]);
        expect(resolved.config["aio-secrets:environment"]).toBe("staging");
        expect(JSON.parse(resolved.config["aio-secrets:keyVault"])).toEqual({
            name: "kv-a",
            resourceGroupName: "rg-a",
            permissionModel: "accessPolicy",
            softDeleteRetentionDays: 90,
            purgeProtection: true,
        });
    });

    test("fn::secret stays a secret: a secret key, a secure path, a placeholder instead of the value", () => {
        const resolved = resolve(stackYaml, sources(undefined, envs));
        expect(resolved.secretKeys).toEqual(["aio-secrets:secretValues"]);
        expect(resolved.securePaths).toEqual(["aio-secrets:secretValues.mq-password"]);
        expect(JSON.stringify(resolved)).not.toContain("hunter2-from-esc");
    });

    test.each([
        ["no config:", "environment: [aio-secrets/edge]\n"],
        ["config: null", "environment: [aio-secrets/edge]\nconfig:\n"],
    ])("a stack file with environment: and %s takes every setting from its environments (as Pulumi)", (_what, yaml) => {
        const resolved = resolve(yaml, sources(undefined, envs));
        expect(resolved.config["aio-secrets:environment"]).toBe("staging");
        expect(JSON.parse(resolved.config["aio-secrets:keyVault"])).toMatchObject({
            permissionModel: "accessPolicy",
            softDeleteRetentionDays: 90,
        });
        // Without environment: it is still refused.
        expect(problemsOf(() => resolve("config:\n", sources(undefined, envs)))).toMatch(/config: is missing/);
    });

    test("an environment with no stand-in: a message naming it and the file to write", () => {
        expect(
            problemsOf(() => resolve(stackYaml, sources(undefined, { "environments/aio-secrets/edge.yaml": edge }))),
        ).toBe(
            'environments/aio-secrets/edge.yaml: imports "aio-secrets/base": is a Pulumi ESC environment, which the offline tools cannot open. ' +
                "Write its resolved values to environments/aio-secrets/base.yaml (the shape of the ESC definition: values.pulumiConfig, secrets as fn::secret), " +
                "or remove the import to plan without it",
        );
    });

    test("what only ESC evaluates (interpolation, fn::open) is a problem naming the path", () => {
        const { problems } = parseEscDocument(
            "values:\n  vault: kv-1\n  pulumiConfig:\n    aio-secrets:keyVault: { name: '${vault}' }\n    aio-secrets:x:\n      fn::open::azure-login: {}\n",
            "environments/e.yaml",
        );
        expect(problems.map((p) => `${p.path}: ${p.rule.split(";")[0]}`)).toEqual([
            "values.pulumiConfig.aio-secrets:keyVault.name: an interpolation ${...} is evaluated by Pulumi ESC, which the offline tools cannot open",
            "values.pulumiConfig.aio-secrets:x: fn::open::azure-login is evaluated by Pulumi ESC, which the offline tools cannot open",
        ]);
    });

    test("the stack over its environments: a null is kept, not a removal (Pulumi's object merge)", () => {
        const resolved = resolve(
            "environment: [aio-secrets/edge]\nconfig:\n  aio-secrets:keyVault: { name: kv-a, resourceGroupName: rg-a, softDeleteRetentionDays: null }\n",
            sources(undefined, envs),
        );
        // The program then sees the null and reports it, as under pulumi up.
        expect(JSON.parse(resolved.config["aio-secrets:keyVault"])).toMatchObject({
            name: "kv-a",
            softDeleteRetentionDays: null,
            purgeProtection: true,
        });
        expect(mergeConfigValue({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: null }, d: [2] })).toEqual({
            a: { b: 1, c: null },
            d: [2],
        });
    });

    test("merge patch: maps merge, other values replace, null removes", () => {
        expect(mergePatch({ a: { b: 1, c: 2 }, d: [1], e: 1 }, { a: { c: 3 }, d: [2], e: null })).toEqual({
            a: { b: 1, c: 3 },
            d: [2],
        });
    });
});

describe("the program with shared settings", () => {
    const catalog = `environments: [dev, prod]
secretProviderClasses: {}
secrets:
  - { name: mq-password, source: config, spcs: [aio-default-spc] }
`;
    const stack =
        "environment: [aio-secrets/edge]\nconfig:\n  aio-secrets:keyVault: { name: kv-site-1, resourceGroupName: rg-site-1 }\n";

    test("a secret from an ESC environment reaches the vault as a secret, never in plaintext", async () => {
        const dir = scratch({
            "Pulumi.yaml":
                "name: aio-secrets\nruntime: nodejs\nconfig:\n  azure-native:location: westeurope\n  aio-secrets:tenantId: 0f0e0d0c-0b0a-4909-8807-060504030201\n",
            "environments/aio-secrets/edge.yaml":
                "values:\n  pulumiConfig:\n    aio-secrets:environment: prod\n    aio-secrets:secretValues:\n      mq-password: { fn::secret: hunter2-from-esc }\n",
            "Pulumi.site-1.yaml": stack,
            "secrets.yaml": catalog,
        });
        const run = await runStack({
            stack: "site-1",
            stackFile: path.join(dir, "Pulumi.site-1.yaml"),
            configDir: dir,
            catalogFile: path.join(dir, "secrets.yaml"),
            mode: "up",
        });
        expect(run.error).toBeUndefined();
        expect(run.environment).toBe("prod");
        const secret = byType(run, "azure-native:keyvault:Secret").find((r) => r.inputs.secretName === "mq-password");
        // The value the program got (a placeholder with a digest) travels only inside a secret envelope.
        expect(JSON.stringify(secret!.inputs)).toContain("placeholder-for-aio-secrets:secretValues.mq-password#");
        expect(plaintextPaths(run.resources, "placeholder-for-aio-secrets:secretValues.mq-password")).toEqual([]);
        expect(JSON.stringify(run)).not.toContain("hunter2-from-esc");
    });

    test("secret values in Pulumi.yaml (plaintext) are refused, naming Pulumi.yaml", async () => {
        const dir = scratch({
            "Pulumi.yaml":
                "name: aio-secrets\nruntime: nodejs\nconfig:\n  azure-native:location: westeurope\n  aio-secrets:secretValues:\n    default: { mq-password: in-plaintext }\n",
            "Pulumi.site-1.yaml":
                "config:\n  aio-secrets:environment: prod\n  aio-secrets:keyVault: { name: kv-site-1, resourceGroupName: rg-site-1 }\n",
            "secrets.yaml": catalog,
        });
        const run = await runStack({
            stack: "site-1",
            stackFile: path.join(dir, "Pulumi.site-1.yaml"),
            configDir: dir,
            catalogFile: path.join(dir, "secrets.yaml"),
        });
        expect(run.error).toMatch(
            /^Pulumi\.yaml: config\.aio-secrets:secretValues\.default\.mq-password: is a secret \(always secret\) written in plaintext/,
        );
        expect(run.error).not.toContain("in-plaintext");
    });

    test("a stack file elsewhere is planned with the project's Pulumi.yaml, not one beside it (as pulumi up --config-file)", async () => {
        const dir = scratch({
            // Beside the stack file: a Pulumi.yaml that does not parse as project config.
            "Pulumi.yaml": "name: aio-secrets\nruntime: nodejs\nconfig:\n  aio-secrets:cluster: { namespace: x }\n",
            "Pulumi.dev.yaml": MINIMAL_STACK,
            "secrets.yaml":
                "environments: [dev]\nsecretProviderClasses: {}\nsecrets:\n  - { name: api-token, source: generated, spcs: [aio-default-spc] }\n",
        });
        const run = await runStack({
            stack: "dev",
            stackFile: path.join(dir, "Pulumi.dev.yaml"),
            catalogFile: path.join(dir, "secrets.yaml"),
        });
        expect(run.error).toBeUndefined();
    });
});

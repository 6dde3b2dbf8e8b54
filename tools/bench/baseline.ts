import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumiTypes from "@pulumi/pulumi";
import type * as keyvaultTypes from "@pulumi/azure-native/keyvault";
import type * as randomTypes from "@pulumi/random";
import type * as apiextensionsTypes from "@pulumi/kubernetes/apiextensions";
import type * as appsv1Types from "@pulumi/kubernetes/apps/v1";
import { dropTypeAliases, installRecorder, RecordedResource, suspendStackTraces } from "../harness";
import { readStackConfig } from "../stackfile";
import { BenchSpec, DEFAULT_SECRET, INIT_SPCS } from "./catalog";

/**
 * The bare-SDK baseline: the same vault secrets, value generators, SecretProviderClasses and
 * restart patches the program declares for a generated catalog, registered directly with the
 * SDK under the same preview-mode mocks, config and recorder as `runProgram`, with no project
 * code (no validation, no components, no renderer, no outputs). Names and inputs are plain
 * values; the restart annotation is a hash of the SPC's objects string (the program's also
 * folds in the version of every mounted secret, an Output).
 */

export interface BaselineResult {
    resources: RecordedResource[];
}

interface Sdk {
    pulumi: typeof pulumiTypes;
    keyvault: typeof keyvaultTypes;
    random: typeof randomTypes;
    apiextensions: typeof apiextensionsTypes;
    appsv1: typeof appsv1Types;
}

let sdk: Sdk | undefined;

/** Loaded lazily and with `require`, like the harness, so both see the same module instances. */
function loadSdk(): Sdk {
    /* eslint-disable @typescript-eslint/no-require-imports */
    sdk ??= {
        pulumi: require("@pulumi/pulumi") as typeof pulumiTypes,
        keyvault: require("@pulumi/azure-native/keyvault") as typeof keyvaultTypes,
        random: require("@pulumi/random") as typeof randomTypes,
        apiextensions: require("@pulumi/kubernetes/apiextensions") as typeof apiextensionsTypes,
        appsv1: require("@pulumi/kubernetes/apps/v1") as typeof appsv1Types,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    return sdk;
}

/** The preview-mode mocks of `runProgram`: inputs echoed, ids unknown, calls answered with placeholders. */
function previewMocks(tenantId: string | undefined): pulumiTypes.runtime.Mocks {
    return {
        newResource: (args) => ({ id: undefined, state: { ...(args.inputs as Record<string, unknown>) } }),
        call: (args) => {
            switch (args.token) {
                case "azure-native:authorization:getClientConfig":
                    return {
                        tenantId: tenantId ?? "00000000-0000-0000-0000-0000000000aa",
                        objectId: "(deploying identity's object id)",
                        clientId: "(deploying identity's client id)",
                        subscriptionId: "00000000-0000-0000-0000-0000000000cc",
                    };
                default:
                    return {};
            }
        },
    };
}

interface Mounted {
    name: string;
    alias?: string;
}

/** A trivial `objects` string: `array:` and one literal block per object, joined inline. */
function objectsOf(objects: Mounted[]): string {
    const items = objects.map((o) => {
        const alias = o.alias !== undefined ? `\n      objectAlias: ${o.alias}` : "";
        return `  - |\n      objectName: ${o.name}\n      objectType: secret\n      objectVersion: ""${alias}`;
    });
    return `array:\n${items.join("\n")}\n`;
}

/** Registers the baseline for one generated catalog and waits for every registration. */
export async function runBaseline(spec: BenchSpec, stackFile: string): Promise<BaselineResult> {
    const { pulumi, keyvault, random, apiextensions, appsv1 } = loadSdk();
    const project = "aio-secrets";
    // What runProgram does around the program: read the stack file, set mocks and config,
    // install the recorder.
    const stackConfig = readStackConfig(fs.readFileSync(stackFile, "utf8"), path.basename(stackFile), project);
    const config = stackConfig.config;
    await pulumi.runtime.setMocks(previewMocks(config[`${project}:tenantId`]), project, "dev", true);
    pulumi.runtime.setAllConfig(config, stackConfig.secretKeys);
    const recorder = installRecorder(pulumi);

    // The same run conditions as the plan (tools/harness.ts).
    const restoreTraces = suspendStackTraces();
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            dropTypeAliases(pulumi);
            const values = JSON.parse(config[`${project}:secretValues`] ?? "{}") as Record<string, string>;
            const vaultName = "kv-aio-dev-01";
            const resourceGroupName = "rg-aio-dev";
            const namespace = "azure-iot-operations";
            const tenantId = config[`${project}:tenantId`] ?? "00000000-0000-0000-0000-0000000000aa";
            const tags = {
                "managed-by": "aio-secrets",
                "aio-secrets-stack": `${project}/dev`,
                "aio-secrets-environment": "dev",
            };
            const secretOpts = { retainOnDelete: true };

            // The default secret: random bytes, written to the vault.
            const defaultValue = new random.RandomBytes(`vault-secrets-${DEFAULT_SECRET}-value`, { length: 32 }).base64;
            new keyvault.Secret(
                `vault-secrets-${DEFAULT_SECRET}`,
                {
                    vaultName,
                    resourceGroupName,
                    secretName: DEFAULT_SECRET,
                    properties: { value: pulumi.secret(defaultValue) },
                    tags,
                },
                secretOpts,
            );
            // Every written catalog secret (existing ones are only mounted).
            for (const s of spec.entries) {
                if (s.source === "existing") continue;
                const value =
                    s.source === "config"
                        ? pulumi.secret(values[s.name])
                        : new random.RandomPassword(`vault-secrets-${s.name}-value`, {
                              length: s.length ?? 32,
                              special: false,
                          }).result;
                new keyvault.Secret(
                    `vault-secrets-${s.name}`,
                    {
                        vaultName,
                        resourceGroupName,
                        secretName: s.name,
                        properties: { value: pulumi.secret(value) },
                        tags,
                    },
                    secretOpts,
                );
            }

            // SPCs: the five init ones (the default secret mounted) plus the declared ones.
            const members = new Map<string, Mounted[]>();
            for (const name of INIT_SPCS) members.set(name, [{ name: DEFAULT_SECRET }]);
            for (const spc of spec.declared) if (!members.has(spc.name)) members.set(spc.name, []);
            for (const s of spec.entries)
                for (const spc of s.spcs) members.get(spc)?.push({ name: s.name, alias: s.alias });
            const restarts = new Map(spec.declared.map((d) => [d.name, d.restart]));

            for (const [spcName, objects] of members) {
                const rendered = objectsOf(objects);
                const spc = new apiextensions.CustomResource(`spc-${spcName}-spc`, {
                    apiVersion: "secrets-store.csi.x-k8s.io/v1",
                    kind: "SecretProviderClass",
                    metadata: { name: spcName, namespace },
                    spec: {
                        provider: "azure",
                        parameters: { usePodIdentity: "false", keyvaultName: vaultName, objects: rendered, tenantId },
                    },
                });
                const hash = createHash("sha256").update(rendered).digest("hex").slice(0, 32);
                for (const target of restarts.get(spcName) ?? []) {
                    const args = {
                        metadata: { name: target.name, namespace, annotations: { "pulumi.com/patchForce": "true" } },
                        spec: {
                            template: { metadata: { annotations: { [`secrets.aio-secrets.io/${spcName}`]: hash } } },
                        },
                    };
                    const name = `spc-${spcName}-restart-${target.kind.toLowerCase()}-${target.name}`;
                    if (target.kind === "Deployment") new appsv1.DeploymentPatch(name, args, { dependsOn: [spc] });
                    else if (target.kind === "StatefulSet")
                        new appsv1.StatefulSetPatch(name, args, { dependsOn: [spc] });
                    else new appsv1.DaemonSetPatch(name, args, { dependsOn: [spc] });
                }
            }
            return {};
        });
        const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
        await runtime.waitForRPCs?.();
    } finally {
        restoreTraces();
    }
    return { resources: recorder.resources };
}

import { stringify } from "yaml";
import { inputAt, RecordedResource, redact, RunResult } from "./harness";

/**
 * Turns a recorded run into what the offline plan shows: text grouped by component, a JSON
 * document, and one YAML manifest per Kubernetes object. Pure; every secret is `[secret]`.
 */

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    inputs: unknown;
    protect: boolean;
    retainOnDelete: boolean;
}

export interface PlanJson {
    stack: string;
    environment: string | null;
    resources: PlanResource[];
    outputs: unknown;
    warnings: string[];
}

export function planJson(run: RunResult): PlanJson {
    return {
        stack: run.stack,
        environment: run.environment ?? null,
        resources: run.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent ?? null,
            inputs: redact(r.inputs),
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
        })),
        outputs: redact(run.outputs),
        warnings: run.warnings,
    };
}

/** Input paths worth a glance, per resource type. */
const KEY_SETTINGS: Record<string, string[]> = {
    "azure-native:resources:ResourceGroup": ["resourceGroupName", "location"],
    "azure-native:keyvault:Vault": [
        "vaultName",
        "resourceGroupName",
        "location",
        "properties.sku.name",
        "properties.enableRbacAuthorization",
        "properties.softDeleteRetentionInDays",
        "properties.enablePurgeProtection",
        "properties.publicNetworkAccess",
    ],
    "azure-native:keyvault:AccessPolicy": ["vaultName", "policy.objectId", "policy.permissions"],
    "azure-native:authorization:RoleAssignment": ["description", "principalId", "scope"],
    "azure-native:keyvault:Secret": ["secretName", "vaultName", "properties.value", "properties.contentType"],
    "azure-native:keyvault:Key": ["keyName", "vaultName", "properties.kty", "properties.keySize"],
    "azure-native:kubernetesconfiguration:Extension": ["extensionName", "extensionType", "version", "autoUpgradeMinorVersion", "clusterName", "configurationSettings"],
    "azuread:index/application:Application": ["displayName", "signInAudience"],
    "azuread:index/servicePrincipal:ServicePrincipal": ["clientId"],
    "azuread:index/applicationPassword:ApplicationPassword": ["endDate", "rotateWhenChanged"],
    "time:index/rotating:Rotating": ["rotationDays"],
    "random:index/randomPassword:RandomPassword": ["length", "special"],
    "random:index/randomBytes:RandomBytes": ["length"],
    "kubernetes:core/v1:Namespace": ["metadata.name"],
    "kubernetes:core/v1:Secret": ["metadata.namespace", "metadata.name", "type", "metadata.labels", "stringData"],
    "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass": ["metadata.namespace", "metadata.name", "spec.parameters.keyvaultName", "spec.parameters.objects"],
};

function compact(value: unknown): string {
    if (typeof value === "string") return /[\s,=]/.test(value) || value === "" ? JSON.stringify(value) : value;
    return JSON.stringify(value);
}

/** Objects strings are shown as their object names, not raw YAML. */
function summarizeObjects(text: unknown): string {
    if (typeof text !== "string") return compact(text);
    const names = [...text.matchAll(/objectName: *"?([^"\n]+)"?/g)].map((m) => m[1]);
    return `[${names.join(", ")}]`;
}

function settingsLine(r: RecordedResource): string {
    const redacted = redact(r.inputs);
    const paths = KEY_SETTINGS[r.type];
    if (paths) {
        return paths
            .map((p) => {
                const value = inputAt(redacted, p);
                if (value === undefined) return undefined;
                const label = p.replace(/^(properties|metadata|spec\.parameters|policy)\./, "");
                return `${label}=${p.endsWith("objects") ? summarizeObjects(value) : compact(value)}`;
            })
            .filter((x): x is string => x !== undefined)
            .join(" ");
    }
    if (r.type.startsWith("kubernetes:apps/v1:") && r.type.endsWith("Patch")) {
        const annotations = inputAt(redacted, "spec.template.metadata.annotations");
        return `workload=${compact(inputAt(redacted, "metadata.namespace"))}/${compact(inputAt(redacted, "metadata.name"))} podTemplateAnnotations=${compact(annotations)}`;
    }
    return "";
}

function shortType(urn: string | undefined): string {
    if (!urn) return "";
    const qualified = urn.split("::")[2] ?? "";
    return qualified.split("$").pop() ?? qualified;
}

/** The human-readable plan: resources grouped under the component that declares them. */
export function planText(run: RunResult, files: { stackFile: string; catalogFile: string }): string {
    const lines: string[] = [];
    lines.push(`aio-secrets offline plan: stack ${run.stack}, environment ${run.environment ?? "?"}`);
    lines.push(`  inputs: ${files.stackFile}, ${files.catalogFile}`);
    lines.push("  no cloud calls: (known after up) is filled in by Azure at `pulumi up`; [secret] values are never shown");
    lines.push("");
    const components = run.resources.filter((r) => !r.custom);
    const byParent = new Map<string, RecordedResource[]>();
    for (const r of run.resources) {
        if (!r.custom) continue;
        const key = r.parent ?? "";
        byParent.set(key, [...(byParent.get(key) ?? []), r]);
    }
    const flags = (r: RecordedResource) =>
        [r.protect ? "protect" : "", r.retainOnDelete ? "retainOnDelete" : ""].filter(Boolean).join(",");
    const emit = (parentUrn: string, indent: string) => {
        const children = [...(byParent.get(parentUrn) ?? [])].sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
        for (const r of children) {
            const f = flags(r);
            lines.push(`${indent}+ ${r.type} ${r.name}${f ? ` [${f}]` : ""}`);
            const s = settingsLine(r);
            if (s) lines.push(`${indent}    ${s}`);
        }
    };
    for (const c of components) {
        lines.push(`${c.type} "${c.name}"${c.parent ? ` (in ${shortType(c.parent)})` : ""}`);
        emit(c.urn, "  ");
    }
    if (byParent.has("")) {
        lines.push("(top level)");
        emit("", "  ");
    }
    const custom = run.resources.filter((r) => r.custom).length;
    lines.push("");
    lines.push(`${custom} resources in ${components.length} components`);
    lines.push("");
    lines.push("Outputs:");
    const outputs = redact(run.outputs) as Record<string, unknown>;
    for (const key of Object.keys(outputs).sort()) lines.push(`  ${key}: ${compact(outputs[key])}`);
    if (run.warnings.length > 0) {
        lines.push("");
        lines.push("Warnings:");
        for (const w of run.warnings) lines.push(`  - ${w}`);
    }
    return lines.join("\n") + "\n";
}

/**
 * One YAML manifest per Kubernetes object the stack applies, as `{ fileName, yaml }`.
 * Secret `data`/`stringData` are redacted whole (not only the secret leaves).
 */
export function kubernetesManifests(run: RunResult): { fileName: string; yaml: string }[] {
    return run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
        .map((r) => {
            const manifest = redact(r.inputs) as Record<string, unknown>;
            if (manifest.kind === "Secret") {
                for (const field of ["data", "stringData"]) {
                    // Look inside the secret envelope only to list the keys.
                    const data = inputAt(r.inputs, field);
                    if (data && typeof data === "object") {
                        manifest[field] = Object.fromEntries(Object.keys(data).map((k) => [k, "[secret]"]));
                    }
                }
            }
            const ordered: Record<string, unknown> = {};
            for (const key of ["apiVersion", "kind", "metadata", "type", "spec", "data", "stringData"]) {
                if (manifest[key] !== undefined) ordered[key] = manifest[key];
            }
            const header = r.type.endsWith("Patch") ? "# Server-side apply patch: only the fields below are managed by this stack.\n" : "";
            return { fileName: `${r.name.replace(/\//g, "%2F")}.yaml`, yaml: header + stringify(ordered, { blockQuote: "literal" }) };
        });
}

/** Every file `--out` writes: the Kubernetes manifests, and the MQ vault references if any. */
export function outputFiles(run: RunResult): { fileName: string; yaml: string }[] {
    const files = kubernetesManifests(run);
    const references = redact(run.outputs.mqVaultReferences);
    if (references && typeof references === "object" && Object.keys(references).length > 0) {
        files.push({
            fileName: "mq-keyvault-references.yaml",
            yaml:
                "# Azure IoT MQ `keyVault:` blocks by secret name: paste one under an MQ resource's keyVault field,\n" +
                "# or write { keyVaultRef: <secret> } in the catalog's mqResources.\n" +
                stringify(references),
        });
    }
    return files;
}

import { elideMiddle, fill, shortenValue, TEXT_WIDTH, topLevelTokens, wrapProse } from "./textWidth";
import { stringify } from "yaml";
import type { DisplayKey } from "../components/descriptor";
import { resourceDescriptor } from "../components/descriptors";
import { keyVaultDescriptor } from "../components/keyvault/descriptor";
import { inputAt, RecordedResource, redact, RunResult } from "./harness";
import { PermissionNeeds, permissionNeeds, permissionsText } from "./permissions";

/**
 * Turns a recorded run into what the offline plan shows: text laid out like `pulumi preview`,
 * a JSON document, and one YAML manifest per Kubernetes object. Pure; every secret is `[secret]`.
 */

export interface PlanResource {
    /** The URN exactly as the engine forms it (paste it into `pulumi state` / `pulumi import`). */
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    /** URNs of the resources this one waits for (explicit dependsOn and inputs from others). */
    dependsOn: string[];
    /** URN of the explicit provider, or null for the default provider of its package. */
    provider: string | null;
    inputs: unknown;
    protect: boolean;
    retainOnDelete: boolean;
    /** Input paths whose change replaces the resource (e.g. a SecretSync's `kubernetesSecretType`); [] for none. */
    replaceOnChanges: string[];
}

export interface PlanJson {
    stack: string;
    environment: string | null;
    resources: PlanResource[];
    outputs: unknown;
    warnings: string[];
    /** Who reads the synced Secrets (issue 18; the stack output `consumers`); [] when none or not syncing. */
    consumers: PlanConsumer[];
    /** With `--permissions`: the rights the deployment needs, derived from the resources. */
    permissions?: PermissionNeeds;
}

export interface PlanOptions {
    /** Add what the deployment needs to be allowed to do. */
    permissions?: boolean;
}

/** Warnings the SDK itself prints that say nothing about the stack (an output unknown in a preview). */
const SDK_NOISE = /^Undefined value \(.*\) will not show as a stack output\.?$/;

const ROOT_STACK = "pulumi:pulumi:Stack";

/**
 * The run as the engine would record it. The mock monitor names resources
 * `...::pulumi:pulumi:Stack$<type>::<name>` and keeps only the parent's own type; the engine
 * leaves the root stack type out and chains every ancestor's type
 * (`urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`). Every URN (resources,
 * parents, dependencies, provider references, resource references in inputs and outputs) is
 * rewritten to that form, and the SDK's own noise is dropped from the warnings. Idempotent.
 */
export function engineView(run: RunResult): RunResult {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const qualified = new Map<string, string>();
    const qualifiedType = (r: RecordedResource, seen: Set<string> = new Set()): string => {
        const cached = qualified.get(r.urn);
        if (cached !== undefined) return cached;
        let parentType = "";
        if (r.parent !== undefined && !seen.has(r.parent)) {
            const parent = byUrn.get(r.parent);
            if (parent) parentType = qualifiedType(parent, new Set([...seen, r.urn]));
            else parentType = (r.parent.split("::")[2] ?? "").replace(/^pulumi:pulumi:Stack\$?/, "");
        }
        const result = parentType && parentType !== ROOT_STACK ? `${parentType}$${r.type}` : r.type;
        qualified.set(r.urn, result);
        return result;
    };
    const renamed = new Map<string, string>();
    for (const r of run.resources)
        renamed.set(r.urn, `urn:pulumi:${run.stack}::${run.project}::${qualifiedType(r)}::${r.name}`);
    const urnOf = (urn: string): string => renamed.get(urn) ?? urn.replace(`::${ROOT_STACK}$`, "::");
    const providerRef = (ref: string): string => {
        // `<urn>::<id>`: the id is the last `::` segment.
        const at = ref.lastIndexOf("::");
        return at < 0 ? ref : `${urnOf(ref.slice(0, at))}${ref.slice(at)}`;
    };
    const deep = (value: unknown): unknown => {
        if (typeof value === "string") return renamed.get(value) ?? value;
        if (Array.isArray(value)) return value.map(deep);
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, deep(v)]));
        }
        return value;
    };
    return {
        ...run,
        resources: run.resources.map((r) => ({
            ...r,
            urn: urnOf(r.urn),
            parent: r.parent === undefined ? undefined : urnOf(r.parent),
            dependsOn: [...new Set(r.dependsOn.map(urnOf))],
            provider: r.provider === undefined ? undefined : providerRef(r.provider),
            inputs: deep(r.inputs) as Record<string, unknown>,
            // A rename keeps type and parent: the alias is the engine URN with the old name.
            ...(r.aliases
                ? {
                      aliases: r.aliases.map((a) =>
                          a.slice(0, a.lastIndexOf("::")) === r.urn.slice(0, r.urn.lastIndexOf("::"))
                              ? `${urnOf(r.urn).slice(0, urnOf(r.urn).lastIndexOf("::"))}${a.slice(a.lastIndexOf("::"))}`
                              : urnOf(a),
                      ),
                  }
                : {}),
        })),
        outputs: deep(run.outputs) as Record<string, unknown>,
        warnings: run.warnings.filter((w) => !SDK_NOISE.test(w)),
    };
}

/** The URN part of a provider reference (`<urn>::<id>`). */
function providerUrn(ref: string | undefined): string | null {
    if (!ref) return null;
    const at = ref.lastIndexOf("::");
    return at < 0 ? ref : ref.slice(0, at);
}

/** Existing vaults the stack only looks up: a KeyVault component that declares nothing. */
function lookedUpVaults(run: RunResult): { component: RecordedResource; vaultName: string }[] {
    // A KeyVault component without a Vault child looked its vault up (its private endpoint and diagnostic setting,
    // when set, are its children either way).
    const hasVault = new Set(
        run.resources
            .filter((r) => r.type === "azure-native:keyvault:Vault")
            .map((r) => r.parent)
            .filter((p): p is string => p !== undefined),
    );
    const vaultName = typeof run.outputs.vaultName === "string" ? run.outputs.vaultName : "(the vault)";
    return run.resources
        .filter((r) => r.type === keyVaultDescriptor.type && !hasVault.has(r.urn))
        .map((component) => ({ component, vaultName }));
}

export function planJson(recorded: RunResult, options: PlanOptions = {}): PlanJson {
    const run = engineView(recorded);
    const json: PlanJson = {
        stack: run.stack,
        environment: run.environment ?? null,
        resources: run.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent ?? null,
            dependsOn: r.dependsOn,
            provider: providerUrn(r.provider),
            inputs: redact(r.inputs),
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            replaceOnChanges: r.replaceOnChanges,
        })),
        outputs: redact(run.outputs),
        warnings: run.warnings,
        consumers: planConsumers(run),
    };
    if (options.permissions)
        json.permissions = permissionNeeds(
            run,
            lookedUpVaults(run).map((v) => v.vaultName),
        );
    return json;
}

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

/** A SecretSync's mappings as `key<-vault object`, in order. */
function summarizeMappings(value: unknown): string {
    if (!Array.isArray(value)) return compact(value);
    return `[${value.map((m) => `${String(inputAt(m, "targetKey"))}<-${String(inputAt(m, "sourcePath"))}`).join(", ")}]`;
}

/** The label of an input path: without a leading `properties.`, `metadata.`, `spec.parameters.` or `policy.`. */
function labelOf(path: string): string {
    return path.replace(/^(properties|metadata|spec\.parameters|policy)\./, "");
}

/** One key of the settings line, or undefined when its input is absent. */
function displayed(key: DisplayKey, redacted: unknown): string | undefined {
    if (typeof key === "string") {
        const value = inputAt(redacted, key);
        return value === undefined ? undefined : `${labelOf(key)}=${compact(value)}`;
    }
    if ("paths" in key) return `${key.label}=${key.paths.map((p) => compact(inputAt(redacted, p))).join("/")}`;
    const value = inputAt(redacted, key.path);
    if ("label" in key) return `${key.label}=${compact(value)}`;
    if (value === undefined) return undefined;
    return `${labelOf(key.path)}=${key.show === "mappings" ? summarizeMappings(value) : summarizeObjects(value)}`;
}

/** The inputs worth a glance under a resource: the display keys its component's descriptor names. */
function settingsLine(r: RecordedResource): string {
    const keys = resourceDescriptor(r.type)?.display ?? [];
    const redacted = redact(r.inputs);
    return keys
        .map((key) => displayed(key, redacted))
        .filter((x): x is string => x !== undefined)
        .join(" ");
}

/**
 * A type token as the Pulumi CLI prints it: the module's file part is dropped when it only
 * repeats the type name (`azuread:index/application:Application` -> `azuread:index:Application`),
 * as pulumi's display does (simplifyTypeName); `kubernetes:core/v1:Secret` stays as it is.
 */
export function displayType(type: string): string {
    const parts = type.split(":");
    if (parts.length !== 3 || parts[2] === "") return type;
    const [pkg, module, name] = parts;
    const slash = module.lastIndexOf("/");
    if (slash < 0) return type;
    if (module.slice(slash + 1) !== name.charAt(0).toLowerCase() + name.slice(1)) return type;
    return `${pkg}:${module.slice(0, slash)}:${name}`;
}

/** Which cluster the Kubernetes provider talks to, from its recorded inputs. */
export function kubernetesTarget(run: RunResult): string | undefined {
    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    if (!provider) return undefined;
    const context = inputAt(provider.inputs, "context");
    const kubeconfig = provider.inputs.kubeconfig !== undefined;
    const cluster = inputAt(provider.inputs, "clusterIdentifier");
    const where = kubeconfig
        ? "the kubeconfig in the stack settings (kubernetes:kubeconfig)"
        : "the ambient kubeconfig ($KUBECONFIG or ~/.kube/config)";
    const which =
        typeof context === "string" && context !== ""
            ? `context ${compact(context)} of ${where}`
            : `the current context of ${where}`;
    return `${which}${typeof cluster === "string" ? `; cluster identifier ${compact(cluster)}` : ""}`;
}

function providerSettings(r: RecordedResource): string {
    const redacted = redact(r.inputs) as Record<string, unknown>;
    const parts: string[] = [];
    const context = redacted.context;
    parts.push(`context=${context === undefined ? "(kubeconfig's current context)" : compact(context)}`);
    parts.push(
        `kubeconfig=${redacted.kubeconfig === undefined ? "(ambient: $KUBECONFIG or ~/.kube/config)" : "[secret] (kubernetes:kubeconfig)"}`,
    );
    for (const key of Object.keys(redacted).sort()) {
        if (key === "context" || key === "kubeconfig" || key === "version") continue;
        parts.push(`${key}=${compact(redacted[key])}`);
    }
    return parts.join(" ");
}

interface Row {
    marker: string;
    guide: string;
    type: string;
    name: string;
    plan: string;
    info: string;
    /** Lines shown under the row, after `detailGuide`. */
    details: string[];
    detailGuide: string;
}

/**
 * The human-readable plan, laid out like `pulumi preview`: the resource tree with `+` for what
 * a first `up` creates (`>` for what it only looks up), key settings under each resource, a
 * summary line with counts, the outputs, warnings, and the next step.
 */
export function planText(
    recorded: RunResult,
    files: { stackFile: string; catalogFile: string },
    options: PlanOptions = {},
): string {
    const run = engineView(recorded);
    const lines: string[] = [];
    const target = kubernetesTarget(run);
    lines.push(`aio-secrets offline plan: stack ${run.stack}, environment ${run.environment ?? "?"}`);
    lines.push(`  inputs: ${files.stackFile}, ${files.catalogFile}`);
    if (target) lines.push(`  cluster: ${target}`);
    lines.push(
        "  no cloud calls: (known after up) is filled in by Azure at `pulumi up`; [secret] values are never shown",
    );
    lines.push("");

    const children = new Map<string, RecordedResource[]>();
    for (const r of run.resources) {
        const key = r.parent ?? "";
        children.set(key, [...(children.get(key) ?? []), r]);
    }
    const order = (list: RecordedResource[]) => {
        // Resources first, sorted; then components in the order the program declares them.
        const custom = list.filter((r) => r.custom).sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
        return [...custom, ...list.filter((r) => !r.custom)];
    };
    const lookedUp = new Map(lookedUpVaults(run).map((v) => [v.component.urn, v.vaultName]));
    const rows: Row[] = [
        {
            marker: "+",
            guide: "",
            type: ROOT_STACK,
            name: `${run.project}-${run.stack}`,
            plan: "create",
            info: "",
            details: [],
            detailGuide: "",
        },
    ];
    const walk = (parent: string, prefix: string) => {
        const list = order(children.get(parent) ?? []);
        const extra = parent !== "" && lookedUp.has(parent) ? 1 : 0;
        list.forEach((r, i) => {
            const last = i === list.length - 1 && extra === 0;
            const flags = [
                r.protect ? "protect" : "",
                r.retainOnDelete ? "retainOnDelete" : "",
                r.replaceOnChanges.length > 0 ? `replaceOnChanges: ${r.replaceOnChanges.join(" ")}` : "",
            ]
                .filter(Boolean)
                .join(", ");
            const setting = r.type === "pulumi:providers:kubernetes" ? providerSettings(r) : settingsLine(r);
            const hasChildren = (children.get(r.urn)?.length ?? 0) > 0 || lookedUp.has(r.urn);
            rows.push({
                marker: "+",
                guide: `${prefix}${last ? "└─ " : "├─ "}`,
                type: displayType(r.type),
                name: r.name,
                plan: "create",
                info: flags ? `[${flags}]` : "",
                details: setting ? [setting] : [],
                detailGuide: `${prefix}${last ? "   " : "│  "}${hasChildren ? "│  " : "   "}`,
            });
            walk(r.urn, `${prefix}${last ? "   " : "│  "}`);
        });
        if (extra) {
            rows.push({
                marker: ">",
                guide: `${prefix}└─ `,
                type: displayType("azure-native:keyvault:Vault"),
                name: lookedUp.get(parent)!,
                plan: "read",
                info: "(existing, looked up: never created, changed or deleted)",
                details: [],
                detailGuide: "",
            });
        }
    };
    walk("", "");
    const typeWidth = Math.max(4, ...rows.map((r) => r.guide.length + r.type.length));
    // Names give way when the table would pass the width: their middle is elided (--json has them whole).
    const nameWidth = Math.max(
        4,
        Math.min(Math.max(...rows.map((r) => r.name.length)), Math.max(24, TEXT_WIDTH - 15 - typeWidth)),
    );
    lines.push(`     ${"Type".padEnd(typeWidth)}  ${"Name".padEnd(nameWidth)}  Plan`);
    for (const row of rows) {
        const head = ` ${row.marker}   ${(row.guide + row.type).padEnd(typeWidth)}  ${elideMiddle(row.name, nameWidth).padEnd(nameWidth)}  ${row.plan}`;
        // Flags that do not fit go on the first detail line's place, in the detail column.
        const flagsFit = row.info === "" || head.length + 2 + row.info.length <= TEXT_WIDTH;
        lines.push(`${head}${row.info && flagsFit ? `  ${row.info}` : ""}`.trimEnd());
        const indent = `     ${row.detailGuide}    `;
        if (!flagsFit) lines.push(`${indent}${row.info}`);
        // A value too long for any line (a JSON map) is cut; --json has it whole.
        const fit = (token: string) =>
            indent.length + 2 + token.length > TEXT_WIDTH
                ? `${token.slice(0, Math.max(8, TEXT_WIDTH - indent.length - 3))}…`
                : token;
        for (const d of row.details) lines.push(...fill(topLevelTokens(d).map(fit), TEXT_WIDTH, indent, `${indent}  `));
    }

    const components = run.resources.filter((r) => !r.custom).length;
    const custom = run.resources.length - components;
    lines.push("");
    lines.push(
        `Resources: ${run.resources.length + 1} to create (the stack, ${components} components, ${custom} resources)`,
    );
    for (const name of lookedUp.values()) lines.push(`           existing vault ${name}: looked up, not managed`);
    lines.push("");
    lines.push("Outputs:");
    const outputs = redact(run.outputs) as Record<string, unknown>;
    // The consumers get their own section below.
    for (const key of Object.keys(outputs)
        .filter((k) => k !== "consumers")
        .sort()) {
        lines.push(shortenValue(`  ${key}: `, compact(outputs[key]), TEXT_WIDTH, "--json shows it whole"));
    }
    lines.push(...rotationsText(outputs.rotations));
    lines.push(...consumersText(planConsumers(run)));
    if (run.warnings.length > 0) {
        lines.push("");
        lines.push("Warnings:");
        for (const w of run.warnings) lines.push(...wrapProse(w, TEXT_WIDTH, "  - ", "    "));
    }
    if (options.permissions) {
        lines.push("");
        lines.push(
            ...permissionsText(permissionNeeds(run, [...lookedUp.values()]), target ?? "no Kubernetes provider"),
        );
    }
    lines.push("");
    lines.push(`Next: pulumi preview --stack ${run.stack}`);
    lines.push(`      the real preview: compares with the stack's state; needs the Pulumi CLI and Azure credentials`);
    if (!options.permissions)
        lines.push(`      add --permissions to list the Azure, Microsoft Graph and Kubernetes rights this stack needs`);
    return lines.join("\n") + "\n";
}

/** A resource name as a file name: anything but letters, digits, `.`, `_`, `-` (and a leading dot) percent-encoded. */
export function manifestFileName(name: string): string {
    const encoded = [...Buffer.from(name, "utf8")]
        .map((b, i) => {
            const c = String.fromCharCode(b);
            return /[A-Za-z0-9_-]/.test(c) || (c === "." && i > 0)
                ? c
                : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
        })
        .join("");
    return `${encoded}.yaml`;
}

/** A file `--out` writes: its name, what it holds (for messages) and its text. */
export interface OutputFile {
    fileName: string;
    source: string;
    yaml: string;
}

/**
 * One YAML manifest per Kubernetes object the stack applies, as `{ fileName, yaml }`.
 * Secret `data`/`stringData` are redacted whole (not only the secret leaves).
 */
export function kubernetesManifests(run: RunResult): OutputFile[] {
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
            const header = r.type.endsWith("Patch")
                ? "# Server-side apply patch: only the fields below are managed by this stack.\n"
                : "";
            return {
                fileName: manifestFileName(r.name),
                source: `${displayType(r.type)} ${r.name}`,
                yaml: header + stringify(ordered, { blockQuote: "literal" }),
            };
        });
}

/** Every file `--out` writes: the Kubernetes manifests, and the MQ vault references if any. */
export function outputFiles(run: RunResult): OutputFile[] {
    const files = kubernetesManifests(run);
    // The CA's public certificate, for clients of the broker (known at plan time only for a committed trust bundle).
    const trustBundle = redact(run.outputs.caTrustBundle);
    if (typeof trustBundle === "string" && trustBundle.includes("-----BEGIN CERTIFICATE-----")) {
        files.push({ fileName: "ca-trust-bundle.pem", source: "the caTrustBundle output", yaml: trustBundle });
    }
    const references = redact(run.outputs.mqVaultReferences);
    if (references && typeof references === "object" && Object.keys(references).length > 0) {
        files.push({
            fileName: "mq-keyvault-references.yaml",
            source: "the mqVaultReferences output",
            yaml:
                "# Azure IoT MQ `keyVault:` blocks by secret name: paste one under an MQ resource's keyVault field,\n" +
                "# or write { keyVaultRef: <secret> } in the catalog's mqResources.\n" +
                stringify(references),
        });
    }
    return files;
}

/**
 * Issue 20: the `rotations` output as its own block: per rotating secret, its period, the next
 * rotation date (known after the first `up`), who sees the change and who cannot take it. Empty
 * without rotations.
 */
export function rotationsText(rotations: unknown): string[] {
    if (rotations === null || typeof rotations !== "object") return [];
    const lines = ["", "Rotations (pulumi up --refresh makes the new value once due):"];
    for (const [name, value] of Object.entries(rotations as Record<string, unknown>)) {
        const r = (value ?? {}) as { everyDays?: unknown; nextRotation?: unknown; seenBy?: unknown; outage?: unknown };
        lines.push(
            ...wrapProse(
                `${name}: every ${String(r.everyDays)} days, next ${String(r.nextRotation ?? "(known after up)")}; ${String(r.seenBy)}` +
                    (Array.isArray(r.outage) ? `; OUTAGE unless staged: ${r.outage.map(String).join(", ")}` : ""),
                TEXT_WIDTH,
                "  ",
                "    ",
            ),
        );
    }
    return lines;
}

/** One consumer of a synced Secret, as the plan JSON lists it (`consumers: [...]`, issue 18). */
export interface PlanConsumer {
    secret: string;
    kind: string;
    name: string;
    auth: string;
    requiredKeys: string[];
}

/** The consumers the run declared (its stack output `consumers`), read defensively. */
export function planConsumers(run: Pick<RunResult, "outputs">): PlanConsumer[] {
    const listed = Object.hasOwn(run.outputs, "consumers") ? run.outputs.consumers : undefined;
    if (!Array.isArray(listed)) return [];
    const text = (v: unknown) => (typeof v === "string" ? v : "");
    return listed
        .filter((c): c is Record<string, unknown> => c !== null && typeof c === "object")
        .map((c) => ({
            secret: text(c.secret),
            kind: text(c.kind),
            name: text(c.name),
            auth: text(c.auth),
            requiredKeys: Array.isArray(c.requiredKeys) ? c.requiredKeys.map(text) : [],
        }));
}

/** The plan text's consumers section: one line per consumer (nothing when there are none). */
function consumersText(consumers: readonly PlanConsumer[]): string[] {
    if (consumers.length === 0) return [];
    const lines = ["", "Consumers (who reads each synced Secret, checked against its contract):"];
    for (const c of consumers) {
        const keys = c.requiredKeys.length > 0 ? `keys ${c.requiredKeys.join(", ")}` : "any key";
        lines.push(
            ...wrapProse(`${c.secret}: ${c.kind} ${c.name} (auth ${c.auth}) reads ${keys}`, TEXT_WIDTH, "  ", "    "),
        );
    }
    return lines;
}

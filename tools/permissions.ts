import type { AzureRight } from "../components/descriptor";
import { resourceDescriptor } from "../components/descriptors";
import { keyVaultDescriptor } from "../components/keyvault/descriptor";
import { inputAt, RecordedResource, redact, RunResult } from "./harness";
import { TEXT_WIDTH, wrapProse } from "./textWidth";

/**
 * The rights a stack's deployment needs, derived from what it declares: each recorded resource
 * type maps to the Azure Resource Manager actions, Microsoft Graph permissions or Kubernetes
 * verbs its provider uses to create, read, update and (unless the resource is retained) delete
 * it. Nothing here is per stack: a stack that declares no role assignment needs no right to
 * write one. The rights per type are the components' own (components/descriptors.ts). Pure.
 */

export interface AzureNeed {
    /** ARM resource type, e.g. `Microsoft.KeyVault/vaults/accessPolicies`. */
    resourceType: string;
    /** Operations on it (`read`, `write`, `delete`, `action` names). */
    operations: string[];
    /** `control` (management plane) or `data` (Key Vault data plane). */
    plane: "control" | "data";
    /** A built-in role (or grant) that holds them. */
    role: string;
    /** Names of the stack's resources that need it. */
    resources: string[];
}

export interface GraphNeed {
    permission: string;
    why: string;
    resources: string[];
}

export interface KubernetesNeed {
    /** `plural` for the core group, `plural.group` otherwise (as in a Role's `resources`). */
    resource: string;
    /** Namespace, or null for a cluster-scoped kind. */
    namespace: string | null;
    verbs: string[];
    resources: string[];
}

export interface PermissionNeeds {
    azure: AzureNeed[];
    graph: GraphNeed[];
    kubernetes: KubernetesNeed[];
    /** Declared types this table does not know (so nothing is silently left out). */
    unknownTypes: string[];
}

/** Provider resources: the engine's own, no cloud call. */
const PROVIDER = /^pulumi:providers:/;

function plural(kind: string): string {
    const k = kind.toLowerCase();
    if (/(s|x|ch|sh)$/.test(k)) return `${k}es`;
    if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
    return `${k}s`;
}

/** `kubernetes:<group>/<version>:<Kind>`, apiVersion/kind from the inputs when present. */
function kubernetesKind(r: RecordedResource): { group: string; kind: string; patch: boolean } | undefined {
    const m = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(r.type);
    if (!m) return undefined;
    const patch = m[2].endsWith("Patch");
    const apiVersion = inputAt(r.inputs, "apiVersion");
    const kindInput = inputAt(r.inputs, "kind");
    let group: string;
    if (typeof apiVersion === "string" && apiVersion.includes("/")) group = apiVersion.split("/")[0];
    else if (typeof apiVersion === "string") group = "";
    else group = m[1].split("/")[0] === "core" ? "" : m[1].split("/")[0];
    const kind = typeof kindInput === "string" ? kindInput : patch ? m[2].slice(0, -"Patch".length) : m[2];
    return { group, kind, patch };
}

/** Kinds without a namespace (the ones this program can declare). */
const CLUSTER_SCOPED = new Set([
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
]);

function addTo<T>(list: T[], value: T): void {
    if (!list.includes(value)) list.push(value);
}

export function permissionNeeds(run: RunResult, lookedUpVaults: readonly string[] = []): PermissionNeeds {
    const azure = new Map<string, AzureNeed>();
    const graph = new Map<string, GraphNeed>();
    const kubernetes = new Map<string, KubernetesNeed>();
    const unknown = new Set<string>();
    const addAzure = (rule: AzureRight, r: { name: string; retainOnDelete: boolean }) => {
        const plane = rule.plane ?? "control";
        const operations = [...rule.operations];
        if (rule.deletes !== false && !r.retainOnDelete) operations.push("delete");
        if (operations.length === 0) return;
        const key = `${plane} ${rule.resourceType}`;
        const need = azure.get(key) ?? {
            resourceType: rule.resourceType,
            operations: [],
            plane,
            role: rule.role,
            resources: [],
        };
        for (const o of operations) addTo(need.operations, o);
        addTo(need.resources, r.name);
        azure.set(key, need);
    };
    for (const vault of lookedUpVaults) {
        for (const rule of keyVaultDescriptor.lookups ?? []) addAzure(rule, { name: vault, retainOnDelete: true });
    }
    for (const r of run.resources) {
        if (!r.custom) continue;
        const rights = resourceDescriptor(r.type)?.rights;
        if (rights?.kind === "azure") {
            for (const rule of rights.rights) addAzure(rule, r);
        } else if (rights?.kind === "graph") {
            const { permission, why } = rights;
            const need = graph.get(permission) ?? { permission, why: "", resources: [] };
            need.why = need.why ? (need.why.includes(why) ? need.why : `${need.why}; ${why}`) : why;
            addTo(need.resources, r.name);
            graph.set(permission, need);
        } else if (rights?.kind === "kubernetes") {
            const k = kubernetesKind(r);
            if (!k) {
                unknown.add(r.type);
                continue;
            }
            const namespaceValue = redact(inputAt(r.inputs, "metadata.namespace"));
            const namespace = CLUSTER_SCOPED.has(k.kind)
                ? null
                : typeof namespaceValue === "string"
                  ? namespaceValue
                  : "(the provider's default namespace)";
            const resource = k.group ? `${plural(k.kind)}.${k.group}` : plural(k.kind);
            // Server-side apply: get to read, patch to apply (and to dry-run a preview); a patch
            // resource only ever patches the fields it owns.
            const verbs = k.patch
                ? ["get", "patch"]
                : ["get", "create", "patch", ...(r.retainOnDelete ? [] : ["delete"])];
            const key = `${resource} ${namespace ?? ""}`;
            const need = kubernetes.get(key) ?? { resource, namespace, verbs: [], resources: [] };
            for (const v of verbs) addTo(need.verbs, v);
            addTo(need.resources, r.name);
            kubernetes.set(key, need);
        } else if (rights === undefined && !PROVIDER.test(r.type)) {
            unknown.add(r.type);
        }
    }
    const order = ["read", "get", "create", "write", "patch", "delete"];
    const sortOps = (ops: string[]) => [...ops].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    return {
        azure: [...azure.values()]
            .map((n) => ({ ...n, operations: sortOps(n.operations) }))
            .sort((a, b) => (a.plane + a.resourceType < b.plane + b.resourceType ? -1 : 1)),
        graph: [...graph.values()],
        kubernetes: [...kubernetes.values()]
            .map((n) => ({ ...n, verbs: sortOps(n.verbs) }))
            .sort((a, b) => (a.resource + (a.namespace ?? "") < b.resource + (b.namespace ?? "") ? -1 : 1)),
        unknownTypes: [...unknown].sort(),
    };
}

function names(list: readonly string[]): string {
    return list.length <= 3 ? list.join(", ") : `${list.slice(0, 3).join(", ")} and ${list.length - 3} more`;
}

/** `Microsoft.X/y/read` or `Microsoft.X/y/{read,write}`, as Azure writes actions. */
function actions(n: AzureNeed): string {
    return n.operations.length === 1
        ? `${n.resourceType}/${n.operations[0]}`
        : `${n.resourceType}/{${n.operations.join(",")}}`;
}

/**
 * One right, `what  detail  (resources)` (`separator` between what and detail), on one line when it fits in {@link
 * TEXT_WIDTH}
 * columns; else the resources on the next line, and when `what  detail` alone is too long,
 * `what` on its own line and `detail` wrapped at spaces below it.
 */
function entry(what: string, detail: string, resources: readonly string[], separator = "  "): string[] {
    const fits = (line: string) => [...line].length <= TEXT_WIDTH;
    const list = `(${names(resources)})`;
    const head = `    ${what}${separator}${detail}`;
    if (fits(`${head}  ${list}`)) return [`${head}  ${list}`];
    const tail = wrapProse(list, TEXT_WIDTH, "      ", "      ");
    if (fits(head)) return [head, ...tail];
    return [`    ${what}`, ...wrapProse(detail, TEXT_WIDTH, "      ", "      "), ...tail];
}

/** The `--permissions` section of the text plan, fitted to about {@link TEXT_WIDTH} columns. */
export function permissionsText(needs: PermissionNeeds, kubernetesTarget: string): string[] {
    const lines = ["Permissions this stack needs (derived from the resources it declares):"];
    const control = needs.azure.filter((n) => n.plane === "control");
    const data = needs.azure.filter((n) => n.plane === "data");
    if (control.length > 0) {
        lines.push("  Azure Resource Manager, for the deploying identity (actions; a built-in role that has them):");
        for (const n of control) lines.push(...entry(actions(n), n.role, n.resources));
    }
    if (data.length > 0) {
        lines.push("  Key Vault data plane, for the deploying identity:");
        for (const n of data) lines.push(...entry(actions(n), n.role, n.resources));
    }
    if (needs.graph.length > 0) {
        lines.push(
            "  Microsoft Graph, for the deploying identity (application permission; for a user: the Application Developer role):",
        );
        for (const n of needs.graph) lines.push(...entry(`${n.permission}:`, n.why, n.resources, " "));
    }
    if (needs.kubernetes.length > 0) {
        lines.push(
            ...wrapProse(`Kubernetes, for the kubeconfig's user (${kubernetesTarget}):`, TEXT_WIDTH, "  ", "    "),
        );
        for (const n of needs.kubernetes) {
            const where = n.namespace === null ? " (cluster-scoped)" : ` in ${n.namespace}`;
            lines.push(...entry(`${n.resource}${where}:`, n.verbs.join(", "), n.resources, " "));
        }
    }
    if (needs.unknownTypes.length > 0) {
        const unknown = `Not in the table (check the provider's documentation): ${needs.unknownTypes.join(", ")}`;
        lines.push(...wrapProse(unknown, TEXT_WIDTH, "  ", "    "));
    }
    return lines;
}

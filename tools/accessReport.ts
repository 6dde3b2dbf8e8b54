import { KEY_VAULT_ROLES, type RoleKey } from "../model/permissions";
import { parseSpcObjects } from "../model/spc";
import { inputAt, redact, type RecordedResource, type RunResult } from "./harness";

/**
 * Who can read what in a stack's vault (`npx aio-secrets access`), from the plan: every principal the stack grants a
 * right on the vault (access policies and role assignments of components/access/VaultAccess.ts), its permissions or
 * roles, and the vault objects of the plan those rights reach. Pure: it reads a recorded run.
 */

/** Where a principal's grant comes from. */
export type AccessSource = "reader" | "deployer" | "grant";

export interface AccessPrincipal {
    /** Entra object id; `(known after up)` for a principal the stack creates or the identity running `pulumi up`. */
    objectId: string;
    /**
     * `ServicePrincipal`, `User` or `Group`; `unknown` for the identity running `pulumi up` when deployers is unset.
     */
    type: string;
    /**
     * `reader` (the cluster's), `deployer` (aio-secrets:deployers or the identity running up), `grant` (another kept
     * grant).
     */
    source: AccessSource;
    /** The grant's name part (`reader`, `writer-<id>`, `extra-reader`, ...). */
    part: string;
    /** Access-policy permissions (`secrets: get, list`) or role names, as granted. */
    rights: string[];
    /** The stack's vault objects those rights reach, `<type>/<name>` (`secret/mq-password`), sorted. */
    secrets: string[];
    /**
     * The object types the rights reach, every object of each in the vault, not only the plan's: access policies are
     * vault-wide and the stack scopes role assignments to the vault (`secret`, `key`, `cert`; empty: control plane
     * only).
     */
    objectTypes: ObjectType[];
    /** The plan resources that grant them. */
    resources: string[];
    /** Who it is when the plan cannot say (an object id known only after `up`). */
    who?: string;
}

export interface AccessReport {
    stack: string;
    environment?: string;
    vault?: string;
    permissionModel: "accessPolicy" | "rbac" | "none";
    principals: AccessPrincipal[];
}

const ACCESS_POLICY = "azure-native:keyvault:AccessPolicy";
const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const UNKNOWN = "(known after up)";

type ObjectType = "secret" | "key" | "cert";

/** The vault objects a plan writes or reads: vault secrets and keys, and every SPC's `objects`. */
export function vaultObjects(run: RunResult): { type: ObjectType; name: string }[] {
    const found = new Map<string, { type: ObjectType; name: string }>();
    const add = (type: ObjectType, name: unknown) => {
        if (typeof name === "string" && name !== "") found.set(`${type}/${name}`, { type, name });
    };
    for (const r of run.resources) {
        if (r.type === "azure-native:keyvault:Secret") add("secret", inputAt(r.inputs, "secretName"));
        else if (r.type === "azure-native:keyvault:Key") add("key", inputAt(r.inputs, "keyName"));
        for (const path of ["spec.parameters.objects", "objects"]) {
            const text = inputAt(r.inputs, path);
            if (typeof text !== "string" || !/^\s*array:/m.test(text)) continue;
            for (const o of parseSpcObjects(text)) {
                const type = o.objectType === "key" || o.objectType === "cert" ? o.objectType : "secret";
                add(type, o.objectName);
            }
        }
    }
    return [...found.values()];
}

/** The object types an access policy's permissions read or write. */
function policyReach(permissions: unknown): { rights: string[]; types: Set<ObjectType> } {
    const rights: string[] = [];
    const types = new Set<ObjectType>();
    const categories: [string, ObjectType][] = [
        ["secrets", "secret"],
        ["keys", "key"],
        ["certificates", "cert"],
    ];
    for (const [category, type] of categories) {
        const list = inputAt(permissions, category);
        if (!Array.isArray(list) || list.length === 0) continue;
        rights.push(`${category}: ${list.map(String).join(", ")}`);
        types.add(type);
    }
    return { rights, types };
}

/** The object types a Key Vault role reaches (Key Vault Reader: the vault's properties, no object). */
const ROLE_REACH: Record<RoleKey, ObjectType[]> = {
    secretsUser: ["secret"],
    secretsOfficer: ["secret"],
    certificateUser: ["cert"],
    cryptoUser: ["key"],
    cryptoOfficer: ["key"],
    vaultReader: [],
};

/** The grant's part and role key from a child name `access-<part>[-<role>]`. */
function grantOf(r: RecordedResource): { part: string; role?: RoleKey } {
    const parent = r.parent?.split("::").pop() ?? "access";
    let rest = r.name.startsWith(`${parent}-`) ? r.name.slice(parent.length + 1) : r.name;
    const role = (Object.keys(KEY_VAULT_ROLES) as RoleKey[]).find((k) => rest.endsWith(`-${k}`));
    if (role) rest = rest.slice(0, -(role.length + 1));
    return { part: rest, role };
}

function sourceOf(part: string): AccessSource {
    if (part === "reader" || part.endsWith("-reader") || part.startsWith("reader-")) return "reader";
    if (part === "writer" || part.startsWith("writer-")) return "deployer";
    return "grant";
}

function known(value: unknown): string {
    const shown = redact(value);
    return typeof shown === "string" && shown !== "" ? shown : UNKNOWN;
}

/**
 * The report of one run. `deployerTypes`: the principal type of each configured deployer by lower-case object id
 * (aio-secrets:deployers); an access policy does not say it.
 */
export function accessReport(run: RunResult, deployerTypes: ReadonlyMap<string, string> = new Map()): AccessReport {
    const objects = vaultObjects(run);
    const byKey = new Map<string, AccessPrincipal & { types: Set<ObjectType> }>();
    let model: AccessReport["permissionModel"] = "none";
    const entry = (part: string, objectId: string, type: string) => {
        const key = objectId === UNKNOWN ? `part:${part}` : objectId.toLowerCase();
        const found = byKey.get(key) ?? {
            objectId,
            type,
            source: sourceOf(part),
            part,
            rights: [],
            secrets: [],
            objectTypes: [],
            resources: [],
            types: new Set<ObjectType>(),
        };
        byKey.set(key, found);
        return found;
    };
    for (const r of run.resources) {
        if (r.type === ACCESS_POLICY) {
            model = "accessPolicy";
            const { part } = grantOf(r);
            const objectId = known(inputAt(r.inputs, "policy.objectId"));
            const source = sourceOf(part);
            // An access policy does not say the principal's type: the reader is the stack's service principal, a
            // deployer's type is in aio-secrets:deployers, any other (or the identity running up) is unknown.
            const type =
                source === "reader" ? "ServicePrincipal" : (deployerTypes.get(objectId.toLowerCase()) ?? "unknown");
            const p = entry(part, objectId, type);
            const reach = policyReach(inputAt(r.inputs, "policy.permissions"));
            p.rights.push(...reach.rights);
            reach.types.forEach((t) => p.types.add(t));
            p.resources.push(r.name);
        } else if (r.type === ROLE_ASSIGNMENT) {
            const { part, role } = grantOf(r);
            if (!role) continue;
            model = "rbac";
            const objectId = known(inputAt(r.inputs, "principalId"));
            const type = known(inputAt(r.inputs, "principalType"));
            const p = entry(part, objectId, type === UNKNOWN ? "unknown" : type);
            p.rights.push(KEY_VAULT_ROLES[role].name);
            ROLE_REACH[role].forEach((t) => p.types.add(t));
            p.resources.push(r.name);
        }
    }
    const order: AccessSource[] = ["reader", "deployer", "grant"];
    const principals: AccessPrincipal[] = [...byKey.values()]
        .map(({ types, ...p }) => ({
            ...p,
            objectTypes: (["secret", "key", "cert"] as const).filter((t) => types.has(t)),
            secrets: objects
                .filter((o) => types.has(o.type))
                .map((o) => `${o.type}/${o.name}`)
                .sort(),
        }))
        .sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source) || (a.part < b.part ? -1 : 1));
    for (const p of principals) {
        if (p.objectId !== UNKNOWN) continue;
        p.who =
            p.source === "reader"
                ? "the cluster's reader this stack creates (its object id is an output after up)"
                : p.source === "deployer"
                  ? "the identity running pulumi up (aio-secrets:deployers is not set)"
                  : "a principal this stack creates";
    }
    const vault = run.outputs.vaultName;
    return {
        stack: run.stack,
        environment: run.environment,
        vault: typeof vault === "string" ? vault : undefined,
        permissionModel: model,
        principals,
    };
}

const OBJECT_NOUN: Record<ObjectType, string> = { secret: "secret", key: "key", cert: "certificate" };

/** The report as text: one block per principal. */
export function accessText(report: AccessReport): string {
    const lines = [
        `Who can reach vault ${report.vault ?? "(unknown)"} (stack ${report.stack}, ${report.permissionModel === "rbac" ? "Azure RBAC" : report.permissionModel === "accessPolicy" ? "access policies" : "no grants"}):`,
    ];
    if (report.principals.length === 0) lines.push("  the stack grants no principal a right on the vault");
    for (const p of report.principals) {
        lines.push(`  ${p.source} ${p.objectId} (${p.type}, grant ${p.part})`);
        if (p.who) lines.push(`    who:     ${p.who}`);
        lines.push(`    rights:  ${p.rights.join("; ")}`);
        // A grant on the vault reaches every object of its types there, also those the stack does not know.
        const every = p.objectTypes.map((t) => `every ${OBJECT_NOUN[t]}`).join(", ");
        lines.push(
            `    reaches: ${every === "" ? "no vault object (control plane only)" : `${every} in the vault; the plan's: ${p.secrets.join(", ") || "none"}`}`,
        );
    }
    return `${lines.join("\n")}\n`;
}

/** One row per stack (`--all`): the principals as `source:objectId(rights)`. */
export function fleetAccessText(reports: readonly AccessReport[]): string {
    const lines = ["stack            vault                     principals"];
    for (const r of reports) {
        const who = r.principals.map((p) => `${p.source}:${p.objectId} (${p.rights.join("; ")})`).join(", ");
        lines.push(`${r.stack.padEnd(16)} ${(r.vault ?? "(unknown)").padEnd(25)} ${who || "(none)"}`);
    }
    return `${lines.join("\n")}\n`;
}

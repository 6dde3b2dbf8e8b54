import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { RecordedResource, redact, RunResult, SECRET_SIG, SECRET_SIG_KEY } from "./harness";
import { parseSpcObjects } from "../components/spc/render";

/**
 * What changes between two plans of the same stack, for reviews: resources added, removed and
 * changed, with the changed fields. SPC `objects` strings are compared as object lists, not
 * as YAML text. Everything is redacted first: secrets stay `[secret]`.
 */

export interface FieldChange {
    path: string;
    before: unknown;
    after: unknown;
}

export interface ResourceChange {
    urn: string;
    type: string;
    name: string;
    fields: FieldChange[];
}

export interface PlanDiff {
    added: { urn: string; type: string; name: string }[];
    removed: { urn: string; type: string; name: string; retainOnDelete: boolean }[];
    changed: ResourceChange[];
}

/** Flattens redacted inputs to `a.b[0].c` -> value; SPC objects become one entry per file. */
function flatten(value: unknown, at: string, out: Map<string, unknown>): void {
    if (at.endsWith("spec.parameters.objects") && typeof value === "string") {
        try {
            for (const object of parseSpcObjects(value)) {
                const file = String(object.objectAlias ?? object.objectName);
                out.set(`${at}[${file}]`, object);
            }
            return;
        } catch {
            // Not a well-formed objects string: compare it as text.
        }
    }
    if (Array.isArray(value)) {
        value.forEach((v, i) => flatten(v, `${at}[${i}]`, out));
        if (value.length === 0) out.set(at, []);
        return;
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        for (const [k, v] of entries) flatten(v, at === "" ? k : `${at}.${k}`, out);
        if (entries.length === 0) out.set(at, {});
        return;
    }
    out.set(at, value);
}

/** Where the inputs hold secrets, a digest of each (compared, never shown). */
function secretDigests(value: unknown, at: string, out: Map<string, string>): void {
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SECRET_SIG_KEY] === SECRET_SIG) {
            out.set(at, createHash("sha256").update(JSON.stringify(record.value ?? null)).digest("hex"));
            return;
        }
        for (const [k, v] of Object.entries(record)) secretDigests(v, at === "" ? k : `${at}.${k}`, out);
    }
}

function fields(r: RecordedResource): { shown: Map<string, unknown>; secrets: Map<string, string> } {
    const shown = new Map<string, unknown>();
    flatten(redact(r.inputs), "", shown);
    // Digests are compared to tell that a secret changed; they never leave this module.
    const secrets = new Map<string, string>();
    secretDigests(r.inputs, "", secrets);
    shown.set("(option) protect", r.protect);
    shown.set("(option) retainOnDelete", r.retainOnDelete);
    return { shown, secrets };
}

export function diffRuns(before: RunResult, after: RunResult): PlanDiff {
    const a = new Map(before.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const b = new Map(after.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const diff: PlanDiff = { added: [], removed: [], changed: [] };
    for (const [urn, r] of b) if (!a.has(urn)) diff.added.push({ urn, type: r.type, name: r.name });
    for (const [urn, r] of a) if (!b.has(urn)) diff.removed.push({ urn, type: r.type, name: r.name, retainOnDelete: r.retainOnDelete });
    for (const [urn, r] of b) {
        const old = a.get(urn);
        if (!old) continue;
        const fa = fields(old);
        const fb = fields(r);
        const changes: FieldChange[] = [];
        for (const path of new Set([...fa.shown.keys(), ...fb.shown.keys()])) {
            const x = fa.shown.get(path);
            const y = fb.shown.get(path);
            if (JSON.stringify(x) !== JSON.stringify(y)) changes.push({ path, before: x, after: y });
        }
        // A secret that changed is reported as changed, its value (and digest) still hidden.
        for (const path of new Set([...fa.secrets.keys(), ...fb.secrets.keys()])) {
            const x = fa.secrets.get(path);
            const y = fb.secrets.get(path);
            if (x !== undefined && y !== undefined && x !== y) changes.push({ path, before: "[secret]", after: "[secret] (new value)" });
        }
        if (changes.length > 0) diff.changed.push({ urn, type: r.type, name: r.name, fields: changes.sort((p, q) => (p.path < q.path ? -1 : 1)) });
    }
    const byName = <T extends { name: string }>(p: T, q: T) => (p.name < q.name ? -1 : p.name > q.name ? 1 : 0);
    diff.added.sort(byName);
    diff.removed.sort(byName);
    diff.changed.sort(byName);
    return diff;
}

function show(value: unknown): string {
    if (value === undefined) return "(none)";
    if (value !== null && typeof value === "object" && "objectName" in value) {
        const o = value as Record<string, unknown>;
        const extras = Object.entries(o)
            .filter(([k]) => k !== "objectName" && k !== "objectType")
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
        return `${String(o.objectName)} (${String(o.objectType)}${extras.length ? `, ${extras.join(", ")}` : ""})`;
    }
    return JSON.stringify(value);
}

export function diffText(diff: PlanDiff, header: string): string {
    const lines = [header];
    if (diff.added.length + diff.removed.length + diff.changed.length === 0) {
        lines.push("no changes");
        return lines.join("\n") + "\n";
    }
    for (const r of diff.added) lines.push(`+ ${r.type} ${r.name}`);
    for (const r of diff.removed) {
        lines.push(`- ${r.type} ${r.name}${r.retainOnDelete ? "  (retained: leaves the stack, stays in Azure/the cluster)" : ""}`);
    }
    for (const r of diff.changed) {
        lines.push(`~ ${r.type} ${r.name}`);
        for (const f of r.fields) {
            if (f.before === undefined) lines.push(`    + ${f.path}: ${show(f.after)}`);
            else if (f.after === undefined) lines.push(`    - ${f.path}: ${show(f.before)}`);
            else if (f.after === "[secret] (new value)") lines.push(`    ~ ${f.path}: [secret] -> [secret] (new value)`);
            else lines.push(`    ~ ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
        }
    }
    lines.push(`${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
    return lines.join("\n") + "\n";
}

/**
 * A file's text at a git revision, or undefined when it did not exist there. Any other failure
 * (not a revision, not a repository, git missing, a path outside the repository) throws with
 * git's own message, control characters made visible.
 */
export function readAtRevision(repoDir: string, revision: string, relativePath: string): string | undefined {
    const visible = (text: string) =>
        // eslint-disable-next-line no-control-regex
        text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).trim();
    const gitError = (e: unknown) => {
        const err = e as { code?: string; stderr?: Buffer | string; message?: string };
        if (err.code === "ENOENT") return "git is not installed (or not on PATH)";
        const stderr = err.stderr === undefined ? "" : String(err.stderr);
        return visible(stderr || err.message || String(e));
    };
    // A revision is never an option: `--output=...` must not reach git as one.
    if (revision === "" || revision.startsWith("-")) throw new Error(`--against ${JSON.stringify(visible(revision))}: not a git revision`);
    try {
        execFileSync("git", ["rev-parse", "--verify", "--end-of-options", `${revision}^{commit}`], { cwd: repoDir, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        // rev-parse only says "Needed a single revision"; log names the problem ("bad revision 'x'").
        let said = gitError(e);
        try {
            execFileSync("git", ["log", "-1", "--format=%H", "--end-of-options", revision, "--"], { cwd: repoDir, stdio: ["ignore", "pipe", "pipe"] });
            said = `${said} (it names no commit)`;
        } catch (detail) {
            said = gitError(detail);
        }
        throw new Error(`--against ${JSON.stringify(visible(revision))}: not a git revision of ${repoDir}: git says: ${said}`);
    }
    try {
        return execFileSync("git", ["show", `${revision}:${relativePath}`], { cwd: repoDir, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    } catch (e) {
        const message = gitError(e);
        // The file is new since that revision: everything in it is an addition.
        if (/does not exist in|exists on disk, but not in/.test(message)) return undefined;
        throw new Error(`--against ${JSON.stringify(visible(revision))}: cannot read ${relativePath} there: git says: ${message}`);
    }
}

import * as fs from "node:fs";
import * as path from "node:path";
import { quote } from "./cli";

/**
 * `plan --out <dir>`: checked before the plan runs, written whole into a temporary directory
 * next to it and renamed into place, so the directory holds exactly one plan's files (no
 * manifest of an object the stack no longer declares) and a failed run leaves the previous
 * output as it was.
 */

/** Marks a directory as the plan's own: only such a directory (or an empty one) is replaced. */
export const OUT_MARKER = ".aio-secrets-plan";

/** Project folders that hold sources, never plan output. */
const SOURCE_DIRS = [
    ".git",
    ".github",
    ".ci",
    "components",
    "model",
    "delivery",
    "stacks",
    "tools",
    "test",
    "policy",
    "docs",
    "node_modules",
];

function within(child: string, parent: string): boolean {
    const rel = path.relative(parent, child);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Resolves symbolic links of the part of `p` that exists, so checks see the real place. */
function realish(p: string): string {
    const missing: string[] = [];
    let at = p;
    for (;;) {
        try {
            return path.join(fs.realpathSync(at), ...missing.reverse());
        } catch {
            const parent = path.dirname(at);
            if (parent === at) return p;
            missing.push(path.basename(at));
            at = parent;
        }
    }
}

/**
 * Whether a path goes through a folder named `.git` (any case: case-insensitive file systems
 * take `.GIT` for `.git`): git's own store, of this or any other repository, is never written.
 */
export function insideGitDir(p: string): boolean {
    return p.split(/[\\/]/).some((part) => part.toLowerCase() === ".git");
}

/**
 * What is wrong with `out` as an output directory, or undefined. `out` is absolute. Accepted:
 * a path that does not exist yet (under a writable directory), an empty directory, or a
 * directory an earlier plan wrote (it has the marker file). Refused: a file, a symbolic link,
 * a directory with other content (it would be replaced), the project root or a source folder.
 */
export function outDirProblem(out: string, projectDir: string): string | undefined {
    const flag = `--out ${quote(out)}`;
    const real = realish(out);
    const project = realish(projectDir);
    if (insideGitDir(out) || insideGitDir(real))
        return `${flag}: is inside a .git folder (git's own store); choose a directory of its own (e.g. plan-out/<stack>)`;
    if (real === project || SOURCE_DIRS.some((d) => within(real, path.join(project, d)))) {
        return `${flag}: is the project or one of its source folders; choose a directory of its own (e.g. plan-out/<stack>)`;
    }
    let stat: fs.Stats | undefined;
    try {
        stat = fs.lstatSync(out);
    } catch {
        stat = undefined;
    }
    if (stat?.isSymbolicLink()) return `${flag}: is a symbolic link; give the directory itself`;
    if (stat && !stat.isDirectory()) return `${flag}: exists and is not a directory`;
    if (stat) {
        const entries = fs.readdirSync(out);
        if (entries.length > 0 && !entries.includes(OUT_MARKER)) {
            return `${flag}: is a directory with other files in it (no ${OUT_MARKER} marker of an earlier plan); the plan replaces its output directory whole, so give a new or empty one`;
        }
    }
    // The files are written next to `out` and renamed into place: its parent must be writable.
    let parent = path.dirname(out);
    while (!fs.existsSync(parent)) {
        const up = path.dirname(parent);
        if (up === parent) break;
        parent = up;
    }
    try {
        if (!fs.statSync(parent).isDirectory()) return `${flag}: ${quote(parent)} is not a directory`;
        fs.accessSync(parent, fs.constants.W_OK | fs.constants.X_OK);
    } catch {
        return `${flag}: cannot write in ${quote(parent)} (permission denied)`;
    }
    return undefined;
}

/**
 * `<out>/<stack>`, or undefined when that path is not strictly inside `out` (a name such as
 * `..`, `.` or one with a separator): writing it would replace `out` itself or a folder beside it;
 * also for the stack name `.git` (a valid Pulumi stack name), which would write git's store.
 */
export function stackOutDir(out: string, stack: string): string | undefined {
    const dir = path.resolve(out, stack);
    const rel = path.relative(path.resolve(out), dir);
    if (
        rel === "" ||
        rel.startsWith("..") ||
        path.isAbsolute(rel) ||
        rel.includes(path.sep) ||
        rel !== stack ||
        insideGitDir(stack)
    )
        return undefined;
    return dir;
}

/** File names two objects would share (compared without case: macOS and Windows file systems). */
export function fileNameClashes(files: readonly { fileName: string; source: string }[]): string[] {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const f of files) {
        const key = f.fileName.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined) clashes.push(`${f.fileName}: both ${first} and ${f.source}`);
        else seen.set(key, f.source);
    }
    return clashes;
}

/**
 * Writes `files` as the whole content of `out`: into a fresh temporary directory beside it,
 * then renamed into place (the previous output, if any, is removed after). Nothing of a failed
 * write remains.
 */
export function writeOutDir(out: string, files: readonly { fileName: string; yaml: string }[]): void {
    const parent = path.dirname(out);
    fs.mkdirSync(parent, { recursive: true });
    const base = path.basename(out);
    const staging = fs.mkdtempSync(path.join(parent, `.${base}.new-`));
    let old: string | undefined;
    try {
        for (const f of files) fs.writeFileSync(path.join(staging, f.fileName), f.yaml, { flag: "wx" });
        fs.writeFileSync(
            path.join(staging, OUT_MARKER),
            "Written by `npm run plan -- --out`: replaced whole by the next plan.\n",
        );
        if (fs.existsSync(out)) {
            old = `${staging.replace(/\.new-([^/\\]+)$/, ".old-$1")}`;
            fs.renameSync(out, old);
        }
        fs.renameSync(staging, out);
    } catch (e) {
        fs.rmSync(staging, { recursive: true, force: true });
        // Put the previous output back if it was moved aside.
        if (old !== undefined && !fs.existsSync(out) && fs.existsSync(old)) fs.renameSync(old, out);
        throw e;
    }
    if (old !== undefined) fs.rmSync(old, { recursive: true, force: true });
}

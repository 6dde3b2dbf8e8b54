import * as fs from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";

/**
 * The files the program is made of: `index.ts` and every file it reaches through relative
 * imports (`import`, `export ... from`, `require`, `import()`), read with the TypeScript
 * compiler's own pre-processor, plus `package.json` and `package-lock.json` (the providers'
 * versions). A change to any of them can change every stack's plan; a file no import reaches
 * (a tool, a test, a note) cannot. Derived, so a new folder (delivery/, model/) needs no list.
 */

/** Files outside the import graph that still decide what the program declares. */
const DEPENDENCY_FILES = ["package.json", "package-lock.json"];

/** The first existing file a relative specifier names, as TypeScript's node resolution tries them. */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
    const base = path.resolve(path.dirname(fromFile), specifier);
    const candidates = [
        base,
        `${base}.ts`,
        `${base}.tsx`,
        `${base}.js`,
        `${base}.cjs`,
        `${base}.json`,
        path.join(base, "index.ts"),
    ];
    return candidates.find((c) => fs.statSync(c, { throwIfNoEntry: false })?.isFile() === true);
}

/**
 * Project-relative paths (with `/`) of the program's files, sorted. `entry` (default
 * `index.ts`) is always one, even when it does not exist (yet). Imports of packages and of
 * files outside `projectDir` are not followed.
 */
export function programFiles(projectDir: string, entry = "index.ts"): string[] {
    // Loaded only when asked (`plan --changed`): the compiler is large.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const typescript = require("typescript") as typeof ts;
    const root = path.resolve(projectDir);
    const seen = new Set<string>();
    const pending = [path.join(root, entry)];
    while (pending.length > 0) {
        const file = pending.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        if (!/\.(ts|tsx|js|cjs)$/.test(file) || !fs.existsSync(file)) continue;
        const info = typescript.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
        for (const imported of info.importedFiles) {
            if (!imported.fileName.startsWith(".")) continue;
            const target = resolveRelative(file, imported.fileName);
            if (target === undefined) continue;
            const rel = path.relative(root, target);
            if (rel.startsWith("..") || path.isAbsolute(rel) || rel.split(path.sep).includes("node_modules")) continue;
            pending.push(target);
        }
    }
    const files = [...seen].map((f) => path.relative(root, f).split(path.sep).join("/"));
    return [...new Set([...files, ...DEPENDENCY_FILES])].sort();
}

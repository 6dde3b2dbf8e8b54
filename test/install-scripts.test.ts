import * as fs from "node:fs";
import * as path from "node:path";

/**
 * `npm ci` (npm 11) skips every dependency install script that package.json's `allowScripts`
 * does not allow, and prints a notice listing them. Each one is decided
 * (docs/ci.md, "Install scripts"): the lock file's packages with install scripts and
 * `allowScripts` name the same set.
 */

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { hasInstallScript?: boolean }>;
};

/** Names (not paths) of the locked packages that have an install script. */
function withInstallScripts(): string[] {
    const names = Object.entries(lock.packages)
        .filter(([, entry]) => entry.hasInstallScript === true)
        .map(([where]) => where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length));
    return [...new Set(names)].sort();
}

describe("install scripts are decided, not left to npm's notice", () => {
    it("allowScripts names exactly the locked packages that have one", () => {
        expect(Object.keys(pkg.allowScripts ?? {}).sort()).toEqual(withInstallScripts());
    });

    it("none runs (the offline plan and the tests need none), and docs/ci.md says why for each", () => {
        const docs = fs.readFileSync(path.join(ROOT, "docs", "ci.md"), "utf8");
        for (const [name, allowed] of Object.entries(pkg.allowScripts ?? {})) {
            expect([name, allowed]).toEqual([name, false]);
            expect(docs).toContain(`| \`${name}\``);
        }
    });
});

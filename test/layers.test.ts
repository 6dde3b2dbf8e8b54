import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Imports run one way: parsing (stacks/) -> model (model/) -> components (components/) ->
 * delivery modes and the program (delivery/, index.ts). Read from the sources, so a new import
 * against the flow fails here (issue 22: "No file under the parsing layer imports from components/").
 */

const ROOT = path.join(__dirname, "..");

/** Every relative or package import of a TypeScript source, static or dynamic. */
export function importsOf(source: string): string[] {
    const found: string[] = [];
    const re =
        /(?:^|[^.\w])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:import|require)\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;
    for (let m = re.exec(source); m; m = re.exec(source)) found.push(m[1] ?? m[2] ?? m[3]);
    return found;
}

function sources(dir: string): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = path.posix.join(dir, entry.name);
        if (entry.isDirectory()) out.push(...sources(rel));
        else if (entry.name.endsWith(".ts")) out.push(rel);
    }
    return out.sort();
}

/** The project folder a relative import of `file` lands in (`components`, `model`, ...), or the package name. */
function target(file: string, spec: string): string {
    if (!spec.startsWith(".")) return spec;
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    return resolved.includes("/") ? resolved.split("/")[0] : resolved;
}

/** `file: spec` for every import of the files under `dir` that lands in one of `forbidden`. */
function offending(dir: string, forbidden: (landing: string) => boolean): string[] {
    return sources(dir).flatMap((file) =>
        importsOf(fs.readFileSync(path.join(ROOT, file), "utf8"))
            .filter((spec) => forbidden(target(file, spec)))
            .map((spec) => `${file}: ${spec}`),
    );
}

describe("layers", () => {
    test("the import scanner sees static, type-only, re-exported and dynamic imports", () => {
        const text = [
            'import * as a from "../components/a";',
            'import type { B } from "../model/b";',
            'export { C } from "./c";',
            'const d = require("../delivery/d");',
            'type E = typeof import("@pulumi/pulumi");',
            "import {\n    F,\n    G,\n} from '../components/f';",
        ].join("\n");
        expect(importsOf(text).sort()).toEqual(
            ["../components/a", "../model/b", "./c", "../components/f", "../delivery/d", "@pulumi/pulumi"].sort(),
        );
        expect(target("stacks/load.ts", "../components/ca/model")).toBe("components");
        expect(target("delivery/secretSync/flow.ts", "../../model/stack")).toBe("model");
    });

    test("the parsing layer (stacks/) imports nothing from components/, model/ or the program", () => {
        expect(offending("stacks", (t) => ["components", "model", "index.ts", "tools", "policy"].includes(t))).toEqual(
            [],
        );
    });

    test("the parsing layer reads the delivery modes' parsing registry, settings sections and catalog checks, which are pure parsing too", () => {
        const modeParsing = /^delivery\/(modes|[A-Za-z]+\/(settings|catalog))$/;
        const resolved = (file: string, spec: string) =>
            path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        const fromStacks = sources("stacks").flatMap((file) =>
            importsOf(fs.readFileSync(path.join(ROOT, file), "utf8"))
                .filter((spec) => target(file, spec) === "delivery")
                .map((spec) => resolved(file, spec)),
        );
        expect(fromStacks.filter((m) => !modeParsing.test(m))).toEqual([]);
        expect(fromStacks.length).toBeGreaterThan(0);
        const parsingFiles = sources("delivery").filter((f) => modeParsing.test(f.replace(/\.ts$/, "")));
        expect(parsingFiles.length).toBeGreaterThanOrEqual(4);
        for (const file of parsingFiles) {
            const bad = importsOf(fs.readFileSync(path.join(ROOT, file), "utf8")).filter((spec) => {
                const t = target(file, spec);
                if (!spec.startsWith(".")) return t.startsWith("@pulumi/");
                // The parsing registry reads the mode folders' parsing files, and those read stacks/ (and each other).
                const landing = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
                return t !== "stacks" && !modeParsing.test(landing);
            });
            expect([file, bad]).toEqual([file, []]);
        }
        expect(parsingFiles).toContain("delivery/modes.ts");
    });

    test("the model layer (model/) is pure: no components/, no delivery/, no @pulumi/* package", () => {
        expect(
            offending(
                "model",
                (t) => ["components", "delivery", "index.ts", "tools"].includes(t) || t.startsWith("@pulumi/"),
            ),
        ).toEqual([]);
    });

    test("components/ import no delivery mode and not the program, and take model types (from stacks/ only its errors and the well-known names, a leaf of pure data)", () => {
        expect(offending("components", (t) => ["delivery", "index.ts", "tools"].includes(t))).toEqual([]);
        const fromStacks = sources("components").flatMap((file) =>
            importsOf(fs.readFileSync(path.join(ROOT, file), "utf8"))
                .filter(
                    (spec) =>
                        target(file, spec) === "stacks" &&
                        !spec.endsWith("/stacks/errors") &&
                        !spec.endsWith("/stacks/wellKnown"),
                )
                .map((spec) => `${file}: ${spec}`),
        );
        expect(fromStacks).toEqual([]);
    });

    test("every closed union ends its switch in an exhaustive never check (delivery, source, workload kind, CA mode)", () => {
        // The delivery mode's own dispatch is the parsing registry (delivery/modes.ts), a table whose keys are the
        // modes: a mode without an entry does not exist, so no switch over `delivery` is left in stacks/settings.ts.
        const sites: [string, string][] = [
            ["stacks/migration.ts", "s.delivery"],
            ["model/stack.ts", "s.source"],
            ["components/spc/SecretProviderClass.ts", "target.kind"],
            ["model/ca.ts", "ca"],
        ];
        for (const [file, subject] of sites) {
            const text = fs.readFileSync(path.join(ROOT, file), "utf8");
            expect([file, text.includes(`switch (${subject}${subject === "ca" ? ".mode" : ""}) {`)]).toEqual([
                file,
                true,
            ]);
            expect([file, text.includes(`const exhaustiveCheck: never = ${subject};`)]).toEqual([file, true]);
        }
    });

    test("components do not re-validate input: every throw is an invariant (an internal error), validation is the parsing layer's", () => {
        const throws = sources("components").flatMap((file) =>
            fs
                .readFileSync(path.join(ROOT, file), "utf8")
                .split("\n")
                .filter((line) => /\bthrow new \w*Error\(/.test(line) && !line.includes("internal error"))
                .map((line) => `${file}: ${line.trim()}`),
        );
        // KeyVault's is Azure's answer about an existing vault (read at run time), reported as the settings error.
        expect(throws).toEqual(["components/keyvault/KeyVault.ts: if (problem) throw new ConfigError([problem]);"]);
    });
});

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { changedStacks } from "../tools/fleet";
import { programFiles } from "../tools/programFiles";
import { MINIMAL_STACK, PROJECT_DIR, scratch } from "./helpers";

/** `plan --changed`: the program's files are index.ts's import graph, not a list of folders. */

describe("programFiles: index.ts and what it imports", () => {
    const files = programFiles(PROJECT_DIR);

    it("every delivery mode's file, the parsing layer and the components the program declares", () => {
        const under = (dir: string) =>
            fs
                .readdirSync(path.join(PROJECT_DIR, dir))
                .filter((f) => f.endsWith(".ts"))
                .map((f) => `${dir}/${f}`);
        expect(files).toEqual(
            expect.arrayContaining([
                "index.ts",
                "package.json",
                "package-lock.json",
                ...under("delivery"),
                ...under("stacks"),
            ]),
        );
        expect(files).toEqual(
            expect.arrayContaining(["components/keyvault/KeyVault.ts", "model/spc.ts", "components/tags.ts"]),
        );
    });

    it("not the tools, the tests, the policy pack or the descriptors only tools read", () => {
        expect(files.filter((f) => /^(tools|test|policy)\//.test(f) || /descriptors?\.ts$/.test(f))).toEqual([]);
    });
});

describe("plan --changed: a change to a file the program imports counts for every stack", () => {
    const git = (dir: string, ...args: string[]) =>
        execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
            cwd: dir,
            stdio: "pipe",
        });
    let dir: string;
    beforeEach(() => {
        dir = scratch({
            "Pulumi.yaml": "name: aio-secrets\nruntime: nodejs\n",
            "Pulumi.a.yaml": MINIMAL_STACK,
            "Pulumi.b.yaml": MINIMAL_STACK,
            "secrets.yaml": "secrets: []\n",
            "index.ts": 'import { declare } from "./delivery/newMode";\nexport = () => declare();\n',
            "delivery/newMode/index.ts": 'export { declare } from "./declare";\n',
            "delivery/newMode/declare.ts":
                'import type { Model } from "../../model/types";\nexport function declare(): Model { return {}; }\n',
            "model/types.ts": "export type Model = Record<string, never>;\n",
            "notes/unused.ts": "export const x = 1;\n",
        });
        git(dir, "init", "-q");
        git(dir, "add", "-A");
        git(dir, "commit", "-qm", "base");
    });
    const changed = () =>
        changedStacks({ dir, catalogFile: path.join(dir, "secrets.yaml"), stacks: ["a", "b"], rev: "HEAD" });

    it("a file two imports deep, in a folder no list names", () => {
        expect(programFiles(dir)).toEqual([
            "delivery/newMode/declare.ts",
            "delivery/newMode/index.ts",
            "index.ts",
            "model/types.ts",
            "package-lock.json",
            "package.json",
        ]);
        fs.appendFileSync(path.join(dir, "model/types.ts"), "// changed\n");
        expect(changed()).toEqual([
            { stack: "a", reasons: ["the program changed (model/types.ts)"] },
            { stack: "b", reasons: ["the program changed (model/types.ts)"] },
        ]);
    });

    it("a file nothing imports: no stack", () => {
        fs.appendFileSync(path.join(dir, "notes/unused.ts"), "// changed\n");
        fs.writeFileSync(path.join(dir, "delivery/newMode/README.md"), "notes\n");
        expect(changed()).toEqual([]);
    });
});

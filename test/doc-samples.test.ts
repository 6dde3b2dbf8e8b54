import * as fs from "node:fs";
import * as path from "node:path";
import { generateSamples, SAMPLE_FILES, sampleIds, shortenPlan, withSamples } from "../tools/docSamples";
import { PROJECT_DIR } from "./helpers";

/**
 * The sample outputs in the docs are what the tools print now: tools/docSamples.ts runs them
 * again (in a scratch copy of the repository) and every block between `<!-- sample: <id> -->`
 * and `<!-- /sample -->` must be unchanged. When one is stale: `npm run docs:samples`.
 */

const texts = SAMPLE_FILES.map((file) => ({ file, text: fs.readFileSync(path.join(PROJECT_DIR, file), "utf8") }));

describe("the sample blocks", () => {
    test("a stale block is rewritten, a current one is left as it is, an unknown id is an error", () => {
        const samples = new Map([["x", "new output"]]);
        const stale = "# Doc\n<!-- sample: x -->\n```text\nold output\n```\n<!-- /sample -->\n";
        const current = withSamples(stale, samples, "doc.md");
        expect(current).toBe("# Doc\n<!-- sample: x -->\n```text\nnew output\n```\n<!-- /sample -->\n");
        expect(withSamples(current, samples, "doc.md")).toBe(current);
        expect(() => withSamples("<!-- sample: y -->\n<!-- /sample -->", samples, "doc.md")).toThrow(
            "doc.md: <!-- sample: y -->: no such sample",
        );
    });

    test("a shortened plan keeps the header, the summary, the warnings and the next steps", () => {
        const plan = [
            "header",
            "",
            "     Type  Name  Plan",
            " + a",
            " + b",
            " + c",
            "Resources: 3 to create",
            "",
            "Outputs:",
            "  o1: 1",
            "  o2: 2",
            "",
            "Warnings:",
            "  - w",
            "",
        ].join("\n");
        expect(shortenPlan(plan, 1, 1).split("\n")).toEqual([
            "header",
            "",
            "     Type  Name  Plan",
            " + a",
            " ...",
            "Resources: 3 to create",
            "",
            "Outputs:",
            "  o1: 1",
            "  ...",
            "",
            "Warnings:",
            "  - w",
        ]);
    });

    test("every file of SAMPLE_FILES holds samples, and no other doc has a sample block", () => {
        for (const { file, text } of texts) expect([file, sampleIds(text).length > 0]).toEqual([file, true]);
        const others = [
            "CONTRIBUTING.md",
            "CHANGELOG.md",
            ...fs.readdirSync(path.join(PROJECT_DIR, "docs")).map((f) => `docs/${f}`),
        ]
            .filter((f) => f.endsWith(".md") && !(SAMPLE_FILES as readonly string[]).includes(f))
            .filter((f) => sampleIds(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")).length > 0);
        expect(others).toEqual([]);
    });
});

describe("the samples in the docs", () => {
    let samples: Map<string, string>;
    beforeAll(() => {
        samples = generateSamples();
    }, 300_000);

    test("every sample the script makes is shown somewhere", () => {
        const shown = new Set(texts.flatMap(({ text }) => sampleIds(text)));
        expect([...samples.keys()].filter((id) => !shown.has(id))).toEqual([]);
    });

    test.each(texts.map(({ file }) => [file]))(
        "%s shows what the tools print now (npm run docs:samples refreshes it)",
        (file) => {
            const text = texts.find((t) => t.file === file)?.text ?? "";
            expect(withSamples(text, samples, file)).toBe(text);
        },
    );

    test("the walkthrough shows every restart and the count the diff prints", () => {
        const diff = samples.get("walkthrough-diff") ?? "";
        const restarts = diff.split("\n").filter((l) => l.startsWith("restarts: "));
        expect(restarts.length).toBeGreaterThan(0);
        const readme = texts.find((t) => t.file === "README.md")?.text ?? "";
        for (const line of [...restarts, diff.split("\n").at(-1) ?? ""]) expect(readme).toContain(line);
    });
});

import * as path from "node:path";
import { elideMiddle, fill, shortenValue, TEXT_WIDTH, topLevelTokens, wrapProse } from "../tools/textWidth";
import { planJson, planText } from "../tools/planRender";
import { runStack } from "./helpers";

/** Code points, as a terminal counts columns for these characters (box drawing, ellipsis). */
const columns = (line: string) => [...line].length;

describe("the text views fit about 120 columns (issue 22 item 4)", () => {
    test("topLevelTokens splits at spaces outside quotes and brackets", () => {
        expect(topLevelTokens('a=1 b="x y" c=[1, 2] d={"k": "v w"} e="q\\" r"')).toEqual([
            "a=1",
            'b="x y"',
            "c=[1, 2]",
            'd={"k": "v w"}',
            'e="q\\" r"',
        ]);
        expect(topLevelTokens("  ")).toEqual([]);
    });

    test("fill wraps between tokens, never inside one, and keeps an over-long token whole on its own line", () => {
        expect(fill(["aaa", "bbb", "ccc"], 9, "> ", "  ")).toEqual(["> aaa bbb", "  ccc"]);
        expect(fill(["x".repeat(20), "y"], 10, "", "  ")).toEqual(["x".repeat(20), "  y"]);
        expect(fill([], 10, "> ", "  ")).toEqual(["> "]);
    });

    test("wrapProse indents continuation lines; shortenValue and elideMiddle say where the whole value is", () => {
        const lines = wrapProse("one two three four five six", 12, "  - ", "    ");
        expect(lines).toEqual(["  - one two", "    three", "    four", "    five six"]);
        expect(shortenValue("  k: ", "v".repeat(200), 60, "--json shows it whole")).toMatch(
            /^ {2}k: v+… \(200 characters: --json shows it whole\)$/,
        );
        expect(columns(shortenValue("  k: ", "v".repeat(200), 60, "--json shows it whole"))).toBe(60);
        expect(shortenValue("  k: ", "short", 60, "x")).toBe("  k: short");
        expect(elideMiddle("access-writer-77777777-8888-9999-aaaa-bbbbbbbbbbbb-secretsOfficer", 24)).toBe(
            "access-write…retsOfficer",
        );
        expect(columns(elideMiddle("a".repeat(100), 30))).toBe(30);
        expect(elideMiddle("short", 30)).toBe("short");
    });

    test.each(["dev", "staging", "prod", "ga", "adopt", "site-a"])(
        "every line of the %s plan text is at most 120 columns",
        async (stack) => {
            const run = await runStack({ stack });
            expect(run.error).toBeUndefined();
            const text = planText(run, {
                stackFile: `Pulumi.${stack}.yaml`,
                catalogFile: path.join("stacks", "secrets.yaml"),
            });
            const over = text.split("\n").filter((line) => columns(line) > TEXT_WIDTH);
            expect(over).toEqual([]);
            // Nothing is lost: every warning's words are still there, in order.
            const ours = run.warnings.filter((w) => w.startsWith(`Pulumi.${stack}.yaml: `));
            expect(ours.length).toBeGreaterThan(0);
            for (const warning of ours) expect(text.replace(/\n +/g, " ")).toContain(warning);
        },
    );
    test.each(["dev", "ga", "prod", "adopt"])(
        "with --permissions every line of the %s plan text is at most 120 columns, and no right is lost",
        async (stack) => {
            const run = await runStack({ stack });
            expect(run.error).toBeUndefined();
            const text = planText(
                run,
                {
                    stackFile: `Pulumi.${stack}.yaml`,
                    catalogFile: path.join("stacks", "secrets.yaml"),
                },
                { permissions: true },
            );
            expect(text.split("\n").filter((line) => columns(line) > TEXT_WIDTH)).toEqual([]);
            const section = text.slice(text.indexOf("Permissions this stack needs")).replace(/\s+/g, " ");
            const needs = planJson(run, { permissions: true }).permissions!;
            expect(needs.azure.length).toBeGreaterThan(0);
            for (const n of needs.azure) expect(section).toContain(`${n.resourceType}/`);
            for (const n of needs.azure) expect(section).toContain(n.role);
            for (const n of needs.kubernetes) expect(section).toContain(`${n.resource}`);
        },
    );
});

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * One width (issue 22 item 4): prettier formats the code at 120 columns (.prettierrc.json) but
 * neither wraps comments nor splits string literals. Comments are wrapped by hand, so a line
 * outside the tests runs past 120 columns only when a string, template or regular-expression
 * literal (a message, a command, an id) cannot be split without changing what it says.
 */

const ROOT = path.join(__dirname, "..");
const WIDTH = (JSON.parse(fs.readFileSync(path.join(ROOT, ".prettierrc.json"), "utf8")) as { printWidth: number })
    .printWidth;

function sourceLines(): { where: string; line: string }[] {
    const files = execFileSync("git", ["ls-files", "*.ts", "*.js", "*.cjs", "*.mjs"], { cwd: ROOT, encoding: "utf8" })
        .split("\n")
        .filter((f) => f !== "" && !f.startsWith("test/") && fs.existsSync(path.join(ROOT, f)));
    return files.flatMap((file) =>
        fs
            .readFileSync(path.join(ROOT, file), "utf8")
            .split("\n")
            .map((line, i) => ({ where: `${file}:${i + 1}`, line })),
    );
}

describe("source width", () => {
    test("prettier's width is between 100 and 120", () => {
        expect(WIDTH).toBeGreaterThanOrEqual(100);
        expect(WIDTH).toBeLessThanOrEqual(120);
    });

    test("no comment line outside the tests runs past the width (markdown table rows excepted)", () => {
        const long = sourceLines().filter(
            ({ line }) => line.length > WIDTH && /^\s*(\/\/|\/\*|\*)/.test(line) && !/^\s*\* \|/.test(line),
        );
        expect(long.map((l) => l.where)).toEqual([]);
    });

    test("a longer line outside the tests holds a literal prettier cannot split", () => {
        const long = sourceLines().filter(
            ({ line }) => line.length > WIDTH && !/^\s*(\/\/|\/\*|\*)/.test(line) && !/["'`]|\/\^/.test(line),
        );
        expect(long.map((l) => l.where)).toEqual([]);
    });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { DELIVERY } from "../delivery/registry";
import { DELIVERY_MODES } from "../stacks/settings";

/** A delivery mode is one folder and one registry line (issue 22 item 1). */
describe("delivery registry", () => {
    const ROOT = path.join(__dirname, "..");

    test("covers DELIVERY_MODES: one module per mode, keyed by its own mode", () => {
        expect(Object.keys(DELIVERY).sort()).toEqual([...DELIVERY_MODES].sort());
        for (const [key, module] of Object.entries(DELIVERY)) expect(module.mode).toBe(key);
    });

    test("every mode is a folder delivery/<mode>/ with its module, settings section, catalog checks, model and declarations", () => {
        for (const mode of DELIVERY_MODES) {
            for (const file of ["index.ts", "settings.ts", "catalog.ts", "model.ts", "flow.ts"])
                expect(fs.existsSync(path.join(ROOT, "delivery", mode, file))).toBe(true);
        }
    });

    test("index.ts walks the registry: it picks the mode by settings.delivery and imports no mode folder", () => {
        const program = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
        expect(program).toContain("DELIVERY[settings.delivery]");
        for (const mode of DELIVERY_MODES) expect(program).not.toMatch(new RegExp(`from "\\./delivery/${mode}[/"]`));
    });
});

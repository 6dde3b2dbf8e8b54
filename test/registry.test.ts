import * as fs from "node:fs";
import * as path from "node:path";
import { DELIVERY } from "../delivery/registry";
import { DEFAULT_DELIVERY, MODES } from "../delivery/modes";
import type { Catalog } from "../stacks/catalog";
import { deliveryCheck } from "../stacks/load";
import {
    DELIVERY_MODES,
    parseStackSettings,
    type RawStackConfig,
    settingsShape,
    type StackSettings,
} from "../stacks/settings";

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

/**
 * The parsing side of a mode comes from one registry (delivery/modes.ts): the mode names, the
 * settings sections, the rules, the catalog checks and the facts other code asks about a mode.
 * Adding a mode is one folder and one line there (and one in delivery/registry.ts).
 */
describe("parsing registry (delivery/modes.ts)", () => {
    const ROOT = path.join(__dirname, "..");
    const KV = { name: "kv-aio-dev-01", resourceGroupName: "rg-aio-dev" };
    const raw = (sections: Record<string, unknown>): RawStackConfig => ({
        project: "aio-secrets",
        stack: "dev",
        config: Object.fromEntries(
            Object.entries(sections).map(([k, v]) => [
                `aio-secrets:${k}`,
                typeof v === "string" ? v : JSON.stringify(v),
            ]),
        ),
        secretKeys: [],
    });

    afterEach(() => jest.restoreAllMocks());

    test("DELIVERY_MODES, the default and the delivery schema are the registry's keys", () => {
        expect([...DELIVERY_MODES]).toEqual(Object.keys(MODES));
        expect(DEFAULT_DELIVERY).toBe(Object.keys(MODES)[0]);
        expect(settingsShape.delivery.parse(undefined)).toBe(DEFAULT_DELIVERY);
        for (const mode of DELIVERY_MODES) expect(settingsShape.delivery.parse(mode)).toBe(mode);
        expect(settingsShape.delivery.safeParse("thirdMode").success).toBe(false);
    });

    test("every mode's settings sections are settingsShape entries, the registry's own schemas", () => {
        const shape: Record<string, unknown> = settingsShape;
        for (const mode of DELIVERY_MODES) {
            const sections: Record<string, unknown> = MODES[mode].sections;
            expect(Object.keys(sections).length).toBeGreaterThan(0);
            for (const [key, schema] of Object.entries(sections)) expect([key, shape[key]]).toEqual([key, schema]);
        }
    });

    test("parseStackSettings runs the rules of the stack's mode, and only those, through the registry", () => {
        for (const mode of DELIVERY_MODES) {
            const spies = DELIVERY_MODES.map((m) => jest.spyOn(MODES[m], "rules"));
            parseStackSettings(raw({ delivery: mode, keyVault: KV }));
            expect(spies.map((s) => s.mock.calls.length)).toEqual(DELIVERY_MODES.map((m) => (m === mode ? 1 : 0)));
            jest.restoreAllMocks();
        }
    });

    test("deliveryCheck dispatches to the catalog check of the stack's mode in the registry", () => {
        const catalog = { file: "stacks/secrets.yaml" } as Catalog;
        for (const mode of DELIVERY_MODES) {
            const answer = { problems: [], warnings: [`checked by ${mode}`] };
            jest.spyOn(MODES[mode], "catalogCheck").mockReturnValue(answer);
            expect(deliveryCheck({ delivery: mode } as StackSettings, catalog, [])).toBe(answer);
        }
    });

    test("no literal mode name branches the parsing layer or the program outside the registries", () => {
        // stacks/migration.ts is the staged move from one named mode to the other: its steps name them.
        const files = [
            ...fs
                .readdirSync(path.join(ROOT, "stacks"))
                .filter((f) => f.endsWith(".ts") && f !== "migration.ts")
                .map((f) => `stacks/${f}`),
            "index.ts",
        ];
        for (const mode of DELIVERY_MODES) {
            const branch = new RegExp(
                `(===|!==|case|delivery:|\\?|default\\(|\\|)\\s*"${mode}"|"${mode}"\\s*(===|!==|\\||\\?)`,
            );
            for (const file of files) {
                const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
                expect([file, lines.filter((l) => branch.test(l))]).toEqual([file, []]);
            }
        }
    });
});

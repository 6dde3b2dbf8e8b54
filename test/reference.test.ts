import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { catalogSchema } from "../stacks/catalog";
import { settingsShape } from "../stacks/settings";
import { OPTIONS as BENCH_OPTIONS, USAGE as BENCH_USAGE } from "../tools/bench";
import { OPTIONS as CHECK_OPTIONS, USAGE as CHECK_USAGE } from "../tools/check";
import { OPTIONS as PLAN_OPTIONS, USAGE as PLAN_USAGE } from "../tools/plan";
import { OPTIONS as PROMOTE_OPTIONS, USAGE as PROMOTE_USAGE } from "../tools/promote";
import { OPTIONS as EXPIRY_OPTIONS, USAGE as EXPIRY_USAGE } from "../tools/expiry";
import { OPTIONS as IMPORT_OPTIONS, USAGE as IMPORT_USAGE } from "../tools/import";
import { OPTIONS as DRIFT_OPTIONS, USAGE as DRIFT_USAGE } from "../tools/drift";
import { OPTIONS as ACCESS_OPTIONS, USAGE as ACCESS_USAGE } from "../tools/access";
import { PROJECT_DIR } from "./helpers";

/**
 * docs/reference.md against the program: every key the zod schemas of the stack settings and
 * the catalog accept is in a key table of the reference (`<!-- keys: settings -->` or
 * `<!-- keys: catalog <prefix> -->` before it), and every key those tables name is one the schemas
 * accept. Every flag of plan, promote and bench is in its usage text and in its flag table
 * (`<!-- flags: <command> -->`), and the tables name no flag the command lacks.
 *
 * Key paths: `a.b` for a nested key, `a[].b` for a key of a list's entries, `a.<name>.b` for a key
 * of a map's values; a list or map of plain values is one key (`secretValues`, the docs' `secretValues.<name>`).
 */

/** The key paths a schema accepts, as above. */
export function schemaKeyPaths(schema: z.ZodType, at: string): string[] {
    const join = (key: string) => (at === "" ? key : `${at}.${key}`);
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
        return schemaKeyPaths(schema.unwrap() as z.ZodType, at);
    }
    if (schema instanceof z.ZodPipe) return schemaKeyPaths(schema.in as z.ZodType, at);
    // A union (StackSettings discriminated on delivery): the keys of every option, once.
    if (schema instanceof z.ZodUnion)
        return [...new Set((schema.options as z.ZodType[]).flatMap((option) => schemaKeyPaths(option, at)))];
    if (schema instanceof z.ZodObject) {
        return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
            schemaKeyPaths(child, join(key)),
        );
    }
    if (schema instanceof z.ZodArray) {
        const element = schema.element as z.ZodType;
        return isObject(element) ? schemaKeyPaths(element, `${at}[]`) : [at];
    }
    if (schema instanceof z.ZodRecord) {
        const value = schema.valueType as z.ZodType;
        return isObject(value) ? schemaKeyPaths(value, `${at}.<name>`) : [at];
    }
    return [at];
}

function isObject(schema: z.ZodType): boolean {
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault)
        return isObject(schema.unwrap() as z.ZodType);
    if (schema instanceof z.ZodPipe) return isObject(schema.in as z.ZodType);
    if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).some(isObject);
    return schema instanceof z.ZodObject;
}

/** The key paths the marked tables of a reference name, by schema (`settings`, `catalog`). */
export function documentedKeyPaths(markdown: string): Record<"settings" | "catalog", string[]> {
    const found: Record<"settings" | "catalog", string[]> = { settings: [], catalog: [] };
    for (const { args, rows } of markedTables(markdown, "keys")) {
        const [schema, prefix = ""] = args;
        if (schema !== "settings" && schema !== "catalog")
            throw new Error(`<!-- keys: ${args.join(" ")} -->: no schema ${schema}`);
        for (const token of rows.flatMap(firstCellTokens)) {
            // Provider keys (azure-native:location) are the providers'; aio-secrets:x is settings key x.
            if (/^[a-z-]+:/.test(token) && !token.startsWith("aio-secrets:")) continue;
            found[schema].push(
                `${prefix}${token.replace(/^aio-secrets:/, "")}`.replace(/<[^>]*>/g, "<name>").replace(/\.<name>$/, ""),
            );
        }
    }
    return found;
}

/** The flags each marked flag table names (`--stacks <glob>` is `stacks`). */
export function documentedFlags(markdown: string): Record<string, string[]> {
    const found: Record<string, string[]> = {};
    for (const { args, rows } of markedTables(markdown, "flags")) {
        found[args[0]] = [
            ...(found[args[0]] ?? []),
            ...rows.flatMap(firstCellTokens).map((t) => /^--([a-z-]+)/.exec(t)?.[1] ?? `(not a flag: ${t})`),
        ];
    }
    return found;
}

/** The body rows of each table right after a `<!-- <kind>: ... -->` marker. */
function markedTables(markdown: string, kind: string): { args: string[]; rows: string[] }[] {
    const lines = markdown.split("\n");
    return lines.flatMap((line, i) => {
        const marker = new RegExp(`^<!-- ${kind}: (.+?) -->$`).exec(line);
        if (!marker) return [];
        const rows: string[] = [];
        for (let j = i + 3; j < lines.length && lines[j].startsWith("|"); j++) rows.push(lines[j]);
        if (!lines[i + 1]?.startsWith("|") || rows.length === 0)
            throw new Error(`line ${i + 1}: <!-- ${kind}: ${marker[1]} --> is not followed by a table`);
        return [{ args: marker[1].split(" "), rows }];
    });
}

/** The backticked names in a table row's first cell. */
function firstCellTokens(row: string): string[] {
    const cell = row.split(/(?<!\\)\|/)[1] ?? "";
    return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1].split(" ")[0]);
}

/** Keys the docs name that the schema does not accept: a key path, or an object that holds some. */
function unknownKeys(documented: string[], accepted: string[]): string[] {
    return documented.filter((d) => !accepted.some((a) => a === d || a.startsWith(`${d}.`) || a.startsWith(`${d}[]`)));
}

const reference = fs.readFileSync(path.join(PROJECT_DIR, "docs", "reference.md"), "utf8");
const settingsKeys = Object.entries(settingsShape).flatMap(([key, schema]) => schemaKeyPaths(schema as z.ZodType, key));
const catalogKeys = schemaKeyPaths(catalogSchema, "");
const documented = documentedKeyPaths(reference);

describe("the helpers", () => {
    test("key paths of nested objects, lists and maps", () => {
        const schema = z.strictObject({
            a: z.string(),
            b: z.strictObject({ c: z.number().optional() }).default({}),
            d: z.array(z.strictObject({ e: z.boolean() })),
            f: z.record(z.string(), z.strictObject({ g: z.string() }).nullable()),
            h: z.record(z.string(), z.string()),
            i: z.array(z.string()),
        });
        expect(schemaKeyPaths(schema, "")).toEqual(["a", "b.c", "d[].e", "f.<name>.g", "h", "i"]);
        const byMode = z.discriminatedUnion("mode", [
            z.strictObject({ mode: z.literal("x"), shared: z.string(), onlyX: z.string() }),
            z.strictObject({
                mode: z.literal("y"),
                shared: z.string(),
                nested: z.strictObject({ onlyY: z.number() }).optional(),
            }),
        ]);
        expect(schemaKeyPaths(z.strictObject({ s: byMode.transform((v) => v) }), "")).toEqual([
            "s.mode",
            "s.shared",
            "s.onlyX",
            "s.nested.onlyY",
        ]);
    });

    test("marked tables are read; an unknown key is reported", () => {
        const doc = [
            "<!-- keys: settings -->",
            "| key | default | rule |",
            "| --- | --- | --- |",
            "| `aio-secrets:adopt` | `false` | x |",
            "| `azure-native:location` | none | x |",
            "| `keyVault.name`, `keyVault.nope` | required | x |",
            "| `secretValues.<name>` | none | x |",
            "",
            "<!-- keys: catalog secrets[]. -->",
            "| key | default | rule |",
            "| --- | --- | --- |",
            "| `sync.key` | none | x |",
            "<!-- flags: plan -->",
            "| flag | what |",
            "| --- | --- |",
            "| `--stacks <glob>`, `--dir <dir>` | x |",
        ].join("\n");
        const keys = documentedKeyPaths(doc);
        expect(keys).toEqual({
            settings: ["adopt", "keyVault.name", "keyVault.nope", "secretValues"],
            catalog: ["secrets[].sync.key"],
        });
        expect(unknownKeys(keys.settings, settingsKeys)).toEqual(["keyVault.nope"]);
        expect(documentedFlags(doc)).toEqual({ plan: ["stacks", "dir"] });
    });
});

describe("docs/reference.md and the schemas", () => {
    test("the schemas have keys (the walk found them)", () => {
        expect(settingsKeys).toEqual(
            expect.arrayContaining([
                "keyVault.name",
                "cluster.csiDriver.version",
                "deployers[].objectId",
                "secretValues",
                "ca.mode",
            ]),
        );
        expect(catalogKeys).toEqual(
            expect.arrayContaining([
                "secrets[].name",
                "secrets[].sync.key",
                "secretProviderClasses.<name>.restart[].kind",
                "mqResources[].metadata.name",
            ]),
        );
    });

    test("every stack settings key is documented", () => {
        expect(settingsKeys.filter((k) => !documented.settings.includes(k))).toEqual([]);
    });

    test("every documented stack settings key exists", () => {
        expect(unknownKeys(documented.settings, settingsKeys)).toEqual([]);
    });

    test("every catalog key is documented", () => {
        expect(catalogKeys.filter((k) => !documented.catalog.includes(k))).toEqual([]);
    });

    test("every documented catalog key exists", () => {
        expect(unknownKeys(documented.catalog, catalogKeys)).toEqual([]);
    });
});

describe("docs/reference.md and the commands' flags", () => {
    const flags = documentedFlags(reference);
    const commands: [string, Record<string, unknown>, string][] = [
        ["plan", PLAN_OPTIONS, PLAN_USAGE],
        ["promote", PROMOTE_OPTIONS, PROMOTE_USAGE],
        ["bench", BENCH_OPTIONS, BENCH_USAGE],
        ["expiry", EXPIRY_OPTIONS, EXPIRY_USAGE],
        ["import", IMPORT_OPTIONS, IMPORT_USAGE],
        ["drift", DRIFT_OPTIONS, DRIFT_USAGE],
        ["access", ACCESS_OPTIONS, ACCESS_USAGE],
        ["check", CHECK_OPTIONS, CHECK_USAGE],
    ];

    test.each(commands)(
        "%s: every flag is in its usage text and in the reference, and the reference names only its flags",
        (command, options, usage) => {
            const accepted = Object.keys(options);
            expect(accepted.filter((f) => !usage.includes(`--${f}`))).toEqual([]);
            expect(accepted.filter((f) => !(flags[command] ?? []).includes(f))).toEqual([]);
            expect((flags[command] ?? []).filter((f) => !accepted.includes(f))).toEqual([]);
        },
    );
});

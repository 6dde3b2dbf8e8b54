import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProgram } from "../../tools/harness";
import {
    BASE_CATALOG,
    BASE_STACK,
    CATALOG_BASENAME,
    cases,
    type CorpusResult,
    STACK,
    STACK_FILE,
    STACK_TRACE,
} from "./cases";

/**
 * Runs every case of the bad input corpus through the real program, one after the other in
 * this process (`tsx test/corpus/run-corpus.ts`), and prints one JSON line:
 * `[{ id, error, resources, stackTrace }]`. `corpus.test.ts` spawns it once.
 */

async function main(): Promise<void> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "aio-corpus-"));
    const results: CorpusResult[] = [];
    try {
        for (const [i, c] of cases.entries()) {
            const dir = path.join(root, String(i).padStart(3, "0"));
            fs.mkdirSync(dir);
            const stackFile = path.join(dir, STACK_FILE);
            const catalogFile = path.join(dir, CATALOG_BASENAME);
            fs.writeFileSync(stackFile, c.stackFile ?? BASE_STACK);
            fs.writeFileSync(catalogFile, c.catalog ?? BASE_CATALOG);
            let error: string | undefined;
            let resources = 0;
            let warnings: string[] = [];
            try {
                const run = await runProgram({ stack: STACK, stackFile, configDir: dir, catalogFile, mode: "preview" });
                error = run.error;
                resources = run.resources.length;
                warnings = run.warnings;
            } catch (e) {
                // Not a ConfigError: a defect. Keep the whole stack so the test shows it.
                error = e instanceof Error ? (e.stack ?? e.message) : String(e);
            }
            results.push({
                id: c.id,
                error,
                resources,
                stackTrace: error !== undefined && STACK_TRACE.test(error),
                warnings,
            });
        }
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().then(
    // Pulumi's runtime keeps handles open: leave explicitly.
    () => process.exit(0),
    (e: unknown) => {
        process.stderr.write(`corpus runner failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(2);
    },
);

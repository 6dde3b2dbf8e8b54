import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR, scratch } from "./helpers";

/**
 * Output survives a pipe (issue 21 item 1): a tool that called `process.exit()` right after a
 * large `stdout.write` lost everything past the pipe's buffer (64 KiB on Linux) with exit 0,
 * because Node writes to a pipe asynchronously. Every run below goes through the bin
 * (`tools/aio-secrets.cjs`, as `npx aio-secrets` does) with stdout a pipe whose reader does not
 * read for a while, then reads slowly; the process must end by itself (no handle left open by
 * the mock runtime) with all of its output, which must parse as one JSON document of >= 1 MiB.
 */

const BIN = path.join(PROJECT_DIR, "tools", "aio-secrets.cjs");
const MIB = 1024 * 1024;

interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/** Runs the bin with stdout a pipe read slowly: nothing for `stallMs`, then one chunk per tick. */
function slowlyRead(args: string[], stallMs: number): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], {
            cwd: PROJECT_DIR,
            timeout: 60000,
            env: { ...process.env, INIT_CWD: PROJECT_DIR },
        });
        const chunks: Buffer[] = [];
        let stderr = "";
        child.stdout.pause();
        setTimeout(() => {
            child.stdout.on("data", (d: Buffer) => {
                chunks.push(d);
                // A slow consumer (a `jq` on a busy machine): the writer's queue stays full.
                child.stdout.pause();
                setImmediate(() => child.stdout.resume());
            });
            child.stdout.resume();
        }, stallMs);
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code, signal) =>
            resolve({ code, signal, stdout: Buffer.concat(chunks).toString("utf8"), stderr }),
        );
    });
}

/** A catalog with `extra` more generated secrets (no values needed in any stack). */
function bigCatalog(extra: number): string {
    let text = fs.readFileSync(path.join(PROJECT_DIR, "stacks", "secrets.yaml"), "utf8");
    for (let i = 0; i < extra; i++) {
        const name = `pipe-test-${String(i).padStart(4, "0")}`;
        text += `  - name: ${name}\n    type: secret\n    source: generated\n    spcs: [aio-default-spc]\n    sync: { secret: ${name}, key: value }\n`;
    }
    return text;
}

/** A scratch fleet: Pulumi.yaml and `stacks` small site stack files. */
function fleet(stacks: number): Record<string, string> {
    const files: Record<string, string> = {
        "Pulumi.yaml": "name: aio-secrets\nruntime: nodejs\nconfig:\n  azure-native:location: westeurope\n",
    };
    for (let i = 0; i < stacks; i++) {
        const site = `site-${String(i).padStart(3, "0")}`;
        files[`Pulumi.${site}.yaml`] =
            `config:\n  aio-secrets:environment: prod\n  aio-secrets:keyVault: { name: kv-${site}, resourceGroupName: rg-${site} }\n`;
    }
    return files;
}

const dir = scratch({ ...fleet(100), "big.yaml": bigCatalog(420) });
const catalog = path.join(dir, "big.yaml");

function expectWhole(run: Run, check: (parsed: unknown) => void): void {
    expect({ code: run.code, signal: run.signal, stderr: run.stderr.replace(/^npm warn.*\n/gm, "") }).toMatchObject({
        code: 0,
        signal: null,
    });
    expect(Buffer.byteLength(run.stdout)).toBeGreaterThanOrEqual(MIB);
    expect(run.stdout.endsWith("}\n")).toBe(true);
    check(JSON.parse(run.stdout));
}

describe("output survives a pipe read slowly, through the bin", () => {
    it("promote --status --json over 100 stacks and 420 more secrets: >= 1 MiB, whole, 10 runs out of 10", async () => {
        // Two at a time (two cores): each run reads files only, no program.
        const runs: Run[] = [];
        for (let i = 0; i < 10; i += 2) {
            runs.push(
                ...(await Promise.all(
                    [0, 1].map(() =>
                        slowlyRead(["promote", "--status", "--json", "--dir", dir, "--catalog", catalog], 300),
                    ),
                )),
            );
        }
        for (const run of runs) {
            expectWhole(run, (parsed) => {
                const status = parsed as { stacks: unknown[]; rows: { cells: Record<string, string> }[] };
                expect(status.stacks).toHaveLength(100);
                expect(status.rows.length).toBeGreaterThanOrEqual(420);
                expect(Object.keys(status.rows.at(-1)!.cells)).toHaveLength(100);
            });
        }
    }, 60000);

    it("plan --stack dev --json with 420 more secrets (the program under the mock runtime): >= 1 MiB, whole, and the process ends by itself", async () => {
        const run = await slowlyRead(["plan", "--stack", "dev", "--json", "--catalog", catalog], 1000);
        expectWhole(run, (parsed) => {
            const names = JSON.stringify(parsed).match(/pipe-test-0419/g) ?? [];
            expect(names.length).toBeGreaterThan(0);
        });
    }, 60000);
});

describe("no tool ends itself after writing", () => {
    /** Every file under tools/ (the commands, the bin, the fleet workers, the bench). */
    function toolFiles(dir: string): string[] {
        return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
            const file = path.join(dir, e.name);
            if (e.isDirectory()) return toolFiles(file);
            return /\.(ts|cjs|mjs|js)$/.test(e.name) ? [file] : [];
        });
    }

    it("no process.exit() call in tools/ (set process.exitCode; Node exits once stdout has drained)", () => {
        const calls: string[] = [];
        for (const file of toolFiles(path.join(PROJECT_DIR, "tools"))) {
            fs.readFileSync(file, "utf8")
                .split("\n")
                .forEach((line, i) => {
                    const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
                    if (/\bprocess\s*\.\s*(exit|reallyExit|abort)\s*\(/.test(code))
                        calls.push(`${path.relative(PROJECT_DIR, file)}:${i + 1}`);
                });
        }
        expect(calls).toEqual([]);
    });
});

/** Runs the bin with stdout a pipe its reader closes at once (`| head -c 0`). */
function closedEarly(args: string[]): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], {
            cwd: PROJECT_DIR,
            timeout: 60000,
            env: { ...process.env, INIT_CWD: PROJECT_DIR },
        });
        child.stdout.destroy();
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code, signal) => resolve({ code, signal, stdout: "", stderr }));
    });
}

describe("a reader that closes the pipe early (| head) ends the output, not the command", () => {
    it("expiry, drift and import: no EPIPE stack trace, each command's own exit code", async () => {
        const live = path.join(PROJECT_DIR, "test", "fixtures", "live", "ga-cli.json");
        const [expiry, due, drift, imported] = await Promise.all([
            closedEarly(["expiry", "--json"]),
            closedEarly(["expiry", "--within", "400d"]),
            closedEarly(["drift", "--stack", "ga", "--live", live]),
            closedEarly(["import", "--stack", "ga", "--from", live, "--json"]),
        ]);
        for (const run of [expiry, due, drift, imported]) {
            expect(run.stderr).not.toContain("EPIPE");
            expect(run.signal).toBeNull();
        }
        expect([expiry.code, due.code, drift.code, imported.code]).toEqual([0, 1, 1, 0]);
    }, 60000);
});

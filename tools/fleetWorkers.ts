import { fork, ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { FleetOptions, PlannedStack } from "./fleet";

/**
 * `plan --all` over several processes: the parent hands each worker (tools/fleetWorker.ts) the
 * next stack when it reports the last one, and takes the results in stack order. A stack's
 * result waits only for the stacks before it that are still being planned (at most one per
 * other worker), so memory stays that of a few runs.
 */

/** Parent to worker: the fleet once, then one stack at a time; `null` ends the worker. */
export type ToWorker =
    | { kind: "init"; projectDir: string; dir?: string; catalogFile: string; needRuns: boolean }
    | { kind: "plan"; index: number; stack: string }
    | { kind: "done" };

/** Worker to parent: ready for a stack, or one stack's result (its run only when asked for). */
export type FromWorker = { kind: "ready" } | { kind: "planned"; index: number; planned: PlannedStack };

const WORKER = path.join(__dirname, "fleetWorker.ts");

/**
 * A worker's young generation: each run of the mock runtime allocates far more than the 64 MB
 * that `npm run plan` gives a single stack, and scavenges were most of a fleet's time. 200
 * stacks on 2 cores (docs/benchmark.md): 20.3 s with 64 MB, 14.5 s with 128, 13.2 s with 256
 * (but 720 MB resident per worker).
 */
export const WORKER_SEMI_SPACE_MB = 128;

/** This process's node flags (tsx's loader among them), with the worker's young generation. */
export function workerExecArgv(execArgv: readonly string[]): string[] {
    const kept: string[] = [];
    for (let i = 0; i < execArgv.length; i++) {
        if (execArgv[i] === "--max-semi-space-size")
            i++; // and its value, the next argument
        else if (!execArgv[i].startsWith("--max-semi-space-size=")) kept.push(execArgv[i]);
    }
    return [...kept, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}

/** Plans `opts.stacks` in `workers` child processes; calls `take` once per stack, in stack order. */
export async function planInWorkers(
    opts: FleetOptions,
    workers: number,
    take: (planned: PlannedStack, index: number) => Promise<void>,
): Promise<void> {
    const waiting = new Map<number, PlannedStack>();
    let next = 0;
    let taken = 0;
    let taking: Promise<void> = Promise.resolve();
    const children: ChildProcess[] = [];
    try {
        await new Promise<void>((resolve, reject) => {
            let failed = false;
            const fail = (e: Error) => {
                if (failed) return;
                failed = true;
                reject(e);
            };
            const send = (child: ChildProcess, message: ToWorker) => child.send(message);
            const handOut = (child: ChildProcess, tell: () => void) => {
                if (next < opts.stacks.length) {
                    send(child, { kind: "plan", index: next, stack: opts.stacks[next] });
                    next++;
                } else {
                    tell();
                    send(child, { kind: "done" });
                }
            };
            for (let w = 0; w < workers; w++) {
                const child = fork(WORKER, [], {
                    execArgv: workerExecArgv(process.execArgv),
                    serialization: "advanced",
                    stdio: ["ignore", "ignore", "inherit", "ipc"],
                });
                children.push(child);
                child.on("error", fail);
                // A worker ends when told (`done`); ending with a stack in hand, or before it is
                // given one, is a failure.
                let told = false;
                child.on("exit", (code, signal) => {
                    if (!told)
                        fail(
                            new Error(
                                `plan --all: a worker process ended (${signal ?? `exit ${code}`}) before every stack was planned`,
                            ),
                        );
                });
                child.on("message", (message: FromWorker) => {
                    if (message.kind === "ready") {
                        send(child, {
                            kind: "init",
                            projectDir: opts.projectDir,
                            dir: opts.dir,
                            catalogFile: opts.catalogFile,
                            needRuns: opts.needRuns ?? false,
                        });
                        handOut(child, () => (told = true));
                        return;
                    }
                    waiting.set(message.index, message.planned);
                    handOut(child, () => (told = true));
                    // In stack order, one at a time, whatever order the workers finish in.
                    taking = taking
                        .then(async () => {
                            for (let p = waiting.get(taken); p !== undefined; p = waiting.get(taken)) {
                                waiting.delete(taken);
                                await take(p, taken);
                                taken++;
                            }
                            if (taken === opts.stacks.length) resolve();
                        })
                        .catch(fail);
                });
            }
        });
    } finally {
        for (const child of children) if (child.exitCode === null) child.kill();
    }
}

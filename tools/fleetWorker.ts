import "./noSourceMaps"; // first: before the SDK loads
import type { RunResult } from "./harness";
import { stackPlanner, StackPlanner } from "./fleet";
import type { FromWorker, ToWorker } from "./fleetWorkers";

/**
 * One worker process of `plan --all` (tools/fleetWorkers.ts): plans the stacks it is sent, one at
 * a time, under its own mock runtime, and sends back each summary (and run, when asked for).
 */

function send(message: FromWorker): void {
    process.send?.(message);
}

/** The run as sent back: without the error object (the message is in `error`). */
function portable(run: RunResult): RunResult {
    const rest = { ...run };
    delete rest.errorObject;
    return rest;
}

let planner: Promise<StackPlanner> | undefined;
let needRuns = false;
let queue: Promise<void> = Promise.resolve();

process.on("message", (message: ToWorker) => {
    queue = queue.then(async () => {
        if (message.kind === "init") {
            needRuns = message.needRuns;
            planner = stackPlanner(message);
        } else if (message.kind === "plan") {
            if (planner === undefined) throw new Error("fleet worker: a stack before the fleet");
            const planned = await (await planner).plan(message.stack);
            const run: RunResult = needRuns
                ? portable(planned.run)
                : { stack: message.stack, project: planned.run.project, resources: [], outputs: {}, warnings: [] };
            send({ kind: "planned", index: message.index, planned: { ...planned, run } });
        } else process.disconnect();
    });
    queue.catch((e: unknown) => {
        process.stderr.write(`fleet worker: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
        process.disconnect();
    });
});
send({ kind: "ready" });

import * as v8 from "node:v8";
import * as vm from "node:vm";

/** Small measuring helpers for the benchmark: a full GC between runs, peak memory, medians. */

let gcFunction: (() => void) | undefined | null = null;

/**
 * A full garbage collection, so that one run does not pay for the garbage of the previous one.
 * `npm run bench` starts node without `--expose-gc`, so the flag is turned on at run time.
 */
export function fullGc(): boolean {
    if (gcFunction === null) {
        const exposed = (globalThis as { gc?: () => void }).gc;
        if (typeof exposed === "function") gcFunction = exposed;
        else {
            try {
                v8.setFlagsFromString("--expose-gc");
                gcFunction = vm.runInNewContext("gc") as () => void;
            } catch {
                gcFunction = undefined;
            }
        }
    }
    if (!gcFunction) return false;
    gcFunction();
    return true;
}

export interface Timed<T> {
    value: T;
    seconds: number;
    /** CPU time of the process during the run (user + system, every thread: GC helpers too). */
    cpuSeconds: number;
    /** Highest resident set size seen during the run, MB. */
    peakRssMb: number;
    /** Highest V8 heap in use seen during the run, MB (the run starts after a full GC). */
    peakHeapMb: number;
}

const MB = 1024 * 1024;

/**
 * Runs `fn` after a full GC and times it. Memory is sampled every few milliseconds whenever
 * the event loop is free (Pulumi's registrations are asynchronous, so it often is) and once
 * more at the end, before anything is collected.
 */
export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
    fullGc();
    let peakRss = 0;
    let peakHeap = 0;
    const sample = () => {
        const m = process.memoryUsage();
        if (m.rss > peakRss) peakRss = m.rss;
        if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    };
    sample();
    const timer = setInterval(sample, 5);
    timer.unref();
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    try {
        const value = await fn();
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const cpu = process.cpuUsage(cpuStart);
        sample();
        return {
            value,
            seconds,
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
            peakRssMb: peakRss / MB,
            peakHeapMb: peakHeap / MB,
        };
    } finally {
        clearInterval(timer);
    }
}

export function median(values: readonly number[]): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Process-lifetime peak resident set size, MB. */
export function maxRssMb(): number {
    // resourceUsage().maxRSS is in kilobytes.
    return process.resourceUsage().maxRSS / 1024;
}

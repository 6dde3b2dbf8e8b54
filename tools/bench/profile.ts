import * as fs from "node:fs";
import * as inspector from "node:inspector";
import { findSourceMap } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * CPU profiles of single runs (through the inspector, so no node flags are needed under tsx)
 * and a summary that charges every sample to the innermost project frame on its stack (or
 * baseline frame, for the baseline's profile), split into the frame's own work (its code and
 * the non-Pulumi libraries it calls: yaml, zod) and the SDK work it triggers. Samples with no
 * such frame are Pulumi's asynchronous work, garbage collection, or idle time.
 */

interface CallFrame {
    functionName: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
}
interface ProfileNode {
    id: number;
    callFrame: CallFrame;
    children?: number[];
}
export interface CpuProfile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
}

function post<T>(session: inspector.Session, method: string, params: object = {}): Promise<T> {
    return new Promise((resolve, reject) =>
        session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))),
    );
}

/** Profiles one call of `fn` and returns its result and the profile. */
export async function profiled<T>(
    fn: () => Promise<T>,
    intervalMicros = 250,
): Promise<{ value: T; profile: CpuProfile }> {
    const session = new inspector.Session();
    session.connect();
    try {
        await post(session, "Profiler.enable");
        await post(session, "Profiler.setSamplingInterval", { interval: intervalMicros });
        await post(session, "Profiler.start");
        let value: T;
        try {
            value = await fn();
        } catch (e) {
            await post(session, "Profiler.stop").catch(() => undefined);
            throw e;
        }
        const { profile } = await post<{ profile: CpuProfile }>(session, "Profiler.stop");
        return { value, profile };
    } finally {
        session.disconnect();
    }
}

export interface SiteCost {
    /** `file:line function` of the innermost project (or baseline) frame. */
    site: string;
    ms: number;
    share: number;
    /** Of which: the site's own code and the libraries it calls that are not Pulumi (yaml, zod, node). */
    ownMs: number;
    /** Of which: Pulumi SDK and provider SDK work it triggers (registration, outputs, stack-trace capture). */
    sdkMs: number;
}

export interface Category {
    name: string;
    ms: number;
    share: number;
}

export interface ProfileSummary {
    totalMs: number;
    /** Samples with a project (or baseline) frame on the stack, charged to the innermost one. */
    sites: SiteCost[];
    /** Sum over every site, not only the listed ones. */
    sitesOwnMs: number;
    sitesSdkMs: number;
    /** Samples with no such frame, by category. */
    other: Category[];
}

function toPath(url: string): string | undefined {
    if (url.startsWith("file://")) {
        try {
            return fileURLToPath(url);
        } catch {
            return undefined;
        }
    }
    return url.startsWith("/") ? url : undefined;
}

/** Code the comparison is about: the program (index.ts, components/, stacks/) and the baseline. */
function isUserFile(rel: string): boolean {
    return (
        rel === "index.ts" ||
        rel.startsWith(`components${path.sep}`) ||
        rel.startsWith(`stacks${path.sep}`) ||
        rel === path.join("tools", "bench", "baseline.ts")
    );
}

/** Summarises a profile: user sites (innermost user frame) split into own and SDK time, then the rest. */
export function summarize(profile: CpuProfile, projectDir: string, top = 20): ProfileSummary {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

    const siteCache = new Map<number, string | null>();
    const userSite = (node: ProfileNode): string | null => {
        const cached = siteCache.get(node.id);
        if (cached !== undefined) return cached;
        let site: string | null = null;
        const file = toPath(node.callFrame.url);
        if (file && file.startsWith(projectDir) && !file.includes(`${path.sep}node_modules${path.sep}`)) {
            const rel = path.relative(projectDir, file);
            if (isUserFile(rel)) {
                // tsx compiles with inline source maps: map the position back to the .ts line.
                let line = node.callFrame.lineNumber + 1;
                const map = findSourceMap(file) ?? findSourceMap(node.callFrame.url);
                const entry = map?.findEntry(node.callFrame.lineNumber, node.callFrame.columnNumber) as
                    { originalLine?: number } | undefined;
                if (entry && typeof entry.originalLine === "number") line = entry.originalLine + 1;
                site = `${rel}:${line} ${node.callFrame.functionName || "(anonymous)"}`;
            }
        }
        siteCache.set(node.id, site);
        return site;
    };
    const isSdk = (f: CallFrame) =>
        f.url.includes("node_modules/@pulumi/") || f.functionName === "get stack" || f.url.includes("source_map");

    const category = (leaf: ProfileNode): string => {
        const name = leaf.callFrame.functionName;
        if (name === "(garbage collector)") return "(garbage collector)";
        if (name === "(idle)") return "(idle)";
        if (name === "(program)") return "(program: native/runtime)";
        for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
            const f = byId.get(id)!.callFrame;
            // Pulumi's debuggablePromise keeps `new Error().stack` of every promise; tsx's
            // source maps make that expensive.
            if (f.functionName === "get stack" || f.url.includes("source_map")) return "(stack-trace capture, SDK)";
            if (f.url.includes("node_modules/@pulumi/pulumi/")) return "(Pulumi SDK, asynchronous)";
            if (f.url.includes("node_modules/@pulumi/")) return "(provider SDKs, asynchronous)";
        }
        return "(other: harness, recorder, node)";
    };

    const sites = new Map<string, { ms: number; ownMs: number; sdkMs: number }>();
    const other = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < profile.samples.length; i++) {
        const dt = (profile.timeDeltas[i] ?? 0) / 1000;
        total += dt;
        const leaf = byId.get(profile.samples[i]);
        if (!leaf) continue;
        let site: string | null = null;
        let sdk = false;
        for (let id: number | undefined = leaf.id; id !== undefined && site === null; id = parent.get(id)) {
            const node = byId.get(id)!;
            site = userSite(node);
            if (site === null && isSdk(node.callFrame)) sdk = true;
        }
        if (site !== null) {
            const cost = sites.get(site) ?? { ms: 0, ownMs: 0, sdkMs: 0 };
            cost.ms += dt;
            if (sdk) cost.sdkMs += dt;
            else cost.ownMs += dt;
            sites.set(site, cost);
        } else {
            const c = category(leaf);
            other.set(c, (other.get(c) ?? 0) + dt);
        }
    }
    const share = (ms: number) => (total > 0 ? ms / total : 0);
    const all = [...sites].map(([site, c]) => ({ site, ...c, share: share(c.ms) }));
    return {
        totalMs: total,
        sites: all.sort((a, b) => b.ms - a.ms).slice(0, top),
        sitesOwnMs: all.reduce((s, c) => s + c.ownMs, 0),
        sitesSdkMs: all.reduce((s, c) => s + c.sdkMs, 0),
        other: [...other].map(([name, ms]) => ({ name, ms, share: share(ms) })).sort((a, b) => b.ms - a.ms),
    };
}

export function formatSummary(title: string, s: ProfileSummary): string {
    const ms = (n: number) => n.toFixed(0).padStart(7);
    const pct = (n: number) => `${(n * 100).toFixed(1).padStart(5)} %`;
    return [
        `${title}: ${s.totalMs.toFixed(0)} ms sampled; under project/baseline frames: own code ${s.sitesOwnMs.toFixed(0)} ms, SDK calls ${s.sitesSdkMs.toFixed(0)} ms`,
        `      total   share     own     SDK  innermost project/baseline frame`,
        ...s.sites.map((c) => `  ${ms(c.ms)} ${pct(c.share)} ${ms(c.ownMs)} ${ms(c.sdkMs)}  ${c.site}`),
        "  no project/baseline frame on the stack:",
        ...s.other.map((c) => `  ${ms(c.ms)} ${pct(c.share)}                  ${c.name}`),
        "",
    ].join("\n");
}

export function writeProfile(file: string, profile: CpuProfile): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
}

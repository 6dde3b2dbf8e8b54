import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedResource, RunOptions, RunResult } from "../tools/harness";
import { SECRET_SIG, SECRET_SIG_KEY } from "../tools/harness";
import { ConfigError } from "../stacks/errors";

export const PROJECT_DIR = path.resolve(__dirname, "..");
/** The design brief's copy of what `az iot ops init` wrote (beside the repository, read-only). */
export const SHARED_FIXTURES = path.resolve(PROJECT_DIR, "..", "shared", "fixtures", "az-iot-ops-init");
/**
 * Our committed copy of those fixtures, so parity tests run on any clone; `parity.test.ts`
 * checks it against the shared one whenever that is present.
 */
export const FIXTURES = path.resolve(PROJECT_DIR, "test", "fixtures", "az-iot-ops-init");

/**
 * `test` when `ready`, else a skipped test whose title ends with why (`[skipped: <reason>]`);
 * the run's summary lists every skipped test with its title (test/skip-reporter.cjs), so a
 * skip never passes for a pass.
 */
export function testIf(
    ready: boolean,
    reason: string,
): (title: string, fn: jest.ProvidesCallback, timeout?: number) => void {
    return ready ? test : (title, fn, timeout) => test.skip(`${title} [skipped: ${reason}]`, fn, timeout);
}

/** Why a test that compares with the design brief's fixtures (`../shared/fixtures/<name>`) is skipped. */
export function sharedFixturesReason(dir: string): string {
    return `${path.relative(PROJECT_DIR, dir)} is not beside this clone (only the project's own checkout has the design brief's copy; the other tests use the committed copy in test/fixtures)`;
}

/** Every stack settings file of the project. */
export function stackNames(): string[] {
    return fs
        .readdirSync(PROJECT_DIR)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

let harness: typeof import("../tools/harness") | undefined;

/**
 * Runs the real program once. The providers are loaded once per test file (the slow part);
 * each run sets its own mocks and calls the program anew.
 */
export async function runStack(opts: RunOptions): Promise<RunResult> {
    if (!harness) {
        jest.resetModules();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        harness = require("../tools/harness") as typeof import("../tools/harness");
    }
    return harness.runProgram(opts);
}

/** A scratch directory with the given files. */
export function scratch(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-secrets-test-"));
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

export function byType(run: RunResult, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function byName(run: RunResult, name: string): RecordedResource {
    const found = run.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; have ${run.resources.map((r) => r.name).join(", ")}`);
    return found;
}

/**
 * Paths at which `needle` appears in `value` outside a secret envelope. An empty result
 * proves the value only ever travels wrapped.
 */
export function plaintextPaths(value: unknown, needle: string, at = "$"): string[] {
    if (typeof value === "string") return value.includes(needle) ? [at] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => plaintextPaths(v, needle, `${at}[${i}]`));
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SECRET_SIG_KEY] === SECRET_SIG) return [];
        return Object.entries(record).flatMap(([k, v]) => plaintextPaths(v, needle, `${at}.${k}`));
    }
    return [];
}

/** A minimal valid stack settings file, for variations. */
export const MINIMAL_STACK = `config:
  azure-native:location: westeurope
  aio-secrets:tenantId: 11111111-2222-3333-4444-555555555555
  aio-secrets:keyVault:
    name: kv-test-01
    resourceGroupName: rg-test
`;

/** The message of the ConfigError `f` throws (fails when it throws none, rethrows any other error). */
export function configErrorOf(f: () => unknown): string {
    try {
        f();
    } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
    }
    throw new Error("no ConfigError");
}

/** A small fleet's shared files (tests of `plan --all`): a two-secret catalog, Pulumi.yaml and one ESC stand-in. */
export const FLEET = {
    catalog: `environments: [dev, prod]
secretProviderClasses: {}
secrets:
  - { name: api-token, source: generated, spcs: [aio-default-spc] }
  - { name: dev-token, source: generated, spcs: [aio-default-spc], environments: [dev] }
`,
    project:
        "name: aio-secrets\nruntime: nodejs\nconfig:\n  azure-native:location: westeurope\n  aio-secrets:tenantId: 0f0e0d0c-0b0a-4909-8807-060504030201\n",
    edge: "values:\n  pulumiConfig:\n    aio-secrets:environment: prod\n    aio-secrets:cluster: { namespace: azure-iot-operations }\n",
    /** A prod site stack on the ESC stand-in, vault kv-site-<n>. */
    site: (n: string) =>
        `environment: [aio-secrets/edge]\nconfig:\n  aio-secrets:keyVault: { name: kv-site-${n}, resourceGroupName: rg-site-${n} }\n`,
};

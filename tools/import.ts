import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { ConfigError } from "../stacks/errors";
import { readUtf8File } from "../stacks/text";
import { parseCommandLine, sanitize } from "./cli";
import { catalogFragment, fragmentText, withAdoption } from "./adopt";
import type { RunResult } from "./harness";
import { planOf, reviewLive, runTool, STACK_OPTIONS, StackFiles, stackFilesOf, stackValue } from "./liveStack";
import { driftOf, ImportFile, importFileOf, isUnreadable, isVaultChange, plannedSecrets } from "./ownership";

/**
 * `npm run -s import -- --stack <name> --from <file> [--json] [--write]`: brings what a cluster
 * already holds under the stack (issue 19). From an export it writes the catalog entries and the
 * settings that make the plan declare it, and the `pulumi import --file` JSON that makes the first
 * `up` adopt it (exact types, names, parents and ids: nothing is recreated).
 */

export const USAGE = `usage: npx aio-secrets import --stack <name> --from <file> [--json] [--write]
   or: npm run -s import -- --stack <name> --from <file> [--json] [--write]

Reads an export of what is there and prints the catalog entries to add (YAML to paste), the
stack settings to set, and a \`pulumi import --file\` JSON for the first up, then one line for
each entry that cannot be mapped and why (an object in no SecretSync, a mapping whose key breaks
the rules, a vault secret that nothing reads). docs/ownership.md walks through it.

  --stack <name>       the stack: Pulumi.<name>.yaml is read (required)
  --from <file>        the export (required): az resource show of the custom location's
                       Microsoft.SecretSyncController resources, kubectl get secretproviderclass
                       -o json, az keyvault secret list (one file; a JSON array may mix them)
  --json               print {catalog, settings, importFile, unmapped} on stdout
  --write              also add the entries to the catalog file, keeping its comments and order
  --stack-file <path>  read the stack settings from this file instead of Pulumi.<name>.yaml
  --catalog <path>     read (and with --write, edit) this catalog instead of stacks/secrets.yaml
  -h, --help           this text

Exit codes: 0 done, 1 invalid input, 2 bad command line, 3 internal error.`;

const TOOL = "import";

export const OPTIONS = {
    ...STACK_OPTIONS,
    from: { type: "string" },
    write: { type: "boolean", default: false },
} as const;

export interface ImportResult {
    /** The catalog entries to add, with the catalog's keys. */
    catalog: Record<string, unknown>;
    /** Stack settings to set: `aio-secrets:<key>` -> the keys to set under it. */
    settings: Record<string, Record<string, unknown>>;
    importFile: ImportFile;
    unmapped: string[];
    /** The entries as YAML to paste. */
    catalogFragment: string;
    /** The catalog text with the entries added (what --write writes). */
    catalogText: string;
    /** The plan made from the new catalog and settings. */
    plan: RunResult;
}

/** Config overrides that apply the settings fragment over the stack's own values (a plan with them). */
function settingsOverrides(files: StackFiles, settings: ImportResult["settings"]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, fragment] of Object.entries(settings)) {
        const current = stackValue(files, key.replace(/^aio-secrets:/, "")).value;
        const base = current !== null && typeof current === "object" && !Array.isArray(current) ? current : {};
        out[key] = JSON.stringify({ ...base, ...fragment });
    }
    return out;
}

/**
 * The import of `files.live` into the stack: the entries, the settings, the import file, and the
 * plan made from them.
 */
export async function importLive(files: StackFiles): Promise<ImportResult> {
    const before = await planOf(files);
    if (before.error)
        throw new ConfigError([
            { file: path.basename(files.stackFile), path: "", rule: `invalid input: ${before.error}` },
        ]);
    const review = reviewLive(files, before);
    const { adoption, live } = review;
    const catalogText = withAdoption(readUtf8File(files.catalogFile, path.basename(files.catalogFile)), adoption);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-import-"));
    let plan: RunResult;
    try {
        const catalogFile = path.join(dir, path.basename(files.catalogFile));
        fs.writeFileSync(catalogFile, catalogText);
        plan = await planOf(files, catalogFile, settingsOverrides(files, adoption.settings));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    if (plan.error)
        throw new ConfigError([
            {
                file: path.basename(files.catalogFile),
                path: "",
                rule: `the entries made from the export do not plan: ${plan.error}`,
            },
        ]);
    const planned = plannedSecrets(plan);
    const imported = importFileOf(live, planned);
    // What the catalog declares differently from the cluster: an entry cannot adopt it, the next up reverts it.
    const reverted = driftOf(live, planned)
        .filter((d) => d.kind === "changed" && !isUnreadable(d))
        .map((d) =>
            isVaultChange(d)
                ? `${d.in}: ${d.detail} (or set aio-secrets:keyVault to that vault)`
                : `${d.in}: ${d.name}: ${d.detail}; the next up reverts it (change the catalog entry to keep it)`,
        );
    return {
        catalog: catalogFragment(adoption),
        catalogFragment: fragmentText(adoption),
        settings: adoption.settings,
        importFile: imported.file,
        unmapped: [...adoption.unmapped, ...imported.unmapped, ...reverted],
        catalogText,
        plan,
    };
}

/** The text output: the three parts and the unmapped lines. */
export function importText(r: ImportResult, stack: string, wrote?: string): string {
    const parts: string[] = [];
    const catalog = Object.keys(r.catalog).length > 0 ? r.catalogFragment : "(nothing to add)\n";
    parts.push(
        wrote
            ? `# catalog: entries added to ${wrote}\n${catalog}`
            : `# catalog: add to stacks/secrets.yaml\n${catalog}`,
    );
    const settings =
        Object.keys(r.settings).length > 0 ? stringify({ config: r.settings }, { lineWidth: 0 }) : "(nothing to set)\n";
    parts.push(`# settings: set in Pulumi.${stack}.yaml\n${settings}`);
    parts.push(
        `# import file: save as import.json, then pulumi import --file import.json --stack ${stack}\n${JSON.stringify(r.importFile, null, 2)}\n`,
    );
    parts.push(
        r.unmapped.length > 0
            ? `# not mapped (${r.unmapped.length}):\n${r.unmapped.map((u) => `  ${u}\n`).join("")}`
            : "# not mapped: none\n",
    );
    return parts.join("\n");
}

async function main(): Promise<number> {
    const parsed = parseCommandLine(OPTIONS, USAGE);
    if ("exit" in parsed) return parsed.exit;
    const files = stackFilesOf(TOOL, parsed.values, { flag: "--from", value: parsed.values.from });
    if ("exit" in files) return files.exit;
    const result = await importLive(files);
    let wrote: string | undefined;
    if (parsed.values.write && Object.keys(result.catalog).length > 0) {
        fs.writeFileSync(files.catalogFile, result.catalogText);
        wrote = path.relative(process.cwd(), files.catalogFile) || files.catalogFile;
    }
    if (parsed.values.json) {
        const { catalog, settings, importFile, unmapped } = result;
        process.stdout.write(`${JSON.stringify({ catalog, settings, importFile, unmapped }, null, 2)}\n`);
    } else process.stdout.write(sanitize(importText(result, files.stack, wrote)));
    return 0;
}

if (require.main === module) runTool(TOOL, main);

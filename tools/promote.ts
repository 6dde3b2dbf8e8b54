import * as fs from "node:fs";
import * as path from "node:path";
import { parseCommandLine } from "./cli";
import { parseCatalog } from "../stacks/catalog";
import { ConfigError, formatProblem } from "../stacks/errors";
import { promotionComplete, promotionStatus, StackInfo, statusText } from "./promotion";
import { readStackConfig } from "./stackfile";

/**
 * `npm run promote -- --status [--check] [--json]`: for every catalog secret and every
 * `Pulumi.<stack>.yaml`, whether it is enabled there and whether its value is present, with
 * the command that fixes what is missing. `--check` exits 1 when anything is missing.
 */

const USAGE = `usage: npm run promote -- --status [--check] [--json] [--catalog <path>]`;

function main(): number {
    const parsed = parseCommandLine(
        {
            status: { type: "boolean", default: false },
            check: { type: "boolean", default: false },
            json: { type: "boolean", default: false },
            catalog: { type: "string" },
        },
        USAGE,
    );
    if ("exit" in parsed) return parsed.exit;
    const { values } = parsed;
    if (!values.status && !values.check) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
    const projectDir = path.resolve(__dirname, "..");
    const catalogPath = values.catalog ?? path.join(projectDir, "stacks", "secrets.yaml");
    const { catalog, problems } = parseCatalog(fs.readFileSync(catalogPath, "utf8"), path.relative(projectDir, catalogPath) || catalogPath);
    if (!catalog) {
        process.stderr.write(`${problems.map(formatProblem).join("\n")}\n`);
        return 1;
    }
    const stacks: StackInfo[] = [];
    for (const file of fs.readdirSync(projectDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).sort()) {
        const stack = file.slice("Pulumi.".length, -".yaml".length);
        try {
            const config = readStackConfig(fs.readFileSync(path.join(projectDir, file), "utf8"), file, "aio-secrets");
            stacks.push({ stack, environment: config.config["aio-secrets:environment"] ?? stack, config });
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            process.stderr.write(`${e.message}\n`);
            return 1;
        }
    }
    const status = promotionStatus(catalog, stacks);
    process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : statusText(status));
    return values.check && !promotionComplete(status) ? 1 : 0;
}

process.exitCode = main();

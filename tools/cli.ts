import { parseArgs, ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"];

/**
 * The flag handling the project's commands share: `node:util` parseArgs, strict, plus `--help`.
 * Returns the values, or the exit code when the command should stop: 2 for bad flags (usage on
 * stderr), 0 after printing the usage for `--help`.
 */
export function parseCommandLine<O extends Options>(options: O, usage: string): { values: Values<O> } | { exit: number } {
    let values: Values<O>;
    try {
        ({ values } = parseArgs({ options, strict: true, args: process.argv.slice(2).filter((a) => a !== "--help" && a !== "-h") }));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${usage}\n`);
        return { exit: 2 };
    }
    if (process.argv.slice(2).some((a) => a === "--help" || a === "-h")) {
        process.stdout.write(`${usage}\n`);
        return { exit: 0 };
    }
    return { values };
}

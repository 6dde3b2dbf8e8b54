import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"];

/**
 * The command-line edge the project's commands share (plan, promote, bench): flag parsing,
 * `--help`, where relative paths point, checks of input files and stack names, and making
 * anything a user typed safe to echo on a terminal.
 */

/** Largest stack file or catalog the tools read: far above any real one, far below a mistake. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Text safe to print on a terminal: control characters (C0 but newline and tab, DEL, C1) and
 * bidirectional overrides become visible `\u{..}` escapes, so a value a user typed (or a file
 * holds) can never move the cursor, recolour the screen or reorder what is shown.
 */
export function sanitize(text: string): string {
    return text.replace(
        // eslint-disable-next-line no-control-regex
        /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
        (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
    );
}

/** A user-given value for a message: sanitized and quoted. */
export function quote(value: string): string {
    return `"${sanitize(value)}"`;
}

/**
 * The directory the user ran the command in. `npm run` starts scripts in the package root and
 * keeps the caller's directory in `INIT_CWD`; `npx`/`npm exec` set it too. Relative paths given
 * on the command line resolve against it.
 */
export function userDirectory(): string {
    const init = process.env.INIT_CWD;
    if (init && path.isAbsolute(init)) {
        try {
            if (fs.statSync(init).isDirectory()) return init;
        } catch {
            // Gone or unreadable: fall back to the process's own directory.
        }
    }
    return process.cwd();
}

/** A path from the command line, absolute, resolved against the user's directory. */
export function resolveUserPath(given: string): string {
    return path.resolve(userDirectory(), given);
}

/**
 * What is wrong with a file the tools will read, as a rule (`is a directory, not a file`), or
 * undefined when it is fine: it must exist, be a regular file (not a directory, FIFO or
 * device, which would block or never end; a symbolic link counts as what it points to) and be
 * at most `MAX_INPUT_BYTES`.
 */
export function fileProblem(file: string): string | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code === "ENOENT"
            ? "no such file"
            : code === "EACCES"
              ? "permission denied"
              : `cannot be read (${code ?? "error"})`;
    }
    if (stat.isDirectory()) return "is a directory, not a file";
    if (!stat.isFile()) return "is not a regular file (a FIFO, socket or device is never read)";
    if (stat.size > MAX_INPUT_BYTES)
        return `is ${stat.size} bytes; the limit is ${MAX_INPUT_BYTES} (1 MiB): is this the right file?`;
    try {
        fs.accessSync(file, fs.constants.R_OK);
    } catch {
        return "permission denied";
    }
    return undefined;
}

/** `fileProblem` of a file given by `flag`, as a message naming the flag and the file. */
export function inputFileProblem(flag: string, file: string): string | undefined {
    const problem = fileProblem(file);
    return problem === undefined ? undefined : `${flag} ${quote(file)}: ${problem}`;
}

/** Pulumi's rule for stack and project names (the CLI and the service enforce the same). */
const STACK_NAME_PART = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Whether `name` is a bare stack name by Pulumi's rule (letters, digits, `_`, `.`, `-`, at most
 * 100) and not `.` or `..`, which are paths: a name that is safe as a file or directory name.
 */
export function isStackName(name: string): boolean {
    return STACK_NAME_PART.test(name) && name !== "." && name !== "..";
}

/**
 * A `--stack` value as Pulumi accepts it: `stack`, `project/stack` or `org/project/stack`, each
 * part letters, digits, `_`, `.` and `-` (at most 100). The stack settings file is named after
 * the last part only (`Pulumi.<stack>.yaml`), as the Pulumi CLI does. Never a path.
 */
export function parseStackName(given: string): { stack: string } | { error: string } {
    const parts = given.split("/");
    const rule =
        "a stack name is letters, digits, '_', '.' and '-' (at most 100), optionally qualified as project/stack or org/project/stack";
    if (parts.length > 3 || !parts.every((p) => STACK_NAME_PART.test(p)))
        return { error: `--stack ${quote(given)}: ${rule}` };
    const stack = parts[parts.length - 1];
    const dots = parts.find((p) => p === "." || p === "..");
    if (dots !== undefined) return { error: `--stack ${quote(given)}: ${rule}; "${dots}" is a path, not a name` };
    if (parts.length === 3 && parts[1] !== "aio-secrets") {
        return { error: `--stack ${quote(given)}: the project part must be aio-secrets (Pulumi.yaml's name)` };
    }
    return { stack };
}

let pipeGuarded = false;

/**
 * A reader that stops reading (`| head`, `| grep -q`) ends the output, not the command: Node
 * reports the closed pipe as an `EPIPE` 'error' event on the stream, which without a listener is
 * an uncaught exception (a stack trace, exit 1). With this the command runs to its end and its
 * own exit code stands (`expiry --within 30d | head` still exits 1 when something falls due).
 * Any other stream error is thrown as before. Installed once, by {@link parseCommandLine}.
 */
export function guardClosedPipes(): void {
    if (pipeGuarded) return;
    pipeGuarded = true;
    for (const stream of [process.stdout, process.stderr])
        stream.on("error", (e: NodeJS.ErrnoException) => {
            if (e.code !== "EPIPE") throw e;
        });
}

/**
 * The flag handling the project's commands share: `node:util` parseArgs, strict, plus `--help`.
 * Returns the values, or the exit code when the command should stop: 2 for bad flags (usage on
 * stderr), 0 after printing the usage for `--help`. Makes the command safe in a pipe whose reader
 * stops early ({@link guardClosedPipes}).
 */
export function parseCommandLine<O extends Options>(
    options: O,
    usage: string,
    argv: string[] = process.argv.slice(2),
): { values: Values<O> } | { exit: number } {
    guardClosedPipes();
    if (argv.some((a) => a === "--help" || a === "-h")) {
        process.stdout.write(`${usage}\n`);
        return { exit: 0 };
    }
    let values: Values<O>;
    try {
        ({ values } = parseArgs({ options, strict: true, args: argv }));
    } catch (e) {
        return { exit: usageError(usage, (e as Error).message) };
    }
    return { values };
}

/** The command a usage text is for: `plan` of `usage: npx aio-secrets plan ...`. */
export function commandOf(usage: string): string {
    return /^usage: npx aio-secrets ([a-z-]+)/.exec(usage)?.[1] ?? "";
}

/**
 * A bad command line: one line that says what is wrong, then where the flags are explained
 * (not the whole usage, which buries the line that matters). Returns 2, the exit code of a bad
 * command line.
 */
export function usageError(usage: string, message: string): number {
    const command = commandOf(usage);
    const tool = command === "" ? "aio-secrets" : `aio-secrets ${command}`;
    // parseArgs ends its messages with "To specify a positional argument starting with a '-', ...": one sentence is
    // enough.
    const line = message.split("\n")[0].replace(/\. To specify a positional argument .*$/, "");
    process.stderr.write(`${tool}: ${sanitize(line)}\nRun 'npx ${tool} --help' for the flags.\n`);
    return 2;
}

/**
 * A bad flag, flag value or combination of flags that parsed: the error, then where the flags
 * are explained (as {@link usageError}). Returns 2, the exit code of a bad command line.
 */
export function flagError(tool: string, message: string): number {
    process.stderr.write(
        `aio-secrets ${tool}: ${sanitize(message)}\nRun 'npx aio-secrets ${tool} --help' for the flags.\n`,
    );
    return 2;
}

/** Prints a one-line (or few-line) error for `tool`, sanitized, and returns `code`. */
export function fail(tool: string, message: string, code: number): number {
    process.stderr.write(`aio-secrets ${tool}: ${sanitize(message)}\n`);
    return code;
}

/**
 * Runs a command's `main` (synchronous or async) and sets the exit code from it (never
 * `process.exit()` after writing); an unexpected error is one line with exit 3, never a stack
 * trace for a user (AIO_SECRETS_DEBUG=1 shows the trace). Every tool's runner, so they answer alike.
 */
export function runAsCommand(tool: string, main: () => number | Promise<number>): void {
    const internal = (e: unknown): void => {
        const detail =
            e instanceof Error ? (process.env.AIO_SECRETS_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
        process.exitCode = fail(tool, `internal error: ${detail}`, 3);
    };
    try {
        const code = main();
        if (typeof code === "number") process.exitCode = code;
        else
            code.then((c) => {
                process.exitCode = c;
            }, internal);
    } catch (e) {
        internal(e);
    }
}

#!/usr/bin/env node
/**
 * The `aio-secrets` command (package.json `bin`): `npx aio-secrets <command> [flags]` (COMMANDS below)
 * runs tools/<command>.ts under tsx, exactly as `npm run <command> --` does, but without npm's
 * script banner on stdout, so `--json` output pipes straight into jq.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const COMMANDS = {
    plan: "the offline plan of a stack (what `pulumi up` would declare), or its diff against a git revision",
    promote: "which catalog secret is enabled and has its value in which stack (--status, --check)",
    bench: "the offline plan's speed against a bare-SDK baseline",
    expiry: "what falls due across the fleet: password slots, the CA, rotations, vault expiries (--within 30d)",
    import: "catalog entries, settings and a pulumi import file for what a cluster already holds (--from)",
    drift: "what differs between a live export and the stack's plan (--live); exit 1 on drift",
    access: "who holds which right on the stack's vault, and which vault objects it reaches (--stack, --all)",
    check: "who reads each synced Secret (--kinds), and an export of a cluster's AIO resources against a stack (--live)",
};

const usage = `usage: npx aio-secrets <command> [flags]

commands:
${Object.entries(COMMANDS)
    .map(([name, what]) => `  ${name.padEnd(8)} ${what}`)
    .join("\n")}

npx aio-secrets <command> --help explains each command's flags.`;

/**
 * Runs the command and returns the exit status to forward. Nothing here calls `process.exit()`
 * after writing: the status goes to `process.exitCode` and Node exits once stdout has drained
 * (an exit right after a large write to a pipe cuts the output at the pipe's buffer). The child
 * writes to the inherited descriptors itself (`stdio: "inherit"`): its output never passes
 * through this process, so it cannot be cut here either.
 */
function main() {
    const [command, ...args] = process.argv.slice(2);
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
        process.stdout.write(`${usage}\n`);
        return command === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(COMMANDS, command)) {
        // The name is echoed as JSON: no terminal control characters reach the screen.
        process.stderr.write(
            `aio-secrets: unknown command ${JSON.stringify(command)}\nRun 'npx aio-secrets --help' for the commands.\n`,
        );
        return 2;
    }
    // `--import tsx` by file URL: found from this package, whatever the current directory is.
    const tsx = pathToFileURL(require.resolve("tsx")).href;
    // A larger young generation: a plan allocates many short-lived objects, and with the default
    // (16 MB) scavenges take a third of a fleet plan's time (package.json's "plan" script too).
    const heap = command === "plan" ? ["--max-semi-space-size=64"] : [];
    const result = spawnSync(
        process.execPath,
        [...heap, "--import", tsx, path.join(__dirname, `${command}.ts`), ...args],
        { stdio: "inherit" },
    );
    if (result.error) {
        process.stderr.write(`aio-secrets: cannot start ${command}: ${result.error.message}\n`);
        return 3;
    }
    // Killed by a signal: die of the same signal (nothing of ours is left to write).
    if (result.signal) process.kill(process.pid, result.signal);
    return result.status ?? 3;
}

process.exitCode = main();

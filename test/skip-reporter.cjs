/**
 * A jest reporter that lists every skipped test with its full title after the run: the default
 * reporter only counts them when several files run, so a skip (a missing ../shared fixture,
 * running as root) would pass for a pass. Titles of conditional skips end with
 * `[skipped: <reason>]` (test/helpers.ts testIf).
 */
"use strict";

class SkipReporter {
    onRunComplete(_contexts, results) {
        const skipped = [];
        for (const file of results.testResults) {
            for (const t of file.testResults) if (t.status === "pending") skipped.push(`  ${t.fullName}`);
        }
        if (skipped.length > 0) process.stderr.write(`\nSkipped (${skipped.length}):\n${skipped.join("\n")}\n`);
    }
}

module.exports = SkipReporter;

/** Transpile-only: types are checked once by `npm run typecheck`, not per test file. */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    transform: {
        "^.+\\.ts$": ["ts-jest", { transpilation: true, diagnostics: false }],
    },
    testTimeout: 60000,
    // Two cores: the whole-program suites load the providers once per run, so run two files at a time.
    maxWorkers: 2,
    // The default summary, then every skipped test with the reason in its title.
    reporters: ["default", "<rootDir>/test/skip-reporter.cjs"],
};

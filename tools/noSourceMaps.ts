/**
 * Imported first by a `plan --all` worker (tools/fleetWorker.ts): turns off the source maps that
 * tsx turns on, before the SDK and the providers load. With them on, Node reads and indexes the
 * source map of every module that names one (the SDK's and the providers' thousands), which a
 * worker never uses: its results are plans and error messages, not stack traces.
 * `AIO_SECRETS_DEBUG=1` keeps them, as it keeps the SDK's other debugging aids.
 */
if (!process.env.AIO_SECRETS_DEBUG) process.setSourceMapsEnabled(false);

export {};

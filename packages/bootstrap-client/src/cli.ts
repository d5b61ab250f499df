#!/usr/bin/env node
/**
 * The `massa-bootstrap` command. Exit codes: 0 verified, 2 bad arguments, 3 gave up after
 * --max-resets resets, 4 integrity failure, 5 other failure, 130 SIGINT (143 SIGTERM); the
 * table lives in cli-args.ts (EXIT) and in the `--help` epilogue.
 */
import { EXIT } from './cli-args';
import { runCli } from './cli-main';

const controller = new AbortController();
let abortCode: number = EXIT.SIGINT;
const onSignal = (code: number) => (): void => {
  if (controller.signal.aborted) process.exit(code); // a second signal: stop now
  abortCode = code;
  controller.abort();
};
process.on('SIGINT', onSignal(EXIT.SIGINT));
process.on('SIGTERM', onSignal(EXIT.SIGTERM));

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  signal: controller.signal,
  abortCode: () => abortCode,
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`massa-bootstrap: unexpected error: ${String(err)}\n`);
    process.exit(EXIT.FAILURE);
  },
);

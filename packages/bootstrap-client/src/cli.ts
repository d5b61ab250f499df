#!/usr/bin/env node
/**
 * The `massa-bootstrap` command. Exit codes: 0 verified, 2 bad arguments, 3 gave up after
 * --max-resets resets, 4 integrity failure, 5 other failure, 130 SIGINT (143 SIGTERM); the
 * table lives in cli-args.ts (EXIT) and in the `--help` epilogue.
 *
 * Telemetry: when an OTEL_* variable is set (non-empty) or --trace-console is given,
 * OpenTelemetry starts first, before gRPC loads (cli-main.ts, which loads it, is imported
 * afterwards): the calls become client spans whose trace context reaches the gateway and the
 * history-store, and resets are counted (massa_bootstrap.client.resets). Otherwise the SDK is
 * not even loaded: it costs about a second of start-up, and with no OTEL_* variable it would
 * export nothing.
 */
import type { Telemetry } from '@massa-bootstrap/telemetry';
import { EXIT } from './cli-args';

const TRACE_CONSOLE_FLAG = '--trace-console';

/** Starts telemetry when the environment or the command line asks for it (see above). */
async function startCliTelemetry(argv: readonly string[]): Promise<Telemetry | undefined> {
  const consoleTraces = argv.includes(TRACE_CONSOLE_FLAG);
  // Empty values count as unset, as in the telemetry package.
  const configured = Object.entries(process.env).some(
    ([name, value]) => name.startsWith('OTEL_') && value?.trim(),
  );
  if (!consoleTraces && !configured) return undefined;
  const { startTelemetry } = await import('@massa-bootstrap/telemetry');
  return startTelemetry({ serviceName: 'massa-bootstrap-cli', console: consoleTraces });
}

const controller = new AbortController();
let abortCode: number = EXIT.SIGINT;
const onSignal = (code: number) => (): void => {
  if (controller.signal.aborted) process.exit(code); // a second signal: stop now
  abortCode = code;
  controller.abort();
};
process.on('SIGINT', onSignal(EXIT.SIGINT));
process.on('SIGTERM', onSignal(EXIT.SIGTERM));

async function main(argv: readonly string[]): Promise<number> {
  let telemetry: Telemetry | undefined;
  try {
    telemetry = await startCliTelemetry(argv);
  } catch (err) {
    // A bad OTEL_* value: the message names the variable.
    process.stderr.write(`massa-bootstrap: ${(err as Error).message}\n`);
    return EXIT.BAD_ARGUMENTS;
  }
  try {
    const { runCli } = await import('./cli-main.js'); // after startTelemetry()
    return await runCli(argv, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      signal: controller.signal,
      abortCode: () => abortCode,
      metrics: telemetry?.metrics,
    });
  } finally {
    await telemetry?.shutdown(); // flushes the spans and metrics; never rejects
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`massa-bootstrap: unexpected error: ${String(err)}\n`);
    process.exit(EXIT.FAILURE);
  },
);

import { CommanderError } from 'commander';
import { formatSlot } from '@massa-bootstrap/core';
import { channelCredentials } from '@massa-bootstrap/rpc';
// Types only: cli.ts loads the telemetry package, and only when telemetry is asked for.
import type { BootstrapMetrics, ResetAttributes } from '@massa-bootstrap/telemetry';
import { Bootstrapper } from './bootstrapper';
import type { BootstrapResult } from './options';
import { EXIT, buildProgram, readArgs, type CliArgs } from './cli-args';
import { attachBarReporter, attachJsonReporter, jsonLine, type CliOutput } from './cli-report';
import { BootstrapAbortedError, IntegrityError, TooManyResetsError } from './errors';
import type { ResetEvent } from './events';
import { LmdbSink } from './lmdb-sink';

/** What the CLI needs from its process (injectable for tests). */
export interface CliEnvironment extends CliOutput {
  /** Aborted on SIGINT/SIGTERM; `abortCode()` tells which exit code that maps to. */
  readonly signal: AbortSignal;
  abortCode(): number;
  /** Where resets are counted (`massa_bootstrap.client.resets`); omitted: nowhere. */
  readonly metrics?: Pick<BootstrapMetrics, 'clientResets'>;
}

/** The reset attribute of the telemetry conventions for a reset event. */
function resetAttributes(event: ResetEvent): ResetAttributes {
  return {
    'massa.bootstrap.reason': event.reason === 'slot-too-old' ? 'SLOT_TOO_OLD' : 'DIGEST_MISMATCH',
  };
}

/** The exit code of a failed run (see EXIT in cli-args.ts). */
export function exitCodeOf(err: unknown, env: CliEnvironment): number {
  if (err instanceof BootstrapAbortedError) return env.abortCode();
  if (err instanceof TooManyResetsError) return EXIT.TOO_MANY_RESETS;
  if (err instanceof IntegrityError) return EXIT.INTEGRITY;
  return EXIT.FAILURE;
}

function parse(argv: readonly string[], env: CliEnvironment): CliArgs | number {
  const program = buildProgram(env);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    // Commander has printed its message (or the help); --help exits 0, anything else is a
    // bad argument.
    if (err instanceof CommanderError)
      return err.exitCode === 0 ? EXIT.VERIFIED : EXIT.BAD_ARGUMENTS;
    throw err;
  }
  try {
    return readArgs(program);
  } catch (err) {
    env.err(`massa-bootstrap: ${(err as Error).message}\n(see massa-bootstrap --help)\n`);
    return EXIT.BAD_ARGUMENTS;
  }
}

function summary(result: BootstrapResult): string {
  return (
    [
      `slot      ${formatSlot(result.slot)}`,
      `entries   ${result.entries}${result.resumed ? ` (${result.totalEntries} received by this run, resumed)` : ''}`,
      `digest    ${result.digest.toString('hex')}`,
      `time      ${(result.durationMs / 1000).toFixed(2)} s`,
      `resets    ${result.resets + result.integrityResets}`,
      `retries   ${result.retries}`,
    ].join('\n') + '\n'
  );
}

/** Runs `massa-bootstrap` with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], env: CliEnvironment): Promise<number> {
  const args = parse(argv, env);
  if (typeof args === 'number') return args;
  let sink: LmdbSink;
  let bootstrapper: Bootstrapper;
  try {
    sink = LmdbSink.open(args.dataDir);
  } catch (err) {
    env.err(`massa-bootstrap: cannot open --data-dir ${args.dataDir}: ${(err as Error).message}\n`);
    return EXIT.FAILURE;
  }
  try {
    bootstrapper = new Bootstrapper({
      targets: args.targets,
      sink,
      maxPartBytes: args.maxPartBytes,
      follow: args.follow,
      maxResets: args.maxResets,
      maxRetries: args.maxRetries,
      signal: env.signal,
      credentials: channelCredentials({ tls: args.tls, tlsCaFile: args.tlsCaFile }),
    });
  } catch (err) {
    await sink.close();
    env.err(`massa-bootstrap: ${(err as Error).message}\n`);
    return EXIT.BAD_ARGUMENTS;
  }
  let resets = 0;
  let retries = 0;
  bootstrapper.on('reset', (event) => {
    resets++;
    env.metrics?.clientResets.add(1, resetAttributes(event));
  });
  bootstrapper.on('retry', () => retries++);
  const startedAt = Date.now();
  const reporter = args.json
    ? attachJsonReporter(bootstrapper, env, () => ({
        resets,
        retries,
        elapsedMs: Date.now() - startedAt,
      }))
    : attachBarReporter(bootstrapper, env);
  try {
    const result = await bootstrapper.run();
    reporter.stop();
    if (!args.json) env.out(summary(result));
    return EXIT.VERIFIED;
  } catch (err) {
    reporter.stop();
    const code = exitCodeOf(err, env);
    const error = err as Error;
    if (args.json)
      env.out(jsonLine('error', { error: error.name, message: error.message, exitCode: code }));
    env.err(`massa-bootstrap: ${error.message}\n`);
    return code;
  } finally {
    await sink.close();
  }
}

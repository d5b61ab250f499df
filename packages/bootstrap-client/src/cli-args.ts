import { Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';

/**
 * Exit codes of `massa-bootstrap` (also printed by `--help`):
 *   0   the state is complete and its digest equals the gateway's
 *   2   bad arguments
 *   3   gave up after --max-resets SlotTooOld resets (the link/sink is slower than the history)
 *   4   integrity failure: the digest did not match twice, or the gateway broke the protocol
 *   5   any other failure: retries exhausted, request rejected (permission denied, invalid
 *       argument...), local storage error
 *   130 interrupted by SIGINT (143 by SIGTERM); the directory keeps every finished part and
 *       the next run resumes from it
 */
export const EXIT = {
  VERIFIED: 0,
  BAD_ARGUMENTS: 2,
  TOO_MANY_RESETS: 3,
  INTEGRITY: 4,
  FAILURE: 5,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/** The validated command line. */
export interface CliArgs {
  readonly targets: string[];
  readonly dataDir: string;
  readonly follow: boolean;
  readonly maxPartBytes: number;
  readonly maxResets: number;
  readonly maxRetries: number;
  readonly json: boolean;
  readonly tls: boolean;
  readonly tlsCaFile: string | undefined;
}

const EPILOGUE = `
Runs again on the same --data-dir resume from the persisted cursor; a directory that already
holds a verified state is caught up (and followed with --follow) and verified again.

Exit codes:
  0    verified: the state is complete and its digest equals the gateway's
  2    bad arguments
  3    gave up after --max-resets SlotTooOld resets
  4    integrity failure (digest mismatch after one reset, or a faulty gateway)
  5    other failure (retries exhausted, permission denied, invalid request, storage error)
  130  interrupted (SIGINT; 143 for SIGTERM); the next run resumes

--json prints one JSON object per line on stdout (events: session, estimate, part, reset,
retry, verified, followed, error) and no progress bar; the last line of a successful run is
{"event":"verified","slot":"period:thread","entries":N,"digest":"<hex>",...}.

Telemetry (OpenTelemetry) is off unless OTEL_* variables configure an exporter, e.g.
OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 (traces and metrics over OTLP/HTTP;
OTEL_EXPORTER_OTLP_PROTOCOL=grpc for OTLP/gRPC on :4317), or OTEL_TRACES_EXPORTER=console.`;

function integer(min: number, max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text.trim()))
      throw new CommanderArgumentError(`expected an integer, got "${text}"`);
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new CommanderArgumentError(`must be in [${min}, ${max}], got ${text}`);
    }
    return value;
  };
}

function targetAddress(text: string, previous: string[] | undefined): string[] {
  const target = text.trim();
  // host:port, [ipv6]:port, or a grpc-js URI (dns:, unix:, ipv4:, ipv6:).
  if (
    !/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(target) &&
    !/^(dns|unix|ipv4|ipv6):\S+$/.test(target)
  ) {
    throw new CommanderArgumentError(`expected host:port, got "${text}"`);
  }
  return [...(previous ?? []), target];
}

/**
 * The commander program (no action attached); errors and help are routed through `output`.
 * `--trace-console` is acted on by cli.ts before parsing (telemetry must start before gRPC
 * loads); it is declared here so that it is accepted and listed by --help.
 */
export function buildProgram(output: {
  out(text: string): void;
  err(text: string): void;
}): Command {
  return new Command('massa-bootstrap')
    .description(
      'Bootstrap the final state of a Massa node from bootstrap gateways into an LMDB directory, verify its digest, optionally follow new final slots.',
    )
    .option(
      '--target <host:port>',
      'gateway address (required); repeat for fallbacks, tried in order',
      targetAddress,
    )
    .requiredOption(
      '--data-dir <dir>',
      'LMDB directory of the state (created if missing; resumed if present)',
    )
    .option(
      '--follow',
      'after verification, keep applying new final slots until interrupted',
      false,
    )
    .addOption(
      new Option(
        '--max-part-bytes <n>',
        'part size asked from the gateway, 65536..16777216 (0: gateway default)',
      )
        .argParser(integer(0, 16 * 1024 * 1024))
        .default(0),
    )
    .addOption(
      new Option('--max-resets <n>', 'SlotTooOld resets before giving up')
        .argParser(integer(0, 1000))
        .default(5),
    )
    .addOption(
      new Option('--max-retries <n>', 'consecutive retryable failures before giving up')
        .argParser(integer(0, 1_000_000))
        .default(10),
    )
    .option('--json', 'one JSON event per line on stdout, no progress bar', false)
    .option('--tls', 'use TLS with the system roots', false)
    .option('--tls-ca-file <file>', 'use TLS, verifying the gateway with this PEM CA bundle')
    .option(
      '--trace-console',
      'print OpenTelemetry spans on stdout (debugging; interleaved with --json lines)',
      false,
    )
    .addHelpText('after', EPILOGUE)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text),
      writeErr: (text) => output.err(text),
    });
}

/** Extracts validated arguments from a parsed program. */
export function readArgs(program: Command): CliArgs {
  const o = program.opts<{
    target?: string[];
    dataDir: string;
    follow: boolean;
    maxPartBytes: number;
    maxResets: number;
    maxRetries: number;
    json: boolean;
    tls: boolean;
    tlsCaFile?: string;
  }>();
  if (o.maxPartBytes !== 0 && o.maxPartBytes < 65536) {
    throw new CommanderArgumentError(
      `--max-part-bytes must be 0 or in [65536, 16777216], got ${o.maxPartBytes}`,
    );
  }
  if (o.target === undefined || o.target.length === 0)
    throw new CommanderArgumentError('at least one --target is required');
  if (o.dataDir.trim() === '') throw new CommanderArgumentError('--data-dir must not be empty');
  return {
    targets: o.target,
    dataDir: o.dataDir,
    follow: o.follow,
    maxPartBytes: o.maxPartBytes,
    maxResets: o.maxResets,
    maxRetries: o.maxRetries,
    json: o.json,
    tls: o.tls,
    tlsCaFile: o.tlsCaFile,
  };
}

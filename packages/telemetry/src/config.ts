/**
 * Reads the standard OTEL_* variables that decide which exporters run. Pure: no SDK objects
 * are built here, so the rules can be tested on plain objects and a bad value stops the
 * process at start-up with a message naming the variable.
 *
 * One deliberate deviation from the OpenTelemetry spec: when OTEL_TRACES_EXPORTER /
 * OTEL_METRICS_EXPORTER are unset, the spec's default is `otlp` (to localhost). Here a signal
 * is exported over OTLP only when it is asked for (the *_EXPORTER variable) or an OTLP endpoint
 * for it is set, so a developer's `npm start` or a CLI run makes no network attempt at all.
 */

/** OTLP wire protocols supported by this package (the spec's `http/json` is not). */
export type OtlpProtocol = 'grpc' | 'http/protobuf';

/** One exporter to build for a signal. */
export type ExporterChoice =
  | {
      readonly kind: 'otlp';
      readonly protocol: OtlpProtocol;
      /** Full URL; undefined = the exporter's default (localhost:4317 / :4318). */
      readonly url: string | undefined;
    }
  | { readonly kind: 'console' };

/** Everything {@link resolveTelemetryConfig} decided, fully defaulted. */
export interface TelemetryConfig {
  /** OTEL_SDK_DISABLED=true: no SDK, no instrumentation, no-op instruments. */
  readonly disabled: boolean;
  /** OTEL_SERVICE_NAME, else the name the service passed. */
  readonly serviceName: string;
  /** Span exporters, in order. Empty: spans are not exported. */
  readonly traces: readonly ExporterChoice[];
  /** Metric exporters, each behind a periodic reader. Empty: metrics are not exported. */
  readonly metrics: readonly ExporterChoice[];
  /** OTEL_METRIC_EXPORT_INTERVAL (ms), default 60000. */
  readonly metricExportIntervalMs: number;
  /** OTEL_METRIC_EXPORT_TIMEOUT (ms), default 30000, never above the interval. */
  readonly metricExportTimeoutMs: number;
}

type Signal = 'traces' | 'metrics';

const EXPORTER_VARIABLE: Record<Signal, string> = {
  traces: 'OTEL_TRACES_EXPORTER',
  metrics: 'OTEL_METRICS_EXPORTER',
};

const OTLP_PATH: Record<Signal, string> = { traces: '/v1/traces', metrics: '/v1/metrics' };

/** Non-empty trimmed value of `name`, or undefined. */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function parseUrl(name: string, value: string): string {
  let scheme: string | undefined;
  try {
    scheme = new URL(value).protocol;
  } catch {
    scheme = undefined;
  }
  if (scheme !== 'http:' && scheme !== 'https:') {
    throw new Error(`${name}=${JSON.stringify(value)} is not a URL (e.g. http://collector:4317)`);
  }
  return value;
}

function parseProtocol(env: NodeJS.ProcessEnv, signal: Signal): OtlpProtocol {
  const specific = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`;
  const name = read(env, specific) !== undefined ? specific : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = read(env, name) ?? 'http/protobuf';
  if (value === 'grpc' || value === 'http/protobuf') return value;
  throw new Error(`${name}=${JSON.stringify(value)} is not supported: use grpc or http/protobuf`);
}

/** The signal's endpoint: the per-signal variable verbatim, else the base one (+ /v1/<signal> over HTTP). */
function otlpUrl(
  env: NodeJS.ProcessEnv,
  signal: Signal,
  protocol: OtlpProtocol,
): string | undefined {
  const specific = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  const own = read(env, specific);
  if (own !== undefined) return parseUrl(specific, own);
  const base = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (base === undefined) return undefined;
  parseUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base);
  return protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}${OTLP_PATH[signal]}`;
}

function hasOtlpEndpoint(env: NodeJS.ProcessEnv, signal: Signal): boolean {
  return (
    read(env, `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`) !== undefined ||
    read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined
  );
}

function exportersFor(
  env: NodeJS.ProcessEnv,
  signal: Signal,
  extraConsole: boolean,
): ExporterChoice[] {
  const variable = EXPORTER_VARIABLE[signal];
  const raw = read(env, variable);
  const names =
    raw === undefined ? [] : [...new Set(raw.split(',').map((s) => s.trim().toLowerCase()))];
  for (const name of names) {
    if (name !== 'otlp' && name !== 'console' && name !== 'none') {
      throw new Error(
        `${variable}=${JSON.stringify(raw)}: unknown exporter "${name}" (use otlp, console or none)`,
      );
    }
  }
  if (names.includes('none') && names.length > 1) {
    throw new Error(
      `${variable}=${JSON.stringify(raw)}: "none" cannot be combined with other exporters`,
    );
  }
  // Off unless configured: without the variable, OTLP runs only when an endpoint is set.
  if (raw === undefined && hasOtlpEndpoint(env, signal)) names.push('otlp');
  if (extraConsole && !names.includes('console')) names.push('console');
  const choices: ExporterChoice[] = [];
  for (const name of names) {
    if (name === 'console') choices.push({ kind: 'console' });
    if (name === 'otlp') {
      const protocol = parseProtocol(env, signal);
      choices.push({ kind: 'otlp', protocol, url: otlpUrl(env, signal, protocol) });
    }
  }
  return choices;
}

function parseMillis(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(
      `${name}=${JSON.stringify(raw)} must be a positive integer number of milliseconds`,
    );
  }
  return value;
}

/**
 * Decides, from OTEL_* variables in `env`, which exporters run. Throws an Error naming the
 * variable for any value it cannot honour (unknown exporter, unsupported protocol, bad URL or
 * interval). `consoleTraces` adds a console span exporter as if OTEL_TRACES_EXPORTER listed it.
 *
 * Read here: OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER,
 * OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]ENDPOINT,
 * OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]PROTOCOL, OTEL_METRIC_EXPORT_INTERVAL,
 * OTEL_METRIC_EXPORT_TIMEOUT. The SDK and the exporters read the other standard variables
 * (headers, timeouts, TLS files, sampler, propagators, resource attributes) from process.env.
 */
export function resolveTelemetryConfig(
  env: NodeJS.ProcessEnv,
  serviceName: string,
  consoleTraces = false,
): TelemetryConfig {
  const disabled = read(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
  const interval = parseMillis(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000);
  const timeout = Math.min(parseMillis(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 30_000), interval);
  return {
    disabled,
    serviceName: read(env, 'OTEL_SERVICE_NAME') ?? serviceName,
    traces: disabled ? [] : exportersFor(env, 'traces', consoleTraces),
    metrics: disabled ? [] : exportersFor(env, 'metrics', false),
    metricExportIntervalMs: interval,
    metricExportTimeoutMs: timeout,
  };
}

/** One line per exporter, for the service's start-up log: "otlp grpc http://collector:4317". */
export function describeExporter(choice: ExporterChoice): string {
  if (choice.kind === 'console') return 'console';
  return `otlp ${choice.protocol} ${choice.url ?? '(default endpoint)'}`;
}

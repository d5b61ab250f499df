import { context, metrics, propagation, trace, type Meter } from '@opentelemetry/api';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { describeExporter, resolveTelemetryConfig, type TelemetryConfig } from './config';
import { ExpectedOutcomeSpanProcessor } from './expected-outcome';
import { exportingSpanProcessors, metricReaders } from './exporters';
import { createMetrics, type BootstrapMetrics } from './metrics';
import { observeProcessMetrics } from './process-metrics';
import { RpcDurationSpanProcessor } from './rpc-duration';

/** Instrumentation scope of this package's meters. */
const SCOPE = '@massa-bootstrap/telemetry';

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** `service.name` (OTEL_SERVICE_NAME overrides it), e.g. 'history-store'. */
  readonly serviceName: string;
  /** `service.version`, e.g. the package version. */
  readonly serviceVersion?: string;
  /** Where the OTEL_* exporter variables are read (default process.env); see resolveTelemetryConfig. */
  readonly env?: NodeJS.ProcessEnv;
  /** An extra span exporter fed synchronously as spans end (tests: InMemorySpanExporter). */
  readonly traceExporter?: SpanExporter;
  /** An extra metric reader (tests: a PeriodicExportingMetricReader on an InMemoryMetricExporter). */
  readonly metricReader?: MetricReader;
  /** Also print spans to stdout, as OTEL_TRACES_EXPORTER=console does (e.g. a CLI debug flag). */
  readonly console?: boolean;
}

/** What {@link startTelemetry} started; keep it to shut it down. */
export interface Telemetry {
  /** The effective service name. */
  readonly serviceName: string;
  /** Exporters in use, one description each, for the start-up log line; empty = off. */
  readonly exporters: { readonly traces: readonly string[]; readonly metrics: readonly string[] };
  /** The project's instruments; no-ops when no metric exporter/reader is configured. */
  readonly metrics: BootstrapMetrics;
  /** Exports the spans ended and the metrics recorded so far (e.g. before a CLI prints its summary). */
  forceFlush(): Promise<void>;
  /**
   * Flushes pending spans and metrics, stops the exporters and the process metrics, removes
   * the gRPC patches and unregisters the global providers. Idempotent; never rejects.
   */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry for one process: a NodeSDK with the gRPC instrumentation, W3C trace
 * context propagation, the exporters chosen by the OTEL_* variables (none by default: no
 * network activity unless configured), the expected-outcome fix for gRPC span statuses, the
 * `rpc.{server,client}.call.duration` histograms, the process metrics and the project's
 * {@link BootstrapMetrics}. With OTEL_SDK_DISABLED=true it starts nothing and returns no-ops.
 * Throws, naming the variable, when an OTEL_* value is invalid.
 *
 * Call it FIRST in a process's entry point, before anything loads `@grpc/grpc-js` or the
 * generated clients (`@massa-bootstrap/proto`, `@massa-bootstrap/rpc`, the service modules),
 * and load those afterwards with a dynamic `await import(...)`. The instrumentation patches
 * grpc-js through a require hook (in place, at the first `require` after this call, even when
 * grpc-js was loaded before): servers must register their services after it, and client
 * classes must be created after it. ts-proto creates its client classes with
 * `makeGenericClientConstructor` when the generated module loads, and the instrumentation
 * traces a class by wrapping the methods of the classes that function builds once patched: a
 * class built before this call stays unwrapped, its calls produce no span and carry no trace
 * context (see test/fixtures/client-patching.ts).
 *
 * Call it once per process; a second call while one is running throws.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const config = resolveTelemetryConfig(
    options.env ?? process.env,
    options.serviceName,
    options.console ?? false,
  );
  if (config.disabled) return noopTelemetry(config.serviceName);
  claimProcess();
  try {
    return startSdk(options, config);
  } catch (err) {
    releaseProcess();
    throw err;
  }
}

function startSdk(options: TelemetryOptions, config: TelemetryConfig): Telemetry {
  const readers = metricReaders(config, options.metricReader);
  const exporting = exportingSpanProcessors(config, options.traceExporter);
  const meter = (): Meter => metrics.getMeter(SCOPE);
  // ExpectedOutcomeSpanProcessor acts in onEnding, which the SDK runs on every processor
  // before any onEnd: the RPC duration metric and the exporters all see the corrected status.
  const spanProcessors: SpanProcessor[] = [];
  if (exporting.length > 0 || readers.length > 0) {
    spanProcessors.push(new ExpectedOutcomeSpanProcessor());
    if (readers.length > 0) spanProcessors.push(new RpcDurationSpanProcessor(meter));
    spanProcessors.push(...exporting);
  }
  // With no processor the SDK registers no tracer provider: spans are non-recording, yet the
  // instrumentation still forwards incoming trace context to outgoing calls.
  const instrumentation = new GrpcInstrumentation();
  const resource = defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      ...(options.serviceVersion === undefined
        ? {}
        : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
    }),
  );
  const sdk = new NodeSDK({
    resource,
    instrumentations: [instrumentation],
    spanProcessors,
    metricReaders: readers,
    // Logs go through the services' own logger; an empty list keeps the SDK from creating an
    // OTLP log exporter from its environment defaults.
    logRecordProcessors: [],
  });
  sdk.start();

  // Without a reader no MeterProvider is registered and meter() is the API's no-op meter.
  const processMetrics = readers.length > 0 ? observeProcessMetrics(meter()) : undefined;
  const bootstrapMetrics = createMetrics(meter());

  let stopping: Promise<void> | undefined;
  return {
    serviceName: config.serviceName,
    exporters: {
      traces: [
        ...config.traces.map(describeExporter),
        ...(options.traceExporter ? ['injected'] : []),
      ],
      metrics: [
        ...config.metrics.map(describeExporter),
        ...(options.metricReader ? ['injected'] : []),
      ],
    },
    metrics: bootstrapMetrics,
    async forceFlush() {
      await Promise.all([
        ...spanProcessors.map((p) => p.forceFlush()),
        ...readers.map((r) => r.forceFlush()),
      ]);
    },
    shutdown() {
      stopping ??= (async () => {
        processMetrics?.stop();
        try {
          await sdk.shutdown();
        } catch {
          // An exporter that cannot flush (collector down) must not fail the service's shutdown.
        }
        instrumentation.disable();
        // NodeSDK.shutdown() leaves its providers registered; unregister them so that a later
        // startTelemetry() in the same process (tests) can register new ones.
        trace.disable();
        metrics.disable();
        propagation.disable();
        context.disable();
        releaseProcess();
      })();
      return stopping;
    },
  };
}

// The OpenTelemetry API keeps one global provider of each kind per process, so two running
// SDKs would silently share (or fight over) them. Kept on globalThis, not in a module
// variable, because that is where the API keeps its own registrations.
const RUNNING = Symbol.for('massa-bootstrap.telemetry.running');
type GlobalWithFlag = typeof globalThis & { [RUNNING]?: boolean };

function claimProcess(): void {
  const g = globalThis as GlobalWithFlag;
  if (g[RUNNING] === true) {
    throw new Error('startTelemetry() is already running in this process: shut the first one down');
  }
  g[RUNNING] = true;
}

function releaseProcess(): void {
  (globalThis as GlobalWithFlag)[RUNNING] = false;
}

function noopTelemetry(serviceName: string): Telemetry {
  return {
    serviceName,
    exporters: { traces: [], metrics: [] },
    metrics: createMetrics(metrics.getMeter(SCOPE)),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

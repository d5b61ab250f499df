import { trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { METRIC_NAMES, PROCESS_METRIC_NAMES, startTelemetry } from '../src';
import { latestMetric, summarizeMetrics } from './summaries';

// startTelemetry() in Jest: everything but the gRPC patching (Jest's module loader bypasses
// the require hook; see the fixture-based tests for that).
describe('startTelemetry', () => {
  it('starts with nothing exported when nothing is configured: spans are not recorded', async () => {
    const telemetry = startTelemetry({ serviceName: 'quiet', env: {} });
    try {
      expect(telemetry.exporters).toEqual({ traces: [], metrics: [] });
      expect(telemetry.serviceName).toBe('quiet');
      const span = trace.getTracer('t').startSpan('s');
      expect(span.isRecording()).toBe(false);
      span.end();
      telemetry.metrics.sessionsActive.add(1, { 'massa.bootstrap.rpc': 'Bootstrap' }); // a no-op, no throw
    } finally {
      await telemetry.shutdown();
    }
  });

  it('describes the exporters the OTEL_* variables chose', async () => {
    const telemetry = startTelemetry({
      serviceName: 'svc',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
        OTEL_METRIC_EXPORT_TIMEOUT: '200', // the final export at shutdown fails fast
      },
      console: true,
    });
    try {
      expect(telemetry.exporters).toEqual({
        traces: ['otlp grpc http://127.0.0.1:9', 'console'],
        metrics: ['otlp http/protobuf http://127.0.0.1:9/v1/metrics'],
      });
    } finally {
      await telemetry.shutdown(); // resolves although nothing listens there
    }
  });

  it('records spans and metrics into injected exporters, under OTEL_SERVICE_NAME', async () => {
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 3_600_000,
    });
    const telemetry = startTelemetry({
      serviceName: 'history-store',
      serviceVersion: '1.2.3',
      env: { OTEL_SERVICE_NAME: 'store-a' },
      traceExporter: spans,
      metricReader: reader,
    });
    try {
      expect(telemetry.exporters).toEqual({ traces: ['injected'], metrics: ['injected'] });
      trace.getTracer('t').startSpan('work').end();
      telemetry.metrics.ingestedSlots.add(2);
      telemetry.metrics.ingestCommitDuration.record(1.5);
      await telemetry.forceFlush();

      const [span] = spans.getFinishedSpans();
      expect(span!.name).toBe('work');
      expect(span!.resource.attributes['service.name']).toBe('store-a');
      expect(span!.resource.attributes['service.version']).toBe('1.2.3');
      const all = summarizeMetrics(metricExporter.getMetrics());
      expect(latestMetric(all, METRIC_NAMES.ingestedSlots).points).toEqual([
        { attributes: {}, value: 2 },
      ]);
      expect(latestMetric(all, METRIC_NAMES.ingestCommitDuration).points[0]!.count).toBe(1);
      expect(latestMetric(all, PROCESS_METRIC_NAMES.memoryUsage).points[0]!.value).toBeGreaterThan(
        0,
      );
    } finally {
      await telemetry.shutdown();
    }
  });

  it('refuses a second start while one runs, and allows one after shutdown', async () => {
    const first = startTelemetry({ serviceName: 'a', env: {} });
    expect(() => startTelemetry({ serviceName: 'b', env: {} })).toThrow(/already running/);
    await first.shutdown();
    await first.shutdown(); // idempotent
    const second = startTelemetry({ serviceName: 'b', env: {} });
    await second.shutdown();
  });

  it('starts nothing with OTEL_SDK_DISABLED=true', async () => {
    const telemetry = startTelemetry({
      serviceName: 'off',
      env: { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'console' },
    });
    expect(telemetry.exporters).toEqual({ traces: [], metrics: [] });
    const again = startTelemetry({ serviceName: 'off', env: { OTEL_SDK_DISABLED: 'true' } }); // no claim on the process
    await Promise.all([telemetry.shutdown(), again.shutdown()]);
  });

  it('stops the process with a message naming a bad variable', () => {
    expect(() =>
      startTelemetry({ serviceName: 'x', env: { OTEL_TRACES_EXPORTER: 'jaeger' } }),
    ).toThrow(/OTEL_TRACES_EXPORTER/);
  });
});

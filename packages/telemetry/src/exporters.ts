import { OTLPMetricExporter as OtlpGrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OtlpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OtlpGrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  ConsoleMetricExporter,
  PeriodicExportingMetricReader,
  type MetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ExporterChoice, TelemetryConfig } from './config';

// Built only from a resolved config: constructing an OTLP exporter opens no connection, the
// first export does (the gRPC one loads @grpc/grpc-js lazily, at that point).

function spanProcessorFor(choice: ExporterChoice): SpanProcessor {
  if (choice.kind === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
  const options = choice.url === undefined ? {} : { url: choice.url };
  const exporter: SpanExporter =
    choice.protocol === 'grpc'
      ? new OtlpGrpcTraceExporter(options)
      : new OtlpProtoTraceExporter(options);
  // Batch size, delay and queue come from OTEL_BSP_* in process.env (SDK defaults otherwise).
  return new BatchSpanProcessor(exporter);
}

function metricExporterFor(choice: ExporterChoice): PushMetricExporter {
  if (choice.kind === 'console') return new ConsoleMetricExporter();
  const options = choice.url === undefined ? {} : { url: choice.url };
  return choice.protocol === 'grpc'
    ? new OtlpGrpcMetricExporter(options)
    : new OtlpProtoMetricExporter(options);
}

/** Span processors exporting to the configured exporters, plus `extra` synchronously. */
export function exportingSpanProcessors(
  config: TelemetryConfig,
  extra: SpanExporter | undefined,
): SpanProcessor[] {
  const processors = config.traces.map(spanProcessorFor);
  // An injected exporter (tests, tools) sees each span as it ends, no batching delay.
  if (extra !== undefined) processors.push(new SimpleSpanProcessor(extra));
  return processors;
}

/** Periodic readers for the configured metric exporters, plus `extra` as given. */
export function metricReaders(
  config: TelemetryConfig,
  extra: MetricReader | undefined,
): MetricReader[] {
  const readers: MetricReader[] = config.metrics.map(
    (choice) =>
      new PeriodicExportingMetricReader({
        exporter: metricExporterFor(choice),
        exportIntervalMillis: config.metricExportIntervalMs,
        exportTimeoutMillis: config.metricExportTimeoutMs,
      }),
  );
  if (extra !== undefined) readers.push(extra);
  return readers;
}

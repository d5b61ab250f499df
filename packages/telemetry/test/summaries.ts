import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A span as the tests compare it (JSON-safe, so fixtures can print it). */
export interface SpanSummary {
  readonly name: string;
  readonly kind: 'SERVER' | 'CLIENT' | 'INTERNAL' | 'PRODUCER' | 'CONSUMER';
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly status: 'UNSET' | 'OK' | 'ERROR';
  readonly attributes: Attributes;
}

/** One data point of one metric: a number for sums/gauges, count/sum for histograms. */
export interface PointSummary {
  readonly attributes: Attributes;
  readonly value?: number;
  readonly count?: number;
  readonly sum?: number;
}

/** A metric as the tests compare it. */
export interface MetricSummary {
  readonly name: string;
  readonly unit: string;
  readonly points: readonly PointSummary[];
}

/** JSON-safe summaries of finished spans, in the order they ended. */
export function summarizeSpans(spans: readonly ReadableSpan[]): SpanSummary[] {
  return spans.map((span) => ({
    name: span.name,
    kind: SpanKind[span.kind] as SpanSummary['kind'],
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    status: SpanStatusCode[span.status.code] as SpanSummary['status'],
    attributes: span.attributes,
  }));
}

/** Every metric of every export, the latest export last (names may repeat across exports). */
export function summarizeMetrics(exports: readonly ResourceMetrics[]): MetricSummary[] {
  const out: MetricSummary[] = [];
  for (const resourceMetrics of exports) {
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const points: PointSummary[] = metric.dataPoints.map((point) => {
          if (metric.dataPointType === DataPointType.HISTOGRAM) {
            const value = point.value as { count: number; sum?: number };
            return { attributes: point.attributes, count: value.count, sum: value.sum ?? 0 };
          }
          return { attributes: point.attributes, value: point.value as number };
        });
        out.push({ name: metric.descriptor.name, unit: metric.descriptor.unit, points });
      }
    }
  }
  return out;
}

/** The latest summary of the metric named `name`; throws when it was never exported. */
export function latestMetric(all: readonly MetricSummary[], name: string): MetricSummary {
  const found = all.filter((m) => m.name === name).at(-1);
  if (found === undefined) {
    throw new Error(
      `metric ${name} not exported; got ${[...new Set(all.map((m) => m.name))].join(', ')}`,
    );
  }
  return found;
}

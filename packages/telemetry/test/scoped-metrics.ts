import type { Attributes } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { summarizeMetrics, type MetricSummary, type PointSummary } from './summaries';

/**
 * A metric with the instrumentation scope (meter name) that recorded it. The service fixtures
 * give each service its own meter, as each would have in its own process, so that a counter
 * both services record (SlotTooOld answers) can be read per service.
 */
export interface ScopedMetricSummary extends MetricSummary {
  readonly scope: string;
}

/** Every metric of `exports`, tagged with its scope; the latest export last. */
export function summarizeScopedMetrics(exports: readonly ResourceMetrics[]): ScopedMetricSummary[] {
  const out: ScopedMetricSummary[] = [];
  for (const resourceMetrics of exports) {
    for (const scope of resourceMetrics.scopeMetrics) {
      const single: ResourceMetrics = { ...resourceMetrics, scopeMetrics: [scope] };
      for (const metric of summarizeMetrics([single])) {
        out.push({ ...metric, scope: scope.scope.name });
      }
    }
  }
  return out;
}

/** The latest data points of metric `name` recorded under `scope` (empty when never exported). */
export function pointsOf(
  all: readonly ScopedMetricSummary[],
  scope: string,
  name: string,
): readonly PointSummary[] {
  return all.filter((m) => m.scope === scope && m.name === name).at(-1)?.points ?? [];
}

/** The value of the (sum or gauge) point of `name` under `scope` with exactly `attributes`. */
export function valueOf(
  all: readonly ScopedMetricSummary[],
  scope: string,
  name: string,
  attributes: Attributes = {},
): number | undefined {
  const wanted = JSON.stringify(sortedEntries(attributes));
  const point = pointsOf(all, scope, name).find(
    (p) => JSON.stringify(sortedEntries(p.attributes)) === wanted,
  );
  return point?.value;
}

function sortedEntries(attributes: Attributes): [string, unknown][] {
  return Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
}

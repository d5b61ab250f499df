import { getHeapSpaceStatistics } from 'node:v8';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { BatchObservableResult, Meter, Observable } from '@opentelemetry/api';

// Semantic-convention names of experimental (incubating) metrics are copied rather than
// imported from '@opentelemetry/semantic-conventions/incubating', as that package advises:
// incubating exports may change in minor releases.
const METRIC_PROCESS_MEMORY_USAGE = 'process.memory.usage';
const METRIC_V8JS_MEMORY_HEAP_USED = 'v8js.memory.heap.used';
const ATTR_V8JS_HEAP_SPACE_NAME = 'v8js.heap.space.name';
const METRIC_NODEJS_EVENTLOOP_UTILIZATION = 'nodejs.eventloop.utilization';
const EVENT_LOOP_DELAY = {
  min: 'nodejs.eventloop.delay.min',
  max: 'nodejs.eventloop.delay.max',
  mean: 'nodejs.eventloop.delay.mean',
  p50: 'nodejs.eventloop.delay.p50',
  p90: 'nodejs.eventloop.delay.p90',
  p99: 'nodejs.eventloop.delay.p99',
} as const;

/** Names of the process instruments (semantic conventions for Node.js and V8). */
export const PROCESS_METRIC_NAMES = {
  memoryUsage: METRIC_PROCESS_MEMORY_USAGE,
  heapUsed: METRIC_V8JS_MEMORY_HEAP_USED,
  eventLoopUtilization: METRIC_NODEJS_EVENTLOOP_UTILIZATION,
  eventLoopDelayMin: EVENT_LOOP_DELAY.min,
  eventLoopDelayMax: EVENT_LOOP_DELAY.max,
  eventLoopDelayMean: EVENT_LOOP_DELAY.mean,
  eventLoopDelayP50: EVENT_LOOP_DELAY.p50,
  eventLoopDelayP90: EVENT_LOOP_DELAY.p90,
  eventLoopDelayP99: EVENT_LOOP_DELAY.p99,
} as const;

/** Stops what {@link observeProcessMetrics} started. */
export interface ProcessMetricsHandle {
  /** Disables the event-loop delay monitor and unregisters the callback; idempotent. */
  stop(): void;
}

/** Options of {@link observeProcessMetrics}. */
export interface ProcessMetricsOptions {
  /** Sampling resolution of the event-loop delay monitor, ms (default 20). */
  readonly eventLoopResolutionMs?: number;
}

/**
 * Reports process health on `meter` at each collection: `process.memory.usage` (RSS, bytes),
 * `v8js.memory.heap.used` per V8 heap space (bytes), `nodejs.eventloop.utilization` and
 * `nodejs.eventloop.delay.{min,max,mean,p50,p90,p99}` (seconds) from
 * `perf_hooks.monitorEventLoopDelay`. The delay histogram and the utilization cover the time
 * since the previous collection (both are reset at each collection; with several readers,
 * each sees the interval since the last collection by any of them).
 * Starts the event-loop monitor (an unref'd libuv timer); stop it with the returned handle.
 */
export function observeProcessMetrics(
  meter: Meter,
  options: ProcessMetricsOptions = {},
): ProcessMetricsHandle {
  const memory = meter.createObservableUpDownCounter(METRIC_PROCESS_MEMORY_USAGE, {
    description: 'The amount of physical memory in use (resident set size).',
    unit: 'By',
  });
  const heap = meter.createObservableGauge(METRIC_V8JS_MEMORY_HEAP_USED, {
    description: 'Heap memory used, per V8 heap space.',
    unit: 'By',
  });
  const utilization = meter.createObservableGauge(METRIC_NODEJS_EVENTLOOP_UTILIZATION, {
    description: 'Event loop utilization since the previous collection (0..1).',
    unit: '1',
  });
  const delay = {
    min: meter.createObservableGauge(EVENT_LOOP_DELAY.min, {
      description: 'Event loop minimum delay.',
      unit: 's',
    }),
    max: meter.createObservableGauge(EVENT_LOOP_DELAY.max, {
      description: 'Event loop maximum delay.',
      unit: 's',
    }),
    mean: meter.createObservableGauge(EVENT_LOOP_DELAY.mean, {
      description: 'Event loop mean delay.',
      unit: 's',
    }),
    p50: meter.createObservableGauge(EVENT_LOOP_DELAY.p50, {
      description: 'Event loop 50 percentile delay.',
      unit: 's',
    }),
    p90: meter.createObservableGauge(EVENT_LOOP_DELAY.p90, {
      description: 'Event loop 90 percentile delay.',
      unit: 's',
    }),
    p99: meter.createObservableGauge(EVENT_LOOP_DELAY.p99, {
      description: 'Event loop 99 percentile delay.',
      unit: 's',
    }),
  };

  const histogram = monitorEventLoopDelay({ resolution: options.eventLoopResolutionMs ?? 20 });
  histogram.enable();
  let lastUtilization: EventLoopUtilization = performance.eventLoopUtilization();

  const callback = (result: BatchObservableResult): void => {
    result.observe(memory, process.memoryUsage.rss());
    for (const space of getHeapSpaceStatistics()) {
      result.observe(heap, space.space_used_size, {
        [ATTR_V8JS_HEAP_SPACE_NAME]: space.space_name,
      });
    }
    const now = performance.eventLoopUtilization();
    result.observe(utilization, performance.eventLoopUtilization(now, lastUtilization).utilization);
    lastUtilization = now;
    // No sample yet (count 0): min/max would be sentinels, report nothing this time.
    if (histogram.count > 0) {
      const seconds = (nanos: number): number => nanos / 1e9;
      result.observe(delay.min, seconds(histogram.min));
      result.observe(delay.max, seconds(histogram.max));
      result.observe(delay.mean, seconds(histogram.mean));
      result.observe(delay.p50, seconds(histogram.percentile(50)));
      result.observe(delay.p90, seconds(histogram.percentile(90)));
      result.observe(delay.p99, seconds(histogram.percentile(99)));
      histogram.reset();
    }
  };
  const observables: Observable[] = [memory, heap, utilization, ...Object.values(delay)];
  meter.addBatchObservableCallback(callback, observables);

  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      histogram.disable();
      meter.removeBatchObservableCallback(callback, observables);
    },
  };
}

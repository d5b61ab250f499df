import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  METRIC_NAMES,
  PROCESS_METRIC_NAMES,
  createMetrics,
  observeProcessMetrics,
  type ProcessMetricsHandle,
} from '../src';
import { latestMetric, summarizeMetrics, type MetricSummary } from './summaries';

/**
 * A meter whose metrics are exported to memory on demand. DELTA shows only what was observed
 * since the previous collection (with CUMULATIVE the SDK repeats every point it ever saw).
 */
function inMemoryMeter(temporality = AggregationTemporality.CUMULATIVE) {
  const exporter = new InMemoryMetricExporter(temporality);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('test'),
    async collect(): Promise<MetricSummary[]> {
      exporter.reset();
      await reader.forceFlush();
      return summarizeMetrics(exporter.getMetrics());
    },
    shutdown: () => provider.shutdown(),
  };
}

describe('createMetrics', () => {
  const sdk = inMemoryMeter();
  const metrics = createMetrics(sdk.meter);
  afterAll(() => sdk.shutdown());

  it('exports what a scripted bootstrap recorded, under the project names', async () => {
    // gateway: two sessions admitted, one ends; one refused
    metrics.sessionsActive.add(1, { 'massa.bootstrap.rpc': 'Bootstrap' });
    metrics.sessionsActive.add(1, { 'massa.bootstrap.rpc': 'Bootstrap' });
    metrics.sessionsActive.add(-1, { 'massa.bootstrap.rpc': 'Bootstrap' });
    metrics.sessionsRejected.add(1, { 'massa.bootstrap.reason': 'TOO_MANY_BOOTSTRAPS' });
    // two parts: 3 + 2 entries, then 4 changes
    metrics.streamedEntries.add(3, { 'massa.bootstrap.content': 'state' });
    metrics.streamedBytes.add(300, { 'massa.bootstrap.content': 'state' });
    metrics.streamedEntries.add(2, { 'massa.bootstrap.content': 'state' });
    metrics.streamedBytes.add(200, { 'massa.bootstrap.content': 'state' });
    metrics.streamedEntries.add(4, { 'massa.bootstrap.content': 'changes' });
    metrics.streamedBytes.add(120, { 'massa.bootstrap.content': 'changes' });
    metrics.slotTooOldAnswers.add(1);
    metrics.clientResets.add(1, { 'massa.bootstrap.reason': 'SLOT_TOO_OLD' });
    // store: three slots committed
    for (const ms of [0.4, 1.5, 30]) {
      metrics.ingestedSlots.add(1);
      metrics.ingestCommitDuration.record(ms);
    }
    metrics.observeHistory(() => ({
      oldestSlot: { period: 1000, thread: 5 },
      newestSlot: { period: 1018, thread: 31 },
      lengthSlots: 600,
      configuredLengthSlots: 600,
    }));

    const all = await sdk.collect();
    const values = (name: string) =>
      latestMetric(all, name).points.map((p) => ({
        attributes: p.attributes,
        value: p.value,
        count: p.count,
      }));

    expect(values(METRIC_NAMES.sessionsActive)).toEqual([
      { attributes: { 'massa.bootstrap.rpc': 'Bootstrap' }, value: 1 },
    ]);
    expect(values(METRIC_NAMES.sessionsRejected)).toEqual([
      { attributes: { 'massa.bootstrap.reason': 'TOO_MANY_BOOTSTRAPS' }, value: 1 },
    ]);
    expect(values(METRIC_NAMES.streamedEntries)).toEqual([
      { attributes: { 'massa.bootstrap.content': 'state' }, value: 5 },
      { attributes: { 'massa.bootstrap.content': 'changes' }, value: 4 },
    ]);
    expect(values(METRIC_NAMES.streamedBytes)).toEqual([
      { attributes: { 'massa.bootstrap.content': 'state' }, value: 500 },
      { attributes: { 'massa.bootstrap.content': 'changes' }, value: 120 },
    ]);
    expect(values(METRIC_NAMES.slotTooOldAnswers)).toEqual([{ attributes: {}, value: 1 }]);
    expect(values(METRIC_NAMES.clientResets)).toEqual([
      { attributes: { 'massa.bootstrap.reason': 'SLOT_TOO_OLD' }, value: 1 },
    ]);
    expect(values(METRIC_NAMES.ingestedSlots)).toEqual([{ attributes: {}, value: 3 }]);
    const commit = latestMetric(all, METRIC_NAMES.ingestCommitDuration);
    expect(commit.unit).toBe('ms');
    expect(commit.points).toEqual([{ attributes: {}, count: 3, sum: 31.9 }]);
    expect(values(METRIC_NAMES.historyOldestPeriod)).toEqual([{ attributes: {}, value: 1000 }]);
    expect(values(METRIC_NAMES.historyNewestPeriod)).toEqual([{ attributes: {}, value: 1018 }]);
    expect(values(METRIC_NAMES.historyLength)).toEqual([{ attributes: {}, value: 600 }]);
    expect(values(METRIC_NAMES.historyConfiguredLength)).toEqual([{ attributes: {}, value: 600 }]);
    expect(latestMetric(all, METRIC_NAMES.streamedBytes).unit).toBe('By');
  });

  it('reads the history source at each collection and skips an empty store', async () => {
    const sdk = inMemoryMeter(AggregationTemporality.DELTA);
    const metrics = createMetrics(sdk.meter);
    let snapshot:
      { oldestSlot: undefined; newestSlot: undefined; lengthSlots: number } | undefined = undefined;
    metrics.observeHistory(() => snapshot);
    expect(
      (await sdk.collect()).some(
        (m) => m.name === METRIC_NAMES.historyLength && m.points.length > 0,
      ),
    ).toBe(false);
    snapshot = { oldestSlot: undefined, newestSlot: undefined, lengthSlots: 0 };
    const all = await sdk.collect();
    expect(latestMetric(all, METRIC_NAMES.historyLength).points).toEqual([
      { attributes: {}, value: 0 },
    ]);
    expect(
      all.some((m) => m.name === METRIC_NAMES.historyOldestPeriod && m.points.length > 0),
    ).toBe(false);
    await sdk.shutdown();
  });
});

describe('observeProcessMetrics', () => {
  const sdk = inMemoryMeter(AggregationTemporality.DELTA);
  let handle: ProcessMetricsHandle;
  afterAll(async () => {
    handle.stop();
    await sdk.shutdown();
  });

  it('reports RSS, V8 heap per space and event-loop delay under semantic-convention names', async () => {
    handle = observeProcessMetrics(sdk.meter, { eventLoopResolutionMs: 10 });
    // Block the event loop ~60 ms so that the delay histogram has a clear maximum.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const start = Date.now();
    while (Date.now() - start < 60) {
      // busy
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const all = await sdk.collect();

    const rss = latestMetric(all, PROCESS_METRIC_NAMES.memoryUsage);
    expect(rss.unit).toBe('By');
    expect(rss.points[0]!.value).toBeGreaterThan(10 * 1024 * 1024);
    const heap = latestMetric(all, PROCESS_METRIC_NAMES.heapUsed);
    const spaces = heap.points.map((p) => p.attributes['v8js.heap.space.name']);
    expect(spaces).toEqual(expect.arrayContaining(['new_space', 'old_space']));
    expect(heap.points.reduce((sum, p) => sum + (p.value ?? 0), 0)).toBeGreaterThan(1024 * 1024);
    const p99 = latestMetric(all, PROCESS_METRIC_NAMES.eventLoopDelayP99);
    expect(p99.unit).toBe('s');
    expect(
      latestMetric(all, PROCESS_METRIC_NAMES.eventLoopDelayMax).points[0]!.value,
    ).toBeGreaterThanOrEqual(0.04);
    expect(p99.points[0]!.value).toBeGreaterThan(0);
    const elu = latestMetric(all, PROCESS_METRIC_NAMES.eventLoopUtilization).points[0]!.value!;
    expect(elu).toBeGreaterThan(0);
    expect(elu).toBeLessThanOrEqual(1);
  });

  it('stops reporting after stop()', async () => {
    handle.stop();
    handle.stop(); // idempotent
    const all = await sdk.collect();
    expect(
      all.some((m) => m.name === PROCESS_METRIC_NAMES.memoryUsage && m.points.length > 0),
    ).toBe(false);
  });
});

import { METRIC_NAMES, PROCESS_METRIC_NAMES } from '../src';
import { runFixture } from './run-fixture';
import { pointsOf, valueOf, type ScopedMetricSummary } from './scoped-metrics';

interface StatusFigures {
  oldestPeriod: number;
  newestPeriod: number;
  effectiveHistoryLength: number;
  finalHistoryLength: number;
  entryCount: number;
}

interface Phase {
  ingested: number;
  status: StatusFigures;
  metrics: ScopedMetricSummary[];
}

const STORE = 'history-store';
const GATEWAY = 'bootstrap-gateway';
const TELEMETRY = '@massa-bootstrap/telemetry';
const BOOTSTRAP = { 'massa.bootstrap.rpc': 'Bootstrap' };
const STATE = { 'massa.bootstrap.content': 'state' };
const CHANGES = { 'massa.bootstrap.content': 'changes' };

// The real services recording into an in-memory reader (fixtures/service-metrics.ts), each
// under its own meter, read after a scripted bootstrap and again after a SlotTooOld answer.
describe('metrics of the real services', () => {
  let result: {
    afterBootstrap: Phase & { bootstrappedEntries: number; stateRecordBytes: number };
    afterSlotTooOld: Phase & {
      codes: { slotTooOld: number; refused: number; changes: number };
      changeSlots: number;
      keyChanges: number;
      changeRecordBytes: number;
    };
  };

  beforeAll(async () => {
    result = await runFixture('service-metrics');
  });

  const expectHistoryGauges = (phase: Phase): void => {
    const gauge = (name: string) => valueOf(phase.metrics, STORE, name);
    expect({
      oldest: gauge(METRIC_NAMES.historyOldestPeriod),
      newest: gauge(METRIC_NAMES.historyNewestPeriod),
      length: gauge(METRIC_NAMES.historyLength),
      configured: gauge(METRIC_NAMES.historyConfiguredLength),
    }).toEqual({
      oldest: phase.status.oldestPeriod,
      newest: phase.status.newestPeriod,
      length: phase.status.effectiveHistoryLength,
      configured: phase.status.finalHistoryLength,
    });
  };

  describe('after a scripted bootstrap', () => {
    const metrics = () => result.afterBootstrap.metrics;

    it('bootstrapped the whole state', () => {
      expect(result.afterBootstrap.bootstrappedEntries).toBe(3000);
      expect(result.afterBootstrap.status.entryCount).toBe(3000);
    });

    it('gateway: the session ended, every state entry was counted with its encoded bytes', () => {
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.sessionsActive, BOOTSTRAP)).toBe(0);
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.streamedEntries, STATE)).toBe(
        result.afterBootstrap.status.entryCount,
      );
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.streamedBytes, STATE)).toBe(
        result.afterBootstrap.stateRecordBytes,
      );
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.streamedEntries, CHANGES)).toBeUndefined();
      expect(pointsOf(metrics(), GATEWAY, METRIC_NAMES.sessionsRejected)).toEqual([]);
    });

    it('store: one ingested slot and one commit latency per slot acknowledged', () => {
      // A genesis in two chunks (one slot), three slots in one stream, two unary appends.
      expect(result.afterBootstrap.ingested).toBe(6);
      expect(valueOf(metrics(), STORE, METRIC_NAMES.ingestedSlots)).toBe(6);
      const commits = pointsOf(metrics(), STORE, METRIC_NAMES.ingestCommitDuration);
      expect(commits).toHaveLength(1);
      expect(commits[0]!.count).toBe(6);
      expect(commits[0]!.sum).toBeGreaterThan(0);
    });

    it('store: the history gauges report what GetStatus reports', () => {
      expect(result.afterBootstrap.status.effectiveHistoryLength).toBe(5);
      expectHistoryGauges(result.afterBootstrap);
    });

    it('no SlotTooOld answer yet', () => {
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.slotTooOldAnswers)).toBeUndefined();
      expect(valueOf(metrics(), STORE, METRIC_NAMES.slotTooOldAnswers)).toBeUndefined();
    });

    it('process memory gauges are positive', () => {
      expect(valueOf(metrics(), TELEMETRY, PROCESS_METRIC_NAMES.memoryUsage)).toBeGreaterThan(0);
      const heap = pointsOf(metrics(), TELEMETRY, PROCESS_METRIC_NAMES.heapUsed);
      expect(heap.length).toBeGreaterThan(0);
      expect(heap.reduce((sum, p) => sum + (p.value ?? 0), 0)).toBeGreaterThan(0);
    });
  });

  describe('after a SlotTooOld answer, a refusal and a StreamFinalChanges call', () => {
    const metrics = () => result.afterSlotTooOld.metrics;

    it('answered as expected', () => {
      expect(result.afterSlotTooOld.codes).toEqual({ slotTooOld: 9, refused: 8, changes: 0 });
      expect(result.afterSlotTooOld.changeSlots).toBe(3);
    });

    it('counts one SlotTooOld answer in the store and one in the gateway relaying it', () => {
      expect(valueOf(metrics(), STORE, METRIC_NAMES.slotTooOldAnswers)).toBe(1);
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.slotTooOldAnswers)).toBe(1);
    });

    it('counts the refusal by reason, and every session ended', () => {
      expect(
        valueOf(metrics(), GATEWAY, METRIC_NAMES.sessionsRejected, {
          'massa.bootstrap.reason': 'MEMORY_PRESSURE',
        }),
      ).toBe(1);
      expect(pointsOf(metrics(), GATEWAY, METRIC_NAMES.sessionsActive)).toEqual([
        { attributes: BOOTSTRAP, value: 0 },
        { attributes: { 'massa.bootstrap.rpc': 'StreamFinalChanges' }, value: 0 },
      ]);
    });

    it('counts the key changes streamed, with their encoded bytes', () => {
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.streamedEntries, CHANGES)).toBe(
        result.afterSlotTooOld.keyChanges,
      );
      expect(result.afterSlotTooOld.keyChanges).toBe(9);
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.streamedBytes, CHANGES)).toBe(
        result.afterSlotTooOld.changeRecordBytes,
      );
      expect(valueOf(metrics(), GATEWAY, METRIC_NAMES.streamedEntries, STATE)).toBe(3000);
    });

    it('store: ingest count and history gauges follow', () => {
      expect(result.afterSlotTooOld.ingested).toBe(18);
      expect(valueOf(metrics(), STORE, METRIC_NAMES.ingestedSlots)).toBe(18);
      expect(result.afterSlotTooOld.status.effectiveHistoryLength).toBe(10);
      expect(result.afterSlotTooOld.status.oldestPeriod).toBeGreaterThan(
        result.afterBootstrap.status.oldestPeriod,
      );
      expectHistoryGauges(result.afterSlotTooOld);
    });
  });
});

import type {
  BatchObservableResult,
  Counter,
  Histogram,
  Meter,
  Observable,
  ObservableGauge,
  UpDownCounter,
} from '@opentelemetry/api';

/**
 * Names of the project's instruments (no semantic convention exists for them). Tests and
 * dashboards use these constants; the values are part of the operator-facing contract.
 */
export const METRIC_NAMES = {
  sessionsActive: 'massa_bootstrap.sessions.active',
  sessionsRejected: 'massa_bootstrap.sessions.rejected',
  streamedBytes: 'massa_bootstrap.streamed.bytes',
  streamedEntries: 'massa_bootstrap.streamed.entries',
  slotTooOldAnswers: 'massa_bootstrap.slot_too_old.answers',
  clientResets: 'massa_bootstrap.client.resets',
  ingestedSlots: 'massa_bootstrap.ingest.slots',
  ingestCommitDuration: 'massa_bootstrap.ingest.commit.duration',
  historyOldestPeriod: 'massa_bootstrap.history.oldest_period',
  historyNewestPeriod: 'massa_bootstrap.history.newest_period',
  historyLength: 'massa_bootstrap.history.length',
  historyConfiguredLength: 'massa_bootstrap.history.configured_length',
} as const;

/** Attributes of the session instruments: which gateway RPC the session is. */
export type SessionAttributes = {
  /** 'Bootstrap' or 'StreamFinalChanges'. */
  'massa.bootstrap.rpc': 'Bootstrap' | 'StreamFinalChanges';
};

/** Attributes of a refused session: the ErrorInfo reason sent. */
export type RejectionAttributes = {
  /** e.g. TOO_MANY_BOOTSTRAPS, RATE_LIMITED, MEMORY_PRESSURE, ACCESS_DENIED. */
  'massa.bootstrap.reason': string;
};

/** Attributes of the streamed counters: what the bytes/entries were. */
export type StreamedAttributes = {
  /** 'state': StateEntry rows of state parts; 'changes': KeyChanges (catch-up and follow). */
  'massa.bootstrap.content': 'state' | 'changes';
};

/** Attributes of a client reset: why the client wiped its state. */
export type ResetAttributes = {
  /** 'SLOT_TOO_OLD' (server answer) or 'DIGEST_MISMATCH' (integrity failure). */
  'massa.bootstrap.reason': 'SLOT_TOO_OLD' | 'DIGEST_MISMATCH';
};

/** A slot as the history gauges read it (structurally the core/wire `Slot`). */
export interface SlotLike {
  readonly period: number;
  readonly thread: number;
}

/** What the history gauges report; read by a callback at each collection. */
export interface HistorySnapshot {
  /** Oldest retained slot; undefined while the store is empty. */
  readonly oldestSlot: SlotLike | undefined;
  /** Newest stored slot; undefined while the store is empty. */
  readonly newestSlot: SlotLike | undefined;
  /** Slots currently retained in the history. */
  readonly lengthSlots: number;
  /** Configured final_history_length, when known. */
  readonly configuredLengthSlots?: number;
}

/**
 * The project's instruments. Every member records into the meter it was created with; with
 * metrics off they are the API's no-ops, so services call them unconditionally.
 */
export interface BootstrapMetrics {
  /** Gateway: +1 when a session is admitted, -1 when it ends, whatever the outcome. */
  readonly sessionsActive: UpDownCounter<SessionAttributes>;
  /** Gateway: sessions refused by admission control or the access list. */
  readonly sessionsRejected: Counter<RejectionAttributes>;
  /** Gateway: encoded bytes of entries/changes written to clients (bytes, `By`). */
  readonly streamedBytes: Counter<StreamedAttributes>;
  /** Gateway: StateEntry rows ('state') and KeyChanges ('changes') written to clients. */
  readonly streamedEntries: Counter<StreamedAttributes>;
  /** Gateway and history-store: SlotTooOld answers sent. */
  readonly slotTooOldAnswers: Counter;
  /** Client: resets (local state wiped, bootstrap restarted from scratch). */
  readonly clientResets: Counter<ResetAttributes>;
  /** History-store: final slots committed (its rate is the ingest rate). */
  readonly ingestedSlots: Counter;
  /** History-store: duration of one slot's commit transaction, in milliseconds. */
  readonly ingestCommitDuration: Histogram;
  /**
   * History-store: reports `source()` through the history gauges at each collection
   * (oldest/newest period, retained and configured length). A later call replaces the source;
   * a source returning undefined reports nothing for that collection (one that throws is
   * logged by the SDK's diag logger and reports nothing either).
   */
  observeHistory(source: () => HistorySnapshot | undefined): void;
}

/** Commit latency buckets in ms: LMDB commits take well under a millisecond to seconds on a slow disk. */
const COMMIT_BUCKETS_MS = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

/**
 * Creates the {@link BootstrapMetrics} on `meter`. Call it once per meter: instruments with
 * the same name are shared by the SDK, but the history gauges' callback is registered here.
 */
export function createMetrics(meter: Meter): BootstrapMetrics {
  let historySource: (() => HistorySnapshot | undefined) | undefined;
  const oldest = meter.createObservableGauge(METRIC_NAMES.historyOldestPeriod, {
    description: 'Period of the oldest slot retained in the history.',
    unit: '{period}',
  });
  const newest = meter.createObservableGauge(METRIC_NAMES.historyNewestPeriod, {
    description: 'Period of the newest final slot stored.',
    unit: '{period}',
  });
  const length = meter.createObservableGauge(METRIC_NAMES.historyLength, {
    description: 'Slots currently retained in the history.',
    unit: '{slot}',
  });
  const configured = meter.createObservableGauge(METRIC_NAMES.historyConfiguredLength, {
    description: 'Configured final_history_length.',
    unit: '{slot}',
  });
  const gauges: Observable[] = [oldest, newest, length, configured];
  meter.addBatchObservableCallback((result: BatchObservableResult) => {
    const snapshot = historySource?.();
    if (snapshot === undefined) return;
    observeSlot(result, oldest, snapshot.oldestSlot);
    observeSlot(result, newest, snapshot.newestSlot);
    result.observe(length, snapshot.lengthSlots);
    if (snapshot.configuredLengthSlots !== undefined)
      result.observe(configured, snapshot.configuredLengthSlots);
  }, gauges);

  return {
    sessionsActive: meter.createUpDownCounter(METRIC_NAMES.sessionsActive, {
      description: 'Bootstrap sessions in progress on this gateway.',
      unit: '{session}',
    }),
    sessionsRejected: meter.createCounter(METRIC_NAMES.sessionsRejected, {
      description: 'Sessions refused by admission control or the access list.',
      unit: '{session}',
    }),
    streamedBytes: meter.createCounter(METRIC_NAMES.streamedBytes, {
      description: 'Encoded bytes of state entries and key changes sent to clients.',
      unit: 'By',
    }),
    streamedEntries: meter.createCounter(METRIC_NAMES.streamedEntries, {
      description: 'State entries and key changes sent to clients.',
      unit: '{entry}',
    }),
    slotTooOldAnswers: meter.createCounter(METRIC_NAMES.slotTooOldAnswers, {
      description: 'SlotTooOld answers sent (expected outcome: the client resets).',
      unit: '{answer}',
    }),
    clientResets: meter.createCounter(METRIC_NAMES.clientResets, {
      description: 'Client resets: local state wiped and bootstrap restarted.',
      unit: '{reset}',
    }),
    ingestedSlots: meter.createCounter(METRIC_NAMES.ingestedSlots, {
      description: 'Final slots committed to the store.',
      unit: '{slot}',
    }),
    ingestCommitDuration: meter.createHistogram(METRIC_NAMES.ingestCommitDuration, {
      description: 'Duration of the transaction that commits one final slot.',
      unit: 'ms',
      advice: { explicitBucketBoundaries: COMMIT_BUCKETS_MS },
    }),
    observeHistory(source) {
      historySource = source;
    },
  };
}

function observeSlot(
  result: BatchObservableResult,
  gauge: ObservableGauge,
  slot: SlotLike | undefined,
): void {
  if (slot !== undefined) result.observe(gauge, slot.period);
}

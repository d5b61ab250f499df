import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceError } from '@grpc/grpc-js';
import { formatSlot, nextSlot, type Slot } from '@massa-bootstrap/core';
import { HistoryStoreClient, type SlotChanges } from '@massa-bootstrap/proto';
import { channelCredentials, decodeBootstrapError } from '@massa-bootstrap/rpc';
import type { Logger } from 'pino';
import type { ProducerConfig } from './config';
import { chunkEntries, genesisEntries } from './genesis';
import { createDevnetPlan, slotIndex, type DevnetPlan } from './plan';
import { slotChanges } from './slot-generator';
import { ProducerFatalError, backoff, isRetryable } from './retry-policy';
import { appendSlot, getStoreStatus, ingestSlots } from './store-calls';

/** Bytes of key + value per genesis message, next to the entry bound of the config. */
const GENESIS_CHUNK_BYTES = 1024 * 1024;
const STATUS_TIMEOUT_MS = 5000;
const APPEND_TIMEOUT_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 1000;
const PROGRESS_LOG_INTERVAL_MS = 10_000;

/**
 * Reconnect quickly after the store restarts (grpc-js waits up to 120 s between attempts by
 * default, which would stall a devnet for minutes).
 */
const CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2000,
};

/** What the producer reports while it runs (for logs, tests and health). */
export interface ProducerEvents {
  /** The genesis was ingested and sealed. */
  genesis: [{ slot: Slot; entries: number; durationMs: number }];
  /** A genesis chunk was handed to the stream (`entries` so far; not yet acknowledged). */
  genesisProgress: [{ entries: number }];
  /** The producer (re)starts finalizing slots after `newest`, the store's newest slot. */
  resume: [{ newest: Slot }];
  /** One slot was committed (`duplicate`: the store already held it, identical). */
  slot: [{ slot: Slot; index: number; changes: number; duplicate: boolean }];
  /** A call failed; the producer resynchronizes from GetStatus after `delayMs`. */
  retry: [{ error: Error; code: number | undefined; reason: string | undefined; delayMs: number }];
}

/** Collaborators of a {@link DevnetProducer}. */
export interface ProducerDeps {
  /** Where to log. */
  readonly logger: Logger;
  /** A client to use instead of one built from the config (not closed by `stop()`). */
  readonly client?: HistoryStoreClient;
}

/** The settings the producer uses (a {@link ProducerConfig} fits). */
export type ProducerSettings = Pick<
  ProducerConfig,
  | 'historyStoreUrl'
  | 'slotMs'
  | 'changesPerSlot'
  | 'initialEntries'
  | 'seed'
  | 'genesisChunkEntries'
  | 'threadCount'
> &
  Partial<
    Pick<
      ProducerConfig,
      | 'heartbeatFile'
      | 'historyStoreTlsCaFile'
      | 'historyStoreTlsCertFile'
      | 'historyStoreTlsKeyFile'
    >
  >;

/**
 * Feeds a history-store like a Massa node's execution would: the genesis state (when the store
 * is empty) through IngestFinalSlots in bounded chunks, then one final slot every `slotMs`
 * through AppendFinalSlot, threads advancing like Massa's. Every failure (either side
 * restarting, a slot rejected as not next) leads back to GetStatus, and production resumes after
 * the store's newest slot; since each slot's changes are a pure function of the plan and the
 * slot, a resumed devnet is the same as an uninterrupted one.
 */
export class DevnetProducer extends EventEmitter<ProducerEvents> {
  /** The devnet's shape, derived from the seed and sizes. */
  readonly plan: DevnetPlan;
  private readonly client: HistoryStoreClient;
  private readonly ownsClient: boolean;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private lastHeartbeat = 0;
  private committed = 0;

  constructor(
    private readonly settings: ProducerSettings,
    deps: ProducerDeps,
  ) {
    super();
    this.logger = deps.logger;
    this.plan = createDevnetPlan({
      seed: settings.seed,
      initialEntries: settings.initialEntries,
      changesPerSlot: settings.changesPerSlot,
      threadCount: settings.threadCount,
    });
    this.ownsClient = deps.client === undefined;
    this.client =
      deps.client ??
      new HistoryStoreClient(
        settings.historyStoreUrl,
        channelCredentials({
          tlsCaFile: settings.historyStoreTlsCaFile,
          tlsCertFile: settings.historyStoreTlsCertFile,
          tlsKeyFile: settings.historyStoreTlsKeyFile,
        }),
        CHANNEL_OPTIONS,
      );
  }

  /** Slots committed by this instance so far. */
  get committedSlots(): number {
    return this.committed;
  }

  /**
   * Runs until {@link stop} (resolves) or a fatal condition (rejects with a
   * {@link ProducerFatalError} or the gRPC error that cannot be retried). Calling it twice
   * returns the same promise.
   */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops: cancels the call in flight, waits for `run()` to settle, closes its own client. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
    if (this.ownsClient) this.client.close();
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let attempt = 0;
    this.logger.info(
      {
        historyStore: this.settings.historyStoreUrl,
        seed: this.plan.seed,
        initialEntries: this.plan.initialEntries,
        changesPerSlot: this.plan.changesPerSlot,
        slotMs: this.settings.slotMs,
        threadCount: this.plan.threadCount,
      },
      'devnet producer starting',
    );
    while (!signal.aborted) {
      try {
        const status = await getStoreStatus(this.client, signal, STATUS_TIMEOUT_MS);
        if (status.threadCount !== 0 && status.threadCount !== this.plan.threadCount) {
          throw new ProducerFatalError(
            `THREAD_COUNT is ${this.plan.threadCount} but the history-store runs with ${status.threadCount}`,
          );
        }
        if (status.newestSlot === undefined) {
          await this.ingestGenesis(signal);
        } else {
          await this.produceAfter(status.newestSlot, signal, () => {
            attempt = 0;
          });
        }
        attempt = 0;
      } catch (err) {
        if (signal.aborted) break;
        if (!isRetryable(err)) throw err;
        const delayMs = backoff(attempt++);
        const decoded = decodeBootstrapError(err);
        const code = (err as Partial<ServiceError>).code;
        this.emit('retry', { error: err as Error, code, reason: decoded?.reason, delayMs });
        this.logger.warn(
          { code, reason: decoded?.reason, err: (err as Error).message, delayMs },
          'history-store call failed; resuming from its newest slot after a delay',
        );
        await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      }
    }
    this.logger.info({ committedSlots: this.committed }, 'devnet producer stopped');
  }

  private async ingestGenesis(signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const slot = this.plan.genesisSlot;
    let entries = 0;
    this.logger.info(
      { slot: formatSlot(slot), entries: this.plan.initialEntries },
      'store is empty: ingesting genesis',
    );
    const progress = (sent: number): void => {
      this.emit('genesisProgress', { entries: sent });
    };
    const messages = (function* (plan: DevnetPlan, maxEntries: number): Generator<SlotChanges> {
      for (const chunk of chunkEntries(genesisEntries(plan), {
        maxEntries,
        maxBytes: GENESIS_CHUNK_BYTES,
      })) {
        entries += chunk.length;
        yield {
          slot,
          changes: chunk.map((e) => ({
            key: e.key,
            change: { $case: 'setValue', value: e.value },
          })),
          stateDigest: Buffer.alloc(0),
        };
        progress(entries);
      }
    })(this.plan, this.settings.genesisChunkEntries);
    const response = await ingestSlots(this.client, messages, signal);
    const durationMs = Math.round(performance.now() - started);
    this.emit('genesis', { slot, entries, durationMs });
    this.logger.info(
      {
        slot: formatSlot(response.newestSlot),
        entries,
        durationMs,
        digest: response.stateDigest.toString('hex'),
      },
      'genesis ingested',
    );
  }

  private async produceAfter(
    newest: Slot,
    signal: AbortSignal,
    onCommit: () => void,
  ): Promise<void> {
    if (slotIndex(this.plan, newest) < 0) {
      throw new ProducerFatalError(
        `the history-store's newest slot ${formatSlot(newest)} is before the devnet genesis ${formatSlot(this.plan.genesisSlot)}`,
      );
    }
    this.emit('resume', { newest });
    this.logger.info(
      { newest: formatSlot(newest) },
      'finalizing slots after the store newest slot',
    );
    let slot = newest;
    let due = performance.now();
    let lastProgress = due;
    let sinceProgress = 0;
    while (!signal.aborted) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal });
      const next = nextSlot(slot, this.plan.threadCount);
      const index = slotIndex(this.plan, next);
      const changes = slotChanges(this.plan, index);
      const ack = await appendSlot(
        this.client,
        { slot: next, changes, stateDigest: Buffer.alloc(0) },
        signal,
        APPEND_TIMEOUT_MS,
      );
      slot = next;
      this.committed++;
      sinceProgress++;
      onCommit();
      this.emit('slot', { slot, index, changes: changes.length, duplicate: ack.duplicate });
      this.logger.debug({ slot: formatSlot(slot), changes: changes.length }, 'slot finalized');
      this.heartbeat(slot);
      const now = performance.now();
      if (now - lastProgress >= PROGRESS_LOG_INTERVAL_MS) {
        this.logger.info({ newest: formatSlot(slot), slots: sinceProgress }, 'slots finalized');
        lastProgress = now;
        sinceProgress = 0;
      }
      // A steady rate, without a burst to catch up after a stall longer than one slot.
      due += this.settings.slotMs;
      if (due < now - this.settings.slotMs) due = now;
    }
  }

  private heartbeat(slot: Slot): void {
    const file = this.settings.heartbeatFile;
    const now = Date.now();
    if (file === undefined || now - this.lastHeartbeat < HEARTBEAT_INTERVAL_MS) return;
    this.lastHeartbeat = now;
    writeFile(
      file,
      `${JSON.stringify({ slot: formatSlot(slot), at: new Date(now).toISOString() })}\n`,
    ).catch((err: unknown) =>
      this.logger.warn({ err: (err as Error).message, file }, 'cannot write the heartbeat file'),
    );
  }
}

/**
 * Runs queued write units in batches, one LMDB transaction (and one durable commit) per batch.
 *
 * Why: a slot overwriting 1,000 random keys dirties a B-tree leaf page per key, and LMDB
 * writes every dirty page (8 KiB) at commit. Units that share a commit share their dirty pages
 * and their fsync. lmdb-js batches transaction callbacks by itself, but the obvious way to roll
 * back one unit of a batch, a child transaction per unit, makes LMDB copy again every page the
 * parent already dirtied: measured on random overwrites, get + put cost 7.2 µs per key that
 * way against 3.1 µs in one plain transaction. Here a batch is one child transaction (abortable
 * as a whole) and each unit writes through a UnitWriteBuffer, so a unit that throws has written
 * nothing and needs no rollback.
 *
 * A batch takes every unit queued when LMDB starts it (the units that arrived during the
 * previous commit), up to MAX_UNITS_PER_BATCH; the promise of each unit settles once the
 * batch's commit is durable. If applying a unit's buffered writes fails (an LMDB error, not a
 * rule), the whole batch is aborted and every unit in it rejects with that error.
 */
import type { RootDatabase } from 'lmdb';
import type { StorageWriter } from './history-storage';
import { UnitWriteBuffer } from './unit-buffer';

/**
 * Most units in one transaction. Bounds how long one batch holds the event loop (units run
 * synchronously) and the transaction's size; the rest go to the next batch.
 */
export const MAX_UNITS_PER_BATCH = 128;

interface QueuedUnit {
  readonly fn: (writer: StorageWriter) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  /** Set once the unit ran: `ok` with its result, or the error it threw. */
  outcome?:
    | { readonly ok: true; readonly value: unknown }
    | { readonly ok: false; readonly error: unknown };
}

/** The batch runner of one LMDB environment. */
export class LmdbUnitBatcher {
  private queue: QueuedUnit[] = [];
  /** A transaction was requested from lmdb-js and has not started running yet. */
  private scheduled = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly env: RootDatabase,
    private readonly writer: StorageWriter,
  ) {}

  /** Queues `fn`; see HistoryStorage.write. */
  write<T>(fn: (writer: StorageWriter) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.inFlight += 1;
      this.schedule();
    });
  }

  /** Resolves once every queued unit settled. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    const batch: QueuedUnit[] = [];
    let committing: Promise<unknown>;
    try {
      committing = this.env.childTransaction(() => this.run(batch));
    } catch (error) {
      committing = Promise.reject(error);
    }
    committing.then(
      () => this.settle(batch, undefined),
      (error: unknown) => {
        if (this.scheduled) {
          // The transaction never ran (the environment failed or closed): fail what it owned.
          this.scheduled = false;
          batch.push(...this.queue.splice(0));
        }
        this.settle(batch, { error });
      },
    );
  }

  /** The transaction body: runs the units queued by now, each buffered, then applied. */
  private run(batch: QueuedUnit[]): void {
    this.scheduled = false;
    batch.push(...this.queue.splice(0, MAX_UNITS_PER_BATCH));
    // Units left over go to the next transaction, requested once this one is no longer running.
    if (this.queue.length > 0) setImmediate(() => this.schedule());
    for (const unit of batch) {
      const buffer = new UnitWriteBuffer(this.writer);
      let value: unknown;
      try {
        value = unit.fn(buffer);
        if (value instanceof Promise)
          throw new TypeError('storage write units must be synchronous');
      } catch (error) {
        unit.outcome = { ok: false, error };
        continue;
      }
      // Throws only on an LMDB failure: that aborts the whole batch (see the file comment).
      buffer.flush();
      unit.outcome = { ok: true, value };
    }
  }

  private settle(
    batch: readonly QueuedUnit[],
    failure: { readonly error: unknown } | undefined,
  ): void {
    for (const unit of batch) {
      const outcome = unit.outcome;
      if (outcome?.ok === false) unit.reject(outcome.error);
      else if (failure !== undefined) unit.reject(failure.error);
      else if (outcome === undefined) unit.reject(new Error('write unit did not run'));
      else unit.resolve(outcome.value);
    }
    this.inFlight -= batch.length;
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

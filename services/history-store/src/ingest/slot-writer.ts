/**
 * The single writer of a store. Every slot (or genesis chunk) becomes one storage write unit,
 * queued in arrival order; the storage may batch consecutive units into one durable commit, so
 * a stream of slots is pipelined while each is acknowledged only once durable. Committed slots
 * are published to the watch hub in commit order, once durable.
 */
import {
  InvalidArgumentError,
  UnavailableError,
  createStateDigest,
  slotChangesProblems,
  DIGEST_BYTES,
  type FieldViolation,
} from '@massa-bootstrap/core';
import type { SlotChanges } from '@massa-bootstrap/proto';
import type { RetentionPolicy } from '../retention';
import type { HistoryStorage, StorageWriter } from '../storage/history-storage';
import type { LiveSlot } from '../watch-hub';
import { decodeSlotRequest, requestOf, type SlotRequest } from './slot-request';
import {
  LostCommitError,
  applyRetention,
  applySlot,
  sealGenesis,
  type ApplyContext,
  type GenesisOwner,
  type Ingested,
} from './apply-slot';

export type { Ingested } from './apply-slot';

/**
 * One ingest stream's identity and fate. Its units are numbered in arrival order; once one is
 * refused, the later ones are skipped while the earlier ones still commit.
 */
export class IngestSession implements GenesisOwner {
  /** False once the stream ended, failed or was cancelled. */
  alive = true;
  private issued = 0;
  private failedAt = Number.POSITIVE_INFINITY;
  private firstFailure: unknown = undefined;

  /** The error of the earliest refused unit (or of stop()), if any. */
  get failure(): unknown {
    return this.firstFailure;
  }

  /** @internal Numbers the next unit. */
  nextIndex(): number {
    return this.issued++;
  }

  /** @internal Records that unit `index` was refused with `err`. */
  fail(index: number, err: unknown): void {
    if (index < this.failedAt) {
      this.failedAt = index;
      this.firstFailure = err;
    }
  }

  /** @internal True when unit `index` comes after a refused one. */
  skips(index: number): boolean {
    return index > this.failedAt;
  }

  /** Refuses every unit not queued yet (those queued still commit). */
  stop(err: unknown): void {
    this.fail(this.issued, err);
  }
}

/** A unit skipped because an earlier slot of the same stream was refused. */
export class SkippedAfterFailureError extends Error {
  constructor() {
    super('skipped: an earlier slot of this stream was rejected');
    this.name = 'SkippedAfterFailureError';
  }
}

interface PublishTicket {
  readonly item: LiveSlot;
  state: 'pending' | 'durable' | 'lost';
}

/** What the writer needs around it. */
export interface SlotWriterOptions {
  readonly storage: HistoryStorage;
  readonly retention: RetentionPolicy;
  readonly threadCount: number;
  /** Receives each durable new slot, in commit order. */
  readonly publish: (item: LiveSlot) => void;
  /** Called once if the storage loses a commit: the writer refuses everything afterwards. */
  readonly onBroken?: (err: Error) => void;
}

function isAppended(result: unknown): result is Extract<Ingested, { kind: 'appended' }> {
  return (
    typeof result === 'object' &&
    result !== null &&
    (result as { kind?: unknown }).kind === 'appended'
  );
}

/** Retry hint sent with SHUTTING_DOWN. */
const SHUTDOWN_RETRY_MS = 1000;

/** Applies slots to a store; see the file comment. */
export class SlotWriter {
  private readonly ctx: ApplyContext;
  private readonly tickets: PublishTicket[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private brokenWith: Error | undefined;

  private constructor(
    private readonly options: SlotWriterOptions,
    ctx: ApplyContext,
  ) {
    this.ctx = ctx;
  }

  /** Opens the writer on `storage` (whose thread count the caller checked) and applies retention. */
  static async open(options: SlotWriterOptions): Promise<SlotWriter> {
    const meta = options.storage.read((reader) => reader.meta());
    const ctx: ApplyContext = {
      retention: options.retention,
      tip: { digest: await createStateDigest(meta.lanes), commitSeq: meta.commitSeq },
      genesisOwner: undefined,
    };
    const writer = new SlotWriter(options, ctx);
    // The configured length may have shrunk since the last run.
    await writer.unit((w) => applyRetention(w, writer.ctx));
    return writer;
  }

  /** The error that broke the writer, if any. */
  get broken(): Error | undefined {
    return this.brokenWith;
  }

  /** Units queued or committing. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Applies one slot. `session` identifies the ingest stream it belongs to (undefined for a
   * unary append). Rejects with InvalidArgumentError for a malformed slot (nothing queued),
   * SlotRejectedError for an out-of-order or conflicting one, SkippedAfterFailureError when
   * an earlier slot of `session` was refused, UnavailableError when shutting down. Resolves
   * once the slot is durable.
   */
  append(message: SlotChanges, session?: IngestSession): Promise<Ingested> {
    return this.appendRequest(requestOf(message), session);
  }

  /**
   * append() for an encoded SlotChanges as received on the wire: decoded once without copies,
   * and stored as its own bytes when they are canonical (slot-request.ts). Bytes that do not
   * decode are refused like a malformed slot.
   */
  appendEncoded(bytes: Buffer, session?: IngestSession): Promise<Ingested> {
    let request: SlotRequest;
    try {
      request = decodeSlotRequest(bytes);
    } catch (err) {
      session?.fail(session.nextIndex(), err);
      return Promise.reject(err);
    }
    return this.appendRequest(request, session);
  }

  /** append() for a request decoded with decodeSlotRequest(). */
  appendRequest(request: SlotRequest, session?: IngestSession): Promise<Ingested> {
    const message = request.message;
    const problems: FieldViolation[] = slotChangesProblems(
      message.changes,
      this.options.threadCount,
      message.slot,
    );
    if (message.stateDigest.length !== 0 && message.stateDigest.length !== DIGEST_BYTES) {
      problems.push({
        field: 'state_digest',
        description: `must be empty or ${DIGEST_BYTES} bytes, got ${message.stateDigest.length}`,
      });
    }
    const index = session?.nextIndex() ?? 0;
    if (problems.length > 0) {
      const err = new InvalidArgumentError(problems);
      session?.fail(index, err);
      return Promise.reject(err);
    }
    return this.unit((w) => {
      if (session?.skips(index)) throw new SkippedAfterFailureError();
      try {
        return applySlot(w, this.ctx, request, session);
      } catch (err) {
        session?.fail(index, err);
        throw err;
      }
    });
  }

  /** Seals the unsealed genesis of `session`, if it has one (resolves undefined otherwise). */
  sealGenesis(session: IngestSession): Promise<Ingested | undefined> {
    const index = session.nextIndex();
    return this.unit((w) => {
      if (session.skips(index)) throw new SkippedAfterFailureError();
      try {
        return sealGenesis(w, this.ctx, session);
      } catch (err) {
        session.fail(index, err);
        throw err;
      }
    });
  }

  /** Resolves once no unit is queued or committing. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new units (UNAVAILABLE / SHUTTING_DOWN) and waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private unit<T>(fn: (writer: StorageWriter) => T): Promise<T> {
    if (this.closed) {
      return Promise.reject(
        new UnavailableError('SHUTTING_DOWN', SHUTDOWN_RETRY_MS, 'history-store is shutting down'),
      );
    }
    if (this.brokenWith !== undefined) return Promise.reject(this.brokenWith);
    this.inFlight += 1;
    let ticket: PublishTicket | undefined;
    let threw = false;
    const done = this.options.storage.write((w) => {
      let result: T;
      try {
        if (this.brokenWith !== undefined) throw this.brokenWith;
        result = fn(w);
      } catch (err) {
        threw = true;
        if (err instanceof LostCommitError) this.breakWith(err);
        throw err;
      }
      if (isAppended(result)) {
        ticket = { item: { slot: result.slot, encoded: result.encoded }, state: 'pending' };
        this.tickets.push(ticket);
      }
      return result;
    });
    return done.then(
      (result) => {
        if (ticket) ticket.state = 'durable';
        this.settle();
        return result;
      },
      (err: unknown) => {
        if (ticket) ticket.state = 'lost';
        if (!threw) this.breakWith(err);
        this.settle();
        throw err;
      },
    );
  }

  private settle(): void {
    // Publish in commit order: a durable slot waits for the ones committed before it.
    while (this.tickets.length > 0 && this.tickets[0]!.state !== 'pending') {
      const ticket = this.tickets.shift()!;
      if (ticket.state === 'durable') this.options.publish(ticket.item);
    }
    this.inFlight -= 1;
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private breakWith(err: unknown): void {
    if (this.brokenWith !== undefined) return;
    this.brokenWith = new Error('storage commit failed; the history-store must be restarted', {
      cause: err,
    });
    this.options.onBroken?.(this.brokenWith);
  }
}

import {
  SlotInFutureError,
  UnavailableError,
  compareSlots,
  type Slot,
} from '@massa-bootstrap/core';
import type { Cursor } from '@massa-bootstrap/proto';
import type { FollowHub } from './follow-hub';
import type { MemoryMonitor } from './memory';
import type { ReadUrgency } from './read-permits';
import type { ResumeCursor, ValidBootstrapRequest } from './requests';
import type { HistoryStoreUpstream } from './upstream';
import { encodeBootstrapPart, type EncodedPart } from './wire';

const EMPTY = Buffer.alloc(0);

/** Writes one encoded BootstrapPart; resolves once the transport took it (not merely queued it). */
export type PartSink = (part: EncodedPart) => Promise<void>;

/** What a written part carried, for the streamed metrics (as forwarded: nothing re-encoded). */
export interface SentPartContent {
  /** State entries. */
  readonly entries: number;
  /** Bytes of the encoded `entries` records (tag, length, StateEntry). */
  readonly entryBytes: number;
  /** The encoded SlotChanges messages of the part (catch-up or follow), oldest first. */
  readonly changes: readonly Buffer[];
}

/** What a session needs. */
export interface BootstrapSessionDeps {
  /** The history-store. */
  readonly upstream: HistoryStoreUpstream;
  /** Shared live subscription for `follow`. */
  readonly hub: FollowHub;
  /** Memory watermark: parts shrink to `minPartBytes` while it is exceeded. */
  readonly memory: MemoryMonitor;
  /** Part size under memory pressure. */
  readonly minPartBytes: number;
  /** Retry delay of UPSTREAM_UNAVAILABLE errors the session raises itself. */
  readonly retryDelayMs: number;
  /** Where parts go. */
  readonly sink: PartSink;
  /** Aborted on client cancel, session timeout or shutdown; aborts upstream reads too. */
  readonly signal: AbortSignal;
  /** Called once when the state is complete (the bootstrap admission slot is released). */
  readonly onStateComplete: () => void;
  /** Called after each part the transport took, with what it carried. */
  readonly onPartSent?: (content: SentPartContent) => void;
}

/** A snapshot of one session, for status and tests. */
export interface BootstrapSessionStats {
  /** 'bootstrap' until the state is complete, then 'follow' (with follow) or 'done'. */
  readonly phase: 'bootstrap' | 'follow' | 'done';
  /** Part size the client asked for. */
  readonly requestedPartBytes: number;
  /** Part size of the latest read (smaller under memory pressure). */
  readonly partBytes: number;
  /**
   * Bytes held by the session now: the store answers and changes of the prefetched part and of
   * the part being written (parts point into them; the transport copies a part when it sends it).
   */
  readonly bufferedBytes: number;
  /** The most bytes the session ever held at once. */
  readonly maxBufferedBytes: number;
  /** Size of the largest part sent. */
  readonly maxPartSentBytes: number;
  /** Parts written. */
  readonly partsSent: number;
  /** State entries written. */
  readonly entriesSent: number;
  /** Encoded bytes written. */
  readonly bytesSent: number;
  /** Slot of the latest part written. */
  readonly slot: Slot | undefined;
  /**
   * True while the next part is being read from the store (prefetch in progress, or waiting for
   * a store read permit).
   */
  readonly reading: boolean;
  /** True while a part is handed to the transport and not yet taken (socket or client slow). */
  readonly writing: boolean;
}

interface PreparedPart {
  readonly part: EncodedPart;
  readonly cursor: ResumeCursor;
  readonly content: SentPartContent;
  /** Bytes the part keeps alive (the store answer and changes it points into). */
  readonly heldBytes: number;
}

/**
 * One Bootstrap call: the algorithm of DESIGN §3 against the history-store, with raw
 * forwarding of entries (wire.ts) and bounded memory.
 *
 * For each part: ReadStatePart(after = cursor.last_key, max_bytes = part size) read at slot S;
 * when the client already holds keys (its cursor has a slot and a non-empty last_key) and
 * S > cursor.slot, the changes in (cursor.slot, S] filtered to keys <= cursor.last_key
 * (StreamChanges max_key); then BootstrapPart{S, changes, entries, cursor, digest when complete}.
 * A complete resume cursor gets one part with every change since its slot (all keys).
 *
 * Memory: at most one part is being written (the next write starts only after the transport
 * took the previous part, so grpc-js's queue never holds more than one) and at most one part
 * is prefetched; {@link stats} accounts both, which bounds a session to about 2 parts plus
 * its changes.
 */
export class BootstrapSession {
  private phase: BootstrapSessionStats['phase'] = 'bootstrap';
  private partBytes: number;
  private held = 0;
  private inFlight = 0;
  private maxBuffered = 0;
  private maxPartSent = 0;
  private partsSent = 0;
  private entriesSent = 0;
  private bytesSent = 0;
  private slot: Slot | undefined;
  private reading = 0;

  constructor(
    private readonly request: ValidBootstrapRequest,
    private readonly deps: BootstrapSessionDeps,
  ) {
    this.partBytes = request.partBytes;
  }

  /** Current accounting. */
  stats(): BootstrapSessionStats {
    return {
      phase: this.phase,
      requestedPartBytes: this.request.partBytes,
      partBytes: this.partBytes,
      bufferedBytes: this.held + this.inFlight,
      maxBufferedBytes: this.maxBuffered,
      maxPartSentBytes: this.maxPartSent,
      partsSent: this.partsSent,
      entriesSent: this.entriesSent,
      bytesSent: this.bytesSent,
      slot: this.slot,
      reading: this.reading > 0,
      writing: this.inFlight > 0,
    };
  }

  /** Runs the session to completion (and through follow); rejects with the error to send. */
  async run(): Promise<void> {
    const resume = this.request.resume;
    const completedAt = resume?.stateComplete
      ? await this.catchUpComplete(resume)
      : await this.streamState(resume);
    this.deps.onStateComplete();
    if (!this.request.follow) {
      this.phase = 'done';
      return;
    }
    this.phase = 'follow';
    await this.follow(completedAt);
  }

  private currentPartBytes(): number {
    this.partBytes = this.deps.memory.underPressure
      ? Math.min(this.deps.minPartBytes, this.request.partBytes)
      : this.request.partBytes;
    return this.partBytes;
  }

  private hold(bytes: number): void {
    this.held += bytes;
    this.noteBuffered();
  }

  private release(bytes: number): void {
    this.held -= bytes;
  }

  private noteBuffered(): void {
    const now = this.held + this.inFlight;
    if (now > this.maxBuffered) this.maxBuffered = now;
  }

  private async send(
    part: EncodedPart,
    slot: Slot,
    content: SentPartContent,
    heldBytes: number,
  ): Promise<void> {
    // Hand-over: the transport serializes the part synchronously inside write() (into its own
    // framed copy of byteLength bytes) and the part then drops its views of the store answers
    // (EncodedPart.release). From here the session accounts the transport's copy.
    this.held -= heldBytes;
    this.inFlight += part.byteLength;
    this.noteBuffered();
    try {
      await this.deps.sink(part);
    } finally {
      this.inFlight -= part.byteLength;
    }
    this.partsSent += 1;
    this.entriesSent += content.entries;
    this.bytesSent += part.byteLength;
    if (part.byteLength > this.maxPartSent) this.maxPartSent = part.byteLength;
    this.slot = slot;
    this.deps.onPartSent?.(content);
  }

  /** Streams the state from `resume` (or the start) until complete; returns the completing slot. */
  private async streamState(resume: ResumeCursor | undefined): Promise<Slot> {
    let next = this.preparePart(resume, { urgent: true });
    for (;;) {
      const part = await next;
      // A read-ahead waits behind urgent reads for a store read permit until this part has
      // been written; from then on the client waits for it (see ReadPermits).
      const urgency: ReadUrgency = { urgent: false };
      if (!part.cursor.stateComplete) {
        // Prefetch exactly one part while this one is written.
        next = this.preparePart(part.cursor, urgency);
        next.catch(() => undefined); // consumed (or abandoned on abort) by the next iteration
      }
      await this.send(part.part, part.cursor.slot, part.content, part.heldBytes);
      urgency.urgent = true;
      if (part.cursor.stateComplete) return part.cursor.slot;
    }
  }

  private async preparePart(
    previous: ResumeCursor | undefined,
    urgency: ReadUrgency,
  ): Promise<PreparedPart> {
    this.reading += 1;
    try {
      return await this.readPart(previous, urgency);
    } finally {
      this.reading -= 1;
    }
  }

  private async readPart(
    previous: ResumeCursor | undefined,
    urgency: ReadUrgency,
  ): Promise<PreparedPart> {
    const { upstream, signal } = this.deps;
    const read = await upstream.readStatePart(
      { afterKey: previous?.lastKey ?? EMPTY, maxBytes: this.currentPartBytes(), maxEntries: 0 },
      signal,
      urgency,
    );
    let heldNow = read.raw.length;
    this.hold(heldNow);
    try {
      const slot = read.slot;
      if (slot === undefined) {
        throw new UnavailableError(
          'UPSTREAM_UNAVAILABLE',
          this.deps.retryDelayMs,
          'the history-store holds no final slot yet',
        );
      }
      const changes: Buffer[] = [];
      if (previous !== undefined) {
        const order = compareSlots(slot, previous.slot);
        if (order < 0) throw new SlotInFutureError(previous.slot, slot);
        // An empty last_key means the client holds no key yet: there is nothing to update.
        if (order > 0 && previous.lastKey.length > 0) {
          for await (const change of upstream.streamChanges(
            { afterSlot: previous.slot, untilSlot: slot, maxKey: previous.lastKey },
            signal,
          )) {
            changes.push(change.bytes);
            heldNow += change.bytes.length;
            this.hold(change.bytes.length);
          }
        }
      }
      const cursor: ResumeCursor = read.complete
        ? { slot, lastKey: EMPTY, stateComplete: true }
        : { slot, lastKey: Buffer.from(read.lastKey), stateComplete: false };
      const part = encodeBootstrapPart({
        slot,
        changes,
        entryRecords: read.entryRecords,
        cursor: toWireCursor(cursor),
        stateDigest: read.complete ? read.stateDigest : EMPTY,
      });
      let entryBytes = 0;
      for (const record of read.entryRecords) entryBytes += record.length;
      // The part points into the store answer and the changes: they stay held until written.
      return {
        part,
        cursor,
        content: { entries: read.entryCount, entryBytes, changes },
        heldBytes: heldNow,
      };
    } catch (err) {
      this.release(heldNow);
      throw err;
    }
  }

  /** A client holding the complete state at `resume.slot` is brought to the newest slot in one part. */
  private async catchUpComplete(resume: ResumeCursor): Promise<Slot> {
    const { upstream, signal } = this.deps;
    const status = await upstream.getStatus(signal);
    const newest = status.newestSlot && {
      period: status.newestSlot.period,
      thread: status.newestSlot.thread,
    };
    if (newest === undefined || compareSlots(resume.slot, newest) > 0) {
      throw new SlotInFutureError(resume.slot, newest);
    }
    const changes: Buffer[] = [];
    let digest: Buffer = Buffer.from(status.stateDigest);
    let slot: Slot = resume.slot;
    let heldNow = 0;
    try {
      if (compareSlots(resume.slot, newest) < 0) {
        for await (const change of upstream.streamChanges(
          { afterSlot: resume.slot, untilSlot: newest },
          signal,
        )) {
          changes.push(change.bytes);
          heldNow += change.bytes.length;
          this.hold(change.bytes.length);
          digest = change.stateDigest;
          slot = change.slot;
        }
      }
      const part = encodeBootstrapPart({
        slot,
        changes,
        entryRecords: [],
        cursor: toWireCursor({ slot, lastKey: EMPTY, stateComplete: true }),
        stateDigest: digest,
      });
      const heldBytes = heldNow;
      heldNow = 0; // send() takes them over
      await this.send(part, slot, { entries: 0, entryBytes: 0, changes }, heldBytes);
      return slot;
    } finally {
      this.release(heldNow);
    }
  }

  /** After completion: one part per new final slot (all keys), until the call ends. */
  private async follow(after: Slot): Promise<void> {
    const subscription = this.deps.hub.subscribe();
    for await (const item of subscription.slots(after, this.deps.signal)) {
      const part = encodeBootstrapPart({
        slot: item.slot,
        changes: [item.bytes],
        entryRecords: [],
        cursor: toWireCursor({ slot: item.slot, lastKey: EMPTY, stateComplete: true }),
        stateDigest: item.stateDigest,
      });
      this.hold(item.bytes.length);
      const content = { entries: 0, entryBytes: 0, changes: [item.bytes] };
      await this.send(part, item.slot, content, item.bytes.length);
    }
  }
}

function toWireCursor(cursor: ResumeCursor): Cursor {
  return {
    slot: { period: cursor.slot.period, thread: cursor.slot.thread },
    lastKey: cursor.lastKey,
    stateComplete: cursor.stateComplete,
  };
}

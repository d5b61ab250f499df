/**
 * The storage seam of the history-store. Everything above it (ingest rules, digest, retention,
 * reads, RPC) is engine-agnostic; an engine provides snapshots for reading and atomic, durable,
 * ordered write units. The LMDB engine is in lmdb-storage.ts.
 */
import { DIGEST_LANES_BYTES, type Slot } from '@massa-bootstrap/core';

/** Bookkeeping persisted atomically with every write unit. */
export interface StoreMeta {
  /** Threads per period the store was created with; never changes. */
  readonly threadCount: number;
  /** The history length configured when the store was last opened (informative). */
  readonly finalHistoryLength: number;
  /** The newest sealed final slot; undefined while the store is empty. */
  readonly newestSlot: Slot | undefined;
  /**
   * The history holds every stored slot in (baseSlot, newestSlot]. Starts as the genesis slot
   * (whose state is not a history entry) and moves to the newest trimmed slot as entries are
   * trimmed. Undefined while the store is empty.
   */
  readonly baseSlot: Slot | undefined;
  /**
   * A genesis being ingested in chunks and not sealed yet: its entries are in the state but
   * readers must treat the store as empty. Undefined otherwise.
   */
  readonly pendingGenesis: Slot | undefined;
  /** LtHash16 lanes of the state (DIGEST_LANES_BYTES bytes). */
  readonly lanes: Buffer;
  /** Number of state entries. */
  readonly entryCount: number;
  /** Sum of key and value bytes of the state. */
  readonly stateBytes: number;
  /** Number of history entries. */
  readonly historyCount: number;
  /** Sum of the encoded SlotChanges bytes in the history. */
  readonly historyBytes: number;
  /** Incremented by every write unit that changes anything; detects lost commits. */
  readonly commitSeq: number;
}

/** The metadata of a new, empty store: no slot, no entry, zero lanes. */
export function emptyStoreMeta(threadCount: number, finalHistoryLength: number): StoreMeta {
  return {
    threadCount,
    finalHistoryLength,
    newestSlot: undefined,
    baseSlot: undefined,
    pendingGenesis: undefined,
    lanes: Buffer.alloc(DIGEST_LANES_BYTES),
    entryCount: 0,
    stateBytes: 0,
    historyCount: 0,
    historyBytes: 0,
    commitSeq: 0,
  };
}

/** A state entry as read from storage. */
export interface StoredEntry {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** A history entry: the encoded SlotChanges (with its state digest) of one slot. */
export interface StoredSlot {
  readonly slot: Slot;
  readonly encoded: Buffer;
}

/**
 * Reads from one consistent view. Iterables are lazy and valid only inside the callback that
 * received the reader. Returned buffers are the caller's to keep.
 */
export interface StorageReader {
  /** The metadata of this view. */
  meta(): StoreMeta;
  /** The value of `key`, or undefined. */
  getState(key: Uint8Array): Buffer | undefined;
  /** State entries with a key strictly greater than `afterKey` (empty: from the first), bytewise order. */
  stateAfter(afterKey: Uint8Array): Iterable<StoredEntry>;
  /**
   * Visits the entries of stateAfter(afterKey), in the same order, until `visit` returns false.
   * `key` and `value` are views that are valid only during that call (the engine may hand out
   * its own reusable memory): copy what you keep, and do not read the storage from `visit`.
   * The copy-free path of ReadStatePart.
   */
  scanStateAfter(
    afterKey: Uint8Array,
    visit: (key: Uint8Array, value: Uint8Array) => boolean,
  ): void;
  /** The history entry of `slot`, or undefined. */
  getHistory(slot: Slot): Buffer | undefined;
  /** History entries with slot in (after, until] (unbounded ends when undefined), oldest first. */
  historyBetween(after: Slot | undefined, until: Slot | undefined): Iterable<StoredSlot>;
}

/** A write unit's view: reads see the unit's own writes and those of earlier units. */
export interface StorageWriter extends StorageReader {
  /**
   * The value of `key` without a copy: valid only until the next call on this writer (the
   * engine may reuse the memory). For hot paths that use the old value at once (digest).
   */
  peekState(key: Uint8Array): Uint8Array | undefined;
  /** Sets `key` to `value` (insert or overwrite). */
  putState(key: Uint8Array, value: Uint8Array): void;
  /** Removes `key`; removing an absent key does nothing. */
  deleteState(key: Uint8Array): void;
  /** Removes every state entry. */
  clearState(): void;
  /** Stores the encoded SlotChanges of `slot`. */
  putHistory(slot: Slot, encoded: Uint8Array): void;
  /** Removes the history entry of `slot`, if any. */
  deleteHistory(slot: Slot): void;
  /** Replaces the whole metadata. */
  setMeta(meta: StoreMeta): void;
}

/** An engine holding the state, the history and the metadata of one store. */
export interface HistoryStorage {
  /** Human-readable location, for logs. */
  readonly location: string;
  /**
   * Runs `fn` on one consistent snapshot (a read transaction) and returns its result. `fn`
   * must be synchronous and must not let iterables escape. Never blocks writers.
   */
  read<T>(fn: (reader: StorageReader) => T): T;
  /**
   * Runs `fn` as one atomic write unit. Units run in call order, one after the other (several
   * may share one commit: queue units without waiting for each to be durable to get fewer,
   * larger commits). When `fn` throws, none of its writes happen, later units are unaffected,
   * and the promise rejects with what it threw. Otherwise the promise resolves with `fn`'s
   * result once the commit holding the unit is durable; anything a reader can see is durable.
   * `fn` must be synchronous.
   */
  write<T>(fn: (writer: StorageWriter) => T): Promise<T>;
  /** Waits for pending write units, then releases the engine. */
  close(): Promise<void>;
}

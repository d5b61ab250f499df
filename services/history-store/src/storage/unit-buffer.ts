/**
 * One write unit's writes, held back until the unit returns. Engines that run several units in
 * one storage transaction (to share its commit) give each unit one of these: a unit that throws
 * has written nothing, so there is nothing to roll back, and the units around it are unaffected.
 * Reads see the transaction (with the units before) plus this unit's own pending writes.
 *
 * Read-your-writes for state keys needs an index by key; it is built only when a unit reads
 * the state after writing it, which the ingest rules never do (they read every old value
 * first), so the hot path pays nothing for it.
 */
import type { Slot } from '@massa-bootstrap/core';
import type { StorageWriter, StoreMeta, StoredEntry, StoredSlot } from './history-storage';
import { encodeSlotKey } from './slot-key';

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** A history write: `encoded` undefined means delete. */
interface HistoryOp {
  readonly slot: Slot;
  readonly key: Buffer;
  readonly encoded: Uint8Array | undefined;
}

/** A StorageWriter that buffers writes over `base`; see the file comment. */
export class UnitWriteBuffer implements StorageWriter {
  private stateKeys: Uint8Array[] = [];
  private stateValues: (Uint8Array | undefined)[] = [];
  /** Latest op index per key, built on the first read after a write. */
  private stateIndex: Map<string, number> | undefined;
  private cleared = false;
  private readonly historyOps = new Map<string, HistoryOp>();
  private pendingMeta: StoreMeta | undefined;

  constructor(private readonly base: StorageWriter) {}

  /** Applies the buffered writes to `base`, in order. */
  flush(): void {
    if (this.cleared) this.base.clearState();
    const keys = this.stateKeys;
    const values = this.stateValues;
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (value === undefined) this.base.deleteState(keys[i]!);
      else this.base.putState(keys[i]!, value);
    }
    for (const op of this.historyOps.values()) {
      if (op.encoded === undefined) this.base.deleteHistory(op.slot);
      else this.base.putHistory(op.slot, op.encoded);
    }
    if (this.pendingMeta !== undefined) this.base.setMeta(this.pendingMeta);
  }

  meta(): StoreMeta {
    return this.pendingMeta ?? this.base.meta();
  }

  getState(key: Uint8Array): Buffer | undefined {
    const pending = this.pendingState(key);
    if (pending === null) return this.base.getState(key);
    return pending === undefined ? undefined : Buffer.from(pending);
  }

  peekState(key: Uint8Array): Uint8Array | undefined {
    const pending = this.pendingState(key);
    return pending === null ? this.base.peekState(key) : pending;
  }

  *stateAfter(afterKey: Uint8Array): Iterable<StoredEntry> {
    this.refuseScanAfterWrites();
    yield* this.base.stateAfter(afterKey);
  }

  scanStateAfter(
    afterKey: Uint8Array,
    visit: (key: Uint8Array, value: Uint8Array) => boolean,
  ): void {
    this.refuseScanAfterWrites();
    this.base.scanStateAfter(afterKey, visit);
  }

  private refuseScanAfterWrites(): void {
    if (this.stateKeys.length > 0 || this.cleared) {
      // Never needed by the ingest rules; refusing is safer than a slow merge nobody tests.
      throw new Error('a write unit cannot scan the state after writing it');
    }
  }

  getHistory(slot: Slot): Buffer | undefined {
    const op = this.historyOps.get(encodeSlotKey(slot).toString('latin1'));
    if (op === undefined) return this.base.getHistory(slot);
    return op.encoded === undefined ? undefined : Buffer.from(op.encoded);
  }

  *historyBetween(after: Slot | undefined, until: Slot | undefined): Iterable<StoredSlot> {
    if (this.historyOps.size === 0) {
      yield* this.base.historyBetween(after, until);
      return;
    }
    // Merge the unit's few history writes into the stored range, in slot-key order.
    const low = after && encodeSlotKey(after);
    const high = until && encodeSlotKey(until);
    const pending = [...this.historyOps.values()]
      .filter((op) => (!low || op.key.compare(low) > 0) && (!high || op.key.compare(high) <= 0))
      .sort((a, b) => a.key.compare(b.key));
    let next = 0;
    for (const entry of this.base.historyBetween(after, until)) {
      const key = encodeSlotKey(entry.slot);
      for (; next < pending.length && pending[next]!.key.compare(key) <= 0; next++) {
        const op = pending[next]!;
        if (op.encoded !== undefined) yield { slot: op.slot, encoded: Buffer.from(op.encoded) };
      }
      if (!this.historyOps.has(key.toString('latin1'))) yield entry;
    }
    for (; next < pending.length; next++) {
      const op = pending[next]!;
      if (op.encoded !== undefined) yield { slot: op.slot, encoded: Buffer.from(op.encoded) };
    }
  }

  putState(key: Uint8Array, value: Uint8Array): void {
    // The one write LMDB refuses for its arguments: refused here, inside the unit, rather than
    // when applied, where a failure aborts the whole batch.
    if (key.length === 0) throw new RangeError('state keys must not be empty');
    this.stateIndex?.set(latin1(key), this.stateKeys.length);
    this.stateKeys.push(key);
    this.stateValues.push(value);
  }

  deleteState(key: Uint8Array): void {
    if (key.length === 0) throw new RangeError('state keys must not be empty');
    this.stateIndex?.set(latin1(key), this.stateKeys.length);
    this.stateKeys.push(key);
    this.stateValues.push(undefined);
  }

  clearState(): void {
    this.cleared = true;
    this.stateKeys = [];
    this.stateValues = [];
    this.stateIndex = this.stateIndex && new Map();
  }

  putHistory(slot: Slot, encoded: Uint8Array): void {
    const key = encodeSlotKey(slot);
    this.historyOps.set(key.toString('latin1'), { slot, key, encoded });
  }

  deleteHistory(slot: Slot): void {
    const key = encodeSlotKey(slot);
    this.historyOps.set(key.toString('latin1'), { slot, key, encoded: undefined });
  }

  setMeta(meta: StoreMeta): void {
    this.pendingMeta = meta;
  }

  /**
   * The unit's pending value of `key`: a value, undefined (deleted, or cleared and not set
   * since), or null when the unit did not touch it (read the base).
   */
  private pendingState(key: Uint8Array): Uint8Array | undefined | null {
    if (this.stateKeys.length === 0) return this.cleared ? undefined : null;
    if (this.stateIndex === undefined) {
      this.stateIndex = new Map();
      this.stateKeys.forEach((k, i) => this.stateIndex!.set(latin1(k), i));
    }
    const index = this.stateIndex.get(latin1(key));
    if (index !== undefined) return this.stateValues[index];
    return this.cleared ? undefined : null;
  }
}

/**
 * The ingest baseline: the LMDB writes a history-store makes for each slot, from a plain loop
 * with no gRPC, no validation and no digest, through the store's own storage engine
 * (`openLmdbStorage` from @massa-bootstrap/history-store). Per slot, one write unit: read the
 * old value and put the new one for every change, put the encoded history entry, trim the
 * history to the retained length, rewrite the metadata. Units are pipelined with the same
 * window as IngestFinalSlots (64 not yet durable) and the time runs until all are durable.
 */
import type { Slot } from '@massa-bootstrap/core';
import {
  emptyStoreMeta,
  openLmdbStorage,
  type HistoryStorage,
  type StoreMeta,
} from '@massa-bootstrap/history-store';
import { SlotChanges } from '@massa-bootstrap/proto';
import { GENESIS_SLOT, THREAD_COUNT, genesisMessages, type StateShape } from './workload';

const WINDOW = 64;

/** A storage with a genesis written, ready for timed slot loops. */
export class PlainLmdbIngest {
  private meta: StoreMeta;
  private readonly history: Slot[] = [];

  private constructor(
    private readonly storage: HistoryStorage,
    private readonly historyLength: number,
  ) {
    this.meta = storage.read((r) => r.meta());
  }

  /** Opens a fresh store in `dir` and writes the genesis of `shape` (not timed). */
  static async open(dir: string, shape: StateShape, historyLength = 600): Promise<PlainLmdbIngest> {
    const storage = await openLmdbStorage({
      path: dir,
      initialMeta: emptyStoreMeta(THREAD_COUNT, historyLength),
    });
    for (const chunk of genesisMessages(shape)) {
      const message = SlotChanges.decode(chunk);
      await storage.write((w) => {
        for (const change of message.changes) {
          if (change.change?.$case === 'setValue') w.putState(change.key, change.change.value);
        }
      });
    }
    const plain = new PlainLmdbIngest(storage, historyLength);
    plain.meta = {
      ...plain.meta,
      newestSlot: GENESIS_SLOT,
      baseSlot: GENESIS_SLOT,
      entryCount: shape.entries,
    };
    await storage.write((w) => w.setMeta(plain.meta));
    return plain;
  }

  /** Writes `slots` (with their encoded bytes); resolves with the time until all are durable, ms. */
  async ingest(
    slots: readonly { readonly message: SlotChanges; readonly encoded: Buffer }[],
  ): Promise<number> {
    const started = performance.now();
    const pending = new Set<Promise<void>>();
    for (const { message, encoded } of slots) {
      const slot = message.slot as Slot;
      this.history.push(slot);
      const trimmed =
        this.history.length > this.historyLength ? (this.history.shift() as Slot) : undefined;
      const meta: StoreMeta = {
        ...this.meta,
        newestSlot: slot,
        baseSlot: trimmed ?? this.meta.baseSlot,
        historyCount: this.history.length,
        historyBytes: this.meta.historyBytes + encoded.length,
        commitSeq: this.meta.commitSeq + 1,
      };
      this.meta = meta;
      const unit = this.storage
        .write((w) => {
          for (const change of message.changes) {
            w.getState(change.key);
            if (change.change?.$case === 'setValue') w.putState(change.key, change.change.value);
            else w.deleteState(change.key);
          }
          w.putHistory(slot, encoded);
          if (trimmed !== undefined) w.deleteHistory(trimmed);
          w.setMeta(meta);
        })
        .finally(() => pending.delete(unit));
      pending.add(unit);
      if (pending.size >= WINDOW) await Promise.race(pending);
    }
    await Promise.all(pending);
    return performance.now() - started;
  }

  /** Closes the storage. */
  close(): Promise<void> {
    return this.storage.close();
  }
}

/**
 * The ingest baseline: per slot, the LMDB writes the store makes (read the old value and put
 * the new one for every change, put the history entry, delete the trimmed one, rewrite the
 * metadata) from a plain loop on the store's own storage engine: no gRPC, no validation, no
 * digest. Units are pipelined 64 deep, like IngestFinalSlots.
 */
import type { Slot } from '@massa-bootstrap/core';
import { SlotChanges } from '@massa-bootstrap/proto';
import { openLmdbStorage } from '../../src/storage/lmdb-storage';
import {
  emptyStoreMeta,
  type HistoryStorage,
  type StoreMeta,
} from '../../src/storage/history-storage';
import { THREAD_COUNT, slotAt, type BenchSlot } from './bench-workload';

const WINDOW = 64;

/** A storage with the genesis written, ready for timed loops. */
export class PlainLoop {
  private readonly history: Slot[] = [];

  private constructor(
    private readonly storage: HistoryStorage,
    private meta: StoreMeta,
    private readonly historyLength: number,
  ) {}

  static async open(
    dir: string,
    genesis: readonly Buffer[],
    historyLength: number,
  ): Promise<PlainLoop> {
    const storage = await openLmdbStorage({
      path: dir,
      initialMeta: emptyStoreMeta(THREAD_COUNT, historyLength),
    });
    let entries = 0;
    for (const chunk of genesis) {
      const message = SlotChanges.decode(chunk);
      entries += message.changes.length;
      await storage.write((w) => {
        for (const c of message.changes)
          if (c.change?.$case === 'setValue') w.putState(c.key, c.change.value);
      });
    }
    const meta = {
      ...storage.read((r) => r.meta()),
      newestSlot: slotAt(0),
      baseSlot: slotAt(0),
      entryCount: entries,
    };
    await storage.write((w) => w.setMeta(meta));
    return new PlainLoop(storage, meta, historyLength);
  }

  /** Writes `slots`; resolves once all are durable. */
  async ingest(slots: readonly BenchSlot[]): Promise<void> {
    const pending = new Set<Promise<void>>();
    for (const { message, encoded } of slots) {
      const slot = message.slot as Slot;
      this.history.push(slot);
      const trimmed = this.history.length > this.historyLength ? this.history.shift() : undefined;
      const meta: StoreMeta = {
        ...this.meta,
        newestSlot: slot,
        baseSlot: trimmed ?? this.meta.baseSlot,
        historyCount: this.history.length,
        historyBytes: this.meta.historyBytes + encoded.length,
        commitSeq: this.meta.commitSeq + 1,
      };
      this.meta = meta;
      const unit: Promise<void> = this.storage
        .write((w) => {
          for (const c of message.changes) {
            w.getState(c.key);
            if (c.change?.$case === 'setValue') w.putState(c.key, c.change.value);
            else w.deleteState(c.key);
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
  }

  close(): Promise<void> {
    return this.storage.close();
  }
}

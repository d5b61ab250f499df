/**
 * StreamChanges and the catch-up of WatchFinalSlots: retained history read in bounded chunks,
 * each from its own snapshot (a slow reader never pins an old snapshot), with the window checks
 * (SlotTooOld / SlotInFuture) repeated on every chunk so that a trim between chunks is noticed.
 */
import {
  SlotInFutureError,
  SlotTooOldError,
  compareSlots,
  filterChangesToMaxKey,
  type Slot,
} from '@massa-bootstrap/core';
import { SlotChanges } from '@massa-bootstrap/proto';
import { oldestAvailableSlot, sealedWindow } from '../history-window';
import type { HistoryStorage, StoredSlot } from '../storage/history-storage';

/** Most encoded bytes read per chunk (the first entry of a chunk always fits). */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** Most entries read per chunk. */
export const CHUNK_ENTRIES = 256;

/** One chunk of history. */
export interface ChangesChunk {
  /** Entries in (from, until], oldest first. */
  readonly entries: StoredSlot[];
  /** True when no entry after the last one is <= until (in this snapshot). */
  readonly done: boolean;
  /** The inclusive end used: the requested one, or the newest slot of this snapshot. */
  readonly until: Slot;
}

/**
 * Reads the entries after `from` up to `until` (newest when undefined). Throws SlotInFutureError
 * when `from` or `until` is after the newest slot (or the store is empty), SlotTooOldError when
 * `from` is before the base (the slot after it is no longer retained).
 */
export function readChangesChunk(
  storage: HistoryStorage,
  from: Slot,
  until: Slot | undefined,
  finalHistoryLength: number,
): ChangesChunk {
  return storage.read((reader) => {
    const meta = reader.meta();
    const window = sealedWindow(meta);
    if (window === undefined) throw new SlotInFutureError(from, undefined);
    if (compareSlots(from, window.newestSlot) > 0)
      throw new SlotInFutureError(from, window.newestSlot);
    if (until !== undefined && compareSlots(until, window.newestSlot) > 0) {
      throw new SlotInFutureError(until, window.newestSlot);
    }
    if (compareSlots(from, window.baseSlot) < 0) {
      throw new SlotTooOldError(
        from,
        oldestAvailableSlot(reader, meta)!,
        window.newestSlot,
        finalHistoryLength,
      );
    }
    const limit = until ?? window.newestSlot;
    const entries: StoredSlot[] = [];
    let bytes = 0;
    let done = true;
    for (const entry of reader.historyBetween(from, limit)) {
      if (
        entries.length > 0 &&
        (entries.length >= CHUNK_ENTRIES || bytes + entry.encoded.length > CHUNK_BYTES)
      ) {
        done = false;
        break;
      }
      entries.push(entry);
      bytes += entry.encoded.length;
    }
    return { entries, done, until: limit };
  });
}

/**
 * A stored entry restricted to keys <= `maxKey` (re-encoded, digest kept), or the stored bytes
 * unchanged when `maxKey` is undefined or removes nothing.
 */
export function filterEncodedToMaxKey(encoded: Buffer, maxKey: Uint8Array | undefined): Buffer {
  if (maxKey === undefined) return encoded;
  const message = SlotChanges.decode(encoded);
  const kept = filterChangesToMaxKey(message.changes, maxKey);
  if (kept.length === message.changes.length) return encoded;
  return Buffer.from(SlotChanges.encode({ ...message, changes: kept }).finish());
}

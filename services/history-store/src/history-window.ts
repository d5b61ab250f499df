/**
 * The retained window of a store, as readers and the ingest rules see it: the history holds
 * every stored slot in (base, newest]; a client whose slot is >= base can be served.
 */
import { nextSlot, type Slot } from '@massa-bootstrap/core';
import type { StorageReader, StoreMeta } from './storage/history-storage';

/** The sealed part of a store: undefined while it is empty (or its genesis is unsealed). */
export interface SealedWindow {
  readonly newestSlot: Slot;
  readonly baseSlot: Slot;
}

/** The window of `meta`, or undefined when readers must see an empty store. */
export function sealedWindow(meta: StoreMeta): SealedWindow | undefined {
  if (meta.newestSlot === undefined || meta.baseSlot === undefined) return undefined;
  return { newestSlot: meta.newestSlot, baseSlot: meta.baseSlot };
}

/**
 * The oldest slot whose changes can be served: the oldest retained history entry, or the
 * slot after the base when the history holds none (only the genesis state so far). Undefined
 * when the store is empty.
 */
export function oldestAvailableSlot(reader: StorageReader, meta: StoreMeta): Slot | undefined {
  const window = sealedWindow(meta);
  if (window === undefined) return undefined;
  for (const entry of reader.historyBetween(window.baseSlot, window.newestSlot)) return entry.slot;
  return nextSlot(window.baseSlot, meta.threadCount);
}

/** GetStatus: the retained window, sizes and digest lanes from one snapshot. */
import type { Slot } from '@massa-bootstrap/core';
import { oldestAvailableSlot, sealedWindow } from '../history-window';
import type { HistoryStorage } from '../storage/history-storage';

/** What GetStatus reports, before the digest is computed from `lanes`. */
export interface StoreStatus {
  /** Oldest slot whose changes can be served; undefined while empty. */
  readonly oldestSlot: Slot | undefined;
  /** Newest sealed slot; undefined while empty. */
  readonly newestSlot: Slot | undefined;
  /** The genesis (base) slot or newest trimmed slot; undefined while empty. */
  readonly baseSlot: Slot | undefined;
  readonly effectiveHistoryLength: number;
  readonly entryCount: number;
  readonly stateBytes: number;
  readonly historyBytes: number;
  readonly threadCount: number;
  readonly lanes: Buffer;
}

/** Reads the status. An unsealed genesis reads as an empty store. */
export function readStatus(storage: HistoryStorage): StoreStatus {
  return storage.read((reader) => {
    const meta = reader.meta();
    const window = sealedWindow(meta);
    if (window === undefined) {
      return {
        oldestSlot: undefined,
        newestSlot: undefined,
        baseSlot: undefined,
        effectiveHistoryLength: 0,
        entryCount: 0,
        stateBytes: 0,
        historyBytes: 0,
        threadCount: meta.threadCount,
        lanes: Buffer.alloc(meta.lanes.length),
      };
    }
    return {
      oldestSlot: oldestAvailableSlot(reader, meta),
      newestSlot: window.newestSlot,
      baseSlot: window.baseSlot,
      effectiveHistoryLength: meta.historyCount,
      entryCount: meta.entryCount,
      stateBytes: meta.stateBytes,
      historyBytes: meta.historyBytes,
      threadCount: meta.threadCount,
      lanes: meta.lanes,
    };
  });
}

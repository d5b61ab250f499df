/**
 * ReadStatePart: the next entries in key order after a key, read in one snapshot together with
 * the slot and digest lanes they belong to.
 */
import {
  InvalidArgumentError,
  MAX_KEY_BYTES,
  keyProblem,
  type FieldViolation,
  type Slot,
} from '@massa-bootstrap/core';
import type { ReadStatePartRequest } from '@massa-bootstrap/proto';
import { sealedWindow } from '../history-window';
import type { HistoryStorage, StoredEntry } from '../storage/history-storage';

/** Budget when the request's max_bytes is 0. */
export const DEFAULT_PART_BYTES = 1024 * 1024;
/** Largest accepted max_bytes. */
export const MAX_PART_BYTES = 64 * 1024 * 1024;

// Room for the response's own fields (slot, last_key, digest) and per-entry framing.
const RESPONSE_OVERHEAD_BYTES = 16 * 1024;
const ENTRY_FRAMING_BYTES = 16;

/** One part of the state, before its digest is computed from `lanes`. */
export interface StatePart {
  /** The slot the entries belong to; undefined while the store is empty. */
  readonly slot: Slot | undefined;
  readonly entries: StoredEntry[];
  readonly lastKey: Buffer;
  readonly complete: boolean;
  /** Digest lanes at `slot` (from the same snapshot). */
  readonly lanes: Buffer;
}

/** Throws InvalidArgumentError (BadRequest) for a malformed request. */
export function checkStatePartRequest(request: ReadStatePartRequest): void {
  const problems: FieldViolation[] = [];
  if (request.afterKey.length > 0) {
    const problem = keyProblem(request.afterKey);
    if (problem !== undefined) problems.push({ field: 'after_key', description: problem });
  }
  if (request.maxBytes > MAX_PART_BYTES) {
    problems.push({
      field: 'max_bytes',
      description: `must be at most ${MAX_PART_BYTES} (64 MiB), got ${request.maxBytes}`,
    });
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

/**
 * Reads the part described by `request` in one snapshot. `maxMessageBytes` bounds the encoded
 * response: an entry that would overflow it ends the part early (unless it is the first).
 */
export function readStatePart(
  storage: HistoryStorage,
  request: ReadStatePartRequest,
  maxMessageBytes: number,
): StatePart {
  checkStatePartRequest(request);
  const budget = request.maxBytes === 0 ? DEFAULT_PART_BYTES : request.maxBytes;
  const maxEntries = request.maxEntries === 0 ? Number.POSITIVE_INFINITY : request.maxEntries;
  const hardLimit = Math.max(maxMessageBytes - RESPONSE_OVERHEAD_BYTES - MAX_KEY_BYTES, 1);
  return storage.read((reader) => {
    const meta = reader.meta();
    const window = sealedWindow(meta);
    if (window === undefined) {
      return {
        slot: undefined,
        entries: [],
        lastKey: request.afterKey,
        complete: true,
        lanes: Buffer.alloc(meta.lanes.length),
      };
    }
    const entries: StoredEntry[] = [];
    let bytes = 0;
    let wire = 0;
    let complete = true;
    const iterator = reader.stateAfter(request.afterKey)[Symbol.iterator]();
    try {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        const entry = next.value;
        const size = entry.key.length + entry.value.length;
        if (
          entries.length > 0 &&
          (bytes >= budget ||
            entries.length >= maxEntries ||
            wire + size + ENTRY_FRAMING_BYTES > hardLimit)
        ) {
          complete = false;
          break;
        }
        entries.push(entry);
        bytes += size;
        wire += size + ENTRY_FRAMING_BYTES;
      }
    } finally {
      iterator.return?.();
    }
    const lastKey = entries.length > 0 ? entries[entries.length - 1]!.key : request.afterKey;
    return { slot: window.newestSlot, entries, lastKey, complete, lanes: meta.lanes };
  });
}

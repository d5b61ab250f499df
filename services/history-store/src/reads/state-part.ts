/**
 * ReadStatePart: the next entries in key order after a key, read in one snapshot together with
 * the slot and digest lanes they belong to, and encoded as they are read
 * (state-part-encoding.ts).
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
import type { HistoryStorage } from '../storage/history-storage';
import { StatePartEncoder, type PooledBytes, type ResponseBufferPool } from './state-part-encoding';

/** Budget when the request's max_bytes is 0. */
export const DEFAULT_PART_BYTES = 1024 * 1024;
/** Largest accepted max_bytes. */
export const MAX_PART_BYTES = 64 * 1024 * 1024;

// Room for the response's own fields (slot, last_key, digest) and per-entry framing.
const RESPONSE_OVERHEAD_BYTES = 16 * 1024;
const ENTRY_FRAMING_BYTES = 16;
// First size of the response buffer: the budget, or this much per entry when max_entries is
// small, plus room for the framing of small entries.
const INITIAL_BYTES_PER_ENTRY = 1024;
const INITIAL_FRAMING_BYTES = 64 * 1024;

/** One part of the state, encoded, before its digest is computed from `lanes`. */
export interface StatePart {
  /** The slot the entries belong to; undefined while the store is empty. */
  readonly slot: Slot | undefined;
  /** Number of entries in the part. */
  readonly entryCount: number;
  /** True when no key after the part's last key exists at `slot`. */
  readonly complete: boolean;
  /** Digest lanes at `slot` (from the same snapshot). */
  readonly lanes: Buffer;
  /**
   * The encoded ReadStatePartResponse with `stateDigest` (the digest of `lanes`), in a pooled
   * buffer; call once.
   */
  encode(stateDigest: Uint8Array): PooledBytes;
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
 * Reads the part described by `request` in one snapshot (one read transaction: the entries
 * are exactly the state at `slot`) and encodes it as it reads: each entry is copied once, from
 * the storage's memory into the response. `maxMessageBytes` bounds the encoded response: an
 * entry that would overflow it ends the part early (unless it is the first). The response
 * buffer comes from `pool`.
 */
export function readStatePart(
  storage: HistoryStorage,
  request: ReadStatePartRequest,
  maxMessageBytes: number,
  pool: ResponseBufferPool,
): StatePart {
  checkStatePartRequest(request);
  const budget = request.maxBytes === 0 ? DEFAULT_PART_BYTES : request.maxBytes;
  const maxEntries = request.maxEntries === 0 ? Number.POSITIVE_INFINITY : request.maxEntries;
  const hardLimit = Math.max(maxMessageBytes - RESPONSE_OVERHEAD_BYTES - MAX_KEY_BYTES, 1);
  return storage.read((reader): StatePart => {
    const meta = reader.meta();
    const window = sealedWindow(meta);
    if (window === undefined) {
      const encoder = new StatePartEncoder(0, pool);
      return {
        slot: undefined,
        entryCount: 0,
        complete: true,
        lanes: Buffer.alloc(meta.lanes.length),
        encode: (digest) => encoder.finish(undefined, request.afterKey, true, digest),
      };
    }
    // Sized for the budget (plus framing); a part ending with a large entry grows it.
    const encoder = new StatePartEncoder(
      Math.min(budget, hardLimit, maxEntries * INITIAL_BYTES_PER_ENTRY) + INITIAL_FRAMING_BYTES,
      pool,
    );
    let bytes = 0;
    let wire = 0;
    let complete = true;
    reader.scanStateAfter(request.afterKey, (key, value) => {
      const size = key.length + value.length;
      const count = encoder.entryCount;
      if (
        count > 0 &&
        (bytes >= budget || count >= maxEntries || wire + size + ENTRY_FRAMING_BYTES > hardLimit)
      ) {
        complete = false;
        return false;
      }
      encoder.addEntry(key, value);
      bytes += size;
      wire += size + ENTRY_FRAMING_BYTES;
      return true;
    });
    const slot = window.newestSlot;
    return {
      slot,
      entryCount: encoder.entryCount,
      complete,
      lanes: meta.lanes,
      encode: (digest) => encoder.finish(slot, request.afterKey, complete, digest),
    };
  });
}

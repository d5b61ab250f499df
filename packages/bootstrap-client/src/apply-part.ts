import {
  InvalidArgumentError,
  applyChanges,
  compareKeys,
  formatSlot,
  type KeyValueWriter,
  type StateDigest,
} from '@massa-bootstrap/core';
import type { Cursor, StateEntry } from '@massa-bootstrap/proto';
import { DigestMismatchError, ProtocolError } from './errors';
import type { SinkPart } from './sink';

/** The storage operations a part needs, inside one transaction of the sink. */
export interface PartStore {
  /** The current value of `key` (may be a transient view, used before the next call). */
  get(key: Buffer): Uint8Array | undefined;
  /** Sets `key` (its bytes may be reused by the caller afterwards: copy or write them out). */
  put(key: Buffer, value: Buffer): void;
  /** Removes `key`. */
  remove(key: Buffer): void;
  /**
   * Writes a part's state entries, in strictly increasing key order, all greater than every
   * key held (entries come after the held cursor, and the sink never holds a key above its
   * cursor), so a B-tree can append. Their bytes may be reused by the caller afterwards.
   */
  appendEntries(entries: readonly StateEntry[]): void;
}

/**
 * Checks what a part may contain given the held cursor: a cursor, and entries strictly
 * increasing and all after the held `last_key` (none once the state is complete). Throws a
 * ProtocolError before anything is written.
 */
export function checkPart(part: SinkPart, held: Cursor | undefined): void {
  if (part.cursor === undefined || part.cursor.slot === undefined) {
    throw new ProtocolError('part without a cursor slot');
  }
  if (part.entries.length === 0) return;
  if (held?.stateComplete === true) {
    throw new ProtocolError(
      `part at ${formatSlot(part.cursor.slot)} carries entries after the state was complete`,
    );
  }
  let previous: Buffer | undefined =
    held !== undefined && held.lastKey.length > 0 ? held.lastKey : undefined;
  for (const entry of part.entries) {
    if (entry.key.length === 0) throw new ProtocolError('part carries an empty key');
    if (previous !== undefined && compareKeys(entry.key, previous) <= 0) {
      throw new ProtocolError(
        `part at ${formatSlot(part.cursor.slot)} carries key ${entry.key.toString('hex')} ` +
          `not after ${previous.toString('hex')}`,
      );
    }
    previous = entry.key;
  }
}

/**
 * Applies a checked part to `store` and `digest` (changes first, then entries) and returns the
 * entry-count delta. Entries are known to be absent (they are after the held cursor and changes
 * are filtered to keys at or below it), so they are hashed in one batch. When
 * `part.expectedDigest` is set and differs, throws DigestMismatchError: the caller must roll
 * back `store` and `digest` (the sinks work on a clone of the digest and abort the transaction).
 */
export function applyPartTo(store: PartStore, digest: StateDigest, part: SinkPart): number {
  let delta = 0;
  // applyChanges reads each key right before it writes it; the read tells whether a put
  // inserts (the entry count grows) or overwrites.
  let absent = false;
  const counting: KeyValueWriter = {
    get: (key) => {
      const value = store.get(key as Buffer);
      absent = value === undefined;
      return value;
    },
    put: (key, value) => {
      if (absent) delta++;
      store.put(key as Buffer, value as Buffer);
    },
    remove: (key) => {
      delta--;
      store.remove(key as Buffer);
    },
  };
  for (const slot of part.changes) {
    try {
      applyChanges(counting, slot.changes, digest);
    } catch (err) {
      if (err instanceof InvalidArgumentError) {
        throw new ProtocolError(`slot ${formatSlot(slot.slot)}: ${err.message}`);
      }
      throw err;
    }
  }
  store.appendEntries(part.entries);
  digest.addMany(part.entries);
  delta += part.entries.length;
  if (part.expectedDigest !== undefined) {
    const actual = digest.digest();
    if (!actual.equals(part.expectedDigest)) {
      throw new DigestMismatchError(part.cursor.slot, part.expectedDigest, actual);
    }
  }
  return delta;
}

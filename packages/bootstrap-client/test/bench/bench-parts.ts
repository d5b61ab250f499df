/**
 * Encoded BootstrapPart messages for the client benchmarks: a state of `entries` keys of 71
 * bytes (a fixed prefix, 16 hex digits, padding) with pseudo-random values, cut into parts of
 * about `partBytes` of keys and values, the last one completing the state with its digest.
 * Optionally each part after the first carries one slot of changes to keys already held
 * (overwrites and deletes), as a bootstrap during ingest sees.
 */
import { createStateDigest } from '@massa-bootstrap/core';
import { BootstrapPart, type KeyChange, type StateEntry } from '@massa-bootstrap/proto';

/** What to generate. */
export interface PartsShape {
  readonly entries: number;
  readonly valueBytes: number;
  readonly partBytes: number;
  /** Changes per part after the first (half overwrites, a quarter deletes, a quarter inserts). */
  readonly changesPerPart: number;
}

/** The encoded parts and what the state holds at the end. */
export interface EncodedParts {
  readonly messages: Buffer[];
  readonly entries: number;
}

const KEY_BYTES = 71;

function benchKey(index: number, suffix = 0x2e): Buffer {
  const key = Buffer.alloc(KEY_BYTES, suffix);
  key.write('bench/', 0, 'latin1');
  key.write(index.toString(16).padStart(16, '0'), 6, 'latin1');
  return key;
}

/** xorshift32, so that every run builds the same bytes. */
function filler(seed: number): (target: Buffer) => void {
  let x = seed >>> 0 || 1;
  return (target) => {
    for (let i = 0; i < target.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      target[i] = x & 0xff;
    }
  };
}

/** Builds the parts of `shape` (deterministic). */
export async function encodeParts(shape: PartsShape): Promise<EncodedParts> {
  const fill = filler(0x9e3779b9);
  const digest = await createStateDigest();
  // The state held after each part, to pick change keys from and to hash at the end.
  const held = new Map<string, { key: Buffer; value: Buffer }>();
  const heldKeys: Buffer[] = [];
  const messages: Buffer[] = [];
  let next = 0;
  let period = 1;
  let insertCount = 0;
  while (next < shape.entries) {
    const changes: KeyChange[] = [];
    if (shape.changesPerPart > 0 && heldKeys.length > 0) {
      const touched = new Set<string>();
      for (let c = 0; c < shape.changesPerPart; c++) {
        const kind = c % 4;
        let key: Buffer;
        if (kind === 3) {
          // A new key below the cursor: same index as a held key, another padding byte.
          key = benchKey((c * 7919 + period * 31) % heldKeys.length, 0x2f + (insertCount++ % 0xd0));
        } else {
          key = heldKeys[(c * 104_729 + period * 7) % heldKeys.length] as Buffer;
        }
        const id = key.toString('latin1');
        if (touched.has(id)) continue;
        touched.add(id);
        if (kind === 2) {
          changes.push({ key, change: { $case: 'delete', value: {} } });
          held.delete(id);
        } else {
          const value = Buffer.alloc(shape.valueBytes);
          fill(value);
          changes.push({ key, change: { $case: 'setValue', value } });
          held.set(id, { key, value });
        }
      }
    }
    const entries: StateEntry[] = [];
    let bytes = 0;
    while (next < shape.entries && bytes < shape.partBytes) {
      const key = benchKey(next++);
      const value = Buffer.alloc(shape.valueBytes);
      fill(value);
      entries.push({ key, value });
      held.set(key.toString('latin1'), { key, value });
      heldKeys.push(key);
      bytes += key.length + value.length;
    }
    const complete = next >= shape.entries;
    let stateDigest: Buffer = Buffer.alloc(0);
    if (complete) {
      digest.addMany(held.values());
      stateDigest = digest.digest();
    }
    const slot = { period, thread: 0 };
    const lastKey = (entries[entries.length - 1] as StateEntry).key;
    messages.push(
      Buffer.from(
        BootstrapPart.encode({
          slot,
          changes: changes.length > 0 ? [{ slot, changes, stateDigest: Buffer.alloc(0) }] : [],
          entries,
          cursor: { slot, lastKey: complete ? Buffer.alloc(0) : lastKey, stateComplete: complete },
          stateDigest,
        }).finish(),
      ),
    );
    period++;
  }
  return { messages, entries: held.size };
}

/**
 * Deterministic ingest workload for the local benchmark (the same shape as the project's
 * `ingest` scenario): a state of `entries` keys of 71 bytes with `valueBytes`-byte values,
 * loaded as a chunked genesis, then update slots whose every change overwrites an existing key
 * with a new value. Slots are pre-encoded so that the loader costs almost nothing.
 */
import { SlotChanges, type KeyChange } from '@massa-bootstrap/proto';

export const KEY_BYTES = 71;
export const THREAD_COUNT = 32;

/** The state a run starts from. */
export interface BenchShape {
  readonly entries: number;
  readonly valueBytes: number;
}

/** One update slot, decoded (for the plain loop) and encoded (for the wire). */
export interface BenchSlot {
  readonly message: SlotChanges;
  readonly encoded: Buffer;
}

function key(index: number): Buffer {
  const out = Buffer.alloc(KEY_BYTES, 0x2e);
  out.write(`ledger/${index.toString(16).padStart(16, '0')}`, 0, 'latin1');
  return out;
}

function value(index: number, version: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let x = (index * 7919 + version * 104_729 + 1) >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function encode(message: SlotChanges): Buffer {
  const bytes = SlotChanges.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The slot `offset` slots after the genesis slot (1, 0). */
export function slotAt(offset: number): { period: number; thread: number } {
  return { period: 1 + Math.floor(offset / THREAD_COUNT), thread: offset % THREAD_COUNT };
}

/** The genesis as encoded chunks of about 4 MiB, all at slot (1, 0). */
export function genesisChunks(shape: BenchShape): Buffer[] {
  const perChunk = Math.floor((4 * 1024 * 1024) / (KEY_BYTES + shape.valueBytes));
  const chunks: Buffer[] = [];
  for (let start = 0; start < shape.entries; start += perChunk) {
    const changes: KeyChange[] = [];
    for (let i = start; i < Math.min(shape.entries, start + perChunk); i++)
      changes.push({
        key: key(i),
        change: { $case: 'setValue', value: value(i, 0, shape.valueBytes) },
      });
    chunks.push(encode({ slot: slotAt(0), changes, stateDigest: Buffer.alloc(0) }));
  }
  return chunks;
}

/** Update slots `first`..`first + count - 1`, each overwriting `changes` distinct keys. */
export function updateSlots(
  shape: BenchShape,
  first: number,
  count: number,
  changes: number,
): BenchSlot[] {
  const next = random(first * 31 + changes);
  const slots: BenchSlot[] = [];
  for (let offset = first; offset < first + count; offset++) {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(changes, shape.entries))
      chosen.add(Math.floor(next() * shape.entries));
    const list: KeyChange[] = [...chosen].map((i) => ({
      key: key(i),
      change: { $case: 'setValue', value: value(i, offset, shape.valueBytes) },
    }));
    const message: SlotChanges = {
      slot: slotAt(offset),
      changes: list,
      stateDigest: Buffer.alloc(0),
    };
    slots.push({ message, encoded: encode(message) });
  }
  return slots;
}

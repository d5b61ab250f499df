/**
 * Deterministic benchmark data: a state of N entries with 71-byte keys (Massa ledger-like) and
 * fixed-size values, its genesis as encoded SlotChanges chunks, update slots that overwrite
 * existing keys, and the BootstrapPart messages a transport baseline sends. Every process that
 * builds the same {@link StateShape} gets the same bytes.
 */
import { addSlots, type Slot } from '@massa-bootstrap/core';
import {
  BootstrapPart,
  SlotChanges,
  type KeyChange,
  type StateEntry,
} from '@massa-bootstrap/proto';
import { seededRandom } from '../../test-support/src/random';

export { seededRandom };

/** Key length used everywhere: Massa ledger keys are about this long. */
export const KEY_BYTES = 71;

/** Threads per period (the services' default). */
export const THREAD_COUNT = 32;

/** The genesis slot of every benchmark store. */
export const GENESIS_SLOT: Slot = { period: 1, thread: 0 };

/** A state: `entries` keys of {@link KEY_BYTES} bytes with `valueBytes`-byte values. */
export interface StateShape {
  readonly entries: number;
  readonly valueBytes: number;
}

/** Key and value bytes of a shape. */
export function stateBytes(shape: StateShape): number {
  return shape.entries * (KEY_BYTES + shape.valueBytes);
}

const PREFIX = Buffer.from('ledger/');
const NOISE = (() => {
  // 64 KiB of xorshift32 noise; values are windows into it (cheap, deterministic, incompressible).
  const noise = Buffer.alloc(64 * 1024);
  let x = 0x9e3779b9;
  for (let i = 0; i < noise.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    noise.writeUInt32LE(x >>> 0, i);
  }
  return noise;
})();

/**
 * Key number `index`: `ledger/` + 16 hex digits + padding to 71 bytes. Hex digits are
 * zero-padded, so key order is index order.
 */
export function stateKey(index: number): Buffer {
  const key = Buffer.alloc(KEY_BYTES, 0x2e); // '.'
  PREFIX.copy(key, 0);
  key.write(index.toString(16).padStart(16, '0'), PREFIX.length, 'latin1');
  return key;
}

/** The value of key `index` at `version` (0 = genesis). */
export function stateValue(index: number, version: number, valueBytes: number): Buffer {
  const value = Buffer.allocUnsafe(valueBytes);
  const span = NOISE.length - 64;
  let offset = ((index * 7919 + version * 104_729) >>> 0) % span;
  for (let written = 0; written < valueBytes;) {
    const n = Math.min(valueBytes - written, NOISE.length - offset);
    NOISE.copy(value, written, offset, offset + n);
    written += n;
    offset = 0;
  }
  value.writeUInt32LE(index >>> 0, 0);
  return value;
}

/**
 * The genesis as encoded SlotChanges messages, all at {@link GENESIS_SLOT}, each with about
 * `chunkBytes` of keys and values: the history-store treats consecutive messages with the
 * first slot as chunks of one genesis.
 */
export function* genesisMessages(
  shape: StateShape,
  chunkBytes = 4 * 1024 * 1024,
): Generator<Buffer> {
  const perChunk = Math.max(1, Math.floor(chunkBytes / (KEY_BYTES + shape.valueBytes)));
  for (let start = 0; start < shape.entries; start += perChunk) {
    const end = Math.min(shape.entries, start + perChunk);
    const changes: KeyChange[] = [];
    for (let i = start; i < end; i++) {
      changes.push({
        key: stateKey(i),
        change: { $case: 'setValue', value: stateValue(i, 0, shape.valueBytes) },
      });
    }
    yield encodeSlotChanges({ slot: GENESIS_SLOT, changes, stateDigest: Buffer.alloc(0) });
  }
}

/** Protobuf bytes of a SlotChanges. */
export function encodeSlotChanges(message: SlotChanges): Buffer {
  const bytes = SlotChanges.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The slot `offset` slots after genesis. */
export function slotAfterGenesis(offset: number): Slot {
  return addSlots(GENESIS_SLOT, offset, THREAD_COUNT) as Slot;
}

/**
 * Update slot number `offset` (>= 1) after genesis: `changes` overwrites of distinct existing
 * keys drawn at random, with fresh values (version = offset).
 */
export function updateSlot(
  shape: StateShape,
  offset: number,
  changes: number,
  random: () => number,
): SlotChanges {
  const chosen = new Set<number>();
  const count = Math.min(changes, shape.entries);
  while (chosen.size < count) chosen.add(Math.floor(random() * shape.entries));
  const list: KeyChange[] = [];
  for (const index of chosen) {
    list.push({
      key: stateKey(index),
      change: { $case: 'setValue', value: stateValue(index, offset, shape.valueBytes) },
    });
  }
  return { slot: slotAfterGenesis(offset), changes: list, stateDigest: Buffer.alloc(0) };
}

/**
 * The state as encoded BootstrapPart messages cut the way the gateway cuts them (entries until
 * the part's key and value bytes reach `partBytes`), for the transport baseline: the same bytes
 * in the same message sizes, with no storage, changes or digest work behind them.
 */
export function bootstrapPartMessages(shape: StateShape, partBytes: number): Buffer[] {
  const parts: Buffer[] = [];
  const slot = GENESIS_SLOT;
  let entries: StateEntry[] = [];
  let bytes = 0;
  const flush = (complete: boolean): void => {
    const last = entries[entries.length - 1];
    const encoded = BootstrapPart.encode({
      slot,
      changes: [],
      entries,
      cursor: {
        slot,
        lastKey: complete || last === undefined ? Buffer.alloc(0) : last.key,
        stateComplete: complete,
      },
      stateDigest: complete ? Buffer.alloc(32, 1) : Buffer.alloc(0),
    }).finish();
    parts.push(Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength));
    entries = [];
    bytes = 0;
  };
  for (let i = 0; i < shape.entries; i++) {
    if (entries.length > 0 && bytes >= partBytes) flush(false);
    const key = stateKey(i);
    const value = stateValue(i, 0, shape.valueBytes);
    entries.push({ key, value });
    bytes += key.length + value.length;
  }
  flush(true);
  return parts;
}

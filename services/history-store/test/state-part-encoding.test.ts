/**
 * ReadStatePart answers are encoded by hand while the state is scanned: the bytes must be
 * exactly what the generated ReadStatePartResponse.encode() writes for the same message, and
 * decode back to it.
 */
import { ReadStatePartResponse, type StateEntry } from '@massa-bootstrap/proto';
import type { Slot } from '@massa-bootstrap/core';
import { ResponseBufferPool, StatePartEncoder } from '../src/reads/state-part-encoding';
import { prng } from './support/scenario';

function bytes(random: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

interface Case {
  readonly name: string;
  readonly slot: Slot | undefined;
  readonly entries: StateEntry[];
  readonly afterKey: Buffer;
  readonly complete: boolean;
  readonly digest: Buffer;
  /** First buffer size given to the encoder (small: forces it to grow). */
  readonly capacity: number;
}

const random = prng(17);
const CASES: Case[] = [
  {
    name: 'empty store',
    slot: undefined,
    entries: [],
    afterKey: Buffer.alloc(0),
    complete: true,
    digest: bytes(random, 32),
    capacity: 0,
  },
  {
    name: 'no entry after a cursor',
    slot: { period: 0, thread: 0 },
    entries: [],
    afterKey: bytes(random, 4096),
    complete: true,
    digest: bytes(random, 32),
    capacity: 16,
  },
  {
    name: 'small entries, grown from a tiny buffer',
    slot: { period: 1234, thread: 31 },
    entries: Array.from({ length: 500 }, (_, i) => ({
      key: bytes(random, 1 + (i % 90)),
      value: bytes(random, i % 7 === 0 ? 0 : i % 300),
    })),
    afterKey: Buffer.alloc(0),
    complete: false,
    digest: bytes(random, 32),
    capacity: 10,
  },
  {
    name: 'large values, period beyond 2^32, longest key',
    slot: { period: Number.MAX_SAFE_INTEGER, thread: 0 },
    entries: [
      { key: bytes(random, 71), value: bytes(random, 200_000) },
      { key: bytes(random, 4096), value: bytes(random, 3) },
      { key: bytes(random, 5), value: bytes(random, 2_100_000) },
    ],
    afterKey: bytes(random, 12),
    complete: true,
    digest: Buffer.alloc(0),
    capacity: 1024,
  },
];

describe('StatePartEncoder', () => {
  it.each(CASES)('$name: same bytes as ReadStatePartResponse.encode()', (c) => {
    const pool = new ResponseBufferPool();
    // A used buffer full of garbage first: nothing of it may leak into the answer.
    const dirty = pool.take(64 * 1024 + 8192).fill(0xee);
    pool.give(dirty);
    const encoder = new StatePartEncoder(c.capacity, pool);
    for (const entry of c.entries) encoder.addEntry(entry.key, entry.value);
    const answer = encoder.finish(c.slot, c.afterKey, c.complete, c.digest);
    const encoded = Buffer.from(answer.bytes);
    answer.release();
    const message: ReadStatePartResponse = {
      slot: c.slot,
      lastKey: c.entries.length > 0 ? c.entries[c.entries.length - 1]!.key : c.afterKey,
      entries: c.entries,
      complete: c.complete,
      stateDigest: c.digest,
    };
    const expected = Buffer.from(ReadStatePartResponse.encode(message).finish());
    expect(encoded.equals(expected)).toBe(true);
    expect(ReadStatePartResponse.decode(encoded)).toEqual(message);
    expect(encoder.entryCount).toBe(c.entries.length);
  });
});

import { createHash } from 'node:crypto';
import { blake3 } from 'hash-wasm';
import {
  createStateDigest,
  DIGEST_BYTES,
  DIGEST_LANES_BYTES,
  type KeyValueEntry,
  type StateDigest,
} from '../src/index';
import { KERNEL_MAX_INPUT } from '../src/lanes-kernel';
import vectorFile from './digest-vectors.json';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');
const vectors = vectorFile.vectors.map((v) => ({
  ...v,
  entries: v.entries.map((e) => ({ key: fromHex(e.key), value: fromHex(e.value) })),
}));

/** Entry bytes e = u32_le(len(key)) || key || value, built with a different call path. */
function entryBytes({ key, value }: KeyValueEntry): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(key.length, 0);
  return Buffer.concat([prefix, key, value]);
}

/**
 * The digest recomputed from the specification without the StateDigest code: hash-wasm's one-shot
 * BLAKE3 (not the SIMD kernel), lanes summed through a DataView, SHA-256 of the result.
 */
async function referenceLanes(entries: readonly KeyValueEntry[]): Promise<Buffer> {
  const sums = new Array<number>(1024).fill(0);
  for (const entry of entries) {
    const xof = fromHex(await blake3(entryBytes(entry), DIGEST_LANES_BYTES * 8));
    const view = new DataView(xof.buffer, xof.byteOffset, xof.length);
    for (let i = 0; i < 1024; i++) sums[i] = ((sums[i] ?? 0) + view.getUint16(2 * i, true)) % 65536;
  }
  const lanes = Buffer.alloc(DIGEST_LANES_BYTES);
  sums.forEach((s, i) => lanes.writeUInt16LE(s, 2 * i));
  return lanes;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Deterministic pseudo-random bytes (xorshift32). */
function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const sampleEntries: KeyValueEntry[] = Array.from({ length: 20 }, (_, i) => ({
  key: bytes(1 + ((i * 7) % 80), i + 1),
  // Entry 13 is over 1024 encoded bytes: several BLAKE3 chunks (the kernel's tree mode).
  value: bytes(i === 13 ? 5000 : (i * 37) % 300, i + 100),
}));

const emptyDigestHex = vectors.find((v) => v.entries.length === 0)?.digest ?? '';

async function digestOf(entries: Iterable<KeyValueEntry>): Promise<StateDigest> {
  const d = await createStateDigest();
  d.addMany(entries);
  return d;
}

describe('StateDigest', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('matches the vector: %s', async (_, v) => {
    const d = await digestOf(v.entries);
    expect(hex(d.digest())).toBe(v.digest);
    expect(hex(d.lanes().subarray(0, 32))).toBe(v.lanes_prefix);
  });

  it.each(vectors.map((v) => [v.name, v] as const))(
    'the vector is what the specification gives, computed independently: %s',
    async (_, v) => {
      expect(sha256(await referenceLanes(v.entries))).toBe(v.digest);
    },
  );

  /** The lanes of `entry` alone, added to and removed from the empty state, against the reference. */
  async function expectEntryMatches(d: StateDigest, entry: KeyValueEntry): Promise<void> {
    const expected = await referenceLanes([entry]);
    const negated = Buffer.alloc(DIGEST_LANES_BYTES);
    for (let i = 0; i < DIGEST_LANES_BYTES; i += 2) {
      negated.writeUInt16LE((65536 - expected.readUInt16LE(i)) % 65536, i);
    }
    const length = 4 + entry.key.length + entry.value.length;
    d.clear();
    d.add(entry.key, entry.value);
    expect(`${length}: ${hex(d.lanes())}`).toBe(`${length}: ${hex(expected)}`);
    d.clear();
    d.remove(entry.key, entry.value);
    expect(`${length}: ${hex(d.lanes())}`).toBe(`${length}: ${hex(negated)}`);
  }

  it('matches the reference for every entry length from 4 to 3100 bytes', async () => {
    const d = await createStateDigest();
    for (let length = 4; length <= 3100; length++) {
      const keyLength = length === 4 ? 0 : 1 + (length % 90);
      await expectEntryMatches(d, {
        key: bytes(keyLength, length),
        value: bytes(Math.max(0, length - 4 - keyLength), -length),
      });
    }
  });

  it('matches the reference around chunk and tree boundaries up to 70 000 bytes', async () => {
    const d = await createStateDigest();
    const lengths = new Set([2048, 3072, 4096, 5120, 8192, 16384, 65536, 70_000]);
    for (let k = 1; k <= 68; k++) for (const delta of [-1, 0, 1]) lengths.add(1024 * k + delta);
    for (const length of lengths) {
      await expectEntryMatches(d, {
        key: bytes(71, length),
        value: bytes(length - 75, length + 1),
      });
    }
  });

  it('matches the reference for entries longer than the kernel input (hashed in pieces)', async () => {
    const d = await createStateDigest();
    const piece = KERNEL_MAX_INPUT; // where the pieces' boundaries fall
    const shapes: [keyLength: number, length: number][] = [
      [71, piece + 1],
      [71, 2 * piece],
      [71, 2 * piece + 1],
      [0, 3 * piece + 1000],
      [piece - 4, piece + 10], // the key ends exactly at the first piece's end
      [piece - 3, piece + 10], // ... one byte into the second piece
      [piece + 500, 2 * piece + 600], // the key spans two pieces
      [2 * piece + 5, 2 * piece + 900], // the key fills two pieces, the value is in the third
      [100, 1_000_003],
    ];
    for (const [keyLength, length] of shapes) {
      await expectEntryMatches(d, {
        key: bytes(keyLength, length),
        value: bytes(length - 4 - keyLength, keyLength),
      });
    }
  });

  it('is 32 bytes; the empty state is the documented constant', async () => {
    const d = await createStateDigest();
    expect(d.digest()).toHaveLength(DIGEST_BYTES);
    expect(d.isEmpty()).toBe(true);
    expect(d.digestHex()).toBe(sha256(Buffer.alloc(DIGEST_LANES_BYTES)));
    expect(d.digestHex()).toBe(emptyDigestHex);
  });

  it('returns to the empty digest after adding then removing the same entries', async () => {
    const d = await digestOf(sampleEntries);
    expect(d.isEmpty()).toBe(false);
    for (const e of [...sampleEntries].reverse()) d.remove(e.key, e.value);
    expect(d.isEmpty()).toBe(true);
    expect(d.digestHex()).toBe(emptyDigestHex);
  });

  it('wraps lanes modulo 2^16 both ways: a lone remove is undone by an add', async () => {
    const d = await createStateDigest();
    const [e] = sampleEntries;
    if (e === undefined) throw new Error('no sample');
    d.remove(e.key, e.value);
    expect(d.isEmpty()).toBe(false);
    d.add(e.key, e.value);
    expect(d.isEmpty()).toBe(true);
  });

  it('does not depend on insertion order', async () => {
    const forward = await digestOf(sampleEntries);
    const backward = await createStateDigest();
    for (const e of [...sampleEntries].reverse()) backward.add(e.key, e.value);
    const shuffled = await digestOf(
      [...sampleEntries].sort((a, b) => hex(a.value).localeCompare(hex(b.value))),
    );
    expect(backward.equals(forward)).toBe(true);
    expect(shuffled.digestHex()).toBe(forward.digestHex());
  });

  it('distinguishes the key/value split (the length prefix)', async () => {
    const a = await digestOf([{ key: Buffer.from('ab'), value: Buffer.from('c') }]);
    const b = await digestOf([{ key: Buffer.from('a'), value: Buffer.from('bc') }]);
    expect(a.equals(b)).toBe(false);
  });

  it('replace() equals remove + add for insert, overwrite, delete and same value', async () => {
    const key = Buffer.from('ledger/x');
    const [v1, v2] = [bytes(50, 1), bytes(70, 2)];
    const cases: [Buffer | undefined, Buffer | undefined][] = [
      [undefined, v1],
      [v1, v2],
      [v1, undefined],
      [v1, Buffer.from(v1)],
      [undefined, undefined],
    ];
    for (const [oldValue, newValue] of cases) {
      const base = await digestOf(sampleEntries.slice(0, 5));
      if (oldValue !== undefined) base.add(key, oldValue);
      const viaReplace = base.clone();
      viaReplace.replace(key, oldValue, newValue);
      const viaRemoveAdd = base.clone();
      if (oldValue !== undefined) viaRemoveAdd.remove(key, oldValue);
      if (newValue !== undefined) viaRemoveAdd.add(key, newValue);
      expect(viaReplace.digestHex()).toBe(viaRemoveAdd.digestHex());
    }
  });

  it('round-trips lanes() through createStateDigest(lanes)', async () => {
    const d = await digestOf(sampleEntries.slice(0, 10));
    const lanes = d.lanes();
    expect(lanes).toHaveLength(DIGEST_LANES_BYTES);
    const restored = await createStateDigest(lanes);
    expect(restored.digestHex()).toBe(d.digestHex());
    restored.addMany(sampleEntries.slice(10));
    d.addMany(sampleEntries.slice(10));
    expect(restored.equals(d)).toBe(true);
    expect(restored.digestHex()).toBe((await digestOf(sampleEntries)).digestHex());
    lanes.fill(7); // lanes() is a copy, and the restored digest does not alias its input
    expect(restored.equals(d)).toBe(true);
  });

  it('rejects lanes of the wrong size', async () => {
    await expect(createStateDigest(Buffer.alloc(2047))).rejects.toThrow(RangeError);
  });

  it('clone() is independent of the original', async () => {
    const d = await digestOf(sampleEntries.slice(0, 3));
    const c = d.clone();
    c.add(Buffer.from('k'), Buffer.from('v'));
    expect(c.equals(d)).toBe(false);
    c.remove(Buffer.from('k'), Buffer.from('v'));
    expect(c.equals(d)).toBe(true);
  });

  it('addMany() leaves the digest unchanged when iteration throws', async () => {
    const d = await digestOf(sampleEntries.slice(0, 3));
    const before = d.digestHex();
    function* failing(): Generator<KeyValueEntry> {
      yield* sampleEntries.slice(3, 6);
      throw new Error('source failed');
    }
    expect(() => d.addMany(failing())).toThrow('source failed');
    expect(d.digestHex()).toBe(before);
    expect(d.addMany(sampleEntries.slice(3, 6))).toBe(3);
  });

  it('keeps digests that share the engine apart', async () => {
    const a = await createStateDigest();
    const b = await createStateDigest();
    a.add(Buffer.from('a'), Buffer.from('1'));
    b.add(Buffer.from('b'), Buffer.from('2'));
    a.add(Buffer.from('b'), Buffer.from('2'));
    b.add(Buffer.from('a'), Buffer.from('1'));
    expect(a.equals(b)).toBe(true);
    a.remove(Buffer.from('a'), Buffer.from('1'));
    expect(a.equals(b)).toBe(false);
  });
});

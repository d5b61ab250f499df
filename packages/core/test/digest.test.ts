import { createHash } from 'node:crypto';
import { blake3 } from 'hash-wasm';
import {
  createStateDigest,
  DIGEST_BYTES,
  DIGEST_LANES_BYTES,
  type KeyValueEntry,
  type StateDigest,
} from '../src/index';
import { compileLanesKernel, KERNEL_LANES } from '../src/lanes-kernel';
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
  // Entry 13 is over 1024 encoded bytes, so it takes the tree-mode (hash-wasm) path.
  value: bytes(i === 13 ? 5000 : (i * 37) % 300, i + 100),
}));

const emptyDigestHex = vectors.find((v) => v.entries.length === 0)?.digest ?? '';

async function digestOf(entries: Iterable<KeyValueEntry>): Promise<StateDigest> {
  const d = await createStateDigest();
  d.addMany(entries);
  return d;
}

describe('BLAKE3 XOF against the official BLAKE3 test vectors', () => {
  // From BLAKE3-team/BLAKE3 test_vectors/test_vectors.json ("hash", 131 bytes of output). The
  // input is the repeating sequence 0, 1, ..., 250.
  const official: Record<number, string> = {
    0: 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262e00f03e7b69af26b7faaf09fcd333050338ddfe085b8cc869ca98b206c08243a26f5487789e8f660afe6c99ef9e0c52b92e7393024a80459cf91f476f9ffdbda7001c22e159b402631f277ca96f2defdf1078282314e763699a31c5363165421cce14d',
    1: '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213c3a6cb8bf623e20cdb535f8d1a5ffb86342d9c0b64aca3bce1d31f60adfa137b358ad4d79f97b47c3d5e79f179df87a3b9776ef8325f8329886ba42f07fb138bb502f4081cbcec3195c5871e6c23e2cc97d3c69a613eba131e5f1351f3f1da786545e5',
    1023: '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11a182d27a591b05592b15607500e1e8dd56bc6c7fc063715b7a1d737df5bad3339c56778957d870eb9717b57ea3d9fb68d1b55127bba6a906a4a24bbd5acb2d123a37b28f9e9a81bbaae360d58f85e5fc9d75f7c370a0cc09b6522d9c8d822f2f28f485',
    1024: '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af71cf8107265ecdaf8505b95d8fcec83a98a6a96ea5109d2c179c47a387ffbb404756f6eeae7883b446b70ebb144527c2075ab8ab204c0086bb22b7c93d465efc57f8d917f0b385c6df265e77003b85102967486ed57db5c5ca170ba441427ed9afa684e',
    1025: 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444f4c4a22b4b399155358a994e52bf255de60035742ec71bd08ac275a1b51cc6bfe332b0ef84b409108cda080e6269ed4b3e2c3f7d722aa4cdc98d16deb554e5627be8f955c98e1d5f9565a9194cad0c4285f93700062d9595adb992ae68ff12800ab67a',
  };
  const input = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => i % 251));

  it.each(Object.keys(official).map(Number))(
    'hash-wasm (the reference) for %i bytes',
    async (n) => {
      expect((await blake3(input(n), DIGEST_LANES_BYTES * 8)).slice(0, 262)).toBe(official[n]);
    },
  );

  it.each([0, 1, 1023, 1024])('the SIMD kernel for %i bytes', async (n) => {
    const kernel = await compileLanesKernel();
    kernel.memory.fill(0, 0, 1024);
    kernel.memory.set(input(n), 0);
    kernel.memory.fill(0, KERNEL_LANES, KERNEL_LANES + DIGEST_LANES_BYTES);
    kernel.hashAndAccumulate(n, 0);
    expect(hex(kernel.memory.subarray(KERNEL_LANES, KERNEL_LANES + 131))).toBe(official[n]);
  });
});

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

  it('matches the reference for every entry length from 4 to 1100 bytes', async () => {
    const d = await createStateDigest();
    for (let length = 4; length <= 1100; length++) {
      const keyLength = length === 4 ? 0 : 1 + (length % 90);
      const entry = {
        key: bytes(keyLength, length),
        value: bytes(Math.max(0, length - 4 - keyLength), -length),
      };
      d.clear();
      d.add(entry.key, entry.value);
      expect(hex(d.lanes())).toBe(hex(await referenceLanes([entry])));
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

import { blake3 } from 'hash-wasm';
import {
  compileLanesKernel,
  KERNEL_CHUNK,
  KERNEL_INPUT,
  KERNEL_LANES,
  KERNEL_MAX_INPUT,
  type LanesKernel,
} from '../src/lanes-kernel';
import officialFile from './blake3-vectors.json';

const LANES_BYTES = 2048;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761 + 12345) | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The official vectors' input: the repeating sequence 0, 1, ..., 250. */
const officialInput = (length: number): Buffer =>
  Buffer.from(Array.from({ length }, (_, i) => i % 251));

/** BLAKE3-XOF(input), 2048 bytes, by hash-wasm (the reference). */
async function referenceXof(input: Uint8Array): Promise<Buffer> {
  return Buffer.from(await blake3(input, LANES_BYTES * 8), 'hex');
}

/** -x mod 2^16 on every little-endian uint16 lane. */
function negateLanes(lanes: Buffer): Buffer {
  const out = Buffer.alloc(lanes.length);
  for (let i = 0; i < lanes.length; i += 2)
    out.writeUInt16LE((65536 - lanes.readUInt16LE(i)) % 65536, i);
  return out;
}

/**
 * Kernel lanes ±= XOF(input), the input fed as the digest does: whole-chunk pieces of `piece`
 * bytes through absorb() while more than that is left, then finish() on the rest. Nothing clears
 * the input region in between: the kernel must pad the last block with zeros itself.
 */
function feed(
  kernel: LanesKernel,
  input: Uint8Array,
  subtract: 0 | 1,
  piece = KERNEL_MAX_INPUT,
): void {
  const m = kernel.memory;
  let offset = 0;
  for (; input.length - offset > piece; offset += piece) {
    m.set(input.subarray(offset, offset + piece), KERNEL_INPUT);
    kernel.absorb(piece, offset / KERNEL_CHUNK);
  }
  const rest = input.length - offset;
  m.set(input.subarray(offset), KERNEL_INPUT);
  kernel.finish(rest, offset / KERNEL_CHUNK, subtract);
}

let kernel: LanesKernel;
const lanes = (): Buffer =>
  Buffer.from(kernel.memory.subarray(KERNEL_LANES, KERNEL_LANES + LANES_BYTES));
const clearLanes = (): void => {
  kernel.memory.fill(0, KERNEL_LANES, KERNEL_LANES + LANES_BYTES);
};

/** Checks XOF(input) added to zero lanes, and subtracted from zero lanes, against hash-wasm. */
async function expectMatchesReference(input: Buffer, piece = KERNEL_MAX_INPUT): Promise<void> {
  const expected = await referenceXof(input);
  clearLanes();
  feed(kernel, input, 0, piece);
  const added = lanes();
  clearLanes();
  feed(kernel, input, 1, piece);
  const subtracted = lanes();
  // Compare hex with the length in the message: a failure names the input length.
  expect(`${input.length}: ${hex(added)}`).toBe(`${input.length}: ${hex(expected)}`);
  expect(`${input.length}: ${hex(subtracted)}`).toBe(
    `${input.length}: ${hex(negateLanes(expected))}`,
  );
}

beforeAll(async () => {
  kernel = await compileLanesKernel();
  kernel.memory.fill(0xa5, KERNEL_INPUT, KERNEL_INPUT + KERNEL_MAX_INPUT);
});

describe('the lanes kernel layout', () => {
  it('keeps the lanes and the input region apart, inside the memory, in whole chunks', () => {
    expect(KERNEL_MAX_INPUT % KERNEL_CHUNK).toBe(0);
    expect(KERNEL_INPUT % 64).toBe(0);
    const regions = [
      [KERNEL_LANES, KERNEL_LANES + LANES_BYTES],
      [KERNEL_INPUT, KERNEL_INPUT + KERNEL_MAX_INPUT],
    ].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    expect(regions[0]?.[1]).toBeLessThanOrEqual(regions[1]?.[0] ?? 0);
    // finish() zeroes 64 bytes from the end of the input, so 64 spare bytes follow the region.
    expect(kernel.memory.length).toBeGreaterThanOrEqual(KERNEL_INPUT + KERNEL_MAX_INPUT + 64);
  });
});

describe('the lanes kernel against the official BLAKE3 test vectors', () => {
  const cases = officialFile.cases.map((c) => [c.input_len, c.hash] as const);

  it.each(cases)('hash-wasm (the reference) for %i bytes', async (length, expected) => {
    expect(hex(await referenceXof(officialInput(length))).slice(0, expected.length)).toBe(expected);
  });

  it.each(cases)('the kernel for %i bytes, in one call and in pieces', (length, expected) => {
    for (const piece of [KERNEL_MAX_INPUT, KERNEL_CHUNK, 3 * KERNEL_CHUNK, 4 * KERNEL_CHUNK]) {
      clearLanes();
      feed(kernel, officialInput(length), 0, piece);
      expect(hex(lanes()).slice(0, expected.length)).toBe(expected);
    }
  });
});

describe('the lanes kernel against hash-wasm', () => {
  it('matches for every input length from 0 to 3100 bytes, added and subtracted', async () => {
    for (let length = 0; length <= 3100; length++) {
      await expectMatchesReference(randomBytes(length, length));
    }
  });

  it('matches around every chunk boundary up to 72 chunks, and at tree boundaries', async () => {
    const lengths = new Set<number>();
    for (let k = 1; k <= 72; k++) for (const d of [-1, 0, 1]) lengths.add(KERNEL_CHUNK * k + d);
    for (const chunks of [8, 16, 32, 63, 64, 65, 127, 128, 129, 255, 256]) {
      for (const d of [-64, -1, 0, 1, 63, 64, 65, 1000]) lengths.add(KERNEL_CHUNK * chunks + d);
    }
    for (const length of [...lengths].sort((a, b) => a - b)) {
      await expectMatchesReference(randomBytes(length, length + 7));
    }
  });

  it('matches for inputs longer than the input region (fed in pieces)', async () => {
    for (const length of [KERNEL_MAX_INPUT * 2 + 1, 200_000, 1_048_576 + 5]) {
      await expectMatchesReference(randomBytes(length, length));
    }
  });

  it('gives the same lanes whatever the piece size', async () => {
    for (const length of [2049, 10_000, 33_793, 70_000]) {
      const input = randomBytes(length, 3 * length);
      for (const piece of [1, 2, 3, 4, 5, 7, 8, 64].map((k) => k * KERNEL_CHUNK)) {
        await expectMatchesReference(input, piece);
      }
    }
  });

  it('subtracting an input undoes adding it, from any lanes', () => {
    for (const length of [0, 1, 64, 171, 1024, 1075, 4171, 70_000]) {
      const start = randomBytes(LANES_BYTES, length + 1);
      kernel.memory.set(start, KERNEL_LANES);
      const input = randomBytes(length, length + 2);
      feed(kernel, input, 0);
      expect(lanes().equals(start)).toBe(false);
      feed(kernel, input, 1);
      expect(hex(lanes())).toBe(hex(start));
    }
  });
});

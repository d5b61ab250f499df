import { createHash } from 'node:crypto';

/**
 * A small seeded pseudo-random generator (sfc32: 128-bit state, fast, good statistical quality
 * for test data; not cryptographic). Every stream is derived from `(seed, label, index)` with
 * SHA-256, so any slot's or account's randomness can be recomputed on its own, in any order and
 * after a restart, without replaying the streams before it.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream keyed by `seed`, a `label` naming its use, and an `index` (slot, account...). */
  constructor(seed: string, label: string, index: number) {
    const h = createHash('sha256').update(`${seed}\u0000${label}\u0000${index}`).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12) | 1;
    // Warm-up, as recommended for sfc32, so that close seeds diverge immediately.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n); n must be a positive integer below 2^32. */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** An integer in [min, max] (both inclusive). */
  nextIntBetween(min: number, max: number): number {
    return min + this.nextInt(max - min + 1);
  }

  /** `length` pseudo-random bytes. */
  nextBytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let i = 0;
    for (; i + 4 <= length; i += 4) out.writeUInt32LE(this.nextUint32(), i);
    if (i < length) {
      const last = this.nextUint32();
      for (let shift = 0; i < length; i++, shift += 8) out[i] = (last >>> shift) & 0xff;
    }
    return out;
  }
}

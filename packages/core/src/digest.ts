/**
 * The state digest: LtHash16 over every (key, value) entry, exactly as documented at the bottom
 * of protos/massa/bootstrap/v1/types.proto ("StateDigest"):
 *
 *   e     = u32_le(len(key)) || key || value
 *   L(e)  = BLAKE3-XOF(e), 2048 bytes, read as 1024 little-endian uint16 lanes
 *   S     = lane-wise sum of L(e) over all entries, mod 2^16 (removing subtracts)
 *   digest = SHA-256 over the 2048 bytes of S
 *
 * Every entry goes through the WebAssembly SIMD kernel in lanes-kernel.ts (BLAKE3 with its tree
 * mode): entries up to KERNEL_MAX_INPUT encoded bytes in one call, longer ones in pieces. One
 * cached engine serves every digest; every method is synchronous.
 */
import { createHash } from 'node:crypto';
import {
  compileLanesKernel,
  KERNEL_CHUNK,
  KERNEL_INPUT,
  KERNEL_LANES,
  KERNEL_MAX_INPUT,
  type LanesKernel,
} from './lanes-kernel';

/** Size of the persisted lanes state S: 1024 little-endian uint16 lanes. */
export const DIGEST_LANES_BYTES = 2048;

/** Size of the digest sent on the wire (SHA-256 of the lanes). */
export const DIGEST_BYTES = 32;

/** One (key, value) pair of the state, as hashed into the digest. */
export interface KeyValueEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Hashes entries into the kernel's lanes; shared by every StateDigest (single-threaded, sync). */
class LanesEngine {
  private readonly memory: Uint8Array;
  private readonly lanes: Uint8Array;

  constructor(private readonly kernel: LanesKernel) {
    this.memory = kernel.memory;
    this.lanes = kernel.memory.subarray(KERNEL_LANES, KERNEL_LANES + DIGEST_LANES_BYTES);
  }

  /** Loads a digest's lanes into the kernel. */
  load(lanes: Uint8Array): void {
    this.lanes.set(lanes);
  }

  /** Copies the kernel's lanes back into a digest. */
  store(lanes: Uint8Array): void {
    lanes.set(this.lanes);
  }

  /** Kernel lanes ±= L(u32_le(len(key)) || key || value). */
  mix(key: Uint8Array, value: Uint8Array, subtract: 0 | 1): void {
    const keyLength = key.length;
    const length = 4 + keyLength + value.length;
    if (length > KERNEL_MAX_INPUT) {
      this.mixInPieces(key, value, length, subtract);
      return;
    }
    // The entry bytes are written straight into the kernel's input: no allocation per entry.
    const m = this.memory;
    m[KERNEL_INPUT] = keyLength & 0xff;
    m[KERNEL_INPUT + 1] = (keyLength >>> 8) & 0xff;
    m[KERNEL_INPUT + 2] = (keyLength >>> 16) & 0xff;
    m[KERNEL_INPUT + 3] = keyLength >>> 24;
    m.set(key, KERNEL_INPUT + 4);
    m.set(value, KERNEL_INPUT + 4 + keyLength);
    this.kernel.finish(length, 0, subtract);
  }

  /**
   * An entry longer than the kernel's input region: pieces of KERNEL_MAX_INPUT bytes (whole
   * chunks) while more than that is left, then the rest.
   */
  private mixInPieces(key: Uint8Array, value: Uint8Array, length: number, subtract: 0 | 1): void {
    let offset = 0;
    for (; length - offset > KERNEL_MAX_INPUT; offset += KERNEL_MAX_INPUT) {
      this.writePiece(key, value, offset, KERNEL_MAX_INPUT);
      this.kernel.absorb(KERNEL_MAX_INPUT, offset / KERNEL_CHUNK);
    }
    this.writePiece(key, value, offset, length - offset);
    this.kernel.finish(length - offset, offset / KERNEL_CHUNK, subtract);
  }

  /** Writes bytes [offset, offset + count) of u32_le(len(key)) || key || value to the input. */
  private writePiece(key: Uint8Array, value: Uint8Array, offset: number, count: number): void {
    const m = this.memory;
    const end = offset + count;
    const keyEnd = 4 + key.length;
    for (let i = offset; i < Math.min(4, end); i++) {
      m[KERNEL_INPUT + i - offset] = (key.length >>> (8 * i)) & 0xff;
    }
    if (offset < keyEnd && end > 4) {
      const from = Math.max(offset, 4);
      m.set(key.subarray(from - 4, Math.min(end, keyEnd) - 4), KERNEL_INPUT + from - offset);
    }
    if (end > keyEnd) {
      const from = Math.max(offset, keyEnd);
      m.set(value.subarray(from - keyEnd, end - keyEnd), KERNEL_INPUT + from - offset);
    }
  }
}

let engine: Promise<LanesEngine> | undefined;

/** The one engine of the process, created on first use (no work at import time). */
function loadEngine(): Promise<LanesEngine> {
  engine ??= compileLanesKernel().then((kernel) => new LanesEngine(kernel));
  return engine;
}

/**
 * An incremental LtHash16 state digest. Its value depends only on the multiset of entries added
 * minus those removed, never on the order. A method that throws leaves the digest unchanged.
 * Not safe to share across worker threads (each thread has its own engine anyway).
 */
export class StateDigest {
  private constructor(
    private readonly engine: LanesEngine,
    private readonly state: Buffer,
  ) {}

  /** @internal Use createStateDigest(). */
  static async create(lanes?: Uint8Array): Promise<StateDigest> {
    if (lanes !== undefined && lanes.length !== DIGEST_LANES_BYTES) {
      throw new RangeError(`digest lanes must be ${DIGEST_LANES_BYTES} bytes, got ${lanes.length}`);
    }
    const state = Buffer.alloc(DIGEST_LANES_BYTES);
    if (lanes !== undefined) state.set(lanes);
    return new StateDigest(await loadEngine(), state);
  }

  /** Adds one entry. Adding the same (key, value) twice counts it twice. */
  add(key: Uint8Array, value: Uint8Array): void {
    this.engine.load(this.state);
    this.engine.mix(key, value, 0);
    this.engine.store(this.state);
  }

  /** Removes one entry previously added (removing an entry never added corrupts the digest). */
  remove(key: Uint8Array, value: Uint8Array): void {
    this.engine.load(this.state);
    this.engine.mix(key, value, 1);
    this.engine.store(this.state);
  }

  /**
   * Records that `key` went from `oldValue` to `newValue`, undefined meaning absent: an insert
   * (undefined → v), an overwrite (v → w) or a delete (v → undefined). Same as remove(old) then
   * add(new); identical old and new values cost nothing.
   */
  replace(
    key: Uint8Array,
    oldValue: Uint8Array | undefined,
    newValue: Uint8Array | undefined,
  ): void {
    if (oldValue === undefined && newValue === undefined) return;
    if (oldValue !== undefined && newValue !== undefined && bytesEqual(oldValue, newValue)) return;
    this.engine.load(this.state);
    if (oldValue !== undefined) this.engine.mix(key, oldValue, 1);
    if (newValue !== undefined) this.engine.mix(key, newValue, 0);
    this.engine.store(this.state);
  }

  /**
   * Adds every entry; same result as add() on each, faster for batches (the lanes stay in the
   * kernel for the whole batch). All or nothing: when iterating or hashing throws, the digest
   * is unchanged. Returns the number of entries added.
   */
  addMany(entries: Iterable<KeyValueEntry>): number {
    this.engine.load(this.state);
    let count = 0;
    for (const { key, value } of entries) {
      this.engine.mix(key, value, 0);
      count++;
    }
    this.engine.store(this.state);
    return count;
  }

  /** A copy of the 2048-byte lanes state, to persist and later pass to createStateDigest(). */
  lanes(): Buffer {
    return Buffer.from(this.state);
  }

  /** The 32-byte digest: SHA-256 of the lanes. Equal states give equal digests. */
  digest(): Buffer {
    return createHash('sha256').update(this.state).digest();
  }

  /** The digest as lowercase hex, for logs and error messages. */
  digestHex(): string {
    return this.digest().toString('hex');
  }

  /** An independent copy: changing one never changes the other. */
  clone(): StateDigest {
    return new StateDigest(this.engine, Buffer.from(this.state));
  }

  /** True when both digests hold the same lanes (hence the same digest). */
  equals(other: StateDigest): boolean {
    return this.state.equals(other.state);
  }

  /**
   * True when every lane is zero: the digest of the empty state (a non-empty set of entries
   * whose lanes cancel out exactly is astronomically unlikely).
   */
  isEmpty(): boolean {
    for (let i = 0; i < DIGEST_LANES_BYTES; i++) if (this.state[i] !== 0) return false;
    return true;
  }

  /** Forgets every entry: back to the empty state. */
  clear(): void {
    this.state.fill(0);
  }
}

/**
 * Creates a digest: empty, or resumed from lanes previously returned by `lanes()` (exactly
 * DIGEST_LANES_BYTES bytes, otherwise a RangeError). The first call compiles the hashing engine;
 * later ones reuse it.
 */
export function createStateDigest(lanes?: Uint8Array): Promise<StateDigest> {
  return StateDigest.create(lanes);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

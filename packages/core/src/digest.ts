/**
 * The state digest: LtHash16 over every (key, value) entry, exactly as documented at the bottom
 * of protos/massa/bootstrap/v1/types.proto ("StateDigest"):
 *
 *   e     = u32_le(len(key)) || key || value
 *   L(e)  = BLAKE3-XOF(e), 2048 bytes, read as 1024 little-endian uint16 lanes
 *   S     = lane-wise sum of L(e) over all entries, mod 2^16 (removing subtracts)
 *   digest = SHA-256 over the 2048 bytes of S
 *
 * Entries up to 1024 encoded bytes (nearly all of them) go through the WebAssembly SIMD kernel
 * in lanes-kernel.ts; longer ones through hash-wasm's BLAKE3 (tree mode), whose output the
 * kernel then adds. Both paths share one cached engine; every method is synchronous.
 */
import { createHash } from 'node:crypto';
import { createBLAKE3, type IHasher } from 'hash-wasm';
import {
  compileLanesKernel,
  KERNEL_LANES,
  KERNEL_MAX_INPUT,
  KERNEL_XOF,
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
  private readonly prefix = new Uint8Array(4);

  constructor(
    private readonly kernel: LanesKernel,
    private readonly hasher: IHasher,
  ) {
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
    if (length <= KERNEL_MAX_INPUT) {
      // The entry bytes are written straight into the kernel's input: no allocation per entry.
      const m = this.memory;
      m[0] = keyLength & 0xff;
      m[1] = (keyLength >>> 8) & 0xff;
      m[2] = (keyLength >>> 16) & 0xff;
      m[3] = keyLength >>> 24;
      m.set(key, 4);
      m.set(value, 4 + keyLength);
      const blockEnd = (length + 63) & ~63;
      if (blockEnd > length) m.fill(0, length, blockEnd);
      this.kernel.hashAndAccumulate(length, subtract);
      return;
    }
    const p = this.prefix;
    p[0] = keyLength & 0xff;
    p[1] = (keyLength >>> 8) & 0xff;
    p[2] = (keyLength >>> 16) & 0xff;
    p[3] = keyLength >>> 24;
    const xof = this.hasher.init().update(p).update(key).update(value).digest('binary');
    this.memory.set(xof, KERNEL_XOF);
    this.kernel.accumulate(subtract);
  }
}

let engine: Promise<LanesEngine> | undefined;

/** The one engine of the process, created on first use (no work at import time). */
function loadEngine(): Promise<LanesEngine> {
  engine ??= Promise.all([compileLanesKernel(), createBLAKE3(DIGEST_LANES_BYTES * 8)]).then(
    ([kernel, hasher]) => new LanesEngine(kernel, hasher),
  );
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

/**
 * ReadStatePartResponse encoded directly into one buffer while the state is scanned: each
 * entry's key and value are copied once, from storage into the response (no StateEntry
 * objects, no protobuf writer, no per-entry Buffers). The bytes are exactly what
 * `ReadStatePartResponse.encode()` writes for the same message (fields in number order,
 * defaults omitted); a test compares them.
 *
 * Layout while filling: [reserved header room][entries...][room for the trailer]. The header
 * (slot, last_key) is written at the end, right before the entries, once the last key is known;
 * the trailer (complete, state_digest) after them, once the digest is computed.
 *
 * The buffers come from a small pool and go back to it once grpc-js has serialized the answer:
 * grpc-js copies a serialized message into its own framed buffer synchronously, right after
 * calling the method's serializer (ServerInterceptingCall.serializeMessage, grpc-js 1.14), so
 * the serializer releases the buffer in a microtask (wire-service.ts). Allocating a fresh
 * megabyte per part made V8 collect for external memory pressure every few dozen parts, which
 * cost about as much CPU as the reads themselves.
 */
import { MAX_KEY_BYTES, type Slot } from '@massa-bootstrap/core';

/** Tags (field number << 3 | wire type) of ReadStatePartResponse, StateEntry and Slot. */
const TAG = {
  slot: 0x0a,
  lastKey: 0x12,
  entry: 0x1a,
  complete: 0x20,
  stateDigest: 0x2a,
  entryKey: 0x0a,
  entryValue: 0x12,
  period: 0x08,
  thread: 0x10,
} as const;

/** Room for the slot (at most 2 + 1 + 8 + 1 + 5 bytes) and the last key with its framing. */
const HEADER_ROOM = 32 + MAX_KEY_BYTES;
/** Room for `complete` (2 bytes) and a state digest of up to 125 bytes with its framing. */
const TRAILER_ROOM = 128;

/** Bytes of the varint of `value` (a non-negative integer below 2^53). */
function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) size += 1;
  return size;
}

/** Writes the varint of `value` at `pos`; returns the position after it. */
function writeVarint(buf: Buffer, pos: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** Bytes of an encoded Slot message. */
function slotSize(slot: Slot): number {
  return (
    (slot.period === 0 ? 0 : 1 + varintSize(slot.period)) +
    (slot.thread === 0 ? 0 : 1 + varintSize(slot.thread))
  );
}

/** Free buffers kept by a pool. */
const POOLED_BUFFERS = 4;
/** Largest buffer a pool keeps (a default 1 MiB part fits with room to spare). */
const MAX_POOLED_BYTES = 4 * 1024 * 1024;

/**
 * Reusable response buffers: at most POOLED_BUFFERS free buffers of at most MAX_POOLED_BYTES
 * each (so at most 16 MiB held). A buffer that is never given back is simply collected.
 */
export class ResponseBufferPool {
  private readonly free: Buffer[] = [];

  /** A buffer of at least `size` bytes, uninitialized. */
  take(size: number): Buffer {
    const free = this.free;
    for (let i = free.length - 1; i >= 0; i--) {
      const buf = free[i]!;
      if (buf.length < size) continue;
      free[i] = free[free.length - 1]!;
      free.pop();
      return buf;
    }
    return Buffer.allocUnsafe(size);
  }

  /** Gives `buf` back; it must not be used any more. */
  give(buf: Buffer): void {
    if (this.free.length < POOLED_BUFFERS && buf.length <= MAX_POOLED_BYTES) this.free.push(buf);
  }
}

/** An encoded answer in a pooled buffer. */
export interface PooledBytes {
  /** The encoded message. */
  readonly bytes: Buffer;
  /** Gives the memory behind `bytes` back to its pool; `bytes` must not be read after. */
  release(): void;
}

/** Builds one ReadStatePartResponse; see the file comment. */
export class StatePartEncoder {
  private buf: Buffer;
  private pos = HEADER_ROOM;
  private lastKeyStart = -1;
  private lastKeyLength = 0;
  /** Entries added so far. */
  entryCount = 0;

  /**
   * @param capacity expected bytes of encoded entries (the buffer grows when they need more)
   * @param pool where the buffers come from and go back to
   */
  constructor(
    capacity: number,
    private readonly pool: ResponseBufferPool,
  ) {
    this.buf = pool.take(HEADER_ROOM + capacity + TRAILER_ROOM);
  }

  /** Appends one StateEntry record; `key` and `value` are copied (views are fine). */
  addEntry(key: Uint8Array, value: Uint8Array): void {
    const keyLength = key.length;
    const valueLength = value.length;
    const body =
      (keyLength === 0 ? 0 : 1 + varintSize(keyLength) + keyLength) +
      (valueLength === 0 ? 0 : 1 + varintSize(valueLength) + valueLength);
    this.reserve(1 + varintSize(body) + body);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = TAG.entry;
    pos = writeVarint(buf, pos, body);
    if (keyLength !== 0) {
      buf[pos++] = TAG.entryKey;
      pos = writeVarint(buf, pos, keyLength);
      buf.set(key, pos);
      this.lastKeyStart = pos;
      pos += keyLength;
    } else {
      this.lastKeyStart = pos;
    }
    this.lastKeyLength = keyLength;
    if (valueLength !== 0) {
      buf[pos++] = TAG.entryValue;
      pos = writeVarint(buf, pos, valueLength);
      buf.set(value, pos);
      pos += valueLength;
    }
    this.pos = pos;
    this.entryCount += 1;
  }

  /**
   * The encoded response: `slot` (omitted when undefined), `last_key` (the last entry's key,
   * or `emptyLastKey` when no entry was added), the entries, `complete`, `stateDigest`. The
   * bytes are a view into the encoder's pooled buffer, given back by `release()`; the encoder
   * must not be used after.
   */
  finish(
    slot: Slot | undefined,
    emptyLastKey: Uint8Array,
    complete: boolean,
    stateDigest: Uint8Array,
  ): PooledBytes {
    const buf = this.buf;
    const lastKey =
      this.entryCount > 0
        ? buf.subarray(this.lastKeyStart, this.lastKeyStart + this.lastKeyLength)
        : emptyLastKey;
    // Header, written right before the entries.
    const slotBody = slot === undefined ? 0 : slotSize(slot);
    const headerSize =
      (slot === undefined ? 0 : 1 + varintSize(slotBody) + slotBody) +
      (lastKey.length === 0 ? 0 : 1 + varintSize(lastKey.length) + lastKey.length);
    if (headerSize > HEADER_ROOM) throw new RangeError(`last key of ${lastKey.length} bytes`);
    const start = HEADER_ROOM - headerSize;
    let pos = start;
    if (slot !== undefined) {
      buf[pos++] = TAG.slot;
      pos = writeVarint(buf, pos, slotBody);
      if (slot.period !== 0) {
        buf[pos++] = TAG.period;
        pos = writeVarint(buf, pos, slot.period);
      }
      if (slot.thread !== 0) {
        buf[pos++] = TAG.thread;
        pos = writeVarint(buf, pos, slot.thread);
      }
    }
    if (lastKey.length !== 0) {
      buf[pos++] = TAG.lastKey;
      pos = writeVarint(buf, pos, lastKey.length);
      // The last entry's key is copied from the entries area (which the header never overlaps).
      if (this.entryCount > 0)
        buf.copyWithin(pos, this.lastKeyStart, this.lastKeyStart + lastKey.length);
      else buf.set(lastKey, pos);
      pos += lastKey.length;
    }
    // Trailer.
    if (stateDigest.length > TRAILER_ROOM - 8) {
      throw new RangeError(`state digest of ${stateDigest.length} bytes`);
    }
    pos = this.pos;
    if (complete) {
      buf[pos++] = TAG.complete;
      buf[pos++] = 1;
    }
    if (stateDigest.length !== 0) {
      buf[pos++] = TAG.stateDigest;
      pos = writeVarint(buf, pos, stateDigest.length);
      buf.set(stateDigest, pos);
      pos += stateDigest.length;
    }
    return { bytes: buf.subarray(start, pos), release: () => this.pool.give(buf) };
  }

  /** Makes room for `bytes` more entry bytes (and the trailer), growing by doubling. */
  private reserve(bytes: number): void {
    const needed = this.pos + bytes + TRAILER_ROOM;
    if (needed <= this.buf.length) return;
    const grown = this.pool.take(Math.max(needed, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.pos);
    this.pool.give(this.buf);
    this.buf = grown;
  }
}

/**
 * Raw protobuf forwarding. The gateway never decodes state entries: ReadStatePartResponse and
 * BootstrapPart both carry `slot` as field 1 and `entries` as field 3 (a guard test keeps it
 * so), and protobuf repeated fields concatenate on the wire, so the encoded entry records of a
 * store response are copied verbatim into the part. Only the small top-level fields (slot,
 * last_key, complete, digest) are read, by a scanner that walks tags and lengths and skips
 * everything else. Likewise SlotChanges read from the store are forwarded as opaque bytes.
 */
import { BootstrapPart, Slot as WireSlot, type Cursor } from '@massa-bootstrap/proto';
import type { Slot } from '@massa-bootstrap/core';

/** A malformed upstream message (a bug or a version mismatch, never a client error). */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

/** Wire type of varint fields. */
export const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
/** Wire type of length-delimited fields. */
export const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** One top-level field: its number, wire type, and where its record and payload lie. */
export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** Offset of the tag (start of the whole record). */
  readonly start: number;
  /** Offset of the payload (for LEN: after the length prefix). */
  readonly valueStart: number;
  /** Offset just after the record. */
  readonly end: number;
  /** The varint value (VARINT fields only). */
  readonly varint: number;
}

/**
 * Walks the top-level fields of a message without decoding payloads and without allocating:
 * `next()` moves to the next field and updates the public offsets in place (the hot loop runs
 * once per state entry). Varints are exact up to 2^53; larger values come back rounded (still
 * above Number.MAX_SAFE_INTEGER, so range checks stay correct).
 */
export class FieldReader implements Field {
  number = 0;
  wireType = 0;
  start = 0;
  valueStart = 0;
  end = 0;
  varint = 0;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  /** Moves to the next field; false at the end of the message. Throws on malformed input. */
  next(): boolean {
    const buf = this.buf;
    if (this.pos >= buf.length) return false;
    this.start = this.pos;
    const tag = this.readVarint();
    this.number = Math.floor(tag / 8);
    this.wireType = tag & 7;
    this.varint = 0;
    switch (this.wireType) {
      case WIRE_VARINT:
        this.varint = this.readVarint();
        this.valueStart = this.start;
        this.end = this.pos;
        break;
      case WIRE_FIXED64:
        this.valueStart = this.pos;
        this.end = this.pos + 8;
        break;
      case WIRE_LEN: {
        const length = this.readVarint();
        this.valueStart = this.pos;
        this.end = this.pos + length;
        break;
      }
      case WIRE_FIXED32:
        this.valueStart = this.pos;
        this.end = this.pos + 4;
        break;
      default:
        throw new WireFormatError(`unsupported wire type ${this.wireType} (field ${this.number})`);
    }
    if (this.number === 0 || this.end > buf.length) {
      throw new WireFormatError(`truncated field ${this.number}`);
    }
    this.pos = this.end;
    return true;
  }

  private readVarint(): number {
    const buf = this.buf;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= buf.length) throw new WireFormatError('truncated varint');
      const byte = buf[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new WireFormatError('varint longer than 10 bytes');
  }
}

/**
 * Calls `visit` for each top-level field of `buf`, skipping payloads without decoding them.
 * The field object is reused between calls: copy what you keep.
 */
export function scanFields(buf: Uint8Array, visit: (field: Field) => void): void {
  const reader = new FieldReader(buf);
  while (reader.next()) visit(reader);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeSlot(buf: Buffer, field: Field): Slot {
  const slot = WireSlot.decode(buf.subarray(field.valueStart, field.end));
  return { period: slot.period, thread: slot.thread };
}

/** A ReadStatePartResponse with only its small fields decoded. */
export interface RawStatePart {
  /** The slot the entries are consistent with; undefined when the store is empty. */
  readonly slot: Slot | undefined;
  /** Key of the last entry (or the request's after_key when no entry was returned). */
  readonly lastKey: Buffer;
  /** True when no key after `lastKey` exists at `slot`. */
  readonly complete: boolean;
  /** Digest of the whole state at `slot`. */
  readonly stateDigest: Buffer;
  /** The encoded `entries` records (tag, length and StateEntry), runs of adjacent records merged. Views into the response. */
  readonly entryRecords: readonly Buffer[];
  /** Number of entries. */
  readonly entryCount: number;
  /** Size of the whole response message in bytes. */
  readonly byteLength: number;
}

/** Scans an encoded ReadStatePartResponse without decoding its entries. */
export function scanStatePart(bytes: Uint8Array): RawStatePart {
  const buf = asBuffer(bytes);
  let slot: Slot | undefined;
  let lastKey: Buffer = Buffer.alloc(0);
  let complete = false;
  let stateDigest: Buffer = Buffer.alloc(0);
  const entryRecords: Buffer[] = [];
  let entryCount = 0;
  let runStart = -1;
  let runEnd = -1;
  const field = new FieldReader(buf);
  while (field.next()) {
    if (field.number === 3 && field.wireType === WIRE_LEN) {
      entryCount += 1;
      if (runEnd === field.start) {
        runEnd = field.end;
      } else {
        if (runStart >= 0) entryRecords.push(buf.subarray(runStart, runEnd));
        runStart = field.start;
        runEnd = field.end;
      }
    } else if (field.number === 1 && field.wireType === WIRE_LEN) {
      slot = decodeSlot(buf, field);
    } else if (field.number === 2 && field.wireType === WIRE_LEN) {
      lastKey = buf.subarray(field.valueStart, field.end);
    } else if (field.number === 4 && field.wireType === WIRE_VARINT) {
      complete = field.varint !== 0;
    } else if (field.number === 5 && field.wireType === WIRE_LEN) {
      stateDigest = buf.subarray(field.valueStart, field.end);
    }
  }
  if (runStart >= 0) entryRecords.push(buf.subarray(runStart, runEnd));
  return { slot, lastKey, complete, stateDigest, entryRecords, entryCount, byteLength: buf.length };
}

/** An encoded SlotChanges with its slot and digest read. */
export interface RawSlotChanges {
  /** The encoded SlotChanges message, forwarded as is. */
  readonly bytes: Buffer;
  /** Its slot. */
  readonly slot: Slot;
  /** The state digest after the slot. */
  readonly stateDigest: Buffer;
}

/** Reads the slot and digest of an encoded SlotChanges (changes are skipped, not decoded). */
export function scanSlotChanges(bytes: Uint8Array): RawSlotChanges {
  const buf = asBuffer(bytes);
  let slot: Slot | undefined;
  let stateDigest: Buffer = Buffer.alloc(0);
  scanFields(buf, (field) => {
    if (field.number === 1 && field.wireType === WIRE_LEN) slot = decodeSlot(buf, field);
    else if (field.number === 3 && field.wireType === WIRE_LEN)
      stateDigest = buf.subarray(field.valueStart, field.end);
  });
  if (slot === undefined) throw new WireFormatError('SlotChanges without a slot');
  return { bytes: buf, slot, stateDigest };
}

function varintBytes(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

/** Tag of BootstrapPart.changes (field 2, LEN). */
const CHANGES_TAG = Buffer.from([(2 << 3) | WIRE_LEN]);

/** The parts of a BootstrapPart to assemble from raw pieces. */
export interface RawBootstrapPart {
  /** The slot the part brings the client to. */
  readonly slot: Slot;
  /** Encoded SlotChanges messages, oldest first. */
  readonly changes: readonly Buffer[];
  /** Encoded `entries` records copied from a ReadStatePartResponse (field 3 in both). */
  readonly entryRecords: readonly Buffer[];
  /** The cursor after the part. */
  readonly cursor: Cursor;
  /** The digest (completing part and follow parts), else empty. */
  readonly stateDigest: Buffer;
}

/**
 * An encoded BootstrapPart kept as the pieces whose concatenation is the message: the small
 * fields, then views into the store answers (changes, entry records). Nothing is copied until
 * the transport serializes it (see {@link PartSerializer}).
 */
export class EncodedPart {
  private parts: readonly Buffer[];

  constructor(
    pieces: readonly Buffer[],
    /** Total size of the message. */
    readonly byteLength: number,
  ) {
    this.parts = pieces;
  }

  /** The message bytes, in order (empty once {@link release}d). */
  get pieces(): readonly Buffer[] {
    return this.parts;
  }

  /**
   * Drops the references to the store answers once the transport has its own copy, so that
   * they can be collected while the part is still waiting for the socket.
   */
  release(): void {
    this.parts = [];
  }

  /** The message as one Buffer (a copy; tests and tools). */
  toBuffer(): Buffer {
    return Buffer.concat(this.parts as Buffer[], this.byteLength);
  }
}

/**
 * Encodes a BootstrapPart: the small fields through the generated encoder, then each SlotChanges
 * wrapped as field 2, then the entry records verbatim. Nothing is decoded or copied.
 */
export function encodeBootstrapPart(part: RawBootstrapPart): EncodedPart {
  const head = BootstrapPart.encode({
    slot: { period: part.slot.period, thread: part.slot.thread },
    changes: [],
    entries: [],
    cursor: part.cursor,
    stateDigest: part.stateDigest,
  }).finish();
  const pieces: Buffer[] = [asBuffer(head)];
  let byteLength = head.length;
  for (const change of part.changes) {
    const length = varintBytes(change.length);
    pieces.push(CHANGES_TAG, length, change);
    byteLength += CHANGES_TAG.length + length.length + change.length;
  }
  for (const record of part.entryRecords) {
    pieces.push(record);
    byteLength += record.length;
  }
  return new EncodedPart(pieces, byteLength);
}

/** Parts up to this size are assembled in the reusable scratch buffer; larger ones get their own. */
const SCRATCH_LIMIT = 24 * 1024 * 1024;

/**
 * The response serializer of Bootstrap: joins an {@link EncodedPart} into one reusable scratch
 * buffer and returns a view of it. This is safe because grpc-js copies the serializer's result
 * into its own length-prefixed frame synchronously, before anything else runs
 * (`ServerInterceptingCall.serializeMessage`: `serialize(value)` then `messageBuffer.copy(output, 5)`,
 * grpc-js 1.14), and Node runs one serializer at a time. It saves one allocation and one copy
 * of every part (a part is up to 16 MiB); the end-to-end tests verify every byte through it.
 */
export class PartSerializer {
  private scratch: Buffer = Buffer.alloc(0);

  /** grpc-js `responseSerialize`. */
  readonly serialize = (part: EncodedPart): Buffer => {
    if (part.byteLength > SCRATCH_LIMIT) {
      const joined = part.toBuffer();
      part.release();
      return joined;
    }
    if (this.scratch.length < part.byteLength) {
      this.scratch = Buffer.allocUnsafe(
        Math.max(part.byteLength, Math.min(SCRATCH_LIMIT, this.scratch.length * 2)),
      );
    }
    let offset = 0;
    for (const piece of part.pieces) offset += piece.copy(this.scratch, offset);
    if (offset !== part.byteLength)
      throw new Error(
        `part already serialized or inconsistent (${offset} of ${part.byteLength} bytes)`,
      );
    // grpc-js now copies the result into its frame; the store answers are no longer needed.
    part.release();
    return this.scratch.subarray(0, offset);
  };
}

/**
 * A forward-only protobuf wire reader over one buffer, shared by the request decoders of every
 * HistoryStore method (ingest/slot-request.ts, request-decoding.ts). Malformed bytes throw an
 * InvalidArgumentError naming the message, so an undecodable request is answered with
 * INVALID_ARGUMENT and BadRequest details instead of grpc-js's INTERNAL "Error deserializing
 * request" (what a throwing requestDeserialize produces).
 */
import { invalidArgument, type InvalidArgumentError } from '@massa-bootstrap/core';

/** Wire types (the low 3 bits of a tag). */
export const WIRE_VARINT = 0;
/** Length-delimited: bytes, strings, nested messages. */
export const WIRE_LEN = 2;
const WIRE_FIXED64 = 1;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

/** Deepest group nesting skipped before the bytes are refused. */
const MAX_GROUP_DEPTH = 100;

/** A reader over `buf`; every method throws `malformed()` at or past the end. */
export class WireReader {
  /** Offset of the next byte to read. */
  pos: number;
  /** False once a varint was longer than needed (a canonical encoder never writes one). */
  minimal = true;
  /** The low 32 bits of the last varint read. */
  low32 = 0;

  /**
   * @param buf the encoded message
   * @param start where to start reading
   * @param messageName the message type, for error descriptions
   */
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly messageName: string,
  ) {
    this.pos = start;
  }

  /** The error for malformed bytes: INVALID_ARGUMENT, one violation on the whole message. */
  malformed(why: string): InvalidArgumentError {
    return invalidArgument('', `not a valid ${this.messageName} message: ${why}`);
  }

  /**
   * An unsigned varint of up to 64 bits, exact up to 2^53 (larger values are inexact but stay
   * above Number.MAX_SAFE_INTEGER, so range checks still refuse them); its low 32 bits, exact,
   * are left in `low32`.
   */
  varint(): number {
    const buf = this.buf;
    let value = 0;
    let low = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= buf.length) throw this.malformed('truncated varint');
      const byte = buf[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if (i < 5) low = (low | ((byte & 0x7f) << (7 * i))) >>> 0;
      if (byte < 0x80) {
        if (byte === 0 && i > 0) this.minimal = false;
        this.low32 = low;
        return value;
      }
      scale *= 128;
    }
    throw this.malformed('varint longer than 10 bytes');
  }

  /** A varint read as uint32 (its low 32 bits), like protobuf's uint32 fields and tags. */
  uint32(): number {
    this.varint();
    return this.low32;
  }

  /** A field tag; a zero field number or an unmatched end-group tag is malformed. */
  tag(): number {
    const tag = this.uint32();
    if (tag >>> 3 === 0) throw this.malformed('field number 0');
    if ((tag & 7) === WIRE_END_GROUP) throw this.malformed('unexpected end-group tag');
    return tag;
  }

  /** The end of a length-delimited field whose length comes next. */
  delimitedEnd(): number {
    const length = this.varint();
    if (length > this.buf.length - this.pos) throw this.malformed('length past the end');
    return this.pos + length;
  }

  /** A view (no copy) of the length-delimited bytes that come next. */
  bytes(): Buffer {
    const end = this.delimitedEnd();
    const view = this.buf.subarray(this.pos, end);
    this.pos = end;
    return view;
  }

  /** Skips a field of `wireType` (tag already read); groups are skipped whole. */
  skip(wireType: number, depth = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.pos = this.delimitedEnd();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      case WIRE_START_GROUP:
        if (depth > MAX_GROUP_DEPTH) throw this.malformed('groups nested too deep');
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === WIRE_END_GROUP) return;
          this.skip(tag & 7, depth + 1);
        }
      default:
        throw this.malformed(`invalid wire type ${wireType}`);
    }
  }

  private advance(bytes: number): void {
    if (bytes > this.buf.length - this.pos) throw this.malformed('truncated field');
    this.pos += bytes;
  }
}

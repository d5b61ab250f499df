import {
  Cursor,
  Slot,
  SlotChanges,
  type BootstrapPart,
  type StateEntry,
} from '@massa-bootstrap/proto';

// Field tags (field number << 3 | wire type) of massa.bootstrap.v1.BootstrapPart / StateEntry.
const PART_SLOT = (1 << 3) | 2;
const PART_CHANGES = (2 << 3) | 2;
const PART_ENTRIES = (3 << 3) | 2;
const PART_CURSOR = (4 << 3) | 2;
const PART_STATE_DIGEST = (5 << 3) | 2;
const ENTRY_KEY = (1 << 3) | 2;
const ENTRY_VALUE = (2 << 3) | 2;

const WIRE_VARINT = 0;
const WIRE_BIT64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_BIT32 = 5;
const MAX_GROUP_DEPTH = 100;

/**
 * Decodes a serialized BootstrapPart like the generated `BootstrapPart.decode`, except that
 * the `key` and `value` of every entry and `state_digest` are views into `message` instead of
 * copies (the generated decoder copies every bytes field: two allocations and copies per
 * entry). `slot`, `changes` and `cursor` are decoded by the generated code.
 *
 * Ownership: the returned part shares `message`'s memory, so `message` must not be modified
 * afterwards. grpc-js hands each response deserializer a buffer it has just assembled for that
 * message (Buffer.concat of the frames) and never touches again, which is what this relies on.
 * A holder of one entry buffer keeps the whole message alive: copy what you keep.
 *
 * Well-formed messages decode exactly as with the generated decoder (unknown fields skipped,
 * last value wins for repeated scalars, tag 0 or an END_GROUP tag ends a message; see
 * part-decoder.test.ts). Malformed ones throw, including a few the generated decoder reads on
 * past: an embedded slot, slot changes or cursor whose fields overrun its length.
 */
export function decodeBootstrapPart(message: Buffer): BootstrapPart {
  const reader = new WireReader(message);
  const part: BootstrapPart = {
    slot: undefined,
    changes: [],
    entries: [],
    cursor: undefined,
    stateDigest: Buffer.alloc(0),
  };
  const end = message.length;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case PART_ENTRIES:
        part.entries.push(reader.entry());
        continue;
      case PART_SLOT:
        part.slot = Slot.decode(reader.subMessage());
        continue;
      case PART_CHANGES:
        part.changes.push(SlotChanges.decode(reader.subMessage()));
        continue;
      case PART_CURSOR:
        part.cursor = Cursor.decode(reader.subMessage());
        continue;
      case PART_STATE_DIGEST:
        part.stateDigest = reader.bytes();
        continue;
    }
    if ((tag & 7) === WIRE_END_GROUP || tag === 0) break;
    reader.skip(tag & 7, MAX_GROUP_DEPTH);
  }
  return part;
}

/** Protobuf wire reading over one buffer, with the bounds checks of @bufbuild/protobuf. */
class WireReader {
  pos = 0;
  private readonly buf: Buffer;
  private readonly length: number;

  constructor(buf: Buffer) {
    this.buf = buf;
    this.length = buf.length;
  }

  /** A varint truncated to 32 bits (tags and lengths); throws past 10 bytes or the end. */
  uint32(): number {
    const buf = this.buf;
    let b = buf[this.pos++] as number;
    let result = b & 0x7f;
    if ((b & 0x80) === 0) return this.inBounds(result);
    b = buf[this.pos++] as number;
    result |= (b & 0x7f) << 7;
    if ((b & 0x80) === 0) return this.inBounds(result);
    b = buf[this.pos++] as number;
    result |= (b & 0x7f) << 14;
    if ((b & 0x80) === 0) return this.inBounds(result);
    b = buf[this.pos++] as number;
    result |= (b & 0x7f) << 21;
    if ((b & 0x80) === 0) return this.inBounds(result);
    b = buf[this.pos++] as number;
    result |= (b & 0x0f) << 28;
    for (let read = 5; (b & 0x80) !== 0 && read < 10; read++) b = buf[this.pos++] as number;
    if ((b & 0x80) !== 0) throw new Error('invalid varint');
    return this.inBounds(result >>> 0);
  }

  /** A length-delimited field as a view of the buffer. */
  bytes(): Buffer {
    const length = this.uint32();
    const start = this.pos;
    this.pos = start + length;
    this.inBounds(0);
    const buf = this.buf;
    return Buffer.from(buf.buffer, buf.byteOffset + start, length);
  }

  /** The bytes of an embedded message, for a generated decoder. */
  subMessage(): Uint8Array {
    const length = this.uint32();
    const start = this.pos;
    this.pos = start + length;
    this.inBounds(0);
    return this.buf.subarray(start, this.pos);
  }

  /** An embedded StateEntry, with views for key and value. */
  entry(): StateEntry {
    const length = this.uint32();
    const end = this.pos + length;
    let key: Buffer | undefined;
    let value: Buffer | undefined;
    // Like the generated decoder: read fields until `end` (a field may run past it: the
    // caller then continues where it stopped), stop early on tag 0 or END_GROUP.
    while (this.pos < end) {
      const tag = this.uint32();
      if (tag === ENTRY_KEY) {
        key = this.bytes();
        continue;
      }
      if (tag === ENTRY_VALUE) {
        value = this.bytes();
        continue;
      }
      if ((tag & 7) === WIRE_END_GROUP || tag === 0) break;
      this.skip(tag & 7, MAX_GROUP_DEPTH);
    }
    return { key: key ?? Buffer.alloc(0), value: value ?? Buffer.alloc(0) };
  }

  /** Skips one field's value of wire type `wireType`. */
  skip(wireType: number, depth: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        while (((this.buf[this.pos++] as number) & 0x80) !== 0) {
          // every byte with the continuation bit
        }
        break;
      case WIRE_BIT64:
        this.pos += 8;
        break;
      case WIRE_BIT32:
        this.pos += 4;
        break;
      case WIRE_LENGTH_DELIMITED: {
        const length = this.uint32();
        this.pos += length;
        break;
      }
      case WIRE_START_GROUP:
        if (depth <= 0) throw new Error('maximum recursion depth reached');
        for (;;) {
          const [, type] = this.groupTag();
          if (type === WIRE_END_GROUP) break;
          this.skip(type, depth - 1);
        }
        break;
      default:
        throw new Error(`cant skip wire type ${wireType}`);
    }
    this.inBounds(0);
  }

  /** A tag inside a skipped group, validated as strictly as @bufbuild/protobuf does. */
  private groupTag(): [number, number] {
    const start = this.pos;
    const tag = this.uint32();
    const read = this.pos - start;
    if (read > 5 || (read === 5 && (this.buf[this.pos - 1] as number) > 0x0f)) {
      throw new Error('illegal tag: varint overflows uint32');
    }
    const field = tag >>> 3;
    const type = tag & 7;
    if (field <= 0 || type > 5) throw new Error(`illegal tag: field no ${field} wire type ${type}`);
    return [field, type];
  }

  /** Returns `value` after checking that the position is within the buffer. */
  private inBounds(value: number): number {
    if (this.pos > this.length) throw new RangeError('premature EOF');
    return value;
  }
}

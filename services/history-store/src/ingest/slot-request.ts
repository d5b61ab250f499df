/**
 * SlotChanges requests as they arrive on the wire. AppendFinalSlot and IngestFinalSlots take
 * their requests as bytes (wire-service.ts) and decode them here, once, without copying: every
 * key and value is a view into the request (ts-proto's decoder copies each one and allocates a
 * default key per change). While decoding, it checks whether the slot and the changes are
 * encoded exactly as SlotChanges.encode() would encode them; when they are (what every
 * protobuf encoder sends), the history entry is those bytes followed by the computed digest,
 * one copy instead of a re-encode of every change (DESIGN §7). Anything else is re-encoded.
 *
 * Malformed bytes are an InvalidArgumentError (ts-proto's decoder is lenient with a few of
 * them, e.g. it stops at a zero tag; those requests are refused here instead).
 */
import { invalidArgument, type Slot } from '@massa-bootstrap/core';
import { SlotChanges, type KeyChange } from '@massa-bootstrap/proto';
import { WireReader } from '../wire-reader';

/** A decoded request and what it takes to store it as a history entry. */
export interface SlotRequest {
  /** The decoded message; keys, values and state_digest are views into `bytes`. */
  readonly message: SlotChanges;
  /** The request as received. */
  readonly bytes: Buffer;
  /**
   * When the request's slot and changes are canonically encoded and nothing but one
   * state_digest follows them: the end of those bytes. Undefined otherwise.
   */
  readonly canonicalEnd: number | undefined;
}

/** Tags (field number << 3 | wire type) of SlotChanges, KeyChange and Slot fields. */
const TAG = { slot: 10, change: 18, digest: 26, key: 10, setValue: 18, delete: 26 } as const;
const TAG_PERIOD = 8;
const TAG_THREAD = 16;

/** Decodes a Slot ending at `end`; `canonical` says whether encode() would write the same. */
function readSlot(reader: WireReader, end: number): { slot: Slot; canonical: boolean } {
  let period = 0;
  let thread = 0;
  let canonical = true;
  let next = TAG_PERIOD; // canonical order: period (if non-zero), then thread (if non-zero)
  while (reader.pos < end) {
    const tag = reader.tag();
    if (tag === TAG_PERIOD) {
      period = reader.varint();
      if (period > Number.MAX_SAFE_INTEGER)
        throw invalidArgument('slot.period', 'must be at most 2^53 - 1');
      canonical &&= next === TAG_PERIOD && period !== 0;
      next = TAG_THREAD;
    } else if (tag === TAG_THREAD) {
      thread = reader.uint32();
      canonical &&= next !== 0 && thread !== 0;
      next = 0;
    } else {
      reader.skip(tag & 7);
      canonical = false;
    }
  }
  if (reader.pos !== end) throw reader.malformed('slot overruns its length');
  return { slot: { period, thread }, canonical };
}

/** Decodes a KeyChange ending at `end`. */
function readChange(reader: WireReader, end: number): { change: KeyChange; canonical: boolean } {
  let key: Buffer | undefined;
  let change: KeyChange['change'];
  let canonical = true;
  let fields = 0; // canonical: key (non-empty) then exactly one of set_value / delete
  while (reader.pos < end) {
    const tag = reader.tag();
    if (tag === TAG.key) {
      key = reader.bytes();
      canonical &&= fields === 0 && key.length > 0;
      fields = 1;
    } else if (tag === TAG.setValue) {
      change = { $case: 'setValue', value: reader.bytes() };
      canonical &&= fields === 1;
      fields = 2;
    } else if (tag === TAG.delete) {
      const emptyEnd = reader.delimitedEnd();
      canonical &&= fields === 1 && emptyEnd === reader.pos;
      // google.protobuf.Empty: any content is unknown fields, skipped.
      while (reader.pos < emptyEnd) reader.skip(reader.tag() & 7);
      if (reader.pos !== emptyEnd) throw reader.malformed('delete overruns its length');
      change = { $case: 'delete', value: {} };
      fields = 2;
    } else {
      reader.skip(tag & 7);
      canonical = false;
    }
  }
  if (reader.pos !== end) throw reader.malformed('change overruns its length');
  return {
    change: { key: key ?? Buffer.alloc(0), change },
    canonical: canonical && fields === 2,
  };
}

/** Decodes a SlotChanges request; throws InvalidArgumentError when the bytes are malformed. */
export function decodeSlotRequest(bytes: Buffer): SlotRequest {
  const reader = new WireReader(bytes, 0, 'SlotChanges');
  const changes: KeyChange[] = [];
  let slot: Slot | undefined;
  let stateDigest: Buffer = Buffer.alloc(0);
  // Canonical layout: slot, changes..., then at most one state_digest and nothing else.
  let canonical = true;
  let canonicalEnd = 0;
  let phase: 'slot' | 'changes' | 'digest' | 'after' = 'slot';
  while (reader.pos < bytes.length) {
    const tag = reader.tag();
    if (tag === TAG.slot) {
      const end = reader.delimitedEnd();
      const decoded = readSlot(reader, end);
      slot = decoded.slot; // a repeated slot field replaces the earlier one, as in ts-proto
      canonical &&= phase === 'slot' && decoded.canonical;
      phase = 'changes';
      canonicalEnd = reader.pos;
    } else if (tag === TAG.change) {
      const end = reader.delimitedEnd();
      const decoded = readChange(reader, end);
      changes.push(decoded.change);
      canonical &&= phase === 'changes' && decoded.canonical;
      canonicalEnd = reader.pos;
    } else if (tag === TAG.digest) {
      stateDigest = reader.bytes();
      canonical &&= phase === 'changes';
      phase = 'after';
    } else {
      reader.skip(tag & 7);
      canonical = false;
    }
  }
  return {
    message: { slot, changes, stateDigest },
    bytes,
    canonicalEnd: canonical && reader.minimal && slot !== undefined ? canonicalEnd : undefined,
  };
}

/**
 * The history entry of `request` applied as `slot` with state digest `digest`: exactly
 * `SlotChanges.encode({ slot, changes, stateDigest: digest })`, built from the request's own
 * bytes when they are canonical.
 */
export function encodeHistoryEntry(request: SlotRequest, slot: Slot, digest: Buffer): Buffer {
  const end = request.canonicalEnd;
  if (end === undefined || digest.length === 0 || digest.length >= 0x80) {
    const encoded = SlotChanges.encode({
      slot: { period: slot.period, thread: slot.thread },
      changes: request.message.changes,
      stateDigest: digest,
    }).finish();
    return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  }
  // field 3 (state_digest), a one-byte length, the digest.
  const out = Buffer.allocUnsafe(end + 2 + digest.length);
  request.bytes.copy(out, 0, 0, end);
  out[end] = TAG.digest;
  out[end + 1] = digest.length;
  digest.copy(out, end + 2);
  return out;
}

/** A request built from an already decoded message (tests, programmatic appends). */
export function requestOf(message: SlotChanges): SlotRequest {
  return { message, bytes: Buffer.alloc(0), canonicalEnd: undefined };
}

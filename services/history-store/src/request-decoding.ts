/**
 * Tolerant decoding of the read requests (ReadStatePart, StreamChanges, WatchFinalSlots,
 * GetStatus). The server registers every HistoryStore method with a pass-through request
 * deserializer (wire-service.ts) and the handlers decode here: the generated decoders throw
 * inside grpc-js on a uint64 period above 2^53 - 1 or on bytes that are not protobuf, which
 * grpc-js answers with INTERNAL "Error deserializing request" before any handler runs. Here
 * malformed bytes throw an InvalidArgumentError (BadRequest), and periods keep their value,
 * inexact beyond 2^53 but still above Number.MAX_SAFE_INTEGER, for the validation in
 * requests.ts to refuse with a field violation.
 *
 * Like protobuf decoders: unknown fields and known fields of another wire type are skipped, a
 * repeated singular field keeps its last value. Unlike ts-proto's, a zero tag or a stray
 * end-group tag is refused instead of silently ending the message.
 */
import type { Slot } from '@massa-bootstrap/core';
import type {
  GetStatusRequest,
  ReadStatePartRequest,
  StreamChangesRequest,
  WatchFinalSlotsRequest,
} from '@massa-bootstrap/proto';
import { WIRE_LEN, WIRE_VARINT, WireReader } from './wire-reader';

function tagOf(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

const SLOT_PERIOD = tagOf(1, WIRE_VARINT);
const SLOT_THREAD = tagOf(2, WIRE_VARINT);

/** Decodes the Slot message that ends at `end`; the period may be beyond 2^53 - 1. */
function readSlot(reader: WireReader, end: number): Slot {
  let period = 0;
  let thread = 0;
  while (reader.pos < end) {
    const tag = reader.tag();
    if (tag === SLOT_PERIOD) period = reader.varint();
    else if (tag === SLOT_THREAD) thread = reader.uint32();
    else reader.skip(tag & 7);
  }
  if (reader.pos !== end) throw reader.malformed('slot overruns its length');
  return { period, thread };
}

/** A length-delimited Slot field (tag already read). */
function readSlotField(reader: WireReader): Slot {
  return readSlot(reader, reader.delimitedEnd());
}

/**
 * Reads every field of `bytes` as a `messageName`, handing each known tag to `field` (which
 * reads its value and returns true) and skipping the others.
 */
function readMessage(
  bytes: Buffer,
  messageName: string,
  field: (tag: number, reader: WireReader) => boolean,
): void {
  const reader = new WireReader(bytes, 0, messageName);
  while (reader.pos < bytes.length) {
    const tag = reader.tag();
    if (!field(tag, reader)) reader.skip(tag & 7);
  }
}

const AFTER_KEY = tagOf(1, WIRE_LEN);
const MAX_BYTES = tagOf(2, WIRE_VARINT);
const MAX_ENTRIES = tagOf(3, WIRE_VARINT);

/**
 * Decodes a ReadStatePartRequest; `afterKey` is a view into `bytes`. Throws
 * InvalidArgumentError when the bytes are not a protobuf message.
 */
export function decodeReadStatePartRequest(bytes: Buffer): ReadStatePartRequest {
  const request: ReadStatePartRequest = { afterKey: Buffer.alloc(0), maxBytes: 0, maxEntries: 0 };
  readMessage(bytes, 'ReadStatePartRequest', (tag, reader) => {
    if (tag === AFTER_KEY) request.afterKey = reader.bytes();
    else if (tag === MAX_BYTES) request.maxBytes = reader.uint32();
    else if (tag === MAX_ENTRIES) request.maxEntries = reader.uint32();
    else return false;
    return true;
  });
  return request;
}

const AFTER_SLOT = tagOf(1, WIRE_LEN);
const UNTIL_SLOT = tagOf(2, WIRE_LEN);
const MAX_KEY = tagOf(3, WIRE_LEN);

/**
 * Decodes a StreamChangesRequest; `maxKey` is a view into `bytes`, present when the field is.
 * Throws InvalidArgumentError when the bytes are not a protobuf message.
 */
export function decodeStreamChangesRequest(bytes: Buffer): StreamChangesRequest {
  const request: StreamChangesRequest = {
    afterSlot: undefined,
    untilSlot: undefined,
    maxKey: undefined,
  };
  readMessage(bytes, 'StreamChangesRequest', (tag, reader) => {
    if (tag === AFTER_SLOT) request.afterSlot = readSlotField(reader);
    else if (tag === UNTIL_SLOT) request.untilSlot = readSlotField(reader);
    else if (tag === MAX_KEY) request.maxKey = reader.bytes();
    else return false;
    return true;
  });
  return request;
}

/**
 * Decodes a WatchFinalSlotsRequest. Throws InvalidArgumentError when the bytes are not a
 * protobuf message.
 */
export function decodeWatchFinalSlotsRequest(bytes: Buffer): WatchFinalSlotsRequest {
  const request: WatchFinalSlotsRequest = { afterSlot: undefined };
  readMessage(bytes, 'WatchFinalSlotsRequest', (tag, reader) => {
    if (tag !== AFTER_SLOT) return false;
    request.afterSlot = readSlotField(reader);
    return true;
  });
  return request;
}

/**
 * Decodes a GetStatusRequest (no fields: any well-formed message is one). Throws
 * InvalidArgumentError when the bytes are not a protobuf message.
 */
export function decodeGetStatusRequest(bytes: Buffer): GetStatusRequest {
  readMessage(bytes, 'GetStatusRequest', () => false);
  return {};
}

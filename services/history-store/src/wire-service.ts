import { HistoryStoreService } from '@massa-bootstrap/proto';
import type { PooledBytes } from './reads/state-part-encoding';

// Every request arrives as bytes: the handlers decode them (request-decoding.ts for reads,
// ingest/slot-request.ts for slots), tolerantly. A throwing requestDeserialize (the generated
// one throws on a period above 2^53 - 1 or on bytes that are not protobuf) makes grpc-js answer
// INTERNAL "Error deserializing request" before any handler runs, where the error contract
// says INVALID_ARGUMENT with BadRequest details. The ingest decoder also reads slots without
// copying and stores canonical requests as they came.
// History entries are stored as encoded SlotChanges: the two server streams write those bytes
// as they are instead of decoding and re-encoding them (DESIGN §7: decode → re-encode is the
// hot-path cost); ReadStatePart answers are encoded while the state is read, each entry
// copied once from storage into the response (reads/state-part-encoding.ts).
// The wire format is unchanged; clients use the generated definition.
const passThrough = (message: Buffer): Buffer => message;

/**
 * The bytes of a pooled answer, given back to the pool in a microtask: grpc-js copies what the
 * serializer returns into its framed buffer synchronously, before any microtask runs
 * (reads/state-part-encoding.ts). A call cancelled before its answer is serialized never gets
 * here; its buffer is then collected instead of reused.
 */
function serializePooled(message: PooledBytes): Buffer {
  queueMicrotask(message.release);
  return message.bytes;
}

/**
 * HistoryStoreService as registered by the server: the generated definition with every
 * request handed over as bytes, and ReadStatePart, StreamChanges and WatchFinalSlots
 * answering with already-encoded messages.
 */
export const HistoryStoreWireService = {
  ...HistoryStoreService,
  appendFinalSlot: { ...HistoryStoreService.appendFinalSlot, requestDeserialize: passThrough },
  ingestFinalSlots: { ...HistoryStoreService.ingestFinalSlots, requestDeserialize: passThrough },
  readStatePart: {
    ...HistoryStoreService.readStatePart,
    requestDeserialize: passThrough,
    responseSerialize: serializePooled,
  },
  streamChanges: {
    ...HistoryStoreService.streamChanges,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
  },
  watchFinalSlots: {
    ...HistoryStoreService.watchFinalSlots,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
  },
  getStatus: { ...HistoryStoreService.getStatus, requestDeserialize: passThrough },
};

/** Fully-qualified name of the service (health and reflection). */
export const HISTORY_STORE_SERVICE_NAME = 'massa.bootstrap.v1.HistoryStore';

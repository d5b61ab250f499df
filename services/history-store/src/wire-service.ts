import { HistoryStoreService } from '@massa-bootstrap/proto';

// History entries are stored as encoded SlotChanges: the two server streams write those bytes
// as they are instead of decoding and re-encoding them (DESIGN §7: decode → re-encode is the
// hot-path cost). The ingest methods take their requests as bytes too: the writer decodes them
// once without copying and stores canonical requests as they came (ingest/slot-request.ts).
// The wire format is unchanged; clients use the generated definition.
const passThrough = (message: Buffer): Buffer => message;

/**
 * HistoryStoreService as registered by the server: identical to the generated definition
 * except that StreamChanges and WatchFinalSlots take already-encoded SlotChanges, and
 * AppendFinalSlot and IngestFinalSlots hand their SlotChanges requests over as bytes.
 */
export const HistoryStoreWireService = {
  ...HistoryStoreService,
  appendFinalSlot: { ...HistoryStoreService.appendFinalSlot, requestDeserialize: passThrough },
  ingestFinalSlots: { ...HistoryStoreService.ingestFinalSlots, requestDeserialize: passThrough },
  streamChanges: { ...HistoryStoreService.streamChanges, responseSerialize: passThrough },
  watchFinalSlots: { ...HistoryStoreService.watchFinalSlots, responseSerialize: passThrough },
};

/** Fully-qualified name of the service (health and reflection). */
export const HISTORY_STORE_SERVICE_NAME = 'massa.bootstrap.v1.HistoryStore';

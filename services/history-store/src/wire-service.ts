import { HistoryStoreService } from '@massa-bootstrap/proto';

// History entries are stored as encoded SlotChanges: the two server streams write those bytes
// as they are instead of decoding and re-encoding them (DESIGN §7: decode → re-encode is the
// hot-path cost). The wire format is unchanged; clients use the generated definition.
const passThrough = (message: Buffer): Buffer => message;

/**
 * HistoryStoreService as registered by the server: identical to the generated definition
 * except that StreamChanges and WatchFinalSlots take already-encoded SlotChanges.
 */
export const HistoryStoreWireService = {
  ...HistoryStoreService,
  streamChanges: { ...HistoryStoreService.streamChanges, responseSerialize: passThrough },
  watchFinalSlots: { ...HistoryStoreService.watchFinalSlots, responseSerialize: passThrough },
};

/** Fully-qualified name of the service (health and reflection). */
export const HISTORY_STORE_SERVICE_NAME = 'massa.bootstrap.v1.HistoryStore';

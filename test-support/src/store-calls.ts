/**
 * Promise wrappers of the HistoryStore ingest RPCs for tests that feed a store (in-process or
 * a child process) through its public API.
 */
import type { ServiceError } from '@grpc/grpc-js';
import type {
  AppendFinalSlotResponse,
  HistoryStoreClient,
  IngestFinalSlotsResponse,
  SlotChanges,
} from '@massa-bootstrap/proto';

/** AppendFinalSlot; resolves once the store acknowledged the slot (it is durable then). */
export function appendSlot(
  client: HistoryStoreClient,
  slot: SlotChanges,
): Promise<AppendFinalSlotResponse> {
  return new Promise((resolve, reject) => {
    client.appendFinalSlot(slot, (err: ServiceError | null, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/**
 * Sends `slots` on one IngestFinalSlots stream, honouring backpressure (`write()` false →
 * wait for 'drain'), then half-closes; resolves with the store's answer (all committed).
 */
export function ingestSlots(
  client: HistoryStoreClient,
  slots: Iterable<SlotChanges>,
): Promise<IngestFinalSlotsResponse> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const call = client.ingestFinalSlots(
      (err: ServiceError | null, res?: IngestFinalSlotsResponse) => {
        if (err) reject(err);
        else resolve(res as IngestFinalSlotsResponse);
      },
    );
    call.on('error', () => {
      failed = true;
    });
    const iterator = slots[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        if (failed) return;
        const next = iterator.next();
        if (next.done === true) {
          call.end();
          return;
        }
        if (!call.write(next.value)) {
          call.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

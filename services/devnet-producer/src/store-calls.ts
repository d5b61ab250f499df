/**
 * Promise wrappers around the generated HistoryStore client: each call is cancelled when the
 * signal aborts, and the genesis stream honours the write side's backpressure.
 */
import { Metadata, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type {
  AppendFinalSlotResponse,
  HistoryStoreClient,
  HistoryStoreStatus,
  IngestFinalSlotsResponse,
  SlotChanges,
} from '@massa-bootstrap/proto';

type Callback<T> = (err: ServiceError | null, response?: T) => void;

function unary<T>(
  signal: AbortSignal,
  start: (callback: Callback<T>) => ClientUnaryCall,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Only registered (and so only called) once `call` is assigned.
    const onAbort = (): void => call.cancel();
    const call = start((err, response) => {
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else if (response === undefined) reject(new Error('empty response'));
      else resolve(response);
    });
    if (signal.aborted) call.cancel();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function deadline(ms: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}

/** GetStatus with a deadline. */
export function getStoreStatus(
  client: HistoryStoreClient,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<HistoryStoreStatus> {
  return unary(signal, (cb) => client.getStatus({}, new Metadata(), deadline(timeoutMs), cb));
}

/** AppendFinalSlot with a deadline. */
export function appendSlot(
  client: HistoryStoreClient,
  slot: SlotChanges,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<AppendFinalSlotResponse> {
  return unary(signal, (cb) =>
    client.appendFinalSlot(slot, new Metadata(), deadline(timeoutMs), cb),
  );
}

/**
 * Streams `messages` through IngestFinalSlots, waiting for 'drain' whenever grpc-js reports a
 * full write buffer (so at most ~16 messages are queued at a time), then half-closes and
 * resolves with the store's acknowledgement, which arrives once every slot is durable.
 * Rejects with the call's error (including CANCELLED when `signal` aborts).
 */
export function ingestSlots(
  client: HistoryStoreClient,
  messages: Iterator<SlotChanges>,
  signal: AbortSignal,
): Promise<IngestFinalSlotsResponse> {
  return new Promise<IngestFinalSlotsResponse>((resolve, reject) => {
    let settled = false;
    const call = client.ingestFinalSlots(new Metadata(), {}, (err, response) => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else if (response === undefined) reject(new Error('empty response'));
      else resolve(response);
    });
    const onAbort = (): void => call.cancel();
    if (signal.aborted) {
      call.cancel();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const pump = (): void => {
      try {
        while (!settled) {
          const next = messages.next();
          if (next.done === true) {
            call.end();
            return;
          }
          if (!call.write(next.value)) {
            // No 'drain' comes after a failure, but then the callback settles the promise.
            call.once('drain', pump);
            return;
          }
        }
      } catch (err) {
        // A failing message source: abandon the call (nothing of it is sealed) and report why.
        settled = true;
        signal.removeEventListener('abort', onAbort);
        call.cancel();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    pump();
  });
}

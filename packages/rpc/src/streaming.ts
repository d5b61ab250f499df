import type { EventEmitter } from 'node:events';
import type { Server, ServerCredentials } from '@grpc/grpc-js';

/** Any grpc-js server call (unary, client/server/bidi stream): an emitter with `cancelled`. */
export type ServerCallLike = EventEmitter & { readonly cancelled: boolean };

/** Reason of a signal from {@link callAbortSignal}. */
export class CallEndedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * One AbortSignal per call: aborted when grpc-js reports the call cancelled (client cancel,
 * deadline, connection loss) or the stream closes. Note: grpc-js 1.14 also emits 'cancelled'
 * after a call completed normally, so the signal always fires eventually — work tied to it
 * stops once the call is over, which is what a handler wants.
 */
export function callAbortSignal(call: ServerCallLike): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) {
    controller.abort(new CallEndedError('call cancelled'));
    return controller.signal;
  }
  const onCancelled = (): void => {
    cleanup();
    controller.abort(new CallEndedError('call cancelled'));
  };
  const onClose = (): void => {
    cleanup();
    controller.abort(new CallEndedError('call closed'));
  };
  const cleanup = (): void => {
    call.off('cancelled', onCancelled);
    call.off('close', onClose);
  };
  call.on('cancelled', onCancelled);
  call.on('close', onClose);
  return controller.signal;
}

/** The part of a writable grpc-js call {@link writeWithBackpressure} uses. */
export interface BackpressureWritable<T> {
  /** Queues a message; false when the queue is at its high-water mark (16 messages). */
  write(message: T): boolean;
  /** Registers a one-shot listener for 'drain'. */
  once(event: 'drain', listener: () => void): unknown;
  /** Removes a 'drain' listener. */
  off(event: 'drain', listener: () => void): unknown;
}

/**
 * Writes one message and resolves when the caller may write the next: at once while the
 * stream's queue is below its high-water mark, otherwise on 'drain'. Rejects with
 * `signal.reason` if the signal aborts first (a cancelled call never drains), so memory per
 * stream stays bounded by the high-water mark.
 */
export function writeWithBackpressure<T>(
  call: BackpressureWritable<T>,
  message: T,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  if (call.write(message)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      call.off('drain', onDrain);
      reject(signal.reason as Error);
    };
    call.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Binds `server` to `address` (e.g. '0.0.0.0:50051' or '127.0.0.1:0') and resolves with the
 * bound port. grpc-js starts serving on bind; `server.start()` is deprecated and never needed.
 */
export function bindServer(
  server: Server,
  address: string,
  credentials: ServerCredentials,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => {
      if (err) {
        reject(new Error(`cannot bind gRPC server to ${address}: ${err.message}`, { cause: err }));
      } else {
        resolve(port);
      }
    });
  });
}

/**
 * Shared plumbing of the handlers: outcome logging (a refused request is logged once, at
 * warn; unexpected errors go through the rpc package's toStatus with a trace id) and a
 * server-stream adapter whose writes wait for 'drain' and stop on cancel or shutdown.
 */
import type {
  ServerWritableStream,
  handleServerStreamingCall,
  handleUnaryCall,
} from '@grpc/grpc-js';
import { BootstrapError } from '@massa-bootstrap/core';
import {
  CallEndedError,
  callAbortSignal,
  sendStreamError,
  toStatus,
  writeWithBackpressure,
} from '@massa-bootstrap/rpc';
import type { Logger } from './logger';
import type { StoreRuntime } from './store-core';

/** Logs how a call ended when it did not succeed; unexpected errors are left to toStatus. */
export function logOutcome(logger: Logger, method: string, err: unknown): void {
  if (err instanceof CallEndedError) {
    logger.debug({ method }, 'call ended by the client');
    return;
  }
  if (!(err instanceof BootstrapError)) return; // toStatus logs it with a trace id
  const fields = { method, reason: err.reason, ...err.metadata() };
  switch (err.reason) {
    case 'SLOT_TOO_OLD':
    case 'SLOT_IN_FUTURE':
      // Expected protocol outcomes, not server errors.
      logger.info(fields, err.message);
      break;
    case 'SHUTTING_DOWN':
    case 'UPSTREAM_UNAVAILABLE':
      logger.debug(fields, err.message);
      break;
    default:
      logger.warn(fields, err.message);
  }
}

/** A unary handler from an async function; errors mapped by the rpc package's table. */
export function unary<Req, Res>(
  runtime: StoreRuntime,
  method: string,
  impl: (request: Req, signal: AbortSignal) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const signal = callAbortSignal(call);
    void Promise.resolve()
      .then(() => impl(call.request, signal))
      .then(
        (response) => callback(null, response),
        (err: unknown) => {
          logOutcome(runtime.logger, method, err);
          if (!call.cancelled) callback(toStatus(err, runtime.logger));
        },
      );
  };
}

/** A signal following several others, and the way to detach it from them. */
export interface LinkedSignal {
  /** Aborted with the reason of the first of the inputs that aborts. */
  readonly signal: AbortSignal;
  /** Detaches from the inputs; call it when the work ends. */
  dispose(): void;
}

/**
 * Like AbortSignal.any(), but detachable: AbortSignal.any() keeps every composite reachable
 * from a long-lived input (the server's shutdown signal) in Node 20/22 (nodejs/node#55351).
 */
export function linkSignals(inputs: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  const dispose = (): void => {
    for (const [input, listener] of listeners.splice(0))
      input.removeEventListener('abort', listener);
  };
  for (const input of inputs) {
    if (input.aborted) {
      dispose();
      controller.abort(input.reason);
      break;
    }
    const listener = (): void => {
      dispose();
      controller.abort(input.reason);
    };
    input.addEventListener('abort', listener, { once: true });
    listeners.push([input, listener]);
  }
  return { signal: controller.signal, dispose };
}

/** What a server-stream implementation gets. */
export interface StreamContext {
  /** Aborted when the call is cancelled or the server shuts down. */
  readonly signal: AbortSignal;
  /** Writes one encoded message; waits for 'drain' when the queue is full; rejects on `signal`. */
  write(message: Buffer, signal?: AbortSignal): Promise<void>;
}

/**
 * A server-streaming handler whose responses are already-encoded messages (see
 * wire-service.ts). Ends with OK when `impl` resolves, with the mapped error otherwise.
 */
export function serverStream<Req>(
  runtime: StoreRuntime,
  method: string,
  impl: (request: Req, context: StreamContext) => Promise<void>,
): handleServerStreamingCall<Req, Buffer> {
  return (call: ServerWritableStream<Req, Buffer>) => {
    const linked = linkSignals([callAbortSignal(call), runtime.shutdownSignal]);
    const context: StreamContext = {
      signal: linked.signal,
      write: (message, writeSignal = linked.signal) =>
        writeWithBackpressure(call, message, writeSignal),
    };
    void Promise.resolve()
      .then(() => impl(call.request, context))
      .then(
        () => {
          if (!call.cancelled && !call.writableEnded) call.end();
        },
        (err: unknown) => {
          logOutcome(runtime.logger, method, err);
          sendStreamError(call, err, runtime.logger);
        },
      )
      .finally(linked.dispose);
  };
}

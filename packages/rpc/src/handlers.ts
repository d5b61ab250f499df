import type {
  ServerUnaryCall,
  ServerWritableStream,
  handleServerStreamingCall,
  handleUnaryCall,
} from '@grpc/grpc-js';
import {
  sendStreamError,
  toStatus,
  type ErrorEndableCall,
  type ErrorLogger,
} from './error-contract';
import { callAbortSignal, writeWithBackpressure } from './streaming';

/** What a promise-based unary implementation receives besides the request. */
export interface UnaryContext<Req, Res> {
  /** The grpc-js call (metadata, peer, deadline). */
  readonly call: ServerUnaryCall<Req, Res>;
  /** Aborted when the call is cancelled. */
  readonly signal: AbortSignal;
}

/** What a promise-based server-stream implementation receives besides the request. */
export interface ServerStreamContext<Req, Res> {
  /** The grpc-js call; write through `write` rather than `call.write`. */
  readonly call: ServerWritableStream<Req, Res>;
  /** Aborted when the call is cancelled or closed. */
  readonly signal: AbortSignal;
  /** Writes one message, waiting for 'drain' when the queue is full; rejects on abort. */
  readonly write: (message: Res) => Promise<void>;
}

/**
 * Observers of a handler's outcome. This package records nothing itself (it must not load a
 * telemetry SDK for its client users): a service passes its telemetry in through these.
 */
export interface HandlerHooks {
  /**
   * Called with what the implementation threw, just before its status is sent (not when the
   * call is already cancelled or ended: nothing is sent then), synchronously and in the
   * handler's async context. Inside a server traced by the OpenTelemetry gRPC instrumentation
   * that context holds the call's server span, so the hook can annotate it (e.g. mark a
   * SlotTooOld answer as an expected outcome) before the instrumentation ends it. Should it
   * throw, the exception is logged and the status is sent all the same.
   */
  onError?(err: unknown): void;
}

/** Runs `hooks.onError`, never letting it prevent the status from being sent. */
function notifyError(err: unknown, hooks: HandlerHooks | undefined, logger?: ErrorLogger): void {
  if (hooks?.onError === undefined) return;
  try {
    hooks.onError(err);
  } catch (hookErr) {
    (logger ?? console).error({ err: hookErr }, 'onError hook of a gRPC handler threw');
  }
}

/** True when an error status can still be sent on `call` (see sendStreamError). */
function canEndWithError(call: ErrorEndableCall): boolean {
  return !call.cancelled && !call.destroyed && !call.writableEnded;
}

/**
 * Adapts `async (request, ctx) => response` to a grpc-js unary handler. Whatever it throws
 * goes through {@link toStatus} (contract errors with details, anything else INTERNAL and
 * logged), after `hooks.onError`; nothing is sent for a call that is already cancelled.
 */
export function unaryHandler<Req, Res>(
  impl: (request: Req, context: UnaryContext<Req, Res>) => Promise<Res>,
  logger?: ErrorLogger,
  hooks?: HandlerHooks,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const signal = callAbortSignal(call);
    void Promise.resolve()
      .then(() => impl(call.request, { call, signal }))
      .then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (call.cancelled) return;
          notifyError(err, hooks, logger);
          callback(toStatus(err, logger));
        },
      );
  };
}

/**
 * Adapts `async (request, ctx) => void` to a grpc-js server-streaming handler: the stream ends
 * with OK when the promise resolves, and with the status of the error when it rejects (after
 * the messages already written, see {@link sendStreamError}; `hooks.onError` runs first).
 */
export function serverStreamHandler<Req, Res>(
  impl: (request: Req, context: ServerStreamContext<Req, Res>) => Promise<void>,
  logger?: ErrorLogger,
  hooks?: HandlerHooks,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const signal = callAbortSignal(call);
    const write = (message: Res): Promise<void> => writeWithBackpressure(call, message, signal);
    void Promise.resolve()
      .then(() => impl(call.request, { call, signal, write }))
      .then(
        () => {
          if (!call.cancelled && !call.writableEnded) call.end();
        },
        (err: unknown) => {
          if (!canEndWithError(call)) return;
          notifyError(err, hooks, logger);
          sendStreamError(call, err, logger);
        },
      );
  };
}

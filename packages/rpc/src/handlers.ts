import type {
  ServerUnaryCall,
  ServerWritableStream,
  handleServerStreamingCall,
  handleUnaryCall,
} from '@grpc/grpc-js';
import { sendStreamError, toStatus, type ErrorLogger } from './error-contract';
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
 * Adapts `async (request, ctx) => response` to a grpc-js unary handler. Whatever it throws
 * goes through {@link toStatus} (contract errors with details, anything else INTERNAL and
 * logged); nothing is sent for a call that is already cancelled.
 */
export function unaryHandler<Req, Res>(
  impl: (request: Req, context: UnaryContext<Req, Res>) => Promise<Res>,
  logger?: ErrorLogger,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const signal = callAbortSignal(call);
    void Promise.resolve()
      .then(() => impl(call.request, { call, signal }))
      .then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (!call.cancelled) callback(toStatus(err, logger));
        },
      );
  };
}

/**
 * Adapts `async (request, ctx) => void` to a grpc-js server-streaming handler: the stream ends
 * with OK when the promise resolves, and with the status of the error when it rejects (after
 * the messages already written, see {@link sendStreamError}).
 */
export function serverStreamHandler<Req, Res>(
  impl: (request: Req, context: ServerStreamContext<Req, Res>) => Promise<void>,
  logger?: ErrorLogger,
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
          sendStreamError(call, err, logger);
        },
      );
  };
}

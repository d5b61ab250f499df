import { randomUUID } from 'node:crypto';
import { Metadata, status, type ServerErrorResponse } from '@grpc/grpc-js';
import { BootstrapError, ERROR_DOMAIN, type ErrorReason } from '@massa-bootstrap/core';
import { encodeStatusDetails, packDetail, packErrorInfo, type DetailKind } from './error-details';

/** Trailer carrying the encoded google.rpc.Status (the gRPC rich error model). */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** One row of the error contract: the gRPC code of a reason and the details it carries. */
export interface ErrorContractEntry {
  /** The gRPC status code sent for this reason. */
  readonly code: status;
  /** Typed details packed after the ErrorInfo, in this order. */
  readonly details: readonly DetailKind[];
}

/**
 * THE error contract (DESIGN §4, errors.proto): every domain reason → gRPC code + details.
 * Both services and the client use this one table; `satisfies` makes a new core reason
 * without a row a compile error.
 */
export const ERROR_CONTRACT = {
  SLOT_TOO_OLD: {
    code: status.FAILED_PRECONDITION,
    details: ['SlotTooOld', 'PreconditionFailure'],
  },
  SLOT_IN_FUTURE: { code: status.OUT_OF_RANGE, details: ['SlotInFuture'] },
  INVALID_CURSOR: { code: status.INVALID_ARGUMENT, details: ['BadRequest'] },
  INVALID_ARGUMENT: { code: status.INVALID_ARGUMENT, details: ['BadRequest'] },
  SLOT_NOT_NEXT: { code: status.FAILED_PRECONDITION, details: ['SlotRejected'] },
  SLOT_CONFLICT: { code: status.ALREADY_EXISTS, details: ['SlotRejected'] },
  TOO_MANY_BOOTSTRAPS: { code: status.RESOURCE_EXHAUSTED, details: ['RetryInfo', 'QuotaFailure'] },
  MEMORY_PRESSURE: { code: status.RESOURCE_EXHAUSTED, details: ['RetryInfo', 'QuotaFailure'] },
  RATE_LIMITED: { code: status.RESOURCE_EXHAUSTED, details: ['RetryInfo', 'QuotaFailure'] },
  SUBSCRIBER_TOO_SLOW: { code: status.RESOURCE_EXHAUSTED, details: ['RetryInfo'] },
  ACCESS_DENIED: { code: status.PERMISSION_DENIED, details: [] },
  UPSTREAM_UNAVAILABLE: { code: status.UNAVAILABLE, details: ['RetryInfo'] },
  SHUTTING_DOWN: { code: status.UNAVAILABLE, details: ['RetryInfo'] },
  BOOTSTRAP_TIMEOUT: { code: status.DEADLINE_EXCEEDED, details: [] },
} as const satisfies Record<ErrorReason, ErrorContractEntry>;

/** True when `reason` is a reason of the contract (e.g. read from a peer's ErrorInfo). */
export function isErrorReason(reason: string): reason is ErrorReason {
  return Object.prototype.hasOwnProperty.call(ERROR_CONTRACT, reason);
}

/** Where INTERNAL causes are logged (pino's `logger.error(obj, msg)` fits). */
export interface ErrorLogger {
  /** Logs an unexpected error; `obj` holds `err` and `traceId`. */
  error(obj: object, msg: string): void;
}

/**
 * A status ready for grpc-js: pass it to a unary `callback(err)`, or end a stream with
 * {@link sendStreamError}. `metadata` always holds the `grpc-status-details-bin` trailer.
 */
export class StatusError extends Error implements ServerErrorResponse {
  /** The gRPC status code. */
  readonly code: status;
  /** The status message sent as `grpc-message`. */
  readonly details: string;
  /** Trailers, including the encoded google.rpc.Status. */
  readonly metadata: Metadata;
  /** Correlation id written in the message and in the log line (INTERNAL only). */
  readonly traceId: string | undefined;

  constructor(code: status, details: string, metadata: Metadata, traceId?: string) {
    super(details);
    this.name = 'StatusError';
    this.code = code;
    this.details = details;
    this.metadata = metadata;
    this.traceId = traceId;
  }
}

const consoleLogger: ErrorLogger = {
  error(obj, msg) {
    console.error(msg, obj);
  },
};

/**
 * Maps anything a handler threw to the status the client receives. A {@link BootstrapError}
 * gets its row of {@link ERROR_CONTRACT}: code, its message, and a google.rpc.Status trailer
 * with ErrorInfo{reason, domain 'massa.bootstrap.v1', metadata} followed by the typed details.
 * Anything else is a bug: INTERNAL with a generic message naming a fresh trace id, and the
 * cause goes to `logger` (console when omitted) with that id — never to the client.
 * A {@link StatusError} is returned unchanged, so mapping twice is harmless.
 */
export function toStatus(err: unknown, logger: ErrorLogger = consoleLogger): StatusError {
  if (err instanceof StatusError) return err;
  const metadata = new Metadata();
  if (err instanceof BootstrapError) {
    const entry: ErrorContractEntry = ERROR_CONTRACT[err.reason];
    const details = [packErrorInfo(err, ERROR_DOMAIN)];
    for (const kind of entry.details) {
      const packed = packDetail(kind, err);
      if (packed !== undefined) details.push(packed);
    }
    metadata.set(STATUS_DETAILS_KEY, encodeStatusDetails(entry.code, err.message, details));
    return new StatusError(entry.code, err.message, metadata);
  }
  const traceId = randomUUID();
  const message = `internal error (trace id ${traceId})`;
  logger.error({ err, traceId }, 'unexpected error in a gRPC handler');
  metadata.set(STATUS_DETAILS_KEY, encodeStatusDetails(status.INTERNAL, message, []));
  return new StatusError(status.INTERNAL, message, metadata, traceId);
}

/**
 * The part of a grpc-js server stream (ServerWritableStream or ServerDuplexStream) needed to
 * end it with an error status.
 */
export interface ErrorEndableCall {
  /** Set by grpc-js once the call is cancelled or finished. */
  readonly cancelled: boolean;
  /** Node stream state: true once destroyed (grpc-js destroys cancelled calls). */
  readonly destroyed: boolean;
  /** Node stream state: true once `end()` was called. */
  readonly writableEnded: boolean;
  /** grpc-js listens for 'error' on server streams and turns it into the call's status. */
  emit(event: 'error', err: Error): boolean;
}

/**
 * Ends a server stream with the status of `err` (see {@link toStatus}). Messages written
 * before are still delivered first: grpc-js's own 'error' listener records the status and
 * calls `end()`, which flushes the queue and then sends the trailers.
 * `call.destroy(err)` would NOT send them (the stream is torn down, `_final` never runs).
 * Does nothing (and logs nothing) when the call is already cancelled, destroyed or ended.
 * Returns true when a status was sent.
 */
export function sendStreamError(
  call: ErrorEndableCall,
  err: unknown,
  logger?: ErrorLogger,
): boolean {
  if (call.cancelled || call.destroyed || call.writableEnded) return false;
  call.emit('error', toStatus(err, logger));
  return true;
}

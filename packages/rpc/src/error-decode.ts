import type { Metadata, status } from '@grpc/grpc-js';
import {
  AccessDeniedError,
  BootstrapTimeoutError,
  ERROR_DOMAIN,
  InvalidArgumentError,
  ResourceExhaustedError,
  SlotInFutureError,
  SlotRejectedError,
  SlotTooOldError,
  UnavailableError,
  type BootstrapError,
  type ErrorReason,
  type FieldViolation,
  type Slot,
} from '@massa-bootstrap/core';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  QuotaFailure,
  RetryInfo,
  SlotInFuture,
  SlotRejected,
  SlotTooOld,
  Status,
  type PreconditionFailure_Violation,
  type QuotaFailure_Violation,
} from '@massa-bootstrap/proto';
import { STATUS_DETAILS_KEY, isErrorReason } from './error-contract';
import { DETAIL_TYPE_NAMES, anyTypeName } from './error-details';

/** A contract error as a client sees it, decoded from a grpc-js ServiceError. */
export interface DecodedBootstrapError {
  /** The gRPC status code of the call. */
  readonly code: status;
  /** The status message (`grpc-message`). */
  readonly message: string;
  /** ErrorInfo.reason. */
  readonly reason: ErrorReason;
  /** ErrorInfo.domain (always 'massa.bootstrap.v1'). */
  readonly domain: string;
  /** ErrorInfo.metadata (slots formatted as "period:thread"). */
  readonly metadata: Readonly<Record<string, string>>;
  /** SLOT_TOO_OLD: the retained range; the client must reset. */
  readonly slotTooOld?: SlotTooOld;
  /** SLOT_IN_FUTURE: the server is behind. */
  readonly slotInFuture?: SlotInFuture;
  /** SLOT_NOT_NEXT / SLOT_CONFLICT: the rejected ingest slot. */
  readonly slotRejected?: SlotRejected;
  /** INVALID_ARGUMENT / INVALID_CURSOR: google.rpc.BadRequest field violations. */
  readonly badRequest?: readonly FieldViolation[];
  /** google.rpc.PreconditionFailure violations (SLOT_TOO_OLD). */
  readonly preconditionFailure?: readonly PreconditionFailure_Violation[];
  /** google.rpc.QuotaFailure violations (RESOURCE_EXHAUSTED reasons). */
  readonly quotaFailure?: readonly QuotaFailure_Violation[];
  /** google.rpc.RetryInfo.retry_delay in milliseconds. */
  readonly retryDelayMs?: number;
}

interface ServiceErrorLike {
  code: number;
  details?: unknown;
  message?: unknown;
  metadata: Pick<Metadata, 'get'>;
}

function isServiceErrorLike(err: unknown): err is ServiceErrorLike {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Partial<ServiceErrorLike>;
  return (
    typeof e.code === 'number' &&
    typeof e.metadata === 'object' &&
    e.metadata !== null &&
    typeof e.metadata.get === 'function'
  );
}

function readStatus(metadata: Pick<Metadata, 'get'>): Status | undefined {
  const value = metadata.get(STATUS_DETAILS_KEY)[0];
  if (!Buffer.isBuffer(value)) return undefined;
  try {
    return Status.decode(value);
  } catch {
    return undefined; // a malformed trailer is treated as absent
  }
}

/**
 * Decodes the contract error carried by `err` (a grpc-js ServiceError from a unary callback or
 * from a server stream's 'error' event, even after N messages) from its
 * `grpc-status-details-bin` trailer. Returns undefined when `err` is not a gRPC error or carries
 * no massa.bootstrap.v1 ErrorInfo with a known reason (transport failures, cancellations,
 * INTERNAL, deadlines set by the client): handle those by `err.code` alone.
 */
export function decodeBootstrapError(err: unknown): DecodedBootstrapError | undefined {
  if (!isServiceErrorLike(err)) return undefined;
  const rich = readStatus(err.metadata);
  if (rich === undefined) return undefined;
  let info: ErrorInfo | undefined;
  const decoded: {
    -readonly [K in keyof DecodedBootstrapError]?: DecodedBootstrapError[K];
  } = {};
  try {
    for (const any of rich.details) {
      switch (anyTypeName(any)) {
        case DETAIL_TYPE_NAMES.ErrorInfo:
          info ??= ErrorInfo.decode(any.value);
          break;
        case DETAIL_TYPE_NAMES.SlotTooOld:
          decoded.slotTooOld = SlotTooOld.decode(any.value);
          break;
        case DETAIL_TYPE_NAMES.SlotInFuture:
          decoded.slotInFuture = SlotInFuture.decode(any.value);
          break;
        case DETAIL_TYPE_NAMES.SlotRejected:
          decoded.slotRejected = SlotRejected.decode(any.value);
          break;
        case DETAIL_TYPE_NAMES.BadRequest:
          decoded.badRequest = BadRequest.decode(any.value).fieldViolations.map((v) => ({
            field: v.field,
            description: v.description,
          }));
          break;
        case DETAIL_TYPE_NAMES.PreconditionFailure:
          decoded.preconditionFailure = PreconditionFailure.decode(any.value).violations;
          break;
        case DETAIL_TYPE_NAMES.QuotaFailure:
          decoded.quotaFailure = QuotaFailure.decode(any.value).violations;
          break;
        case DETAIL_TYPE_NAMES.RetryInfo: {
          const delay = RetryInfo.decode(any.value).retryDelay;
          decoded.retryDelayMs = delay ? delay.seconds * 1000 + Math.round(delay.nanos / 1e6) : 0;
          break;
        }
        default:
          break; // unknown detail types are ignored (forward compatibility)
      }
    }
  } catch {
    return undefined;
  }
  if (info === undefined || info.domain !== ERROR_DOMAIN || !isErrorReason(info.reason)) {
    return undefined;
  }
  const message = typeof err.details === 'string' ? err.details : rich.message;
  return {
    ...decoded,
    code: err.code,
    message,
    reason: info.reason,
    domain: info.domain,
    metadata: info.metadata,
  };
}

interface WireSlot {
  period: number;
  thread: number;
}

function slot(wire: WireSlot): Slot;
function slot(wire: WireSlot | undefined): Slot | undefined;
function slot(wire: WireSlot | undefined): Slot | undefined {
  return wire === undefined ? undefined : { period: wire.period, thread: wire.thread };
}

function rejectedDetail(message: string, reason: string): string {
  // SlotRejectedError prefixes its message; strip it so rebuilding does not repeat it.
  const marker = `(${reason}): `;
  const at = message.indexOf(marker);
  return at >= 0 ? message.slice(at + marker.length) : message;
}

/**
 * Rebuilds the core error of a decoded contract error, so that a service can rethrow an
 * upstream error (e.g. the history-store's SlotTooOld) to its own clients through the same
 * table. Returns undefined when a detail the error class needs is missing.
 */
export function toDomainError(decoded: DecodedBootstrapError): BootstrapError | undefined {
  const { reason, metadata, message } = decoded;
  const retryDelayMs = decoded.retryDelayMs ?? Number(metadata['retry_delay_ms'] ?? 0);
  switch (reason) {
    case 'SLOT_TOO_OLD': {
      const d = decoded.slotTooOld;
      if (!d?.requestedSlot || !d.oldestAvailableSlot || !d.newestSlot) return undefined;
      return new SlotTooOldError(
        slot(d.requestedSlot),
        slot(d.oldestAvailableSlot),
        slot(d.newestSlot),
        d.finalHistoryLength,
      );
    }
    case 'SLOT_IN_FUTURE': {
      const d = decoded.slotInFuture;
      if (!d?.requestedSlot) return undefined;
      return new SlotInFutureError(slot(d.requestedSlot), slot(d.newestSlot));
    }
    case 'INVALID_ARGUMENT':
    case 'INVALID_CURSOR':
      return new InvalidArgumentError(decoded.badRequest ?? [], reason);
    case 'SLOT_NOT_NEXT':
    case 'SLOT_CONFLICT': {
      const d = decoded.slotRejected;
      if (!d?.slot) return undefined;
      return new SlotRejectedError(
        reason,
        slot(d.slot),
        slot(d.newestSlot),
        slot(d.oldestAvailableSlot),
        rejectedDetail(message, reason),
      );
    }
    case 'TOO_MANY_BOOTSTRAPS':
    case 'MEMORY_PRESSURE':
    case 'RATE_LIMITED':
    case 'SUBSCRIBER_TOO_SLOW':
      return new ResourceExhaustedError(
        reason,
        retryDelayMs,
        message,
        metadata['quota_subject'] ?? decoded.quotaFailure?.[0]?.subject ?? '',
      );
    case 'ACCESS_DENIED':
      return new AccessDeniedError(metadata['peer'] ?? 'unknown');
    case 'UPSTREAM_UNAVAILABLE':
    case 'SHUTTING_DOWN':
      return new UnavailableError(reason, retryDelayMs, message);
    case 'BOOTSTRAP_TIMEOUT':
      return new BootstrapTimeoutError(Number(metadata['timeout_ms'] ?? 0));
  }
}

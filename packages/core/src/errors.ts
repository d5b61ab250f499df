import { formatSlot as fmt, type Slot } from './slot';

/**
 * Every reason a service can answer with, as it appears in `google.rpc.ErrorInfo.reason`.
 * The mapping to gRPC codes and details lives in one table in `@massa-bootstrap/rpc`.
 */
export type ErrorReason =
  | 'SLOT_TOO_OLD'
  | 'SLOT_IN_FUTURE'
  | 'INVALID_CURSOR'
  | 'INVALID_ARGUMENT'
  | 'SLOT_NOT_NEXT'
  | 'SLOT_CONFLICT'
  | 'TOO_MANY_BOOTSTRAPS'
  | 'MEMORY_PRESSURE'
  | 'RATE_LIMITED'
  | 'SUBSCRIBER_TOO_SLOW'
  | 'ACCESS_DENIED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'SHUTTING_DOWN'
  | 'BOOTSTRAP_TIMEOUT';

/** The error domain written in every `ErrorInfo`. */
export const ERROR_DOMAIN = 'massa.bootstrap.v1';

/**
 * Base of every expected, typed outcome that is not a success. Handlers throw these; the RPC
 * layer turns them into statuses. Anything else thrown is a bug and becomes INTERNAL.
 */
export abstract class BootstrapError extends Error {
  /** The ErrorInfo reason. */
  abstract readonly reason: ErrorReason;

  /** String metadata for ErrorInfo (slots formatted as "period:thread"). */
  abstract metadata(): Record<string, string>;
}

/** The requested slot is older than the retained history: the client must reset. */
export class SlotTooOldError extends BootstrapError {
  readonly reason = 'SLOT_TOO_OLD' as const;
  constructor(
    readonly requestedSlot: Slot,
    readonly oldestAvailableSlot: Slot,
    readonly newestSlot: Slot,
    readonly finalHistoryLength: number,
  ) {
    super(
      `slot ${fmt(requestedSlot)} is too old: history holds ${fmt(oldestAvailableSlot)}..${fmt(newestSlot)} ` +
        `(final_history_length ${finalHistoryLength}); wipe local state and bootstrap again`,
    );
    this.name = 'SlotTooOldError';
  }
  metadata(): Record<string, string> {
    return {
      requested_slot: fmt(this.requestedSlot),
      oldest_available_slot: fmt(this.oldestAvailableSlot),
      newest_slot: fmt(this.newestSlot),
      final_history_length: String(this.finalHistoryLength),
    };
  }
}

/** The requested slot is newer than the newest known slot: back off, no reset. */
export class SlotInFutureError extends BootstrapError {
  readonly reason = 'SLOT_IN_FUTURE' as const;
  constructor(
    readonly requestedSlot: Slot,
    readonly newestSlot: Slot | undefined,
  ) {
    super(`slot ${fmt(requestedSlot)} is in the future: the newest slot is ${fmt(newestSlot)}`);
    this.name = 'SlotInFutureError';
  }
  metadata(): Record<string, string> {
    return { requested_slot: fmt(this.requestedSlot), newest_slot: fmt(this.newestSlot) };
  }
}

/** One problem with one request field (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  /** Path of the field, e.g. "resume.slot.thread" or "changes[3].key". */
  readonly field: string;
  /** What is wrong with it. */
  readonly description: string;
}

/** A malformed request. `reason` is INVALID_CURSOR for a bad resume cursor. */
export class InvalidArgumentError extends BootstrapError {
  constructor(
    readonly violations: readonly FieldViolation[],
    readonly reason: 'INVALID_ARGUMENT' | 'INVALID_CURSOR' = 'INVALID_ARGUMENT',
  ) {
    super(`invalid request: ${violations.map((v) => `${v.field}: ${v.description}`).join('; ')}`);
    this.name = 'InvalidArgumentError';
  }
  metadata(): Record<string, string> {
    return { fields: this.violations.map((v) => v.field).join(',') };
  }
}

/** Convenience for the common single-field case. */
export function invalidArgument(
  field: string,
  description: string,
  reason: 'INVALID_ARGUMENT' | 'INVALID_CURSOR' = 'INVALID_ARGUMENT',
): InvalidArgumentError {
  return new InvalidArgumentError([{ field, description }], reason);
}

/**
 * An ingested slot was refused: not after the newest slot (SLOT_NOT_NEXT) or a replay with
 * different content (SLOT_CONFLICT).
 */
export class SlotRejectedError extends BootstrapError {
  constructor(
    readonly reason: 'SLOT_NOT_NEXT' | 'SLOT_CONFLICT',
    readonly slot: Slot,
    readonly newestSlot: Slot | undefined,
    readonly oldestAvailableSlot: Slot | undefined,
    detail: string,
  ) {
    super(`slot ${fmt(slot)} rejected (${reason}): ${detail}`);
    this.name = 'SlotRejectedError';
  }
  metadata(): Record<string, string> {
    return {
      slot: fmt(this.slot),
      newest_slot: fmt(this.newestSlot),
      oldest_available_slot: fmt(this.oldestAvailableSlot),
    };
  }
}

/** No capacity now; retry after `retryDelayMs` and resume from the cursor. */
export class ResourceExhaustedError extends BootstrapError {
  constructor(
    readonly reason:
      'TOO_MANY_BOOTSTRAPS' | 'MEMORY_PRESSURE' | 'RATE_LIMITED' | 'SUBSCRIBER_TOO_SLOW',
    readonly retryDelayMs: number,
    message: string,
    /** Quota subject for QuotaFailure, e.g. "sessions" or "ip:127.0.0.1". */
    readonly quotaSubject = '',
  ) {
    super(message);
    this.name = 'ResourceExhaustedError';
  }
  metadata(): Record<string, string> {
    return { retry_delay_ms: String(this.retryDelayMs), quota_subject: this.quotaSubject };
  }
}

/** The caller's address is not allowed. */
export class AccessDeniedError extends BootstrapError {
  readonly reason = 'ACCESS_DENIED' as const;
  constructor(readonly peer: string) {
    super(`access denied for ${peer}`);
    this.name = 'AccessDeniedError';
  }
  metadata(): Record<string, string> {
    return { peer: this.peer };
  }
}

/** A dependency is unreachable or the service is stopping; resume later with backoff. */
export class UnavailableError extends BootstrapError {
  constructor(
    readonly reason: 'UPSTREAM_UNAVAILABLE' | 'SHUTTING_DOWN',
    readonly retryDelayMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'UnavailableError';
  }
  metadata(): Record<string, string> {
    return { retry_delay_ms: String(this.retryDelayMs) };
  }
}

/** A bootstrap session exceeded its time budget; resume from the cursor. */
export class BootstrapTimeoutError extends BootstrapError {
  readonly reason = 'BOOTSTRAP_TIMEOUT' as const;
  constructor(readonly timeoutMs: number) {
    super(`bootstrap session exceeded ${timeoutMs} ms; resume from the last cursor`);
    this.name = 'BootstrapTimeoutError';
  }
  metadata(): Record<string, string> {
    return { timeout_ms: String(this.timeoutMs) };
  }
}

import type { status } from '@grpc/grpc-js';
import type { FieldViolation, Slot } from '@massa-bootstrap/core';
import { formatSlot } from '@massa-bootstrap/core';
import type { DecodedBootstrapError } from '@massa-bootstrap/rpc';

/** The decoded `SlotTooOld` detail of a FAILED_PRECONDITION / SLOT_TOO_OLD status. */
export interface SlotTooOldInfo {
  /** The slot the client asked to continue from (its cursor's slot). */
  readonly requestedSlot: Slot | undefined;
  /** The oldest slot whose changes the server still retains. */
  readonly oldestAvailableSlot: Slot | undefined;
  /** The newest final slot the server knows. */
  readonly newestSlot: Slot | undefined;
  /** The server's history length in slots. */
  readonly finalHistoryLength: number;
}

/** Base class of every error the bootstrap client rejects with. */
export abstract class BootstrapClientError extends Error {}

/**
 * The server answered SlotTooOld more than `maxResets` times in a row without the client ever
 * completing: its history window is shorter than the time the client needs between two parts.
 * Carries the last decoded SlotTooOld so that the operator sees the numbers.
 */
export class TooManyResetsError extends BootstrapClientError {
  constructor(
    /** Resets performed before giving up. */
    readonly resets: number,
    /** The configured bound. */
    readonly maxResets: number,
    /** The SlotTooOld that would have needed one reset too many. */
    readonly lastSlotTooOld: SlotTooOldInfo,
  ) {
    super(
      `gave up after ${resets} reset(s) (maxResets ${maxResets}): the server's history ` +
        `(final_history_length ${lastSlotTooOld.finalHistoryLength}, retained ` +
        `${formatSlot(lastSlotTooOld.oldestAvailableSlot)}..${formatSlot(lastSlotTooOld.newestSlot)}) ` +
        `no longer covers our cursor slot ${formatSlot(lastSlotTooOld.requestedSlot)}; the client is ` +
        `slower than the history window: use a faster link or sink, larger parts, or a server ` +
        `with a longer final_history_length`,
    );
    this.name = 'TooManyResetsError';
  }
}

/**
 * The local state did not match the server's `state_digest` again after one reset (or the
 * server sent parts that break the protocol): the data was corrupted on the way or the server
 * is faulty. Nothing partial is left marked complete.
 */
export class IntegrityError extends BootstrapClientError {
  constructor(
    message: string,
    /** The slot whose digest did not match, when known. */
    readonly slot: Slot | undefined,
    /** The server's digest, when known. */
    readonly expected: Buffer | undefined,
    /** The local digest, when known. */
    readonly actual: Buffer | undefined,
    /** The gateway that sent the faulty data. */
    readonly target: string,
  ) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/**
 * The gateway refused the request in a way retrying cannot fix (INVALID_ARGUMENT,
 * PERMISSION_DENIED, UNIMPLEMENTED, a FAILED_PRECONDITION that is not SlotTooOld, ...).
 * Keeps the status and the decoded rich details intact.
 */
export class RequestRejectedError extends BootstrapClientError {
  constructor(
    /** The gRPC status code. */
    readonly code: status,
    /** The status message. */
    readonly details: string,
    /** ErrorInfo and typed details, when the server sent them. */
    readonly decoded: DecodedBootstrapError | undefined,
    /** The gateway that answered. */
    readonly target: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${target} rejected the request (${decoded?.reason ?? `code ${code}`}): ${details}`,
      options,
    );
    this.name = 'RequestRejectedError';
  }

  /** google.rpc.BadRequest field violations (INVALID_ARGUMENT), empty when none. */
  get fieldViolations(): readonly FieldViolation[] {
    return this.decoded?.badRequest ?? [];
  }
}

/** Every target failed `maxRetries` times in a row without a single part being applied. */
export class RetriesExhaustedError extends BootstrapClientError {
  constructor(
    /** Consecutive failed attempts. */
    readonly attempts: number,
    /** The gRPC code of the last failure (undefined for non-gRPC failures). */
    readonly lastCode: number | undefined,
    lastError: unknown,
  ) {
    super(
      `gave up after ${attempts} failed attempt(s) without progress; last error: ` +
        (lastError instanceof Error ? lastError.message : String(lastError)),
      { cause: lastError },
    );
    this.name = 'RetriesExhaustedError';
  }
}

/** The caller's AbortSignal fired; the call was cancelled and the sink left consistent. */
export class BootstrapAbortedError extends BootstrapClientError {
  /** Node's convention for aborted operations. */
  readonly code = 'ABORT_ERR';
  constructor(reason?: unknown) {
    super('bootstrap aborted', { cause: reason });
    this.name = 'AbortError';
  }
}

/** A part would leave the sink with a digest different from the server's (sink unchanged). */
export class DigestMismatchError extends BootstrapClientError {
  constructor(
    readonly slot: Slot | undefined,
    readonly expected: Buffer,
    readonly actual: Buffer,
  ) {
    super(
      `state digest mismatch at slot ${formatSlot(slot)}: server ${expected.toString('hex')}, ` +
        `local ${actual.toString('hex')}`,
    );
    this.name = 'DigestMismatchError';
  }
}

/** A part breaks the protocol (keys out of order, missing cursor...); the sink is unchanged. */
export class ProtocolError extends BootstrapClientError {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

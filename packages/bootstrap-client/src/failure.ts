import { status } from '@grpc/grpc-js';
import { decodeBootstrapError, type DecodedBootstrapError } from '@massa-bootstrap/rpc';
import { DigestMismatchError, ProtocolError, type SlotTooOldInfo } from './errors';

/**
 * The only gRPC codes after which the client reconnects and resumes from its cursor. A
 * CANCELLED that the client did not cause is a stream reset by the peer (grpc-js reports an
 * HTTP/2 RST_STREAM(CANCEL) that way), so it is retried too.
 */
export const RETRYABLE_CODES: ReadonlySet<status> = new Set([
  status.UNAVAILABLE,
  status.RESOURCE_EXHAUSTED,
  status.DEADLINE_EXCEEDED,
  status.INTERNAL,
  status.CANCELLED,
]);

/** What the bootstrapper does after a failed session. */
export type FailureAction =
  /** Wipe the sink and start over (counted against maxResets). */
  | {
      readonly kind: 'reset';
      readonly slotTooOld: SlotTooOldInfo;
      readonly decoded: DecodedBootstrapError;
    }
  /** The data did not match the digest or broke the protocol: wipe once, then IntegrityError. */
  | { readonly kind: 'integrity'; readonly error: DigestMismatchError | ProtocolError }
  /** Back off (at least `retryInfoMs` when set) and resume from the cursor, on the next target. */
  | {
      readonly kind: 'retry';
      readonly code: number | undefined;
      readonly reason: string | undefined;
      readonly retryInfoMs: number | undefined;
      readonly message: string;
    }
  /** Fail fast with the status intact. */
  | {
      readonly kind: 'fatal';
      readonly code: number | undefined;
      readonly details: string;
      readonly decoded: DecodedBootstrapError | undefined;
    };

interface GrpcErrorLike {
  code: number;
  details?: string;
  message: string;
}

function isGrpcError(err: unknown): err is GrpcErrorLike {
  return err instanceof Error && typeof (err as Partial<GrpcErrorLike>).code === 'number';
}

/**
 * Classifies a session failure: the error contract first (SlotTooOld → reset, SlotInFuture →
 * retry without reset, RetryInfo honoured), then the named retryable codes; everything else is
 * fatal. The client's own interruptions (idle timeout, a stream that ended before completion)
 * arrive as {@link SessionInterruptedError} with a retryable code.
 */
export function classifyFailure(err: unknown): FailureAction {
  if (err instanceof DigestMismatchError || err instanceof ProtocolError) {
    return { kind: 'integrity', error: err };
  }
  if (!isGrpcError(err)) {
    // Not a status: a local failure (e.g. the sink threw). Not something a retry fixes.
    return {
      kind: 'fatal',
      code: undefined,
      details: err instanceof Error ? err.message : String(err),
      decoded: undefined,
    };
  }
  const decoded = decodeBootstrapError(err);
  const details = err.details ?? err.message;
  if (decoded?.reason === 'SLOT_TOO_OLD' && err.code === status.FAILED_PRECONDITION) {
    const d = decoded.slotTooOld;
    return {
      kind: 'reset',
      decoded,
      slotTooOld: {
        requestedSlot: d?.requestedSlot,
        oldestAvailableSlot: d?.oldestAvailableSlot,
        newestSlot: d?.newestSlot,
        finalHistoryLength: d?.finalHistoryLength ?? 0,
      },
    };
  }
  if (decoded?.reason === 'SLOT_IN_FUTURE' || RETRYABLE_CODES.has(err.code)) {
    return {
      kind: 'retry',
      code: err.code,
      reason: decoded?.reason,
      retryInfoMs: decoded?.retryDelayMs,
      message: details,
    };
  }
  return { kind: 'fatal', code: err.code, details, decoded };
}

/**
 * A session the client had to give up on for a transport-level reason it detected itself: no
 * message within the idle timeout (DEADLINE_EXCEEDED), or a stream that ended OK before the
 * state was complete (UNAVAILABLE). Classified like the server statuses of the same code.
 */
export class SessionInterruptedError extends Error {
  constructor(
    readonly code: status.DEADLINE_EXCEEDED | status.UNAVAILABLE,
    message: string,
  ) {
    super(message);
    this.name = 'SessionInterruptedError';
  }
}

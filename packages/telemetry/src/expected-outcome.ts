import { SpanStatusCode, trace, type Span as ApiSpan, type SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { grpcStatusCode, type GrpcStatusName } from './grpc-status';

/** Span attribute naming the protocol outcome a handler answered with on purpose. */
export const EXPECTED_OUTCOME_ATTRIBUTE = 'massa.bootstrap.expected_outcome';

/**
 * Error-contract reasons that are normal protocol answers, not server faults, with the gRPC
 * code each one is sent with (DESIGN §4; a guard test checks this against the rpc table).
 * A server span ending with that code after {@link markExpectedOutcome} keeps status UNSET.
 */
export const EXPECTED_OUTCOMES = {
  /** The client must reset: counted in metrics, not an error (DESIGN §4). */
  SLOT_TOO_OLD: 'FAILED_PRECONDITION',
  /** The client is ahead of this server: it backs off. */
  SLOT_IN_FUTURE: 'OUT_OF_RANGE',
  /** Admission control answers: the server is protecting itself as configured. */
  TOO_MANY_BOOTSTRAPS: 'RESOURCE_EXHAUSTED',
  MEMORY_PRESSURE: 'RESOURCE_EXHAUSTED',
  RATE_LIMITED: 'RESOURCE_EXHAUSTED',
} as const satisfies Record<string, GrpcStatusName>;

/** A reason listed in {@link EXPECTED_OUTCOMES}. */
export type ExpectedOutcomeReason = keyof typeof EXPECTED_OUTCOMES;

/** True when `reason` (an ErrorInfo reason) is an expected outcome. */
export function isExpectedOutcome(reason: string): reason is ExpectedOutcomeReason {
  return Object.prototype.hasOwnProperty.call(EXPECTED_OUTCOMES, reason);
}

/**
 * The span of the current context: inside a grpc-js handler, the server span the gRPC
 * instrumentation opened for the call (also after `await`s in the handler's own async flow).
 * Capture it at the top of a handler when the outcome is decided in an event listener of a
 * streaming client call (`on('error')`...): the instrumentation binds those listeners to that
 * call's client span, so there the current span is the client span.
 */
export function currentSpan(): ApiSpan | undefined {
  return trace.getActiveSpan();
}

/**
 * Marks `span` (default: {@link currentSpan}) as ending with an expected protocol answer, so
 * that its ERROR status is cleared when it ends with the matching gRPC code. Call it before
 * sending the status (before `callback(err)` / `sendStreamError`). Accepts any ErrorInfo
 * reason and does nothing for reasons that are real errors, so a handler's error path can
 * call it unconditionally: `markExpectedOutcome(err.reason)`.
 * Returns true when the span was marked.
 */
export function markExpectedOutcome(
  reason: string,
  span: ApiSpan | undefined = currentSpan(),
): boolean {
  if (span === undefined || !isExpectedOutcome(reason)) return false;
  span.setAttribute(EXPECTED_OUTCOME_ATTRIBUTE, reason);
  return true;
}

/** True when the span's recorded gRPC status is `name` (old numeric or new string attribute). */
function endedWith(span: ReadableSpan, name: GrpcStatusName): boolean {
  const numeric = span.attributes['rpc.grpc.status_code'];
  const text = span.attributes['rpc.status_code'];
  return numeric === grpcStatusCode(name) || text === name;
}

/**
 * Clears the ERROR status that @opentelemetry/instrumentation-grpc sets for every non-OK code
 * (its `_grpcStatusCodeToOpenTelemetryStatusCode`) on spans marked by
 * {@link markExpectedOutcome} whose code is the one of the marked reason. The OTel gRPC
 * semantic conventions agree: FAILED_PRECONDITION, OUT_OF_RANGE and RESOURCE_EXHAUSTED are
 * not errors on a server span (open-telemetry/opentelemetry-specification#3333).
 *
 * Works in `onEnding`, which the SDK calls on every processor before any `onEnd`, so
 * exporters and the RPC duration metric all see the corrected status.
 */
export class ExpectedOutcomeSpanProcessor implements SpanProcessor {
  onStart(): void {}

  onEnding(span: Span): void {
    if (span.status.code !== SpanStatusCode.ERROR) return;
    const reason = span.attributes[EXPECTED_OUTCOME_ATTRIBUTE];
    if (typeof reason !== 'string' || !isExpectedOutcome(reason)) return;
    if (!endedWith(span, EXPECTED_OUTCOMES[reason])) return;
    // Span.setStatus() ignores UNSET ("no change"), so the recorded status is replaced while
    // the span is still open; the SDK's SpanImpl keeps `status` as a plain field.
    (span as { status: SpanStatus }).status = { code: SpanStatusCode.UNSET };
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

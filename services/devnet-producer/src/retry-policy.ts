/** When the producer retries, and how long it waits. */
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';

const BACKOFF_INITIAL_MS = 100;
const BACKOFF_MAX_MS = 5000;

/** Codes that mean "this producer is misconfigured or buggy": retrying cannot help. */
const FATAL_CODES: ReadonlySet<number> = new Set([
  grpcStatus.INVALID_ARGUMENT,
  grpcStatus.PERMISSION_DENIED,
  grpcStatus.UNAUTHENTICATED,
  grpcStatus.UNIMPLEMENTED,
]);

/** A condition the producer cannot recover from (a bad configuration); `run()` rejects with it. */
export class ProducerFatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProducerFatalError';
  }
}

/** Retry everything gRPC reports except the codes that cannot succeed on a retry. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ProducerFatalError) return false;
  const code = (err as Partial<ServiceError> | undefined)?.code;
  if (typeof code !== 'number') return false; // not a gRPC error: a bug, let it surface
  return !FATAL_CODES.has(code);
}

/** Capped exponential backoff with jitter in [50 %, 100 %] of the step. */
export function backoff(attempt: number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(attempt, 16));
  return Math.round(step * (0.5 + Math.random() * 0.5));
}

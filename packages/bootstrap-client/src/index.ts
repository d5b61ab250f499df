/**
 * The bootstrap client: brings a local state sink to the verified final state of a
 * massa.bootstrap.v1 gateway (resume, reset on SlotTooOld, digest check, follow).
 */
export { bootstrap, Bootstrapper } from './bootstrapper';
export { DEFAULT_CHANNEL_OPTIONS } from './options';
export type { BootstrapOptions, BootstrapResult } from './options';
export { DEFAULT_BACKOFF, backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { RETRYABLE_CODES } from './failure';
export { MemorySink } from './memory-sink';
export { LmdbSink } from './lmdb-sink';
export type { LmdbSinkOptions } from './lmdb-sink';
export type { StateSink, SinkPart, SinkSnapshot, SinkEntry } from './sink';
export {
  BootstrapClientError,
  TooManyResetsError,
  IntegrityError,
  RequestRejectedError,
  RetriesExhaustedError,
  BootstrapAbortedError,
  DigestMismatchError,
  ProtocolError,
} from './errors';
export type { SlotTooOldInfo } from './errors';
export type {
  BootstrapEvents,
  SessionEvent,
  PartEvent,
  ProgressEvent,
  ResetEvent,
  RetryEvent,
  VerifiedEvent,
  FollowedEvent,
} from './events';

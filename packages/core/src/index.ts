/**
 * Transport-free domain of the bootstrap system: slots, key order, the state digest, change
 * application and the typed domain errors. No gRPC imports here.
 */
export {
  DEFAULT_THREAD_COUNT,
  MAX_PERIOD,
  compareSlots,
  slotEquals,
  nextSlot,
  previousSlot,
  slotDistance,
  addSlots,
  formatSlot,
  parseSlot,
  slotProblem,
  maxSlot,
} from './slot';
export type { Slot } from './slot';
export { MAX_KEY_BYTES, MAX_VALUE_BYTES, compareKeys, keyProblem, valueProblem } from './keys';
export {
  ERROR_DOMAIN,
  BootstrapError,
  SlotTooOldError,
  SlotInFutureError,
  InvalidArgumentError,
  invalidArgument,
  SlotRejectedError,
  ResourceExhaustedError,
  AccessDeniedError,
  UnavailableError,
  BootstrapTimeoutError,
} from './errors';
export type { ErrorReason, FieldViolation } from './errors';
export { StateDigest, createStateDigest, DIGEST_LANES_BYTES, DIGEST_BYTES } from './digest';
export type { KeyValueEntry } from './digest';
export {
  applyChanges,
  changeValue,
  filterChangesToMaxKey,
  slotChangesProblems,
  MemoryState,
} from './changes';
export type { KeyChangeLike, KeyValueReader, KeyValueWriter } from './changes';

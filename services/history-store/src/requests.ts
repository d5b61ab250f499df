/** Validation of the read requests (ingest messages are validated by the writer). */
import {
  InvalidArgumentError,
  MAX_KEY_BYTES,
  compareSlots,
  slotProblem,
  type FieldViolation,
  type Slot,
} from '@massa-bootstrap/core';
import type { StreamChangesRequest, WatchFinalSlotsRequest } from '@massa-bootstrap/proto';

function checkSlot(
  problems: FieldViolation[],
  field: string,
  slot: Slot,
  threadCount: number,
): void {
  const problem = slotProblem(slot, threadCount);
  if (problem !== undefined) problems.push({ field, description: problem });
}

/** A validated StreamChanges request. */
export interface ChangesQuery {
  readonly after: Slot;
  readonly until: Slot | undefined;
  readonly maxKey: Buffer | undefined;
}

/** Validates a StreamChanges request; throws InvalidArgumentError (BadRequest). */
export function checkStreamChangesRequest(
  request: StreamChangesRequest,
  threadCount: number,
): ChangesQuery {
  const problems: FieldViolation[] = [];
  const { afterSlot, untilSlot, maxKey } = request;
  if (afterSlot === undefined)
    problems.push({ field: 'after_slot', description: 'after_slot is required' });
  else checkSlot(problems, 'after_slot', afterSlot, threadCount);
  if (untilSlot !== undefined) {
    checkSlot(problems, 'until_slot', untilSlot, threadCount);
    if (afterSlot !== undefined && compareSlots(untilSlot, afterSlot) < 0) {
      problems.push({ field: 'until_slot', description: 'must not be before after_slot' });
    }
  }
  if (maxKey !== undefined && maxKey.length > MAX_KEY_BYTES) {
    problems.push({
      field: 'max_key',
      description: `key is ${maxKey.length} bytes, the limit is ${MAX_KEY_BYTES}`,
    });
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return {
    after: { period: afterSlot!.period, thread: afterSlot!.thread },
    until: untilSlot && { period: untilSlot.period, thread: untilSlot.thread },
    maxKey,
  };
}

/** Validates a WatchFinalSlots request; returns the slot to start after (undefined: live only). */
export function checkWatchRequest(
  request: WatchFinalSlotsRequest,
  threadCount: number,
): Slot | undefined {
  const { afterSlot } = request;
  if (afterSlot === undefined) return undefined;
  const problems: FieldViolation[] = [];
  checkSlot(problems, 'after_slot', afterSlot, threadCount);
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return { period: afterSlot.period, thread: afterSlot.thread };
}

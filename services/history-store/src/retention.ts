/**
 * How much change history the store keeps. Applied by the writer in the same write unit as the
 * slot that makes the history too long.
 */
import type { Slot } from '@massa-bootstrap/core';

/** What a policy may look at when deciding how many slots to keep. */
export interface RetentionContext {
  /** The slot just committed (the newest). */
  readonly newestSlot: Slot;
  /** History entries held, the new one included. */
  readonly historyCount: number;
  /** Encoded bytes of those entries. */
  readonly historyBytes: number;
}

/** Decides the history length. A later policy may be dynamic (time or bytes based). */
export interface RetentionPolicy {
  /** The configured length reported by GetStatus and in SlotTooOld details, in slots. */
  readonly finalHistoryLength: number;
  /** How many of the newest stored slots to keep after committing a slot (>= 1). */
  slotsToKeep(context: RetentionContext): number;
}

/** Keeps the last `finalHistoryLength` stored slots (a count of history entries). */
export class FixedLengthRetention implements RetentionPolicy {
  constructor(readonly finalHistoryLength: number) {
    if (!Number.isSafeInteger(finalHistoryLength) || finalHistoryLength < 1) {
      throw new RangeError(
        `final history length must be a positive integer, got ${finalHistoryLength}`,
      );
    }
  }

  slotsToKeep(): number {
    return this.finalHistoryLength;
  }
}

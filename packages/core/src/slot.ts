/**
 * A final slot: (period, thread), totally ordered by period then thread. Structurally the same
 * as the wire `Slot`, so values pass between the two without conversion.
 */
export interface Slot {
  readonly period: number;
  readonly thread: number;
}

/** Massa's thread count: blocks per period. */
export const DEFAULT_THREAD_COUNT = 32;

/** Largest accepted period: 2^53 - 1, the largest integer every client holds exactly. */
export const MAX_PERIOD = Number.MAX_SAFE_INTEGER;

/** Orders two slots: negative when `a` is before `b`, 0 when equal, positive after. */
export function compareSlots(a: Slot, b: Slot): number {
  if (a.period !== b.period) return a.period < b.period ? -1 : 1;
  return a.thread - b.thread;
}

/** True when both slots are the same. */
export function slotEquals(a: Slot, b: Slot): boolean {
  return a.period === b.period && a.thread === b.thread;
}

/** The slot right after `slot` with `threadCount` threads per period. */
export function nextSlot(slot: Slot, threadCount: number): Slot {
  return slot.thread + 1 >= threadCount
    ? { period: slot.period + 1, thread: 0 }
    : { period: slot.period, thread: slot.thread + 1 };
}

/** The slot right before `slot`, or undefined for (0, 0). */
export function previousSlot(slot: Slot, threadCount: number): Slot | undefined {
  if (slot.thread > 0) return { period: slot.period, thread: slot.thread - 1 };
  if (slot.period === 0) return undefined;
  return { period: slot.period - 1, thread: threadCount - 1 };
}

/** Number of slots from `a` to `b` (b - a); negative when b is before a. */
export function slotDistance(a: Slot, b: Slot, threadCount: number): number {
  return (b.period - a.period) * threadCount + (b.thread - a.thread);
}

/** The slot `count` slots after `slot` (count may be negative); undefined before (0, 0). */
export function addSlots(slot: Slot, count: number, threadCount: number): Slot | undefined {
  const index = slot.period * threadCount + slot.thread + count;
  if (index < 0) return undefined;
  return { period: Math.floor(index / threadCount), thread: index % threadCount };
}

/** Formats a slot as "period:thread". */
export function formatSlot(slot: Slot | undefined): string {
  return slot === undefined ? '-' : `${slot.period}:${slot.thread}`;
}

/**
 * Returns why `slot` is not valid with `threadCount` threads, or undefined when it is valid:
 * period a safe non-negative integer, thread an integer in [0, threadCount).
 */
export function slotProblem(slot: Slot, threadCount: number): string | undefined {
  if (!Number.isSafeInteger(slot.period) || slot.period < 0) {
    return `period must be an integer in [0, ${MAX_PERIOD}], got ${String(slot.period)}`;
  }
  if (!Number.isInteger(slot.thread) || slot.thread < 0 || slot.thread >= threadCount) {
    return `thread must be an integer in [0, ${threadCount}), got ${String(slot.thread)}`;
  }
  return undefined;
}

/** Parses "period:thread"; throws a RangeError naming the problem when malformed or invalid. */
export function parseSlot(text: string, threadCount: number): Slot {
  const match = /^(\d{1,16}):(\d{1,10})$/.exec(text.trim());
  if (match === null) throw new RangeError(`slot must look like "period:thread", got "${text}"`);
  const slot = { period: Number(match[1]), thread: Number(match[2]) };
  const problem = slotProblem(slot, threadCount);
  if (problem !== undefined) throw new RangeError(`invalid slot "${text}": ${problem}`);
  return slot;
}

/** The later of two slots. */
export function maxSlot(a: Slot, b: Slot): Slot {
  return compareSlots(a, b) >= 0 ? a : b;
}

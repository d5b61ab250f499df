/** The client groups, sizes and timings of the slow-network scenario. */
import type { ServerProcess } from '../lib/services';
import type { SlotProducer } from '../lib/slot-producer';
import { MB } from '../lib/stats';
import type { StateShape } from '../lib/workload';

/** The two final_history_length values compared, in slots. */
export const WINDOWS = [100, 600] as const;

/** A group of clients on links of one kind. */
export interface Group {
  readonly name: string;
  readonly bytesPerSecond: number;
  readonly flaky: boolean;
}

/** The client groups, per window. */
export const GROUPS: readonly Group[] = [
  { name: 'steady_1MBps', bytesPerSecond: 1 * MB, flaky: false },
  { name: 'steady_5MBps', bytesPerSecond: 5 * MB, flaky: false },
  { name: 'steady_20MBps', bytesPerSecond: 20 * MB, flaky: false },
  { name: 'flaky_1MBps', bytesPerSecond: 1 * MB, flaky: true },
];

/** Sizes and timings of a run. */
export interface Plan {
  readonly shape: StateShape;
  readonly slotMs: number;
  readonly changesPerSlot: number;
  readonly clientsPerGroup: number;
  /** A flaky link goes down once it delivered this many bytes (parts applied by then)... */
  readonly dropAfterBytes: number;
  /** ...until this many more slots were finalized (more than 100, far fewer than 600). */
  readonly outageSlots: number;
  /** Clients not verified by then count as failed. */
  readonly deadlineMs: number;
  /** How long the memory phase keeps the readers streaming. */
  readonly memoryHoldMs: number;
  readonly maxBackoffMs: number;
  /** Run the 5 and 20 MB/s clients one after the other in their own worker (CPU budget). */
  readonly separateFastClients: boolean;
}

/** The plan of the quick or the full run. */
export function plan(quick: boolean): Plan {
  // Full: 55 MB take 55 s at 1 MB/s, longer than a 100-slot window (50 s), well inside 600
  // (300 s). Changes: 100 per 500 ms slot; the quick run keeps the same change rate per second.
  return quick
    ? {
        shape: { entries: 17_500, valueBytes: 100 },
        slotMs: 20,
        changesPerSlot: 4,
        clientsPerGroup: 1,
        dropAfterBytes: 1.6 * MB,
        outageSlots: 120,
        deadlineMs: 30_000,
        memoryHoldMs: 500,
        maxBackoffMs: 250,
        separateFastClients: false,
      }
    : {
        shape: { entries: 320_000, valueBytes: 100 },
        slotMs: 500,
        changesPerSlot: 100,
        clientsPerGroup: 3,
        dropAfterBytes: 8 * MB,
        outageSlots: 110,
        deadlineMs: 240_000,
        memoryHoldMs: 3000,
        maxBackoffMs: 2000,
        separateFastClients: true,
      };
}

/** A store + gateway with one final_history_length, and the producer finalizing its slots. */
export interface WindowStack {
  readonly window: number;
  readonly store: ServerProcess;
  readonly gateway: ServerProcess;
  readonly producer: SlotProducer;
}

/** The name of client `i` of `group`. */
export function clientName(group: Group, i: number): string {
  return `${group.name}-${i}`;
}

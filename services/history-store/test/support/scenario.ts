/**
 * Deterministic slot generator with a reference model: the same seed always yields the same
 * slots, so a test (or a crash-test restart) can rebuild the expected state at any slot.
 */
import {
  applyChanges,
  createStateDigest,
  nextSlot,
  MemoryState,
  type Slot,
} from '@massa-bootstrap/core';
import type { KeyChange, SlotChanges, StateEntry } from '@massa-bootstrap/proto';
import { seededRandom } from '@massa-bootstrap/test-support';

/** A seeded PRNG (test-support's mulberry32): small, fast, deterministic. */
export const prng = seededRandom;

export interface ScenarioOptions {
  readonly seed?: number;
  readonly threadCount?: number;
  /** Number of distinct keys changes pick from. */
  readonly keySpace?: number;
  readonly changesPerSlot?: number;
  readonly maxValueBytes?: number;
  readonly genesisEntries?: number;
  /** Probability that a change is a delete. */
  readonly deleteRatio?: number;
}

export function keyOf(index: number): Buffer {
  return Buffer.from(`ledger/${String(index).padStart(6, '0')}/balance`);
}

function valueFor(random: () => number, maxBytes: number): Buffer {
  const length = Math.floor(random() * (maxBytes + 1));
  const value = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) value[i] = Math.floor(random() * 256);
  return value;
}

/** Slot i of a scenario (i = 0 is the genesis). */
export class Scenario {
  readonly threadCount: number;
  private readonly options: Required<ScenarioOptions>;
  private readonly cache = new Map<number, SlotChanges>();

  constructor(options: ScenarioOptions = {}) {
    this.options = {
      seed: 1,
      threadCount: 4,
      keySpace: 500,
      changesPerSlot: 20,
      maxValueBytes: 200,
      genesisEntries: 300,
      deleteRatio: 0.2,
      ...options,
    };
    this.threadCount = this.options.threadCount;
  }

  /** The slot of index i: genesis at (1, 0), then consecutive slots. */
  slotAt(index: number): Slot {
    const start = this.threadCount + index; // period 1, thread 0 for index 0
    return { period: Math.floor(start / this.threadCount), thread: start % this.threadCount };
  }

  /** The message of index i (memoized; do not modify it). */
  message(index: number): SlotChanges {
    let message = this.cache.get(index);
    if (message === undefined) {
      message = this.generate(index);
      this.cache.set(index, message);
    }
    return message;
  }

  private generate(index: number): SlotChanges {
    const random = prng(this.options.seed * 1_000_003 + index);
    const slot = this.slotAt(index);
    const changes: KeyChange[] = [];
    if (index === 0) {
      for (let k = 0; k < this.options.genesisEntries; k++) {
        changes.push({
          key: keyOf(k),
          change: { $case: 'setValue', value: valueFor(random, this.options.maxValueBytes) },
        });
      }
    } else {
      const used = new Set<number>();
      while (changes.length < this.options.changesPerSlot && used.size < this.options.keySpace) {
        const k = Math.floor(random() * this.options.keySpace);
        if (used.has(k)) continue;
        used.add(k);
        changes.push(
          random() < this.options.deleteRatio
            ? { key: keyOf(k), change: { $case: 'delete', value: {} } }
            : {
                key: keyOf(k),
                change: { $case: 'setValue', value: valueFor(random, this.options.maxValueBytes) },
              },
        );
      }
    }
    return { slot, changes, stateDigest: Buffer.alloc(0) };
  }

  /** Messages [from, to). */
  *messages(from: number, to: number): Generator<SlotChanges> {
    for (let i = from; i < to; i++) yield this.message(i);
  }

  /** Index of a slot of this scenario. */
  indexOf(slot: Slot): number {
    return slot.period * this.threadCount + slot.thread - this.threadCount;
  }

  /** The slot after index i. */
  nextSlotAfter(index: number): Slot {
    return nextSlot(this.slotAt(index), this.threadCount);
  }
}

/** The model state after applying indexes [0, count) of `scenario`. */
export function modelAfter(scenario: Scenario, count: number): MemoryState {
  const model = new MemoryState();
  for (let i = 0; i < count; i++) applyChanges(model, scenario.message(i).changes);
  return model;
}

/**
 * The model at every slot, cheaply: each key's versions as (index, value | undefined), so the
 * value of a key after index i is its last version at or before i.
 */
export class VersionedModel {
  private readonly versions = new Map<string, { index: number; value: Buffer | undefined }[]>();
  private applied = 0;

  constructor(private readonly scenario: Scenario) {}

  /** Applies indexes up to `count` (exclusive). */
  advanceTo(count: number): void {
    for (; this.applied < count; this.applied++) {
      for (const change of this.scenario.message(this.applied).changes) {
        const id = change.key.toString('latin1');
        let list = this.versions.get(id);
        if (list === undefined) this.versions.set(id, (list = []));
        list.push({
          index: this.applied,
          value: change.change?.$case === 'setValue' ? change.change.value : undefined,
        });
      }
    }
  }

  /** Entries with key in (afterKey, lastKey] (lastKey undefined: no bound) after index i, sorted. */
  entriesAt(
    index: number,
    afterKey: Buffer,
    lastKey: Buffer | undefined,
  ): { key: Buffer; value: Buffer }[] {
    const after = afterKey.toString('latin1');
    const last = lastKey?.toString('latin1');
    const out: { id: string; key: Buffer; value: Buffer }[] = [];
    for (const [id, list] of this.versions) {
      if (id <= after || (last !== undefined && id > last)) continue;
      let value: Buffer | undefined;
      for (const version of list) {
        if (version.index > index) break;
        value = version.value;
      }
      if (value !== undefined) out.push({ id, key: Buffer.from(id, 'latin1'), value });
    }
    return out
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(({ key, value }) => ({ key, value }));
  }
}

/** The digest of `entries` recomputed from scratch. */
export async function digestOf(
  entries: Iterable<{ key: Uint8Array; value: Uint8Array }>,
): Promise<Buffer> {
  const digest = await createStateDigest();
  digest.addMany(entries);
  return digest.digest();
}

/** Entries as comparable hex strings. */
export function entriesHex(
  entries: readonly StateEntry[] | readonly { key: Buffer; value: Buffer }[],
): string[] {
  return entries.map(
    (e) => `${Buffer.from(e.key).toString('hex')}=${Buffer.from(e.value).toString('hex')}`,
  );
}

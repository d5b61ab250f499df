/**
 * A minimal bootstrap client for gateway tests: applies BootstrapParts the way DESIGN §3 says
 * (changes first, then entries) to an in-memory state with an incremental digest, checks the
 * protocol invariants part by part (entries ascending and after the cursor, changes not above
 * it, one slot after another), and compares its digest with `state_digest` when a part carries
 * one. Also replays a list of slots into the model state at a given slot.
 */
import {
  MemoryState,
  applyChanges,
  compareKeys,
  compareSlots,
  createStateDigest,
  formatSlot,
  type Slot,
  type StateDigest,
} from '@massa-bootstrap/core';
import type { BootstrapPart, Cursor, SlotChanges } from '@massa-bootstrap/proto';

/** See the module comment. */
export class BootstrapAssembler {
  /** The assembled state. */
  readonly state = new MemoryState();
  /** The cursor of the last applied part (what a real client persists). */
  cursor: Cursor | undefined;
  /** Parts applied. */
  parts = 0;
  /** State entries received. */
  entries = 0;
  /** SlotChanges received (each slot counted once per part). */
  changeSlots = 0;
  /** Parts whose digest was checked. */
  digestChecks = 0;

  private constructor(private digest: StateDigest) {}

  /** A fresh assembler. */
  static async create(): Promise<BootstrapAssembler> {
    return new BootstrapAssembler(await createStateDigest());
  }

  /** The digest of the assembled state. */
  currentDigest(): Buffer {
    return this.digest.digest();
  }

  /** True once a part completed the state. */
  get complete(): boolean {
    return this.cursor?.stateComplete === true;
  }

  /** Applies one part; throws an Error describing the first broken invariant. */
  apply(part: BootstrapPart): void {
    const slot = part.slot;
    const cursor = part.cursor;
    if (slot === undefined || cursor?.slot === undefined)
      throw new Error(`part ${this.parts} has no slot or cursor`);
    if (compareSlots(cursor.slot, slot) !== 0)
      throw new Error(`part ${this.parts}: cursor slot differs from the part slot`);
    const previous = this.cursor;
    if (previous?.slot !== undefined && compareSlots(slot, previous.slot) < 0) {
      throw new Error(
        `part ${this.parts}: slot ${formatSlot(slot)} goes back from ${formatSlot(previous.slot)}`,
      );
    }
    let changeSlot = previous?.slot;
    for (const changes of part.changes) {
      if (changes.slot === undefined)
        throw new Error(`part ${this.parts}: SlotChanges without slot`);
      if (changeSlot !== undefined && compareSlots(changes.slot, changeSlot) <= 0) {
        throw new Error(
          `part ${this.parts}: changes of ${formatSlot(changes.slot)} not after ${formatSlot(changeSlot)}`,
        );
      }
      if (compareSlots(changes.slot, slot) > 0)
        throw new Error(`part ${this.parts}: changes after the part slot`);
      changeSlot = changes.slot;
      if (previous !== undefined && !previous.stateComplete) {
        for (const change of changes.changes) {
          if (compareKeys(change.key, previous.lastKey) > 0) {
            throw new Error(
              `part ${this.parts}: change of ${change.key.toString()} above the cursor`,
            );
          }
        }
      }
      applyChanges(this.state, changes.changes, this.digest);
      this.changeSlots += 1;
    }
    let lastKey: Buffer | undefined =
      previous && !previous.stateComplete ? previous.lastKey : undefined;
    for (const entry of part.entries) {
      if (lastKey !== undefined && lastKey.length > 0 && compareKeys(entry.key, lastKey) <= 0) {
        throw new Error(
          `part ${this.parts}: entry ${entry.key.toString()} not after ${lastKey.toString()}`,
        );
      }
      lastKey = entry.key;
      this.digest.replace(entry.key, this.state.get(entry.key), entry.value);
      this.state.put(entry.key, entry.value);
      this.entries += 1;
    }
    if (
      !cursor.stateComplete &&
      part.entries.length > 0 &&
      compareKeys(cursor.lastKey, lastKey as Buffer) !== 0
    ) {
      throw new Error(`part ${this.parts}: cursor.last_key is not the last entry`);
    }
    if (part.stateDigest.length > 0) {
      const mine = this.digest.digest();
      if (!mine.equals(part.stateDigest)) {
        throw new Error(
          `part ${this.parts} at ${formatSlot(slot)}: digest mismatch, assembled ${mine.toString('hex')} vs ${part.stateDigest.toString('hex')}`,
        );
      }
      this.digestChecks += 1;
    }
    if (cursor.stateComplete && part.stateDigest.length === 0) {
      throw new Error(`part ${this.parts}: completing part without state_digest`);
    }
    this.cursor = cursor;
    this.parts += 1;
  }
}

/** Replays `slots` (in order, genesis first) up to and including `until` into a fresh state. */
export function replayState(slots: readonly SlotChanges[], until: Slot): MemoryState {
  const state = new MemoryState();
  for (const slot of slots) {
    if (slot.slot === undefined || compareSlots(slot.slot, until) > 0) break;
    applyChanges(state, slot.changes);
  }
  return state;
}

/** Describes the first difference between two states, or returns undefined when equal. */
export function stateDifference(actual: MemoryState, expected: MemoryState): string | undefined {
  if (actual.size !== expected.size) return `sizes differ: ${actual.size} vs ${expected.size}`;
  for (const { key, value } of expected.entries()) {
    const got = actual.get(key);
    if (got === undefined) return `missing key ${key.toString()}`;
    if (!got.equals(value)) return `value of ${key.toString()} differs`;
  }
  return undefined;
}

/**
 * The slots a reliability suite ingests, kept in order so that any of them can be sent again
 * (after a crash the producer resumes from the store's newest slot) and the model state can be
 * rebuilt at any slot a client verified at.
 */
import { applyChanges, formatSlot, MemoryState, type Slot } from '@massa-bootstrap/core';
import type { SlotChanges } from '@massa-bootstrap/proto';
import {
  stateDifference,
  StateWorkload,
  type SlotMix,
  type StateWorkloadOptions,
} from '@massa-bootstrap/test-support';
import type { StateSink } from '@massa-bootstrap/bootstrap-client';

/** Changes of each slot after the genesis: a few overwrites, deletes and inserts. */
export const DEFAULT_MIX: SlotMix = { overwrites: 6, deletes: 2, inserts: 3 };

/** See the module comment. */
export class SlotFeed {
  /** Every slot generated so far, genesis first. */
  readonly slots: SlotChanges[] = [];
  private readonly indexBySlot = new Map<string, number>();
  /** The model state after slot `modelIndex`, advanced forward (rebuilt when asked for less). */
  private model = new MemoryState();
  private modelIndex = -1;
  /** How many of the first slots make the genesis. */
  readonly genesisSlots: number;

  private constructor(
    private readonly workload: StateWorkload,
    private readonly mix: SlotMix,
  ) {
    for (const slot of workload.genesis()) this.push(slot);
    this.genesisSlots = this.slots.length;
  }

  /** A feed over a fresh {@link StateWorkload}. */
  static async create(
    options: StateWorkloadOptions,
    mix: SlotMix = DEFAULT_MIX,
  ): Promise<SlotFeed> {
    return new SlotFeed(await StateWorkload.create(options), mix);
  }

  /** Slot number `index` (0-based), generated when needed. */
  at(index: number): SlotChanges {
    while (this.slots.length <= index) this.push(this.workload.slot(this.mix));
    return this.slots[index] as SlotChanges;
  }

  /** The index of `slot`; -1 for undefined (an empty store). Throws for a slot never generated. */
  indexOf(slot: Slot | undefined): number {
    if (slot === undefined) return -1;
    const index = this.indexBySlot.get(formatSlot(slot));
    if (index === undefined) throw new Error(`slot ${formatSlot(slot)} was never generated`);
    return index;
  }

  /** The digest (hex) of the model state right after `slot`. */
  digestAt(slot: Slot): string | undefined {
    return this.workload.digestAt(slot);
  }

  /**
   * The model state right after `slot`; do not modify it. Cheap when asked for slots in
   * increasing order (it moves forward), rebuilt from the genesis otherwise.
   */
  stateAt(slot: Slot): MemoryState {
    const index = this.indexOf(slot);
    if (index < this.modelIndex) {
      this.model = new MemoryState();
      this.modelIndex = -1;
    }
    for (; this.modelIndex < index; this.modelIndex++) {
      applyChanges(this.model, (this.slots[this.modelIndex + 1] as SlotChanges).changes);
    }
    return this.model;
  }

  /**
   * Compares what `sink` holds with the model at `slot`: undefined when equal (same entries and
   * the sink's digest is the model digest), else the first difference.
   */
  checkSink(sink: StateSink, slot: Slot): string | undefined {
    const expectedDigest = this.digestAt(slot);
    const digest = sink.digest().toString('hex');
    if (digest !== expectedDigest) {
      return `digest at ${formatSlot(slot)} is ${digest}, the model's is ${String(expectedDigest)}`;
    }
    const held = new MemoryState();
    for (const entry of sink.entries()) held.put(entry.key, entry.value);
    return stateDifference(held, this.stateAt(slot));
  }

  private push(slot: SlotChanges): void {
    this.indexBySlot.set(formatSlot(slot.slot), this.slots.length);
    this.slots.push(slot);
  }
}

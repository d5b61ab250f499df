/**
 * A deterministic workload of final slots for end-to-end tests: a genesis state spread over a
 * few large slots, then random slots that overwrite, delete and insert keys. Keeps the model
 * state and the digest after every slot, so a test can check a client against the exact state
 * of the slot it verified at.
 */
import {
  MemoryState,
  createStateDigest,
  formatSlot,
  nextSlot,
  type Slot,
  type StateDigest,
} from '@massa-bootstrap/core';
import type { KeyChange, SlotChanges } from '@massa-bootstrap/proto';
import { seededRandom } from './random';

/** Options of {@link StateWorkload.create}. */
export interface StateWorkloadOptions {
  /** Entries of the genesis state. */
  readonly genesisEntries: number;
  /** Bytes of each value. Default 100. */
  readonly valueBytes?: number;
  /** Largest genesis slot, in key + value bytes. Default 1 MiB. */
  readonly genesisSlotBytes?: number;
  /** PRNG seed. Default 1. */
  readonly seed?: number;
  /** Threads per period. Default 32. */
  readonly threadCount?: number;
}

/** Changes of one random slot. */
export interface SlotMix {
  readonly overwrites?: number;
  readonly deletes?: number;
  readonly inserts?: number;
}

/** See the module comment. */
export class StateWorkload {
  /** The state after the last generated slot. */
  readonly model = new MemoryState();
  private readonly keys: Buffer[] = [];
  private readonly keyIndex = new Map<string, number>();
  private readonly digests = new Map<string, string>();
  private nextKey = 0;
  private last: Slot | undefined;

  private constructor(
    private readonly digest: StateDigest,
    private readonly random: () => number,
    private readonly valueBytes: number,
    private readonly threadCount: number,
    private readonly options: StateWorkloadOptions,
  ) {}

  static async create(options: StateWorkloadOptions): Promise<StateWorkload> {
    return new StateWorkload(
      await createStateDigest(),
      seededRandom(options.seed ?? 1),
      options.valueBytes ?? 100,
      options.threadCount ?? 32,
      options,
    );
  }

  /** The slots that build the genesis state (inserts only). Call once, before `slot()`. */
  genesis(): SlotChanges[] {
    const limit = this.options.genesisSlotBytes ?? 1024 * 1024;
    const slots: SlotChanges[] = [];
    let changes: KeyChange[] = [];
    let bytes = 0;
    for (let i = 0; i < this.options.genesisEntries; i++) {
      const change = this.insertChange();
      bytes += change.key.length + this.valueBytes;
      changes.push(change);
      if (bytes >= limit) {
        slots.push(this.seal(changes));
        changes = [];
        bytes = 0;
      }
    }
    if (changes.length > 0 || slots.length === 0) slots.push(this.seal(changes));
    return slots;
  }

  /** The next random slot. */
  slot(mix: SlotMix = { overwrites: 3, deletes: 1, inserts: 2 }): SlotChanges {
    const changes: KeyChange[] = [];
    const touched = new Set<string>();
    const pick = (): Buffer | undefined => {
      for (let tries = 0; tries < 8 && this.keys.length > 0; tries++) {
        const key = this.keys[Math.floor(this.random() * this.keys.length)] as Buffer;
        const id = key.toString('latin1');
        if (!touched.has(id)) {
          touched.add(id);
          return key;
        }
      }
      return undefined;
    };
    for (let i = 0; i < (mix.overwrites ?? 0); i++) {
      const key = pick();
      if (key) changes.push({ key, change: { $case: 'setValue', value: this.value() } });
    }
    for (let i = 0; i < (mix.deletes ?? 0); i++) {
      const key = pick();
      if (key) changes.push({ key, change: { $case: 'delete', value: {} } });
    }
    for (let i = 0; i < (mix.inserts ?? 0); i++) changes.push(this.insertChange());
    return this.seal(changes);
  }

  /** The newest generated slot. */
  newestSlot(): Slot | undefined {
    return this.last;
  }

  /** The digest (hex) of the state right after `slot`, or undefined when not generated. */
  digestAt(slot: Slot): string | undefined {
    return this.digests.get(formatSlot(slot));
  }

  /** The digest of the current model state. */
  currentDigest(): Buffer {
    return this.digest.digest();
  }

  private value(): Buffer {
    // One PRNG draw seeds a xorshift32 that fills the value 4 bytes at a time (fast enough for
    // genesis states of tens of thousands of entries).
    const value = Buffer.alloc(this.valueBytes);
    let x = (Math.floor(this.random() * 0xffffffff) | 1) >>> 0;
    for (let i = 0; i < value.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      for (let b = 0; b < 4 && i + b < value.length; b++) value[i + b] = (x >>> (8 * b)) & 0xff;
    }
    return value;
  }

  private insertChange(): KeyChange {
    // Spread new keys over the key space (a random prefix), not only after the existing ones.
    const bucket = Math.floor(this.random() * 64)
      .toString(16)
      .padStart(2, '0');
    const key = Buffer.from(`ledger/${bucket}/${String(this.nextKey++).padStart(9, '0')}`);
    return { key, change: { $case: 'setValue', value: this.value() } };
  }

  /** Applies `changes` to the model and digest, and wraps them as the next slot. */
  private seal(changes: KeyChange[]): SlotChanges {
    for (const change of changes) {
      const id = change.key.toString('latin1');
      const old = this.model.get(change.key);
      if (change.change?.$case === 'setValue') {
        this.digest.replace(change.key, old, change.change.value);
        this.model.put(change.key, change.change.value);
        if (!this.keyIndex.has(id)) {
          this.keyIndex.set(id, this.keys.length);
          this.keys.push(change.key);
        }
      } else if (old !== undefined) {
        this.digest.remove(change.key, old);
        this.model.remove(change.key);
        const at = this.keyIndex.get(id) as number;
        const lastKey = this.keys.pop() as Buffer;
        if (at < this.keys.length) {
          this.keys[at] = lastKey;
          this.keyIndex.set(lastKey.toString('latin1'), at);
        }
        this.keyIndex.delete(id);
      }
    }
    const slot =
      this.last === undefined ? { period: 1, thread: 0 } : nextSlot(this.last, this.threadCount);
    this.last = slot;
    const stateDigest = this.digest.digest();
    this.digests.set(formatSlot(slot), stateDigest.toString('hex'));
    return { slot, changes, stateDigest };
  }
}

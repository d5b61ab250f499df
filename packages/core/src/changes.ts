/**
 * Change application: applying per-slot key changes to a key/value target (and to the state
 * digest), filtering them to a cursor, and validating them. Transport-free, but the types are
 * structurally compatible with the generated wire `KeyChange`, so wire messages pass as they are.
 */
import type { StateDigest } from './digest';
import { invalidArgument, type FieldViolation } from './errors';
import { compareKeys, keyProblem, valueProblem } from './keys';
import { slotProblem, type Slot } from './slot';

/**
 * A change of one key: set a value (insert or overwrite) or delete the key. The generated
 * `massa.bootstrap.v1.KeyChange` is assignable to it.
 */
export interface KeyChangeLike {
  readonly key: Uint8Array;
  readonly change?:
    | { readonly $case: 'setValue'; readonly value: Uint8Array }
    | { readonly $case: 'delete'; readonly value?: unknown }
    | undefined;
}

/** Reads the current value of a key. */
export interface KeyValueReader {
  /**
   * The value of `key`, or undefined when absent. The returned bytes need only stay valid and
   * unchanged until the next call on the same object (an LMDB reader may reuse a buffer).
   */
  get(key: Uint8Array): Uint8Array | undefined;
}

/** A mutable key/value state (an in-memory map, a storage transaction, a client sink). */
export interface KeyValueWriter extends KeyValueReader {
  /** Sets `key` to `value` (insert or overwrite). */
  put(key: Uint8Array, value: Uint8Array): void;
  /** Removes `key`; removing an absent key does nothing. */
  remove(key: Uint8Array): void;
}

/**
 * The value a change sets, or undefined for a delete. Throws InvalidArgumentError when the
 * change has neither (use slotChangesProblems() to report it with a field path instead).
 */
export function changeValue(c: KeyChangeLike): Uint8Array | undefined {
  switch (c.change?.$case) {
    case 'setValue':
      return c.change.value;
    case 'delete':
      return undefined;
    default:
      throw invalidArgument('change', 'a key change must set a value or delete the key');
  }
}

/**
 * Applies `changes` in order to `target` and, when given, to `digest` (which must describe the
 * target's content before the call; it describes it after). A delete of an absent key is a
 * no-op. Every change is checked to have a set or delete before anything is written (throws
 * InvalidArgumentError naming `changes[i]`); other validation is the caller's, with
 * slotChangesProblems(). Returns how many values were set and how many keys were removed.
 */
export function applyChanges(
  target: KeyValueWriter,
  changes: readonly KeyChangeLike[],
  digest?: StateDigest,
): { sets: number; deletes: number } {
  changes.forEach((c, i) => {
    if (c.change?.$case !== 'setValue' && c.change?.$case !== 'delete') {
      throw invalidArgument(`changes[${i}]`, 'a key change must set a value or delete the key');
    }
  });
  let sets = 0;
  let deletes = 0;
  for (const c of changes) {
    const value = changeValue(c);
    const old = target.get(c.key);
    // The digest is updated before the write: `old` may be a buffer the target reuses.
    if (value === undefined) {
      if (old === undefined) continue;
      digest?.remove(c.key, old);
      target.remove(c.key);
      deletes++;
    } else {
      digest?.replace(c.key, old, value);
      target.put(c.key, value);
      sets++;
    }
  }
  return { sets, deletes };
}

/**
 * The changes whose key is <= `maxKey` bytewise (the keys a bootstrapping client already
 * holds), in their original order. An empty `maxKey` keeps nothing, since keys are non-empty.
 */
export function filterChangesToMaxKey<T extends KeyChangeLike>(
  changes: readonly T[],
  maxKey: Uint8Array,
): T[] {
  return changes.filter((c) => compareKeys(c.key, maxKey) <= 0);
}

/**
 * Every problem with one slot's changes, as BadRequest field violations (empty when valid):
 * a missing or invalid slot (`slot`, `slot.period`, `slot.thread`), an empty or oversize key
 * (`changes[i].key`), an oversize value (`changes[i].set_value`), a key changed twice in the
 * slot (`changes[i].key`), a change with neither set nor delete (`changes[i].change`).
 * `path` prefixes every field, e.g. "slot_changes.".
 */
export function slotChangesProblems(
  changes: readonly KeyChangeLike[],
  threadCount: number,
  slot: Slot | undefined,
  path = '',
): FieldViolation[] {
  const problems: FieldViolation[] = [];
  const report = (field: string, description: string): void => {
    problems.push({ field: path + field, description });
  };
  if (slot === undefined) {
    report('slot', 'slot is required');
  } else {
    // Checked separately so that each problem names its own field; thread 0 of a single-thread
    // network and period 0 are always valid.
    const periodProblem = slotProblem({ period: slot.period, thread: 0 }, 1);
    const threadProblem = slotProblem({ period: 0, thread: slot.thread }, threadCount);
    if (periodProblem !== undefined) report('slot.period', periodProblem);
    if (threadProblem !== undefined) report('slot.thread', threadProblem);
  }
  const firstIndex = new Map<string, number>();
  changes.forEach((c, i) => {
    const problem = keyProblem(c.key);
    if (problem !== undefined) report(`changes[${i}].key`, problem);
    const id = keyId(c.key);
    const previous = firstIndex.get(id);
    if (previous !== undefined) {
      report(`changes[${i}].key`, `key already changed by changes[${previous}] in this slot`);
    } else {
      firstIndex.set(id, i);
    }
    if (c.change?.$case === 'setValue') {
      const tooBig = valueProblem(c.change.value);
      if (tooBig !== undefined) report(`changes[${i}].set_value`, tooBig);
    } else if (c.change?.$case !== 'delete') {
      report(`changes[${i}].change`, 'must set a value or delete the key');
    }
  });
  return problems;
}

/**
 * An in-memory KeyValueWriter: the reference model of the state in tests. Stores copies of
 * the values it is given, so callers may reuse their buffers.
 */
export class MemoryState implements KeyValueWriter {
  // latin1 maps each byte to one UTF-16 code unit, so string order is bytewise key order.
  private readonly map = new Map<string, { key: Buffer; value: Buffer }>();

  /** Number of keys. */
  get size(): number {
    return this.map.size;
  }

  /** The value of `key` (the stored copy: do not modify it), or undefined. */
  get(key: Uint8Array): Buffer | undefined {
    return this.map.get(keyId(key))?.value;
  }

  /** True when `key` is present. */
  has(key: Uint8Array): boolean {
    return this.map.has(keyId(key));
  }

  /** Sets `key` to a copy of `value`. */
  put(key: Uint8Array, value: Uint8Array): void {
    this.map.set(keyId(key), { key: Buffer.from(key), value: Buffer.from(value) });
  }

  /** Removes `key`, if present. */
  remove(key: Uint8Array): void {
    this.map.delete(keyId(key));
  }

  /** Every entry, in bytewise key order. */
  entries(): { key: Buffer; value: Buffer }[] {
    return [...this.map.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, entry]) => entry);
  }

  /** Removes every key. */
  clear(): void {
    this.map.clear();
  }
}

/** A string that identifies the key's bytes and sorts like them. */
function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
}

import { compareKeys } from '@massa-bootstrap/core';
import type { StateEntry } from '@massa-bootstrap/proto';
import type { SinkEntry } from './sink';

/** One part's state entries, copied into one buffer, in strictly increasing key order. */
interface Run {
  /** Key 0, value 0, key 1, value 1... back to back. */
  readonly data: Buffer;
  /** 2 × count + 1 offsets into `data`: key i is [b[2i], b[2i+1]), value i [b[2i+1], b[2i+2]). */
  readonly bounds: Uint32Array;
  readonly count: number;
}

/** What changes left on a key. Replaced, never mutated, so that the undo log can keep it. */
interface Changed {
  /** The key as a latin1 string (one char per byte: string order is bytewise key order). */
  readonly id: string;
  readonly key: Buffer;
  /** Undefined: deleted (kept as a tombstone only while the runs hold the key). */
  readonly value: Buffer | undefined;
  /** True when the runs hold this key (the change shadows it). */
  readonly inRuns: boolean;
}

/** What the last lookup found, for the put or remove that follows it on the same key. */
interface Lookup {
  readonly key: Buffer;
  readonly id: string;
  readonly changed: Changed | undefined;
  readonly inRuns: boolean;
  /** Where the runs hold the key (searched only when no change shadows it). */
  readonly at: RunPosition | undefined;
}

interface RunPosition {
  readonly run: Run;
  readonly index: number;
}

/**
 * The key/value entries of a MemorySink, shaped for a bootstrap: state entries arrive in
 * strictly increasing key order above every held key, so each part's entries become one
 * immutable, sorted run (one buffer and one offset array: no object per entry, little for the
 * garbage collector to trace); the rare changes go to an overlay map keyed by latin1 strings
 * that shadows the runs. Lookups check the overlay, then binary-search the runs.
 *
 * Every mutation happens between begin() and commit() or rollback(); rollback undoes the
 * appended runs (a truncation) and the overlay changes (an undo log of changed keys only).
 * Every key and value is copied in: callers may reuse their buffers afterwards. Runs are never
 * rewritten: a key changed after its part keeps its old bytes there (at most one stale copy
 * per key), and a deleted one a tombstone in the overlay.
 */
export class MemoryEntryTable {
  private runs: Run[] = [];
  private overlay = new Map<string, Changed>();
  private heldCount = 0;
  /** An upper bound of every held key (exact unless a change deleted the largest key). */
  private maxKey: Buffer | undefined;
  private undo: Map<string, Changed | undefined> | undefined;
  private saved = { runs: 0, count: 0, maxKey: undefined as Buffer | undefined };
  private last: Lookup | undefined;

  /** Number of entries held. */
  get size(): number {
    return this.heldCount;
  }

  /** Starts recording what rollback() must undo. */
  begin(): void {
    if (this.undo !== undefined) throw new Error('MemoryEntryTable: begin() twice');
    this.undo = new Map();
    this.saved = { runs: this.runs.length, count: this.heldCount, maxKey: this.maxKey };
  }

  /** Keeps everything since begin(). */
  commit(): void {
    this.undo = undefined;
    this.last = undefined;
  }

  /** Undoes everything since begin(). */
  rollback(): void {
    const undo = this.requireUndo();
    for (const [id, previous] of undo) {
      if (previous === undefined) this.overlay.delete(id);
      else this.overlay.set(id, previous);
    }
    this.runs.length = this.saved.runs;
    this.heldCount = this.saved.count;
    this.maxKey = this.saved.maxKey;
    this.undo = undefined;
    this.last = undefined;
  }

  /**
   * The value of `key`, or undefined. A view of the table's own bytes: valid until the table
   * changes; do not modify it.
   */
  get(key: Buffer): Buffer | undefined {
    const found = this.lookup(key);
    this.last = found;
    if (found.changed !== undefined) return found.changed.value;
    if (found.at === undefined) return undefined;
    const { run, index } = found.at;
    return view(run.data, run.bounds[2 * index + 1] as number, run.bounds[2 * index + 2] as number);
  }

  /** Sets `key` (copied) to `value` (copied). */
  set(key: Buffer, value: Buffer): void {
    const found = this.lookupAfterGet(key);
    const present = found.changed !== undefined ? found.changed.value !== undefined : found.inRuns;
    const copy = Buffer.from(key);
    this.change(found, {
      id: found.id,
      key: copy,
      value: Buffer.from(value),
      inRuns: found.inRuns,
    });
    if (!present) this.heldCount++;
    if (this.maxKey === undefined || compareKeys(copy, this.maxKey) > 0) this.maxKey = copy;
  }

  /** Removes `key`; removing an absent key does nothing. */
  delete(key: Buffer): void {
    const found = this.lookupAfterGet(key);
    const present = found.changed !== undefined ? found.changed.value !== undefined : found.inRuns;
    if (!present) return;
    // A key the runs hold needs a tombstone; any other key simply leaves the overlay.
    this.change(
      found,
      found.inRuns
        ? { id: found.id, key: Buffer.from(key), value: undefined, inRuns: true }
        : undefined,
    );
    this.heldCount--;
  }

  /**
   * Appends `entries` (non-empty keys, strictly increasing: checked by the caller) as one run.
   * Returns false, changing nothing, when the first key is not above every key held (or ever
   * held since the last clear): such a part breaks the cursor invariant.
   */
  appendRun(entries: readonly StateEntry[]): boolean {
    this.requireUndo();
    if (entries.length === 0) return true;
    const first = (entries[0] as StateEntry).key;
    if (this.maxKey !== undefined && compareKeys(first, this.maxKey) <= 0) return false;
    let total = 0;
    for (const entry of entries) total += entry.key.length + entry.value.length;
    const data = Buffer.allocUnsafeSlow(total);
    const bounds = new Uint32Array(entries.length * 2 + 1);
    let offset = 0;
    let b = 0;
    for (const entry of entries) {
      bounds[b++] = offset;
      data.set(entry.key, offset);
      offset += entry.key.length;
      bounds[b++] = offset;
      data.set(entry.value, offset);
      offset += entry.value.length;
    }
    bounds[b] = offset;
    this.runs.push({ data, bounds, count: entries.length });
    this.heldCount += entries.length;
    const lastKey = (entries[entries.length - 1] as StateEntry).key;
    this.maxKey = Buffer.from(lastKey);
    return true;
  }

  /** Forgets every entry. */
  clear(): void {
    this.runs = [];
    this.overlay = new Map();
    this.heldCount = 0;
    this.maxKey = undefined;
    this.undo = undefined;
    this.last = undefined;
  }

  /**
   * Every held entry in bytewise key order. The buffers are views of the table's bytes: valid
   * until the table changes; do not modify them.
   */
  *entries(): Iterable<SinkEntry> {
    const changed = [...this.overlay.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    let c = 0;
    for (const run of this.runs) {
      const { data, bounds } = run;
      for (let i = 0; i < run.count; i++) {
        const keyStart = bounds[2 * i] as number;
        const keyEnd = bounds[2 * i + 1] as number;
        let order = 1;
        // Overlay keys below this run key come first; an equal one shadows it.
        while (c < changed.length) {
          const next = changed[c] as Changed;
          order = next.key.compare(data, keyStart, keyEnd);
          if (order > 0) break;
          c++;
          if (next.value !== undefined) yield { key: next.key, value: next.value };
          if (order === 0) break;
        }
        if (order !== 0) {
          yield {
            key: view(data, keyStart, keyEnd),
            value: view(data, keyEnd, bounds[2 * i + 2] as number),
          };
        }
      }
    }
    for (; c < changed.length; c++) {
      const next = changed[c] as Changed;
      if (next.value !== undefined) yield { key: next.key, value: next.value };
    }
  }

  private change(found: Lookup, next: Changed | undefined): void {
    const undo = this.requireUndo();
    if (!undo.has(found.id)) undo.set(found.id, found.changed);
    if (next === undefined) this.overlay.delete(found.id);
    else this.overlay.set(found.id, next);
  }

  /**
   * applyChanges reads a key right before it writes it (same Buffer object, not modified in
   * between): the write reuses the read's search. Anything else searches afresh.
   */
  private lookupAfterGet(key: Buffer): Lookup {
    const last = this.last;
    this.last = undefined;
    return last !== undefined && last.key === key ? last : this.lookup(key);
  }

  private lookup(key: Buffer): Lookup {
    const id = key.toString('latin1');
    const changed = this.overlay.get(id);
    if (changed !== undefined) return { key, id, changed, inRuns: changed.inRuns, at: undefined };
    const at = this.findInRuns(key);
    return { key, id, changed, inRuns: at !== undefined, at };
  }

  /** Binary search: the run and index holding `key`, if any. */
  private findInRuns(key: Buffer): RunPosition | undefined {
    // The last run whose first key is <= key.
    let lo = 0;
    let hi = this.runs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const run = this.runs[mid] as Run;
      const order = key.compare(run.data, run.bounds[0], run.bounds[1]);
      if (order === 0) return { run, index: 0 };
      if (order > 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return undefined;
    const run = this.runs[found] as Run;
    lo = 1;
    hi = run.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const order = key.compare(run.data, run.bounds[2 * mid], run.bounds[2 * mid + 1]);
      if (order === 0) return { run, index: mid };
      if (order > 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  private requireUndo(): Map<string, Changed | undefined> {
    if (this.undo === undefined) throw new Error('MemoryEntryTable: call begin() first');
    return this.undo;
  }
}

/** A Buffer over bytes [start, end) of `data`, without copying. */
function view(data: Buffer, start: number, end: number): Buffer {
  return Buffer.from(data.buffer, data.byteOffset + start, end - start);
}

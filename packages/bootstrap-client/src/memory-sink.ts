import { createStateDigest, type StateDigest } from '@massa-bootstrap/core';
import type { Cursor } from '@massa-bootstrap/proto';
import { applyPartTo, checkPart, type PartStore } from './apply-part';
import type { SinkEntry, SinkPart, SinkSnapshot, StateSink } from './sink';

/**
 * An in-memory sink for tests and small tools. Keys are held as latin1 strings (one char per
 * byte), whose order is the bytewise key order. A failed part is rolled back from an undo log.
 */
export class MemorySink implements StateSink {
  private readonly map = new Map<string, SinkEntry>();
  private digestState: StateDigest | undefined;
  private held: Cursor | undefined;
  private closed = false;

  async load(): Promise<SinkSnapshot> {
    this.digestState ??= await createStateDigest();
    return this.snapshot();
  }

  async applyPart(part: SinkPart): Promise<void> {
    const digest = this.requireDigest();
    checkPart(part, this.held);
    const next = digest.clone();
    const undo = new Map<string, SinkEntry | undefined>();
    const remember = (id: string): void => {
      if (!undo.has(id)) undo.set(id, this.map.get(id));
    };
    const put = (key: Buffer, value: Buffer): void => {
      const id = key.toString('latin1');
      remember(id);
      this.map.set(id, { key: Buffer.from(key), value: Buffer.from(value) });
    };
    const store: PartStore = {
      get: (key) => this.map.get(key.toString('latin1'))?.value,
      put,
      append: put,
      remove: (key) => {
        const id = key.toString('latin1');
        remember(id);
        this.map.delete(id);
      },
    };
    try {
      applyPartTo(store, next, part);
    } catch (err) {
      for (const [id, entry] of undo) {
        if (entry === undefined) this.map.delete(id);
        else this.map.set(id, entry);
      }
      throw err;
    }
    this.digestState = next;
    this.held = cloneCursor(part.cursor);
  }

  async clear(): Promise<void> {
    this.map.clear();
    this.requireDigest().clear();
    this.held = undefined;
  }

  digest(): Buffer {
    return this.requireDigest().digest();
  }

  entryCount(): number {
    return this.map.size;
  }

  cursor(): Cursor | undefined {
    return this.held && cloneCursor(this.held);
  }

  *entries(): Iterable<SinkEntry> {
    const ids = [...this.map.keys()].sort();
    for (const id of ids) {
      const entry = this.map.get(id);
      if (entry !== undefined) yield entry;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private snapshot(): SinkSnapshot {
    if (this.held === undefined) return {};
    return { cursor: cloneCursor(this.held), digestLanes: this.requireDigest().lanes() };
  }

  private requireDigest(): StateDigest {
    if (this.closed) throw new Error('MemorySink is closed');
    if (this.digestState === undefined) throw new Error('MemorySink: call load() first');
    return this.digestState;
  }
}

/** A deep copy of a cursor (callers may keep it while the sink moves on). */
export function cloneCursor(cursor: Cursor): Cursor {
  return {
    slot: cursor.slot && { period: cursor.slot.period, thread: cursor.slot.thread },
    lastKey: Buffer.from(cursor.lastKey),
    stateComplete: cursor.stateComplete,
  };
}

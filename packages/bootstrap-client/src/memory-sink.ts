import { createStateDigest, type StateDigest } from '@massa-bootstrap/core';
import type { Cursor } from '@massa-bootstrap/proto';
import { applyPartTo, checkPart, type PartStore } from './apply-part';
import { ProtocolError } from './errors';
import { MemoryEntryTable } from './memory-entry-table';
import type { SinkEntry, SinkPart, SinkSnapshot, StateSink } from './sink';

/**
 * An in-memory sink for tests and small tools. Each part's entries are copied into one sorted
 * run (no object per entry), changes into an overlay; a failed part is rolled back (see
 * MemoryEntryTable). The caller's buffers are never kept.
 */
export class MemorySink implements StateSink {
  private readonly table = new MemoryEntryTable();
  private digestState: StateDigest | undefined;
  private held: Cursor | undefined;
  private closed = false;
  private readonly store: PartStore = {
    get: (key) => this.table.get(key),
    put: (key, value) => this.table.set(key, value),
    remove: (key) => this.table.delete(key),
    appendEntries: (entries) => {
      if (!this.table.appendRun(entries)) {
        throw new ProtocolError(
          `part carries key ${entries[0]?.key.toString('hex')} not above every key held`,
        );
      }
    },
  };

  async load(): Promise<SinkSnapshot> {
    this.digestState ??= await createStateDigest();
    return this.snapshot();
  }

  async applyPart(part: SinkPart): Promise<void> {
    const digest = this.requireDigest();
    checkPart(part, this.held);
    const next = digest.clone();
    this.table.begin();
    try {
      applyPartTo(this.store, next, part);
    } catch (err) {
      this.table.rollback();
      throw err;
    }
    this.table.commit();
    this.digestState = next;
    this.held = cloneCursor(part.cursor);
  }

  async clear(): Promise<void> {
    this.table.clear();
    this.requireDigest().clear();
    this.held = undefined;
  }

  digest(): Buffer {
    return this.requireDigest().digest();
  }

  entryCount(): number {
    return this.table.size;
  }

  cursor(): Cursor | undefined {
    return this.held && cloneCursor(this.held);
  }

  entries(): Iterable<SinkEntry> {
    return this.table.entries();
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

/**
 * The default engine: one LMDB environment (lmdb-js) in the data directory with three named
 * databases, all with binary keys and values in bytewise order:
 *   state    state key -> value (long keys in buckets, see lmdb-state-table.ts)
 *   history  slot key (u64 BE period || u32 BE thread) -> encoded SlotChanges incl. its digest
 *   meta     bookkeeping records (see lmdb-meta.ts)
 *
 * Durability: `overlappingSync` is off, so a commit is flushed to disk before it becomes
 * visible and before its promise resolves: whatever a reader or a client has seen survives
 * a kill -9 or a power loss. Atomicity per unit: units queued together run in one transaction
 * (one commit, one fsync), each writing through its own buffer that is applied only when the
 * unit returns, so a unit that throws writes nothing (lmdb-batch.ts).
 */
import {
  open,
  type Database,
  type DatabaseOptions,
  type RootDatabase,
  type RootDatabaseOptions,
  type Transaction,
} from 'lmdb';
import type { Slot } from '@massa-bootstrap/core';
import type {
  HistoryStorage,
  StorageReader,
  StorageWriter,
  StoreMeta,
  StoredEntry,
  StoredSlot,
} from './history-storage';
import { LmdbUnitBatcher } from './lmdb-batch';
import { LmdbMeta, STORAGE_FORMAT } from './lmdb-meta';
import { EntryViews, LmdbStateTable } from './lmdb-state-table';
import { decodeSlotKey, encodeSlotKey } from './slot-key';

/** How to open (or create) an LMDB store. */
export interface LmdbStorageOptions {
  /** Directory of the environment; created when missing. */
  readonly path: string;
  /** Metadata written when the store is new (thread count, history length; empty otherwise). */
  readonly initialMeta: StoreMeta;
}

// 8 KiB pages raise LMDB's key limit to 4026 bytes (4 KiB pages: 1978), see lmdb-state-table.ts.
const PAGE_SIZE = 8192;

const BINARY = { keyEncoding: 'binary', encoding: 'binary' } as const;

class LmdbReader implements StorageReader {
  constructor(
    protected readonly state: LmdbStateTable,
    protected readonly history: Database<Buffer, Buffer>,
    protected readonly metaTable: LmdbMeta,
    protected readonly transaction: Transaction | undefined,
  ) {}

  meta(): StoreMeta {
    return this.metaTable.read(this.transaction);
  }

  getState(key: Uint8Array): Buffer | undefined {
    return this.state.get(key, this.transaction);
  }

  stateAfter(afterKey: Uint8Array): Iterable<StoredEntry> {
    return this.state.after(afterKey, this.transaction);
  }

  scanStateAfter(
    afterKey: Uint8Array,
    visit: (key: Uint8Array, value: Uint8Array) => boolean,
  ): void {
    this.state.scan(afterKey, this.transaction, visit);
  }

  getHistory(slot: Slot): Buffer | undefined {
    return this.history.get(
      encodeSlotKey(slot),
      this.transaction && { transaction: this.transaction },
    );
  }

  *historyBetween(after: Slot | undefined, until: Slot | undefined): Iterable<StoredSlot> {
    const range = this.history.getRange({
      ...(after === undefined ? {} : { start: encodeSlotKey(after), exclusiveStart: true }),
      ...(until === undefined ? {} : { end: encodeSlotKey(until), inclusiveEnd: true }),
      ...(this.transaction === undefined ? {} : { transaction: this.transaction }),
    });
    for (const { key, value } of range) yield { slot: decodeSlotKey(key), encoded: value };
  }
}

class LmdbWriter extends LmdbReader implements StorageWriter {
  peekState(key: Uint8Array): Uint8Array | undefined {
    return this.state.peek(key);
  }

  putState(key: Uint8Array, value: Uint8Array): void {
    this.state.put(key, value);
  }

  deleteState(key: Uint8Array): void {
    this.state.remove(key);
  }

  clearState(): void {
    this.state.clear();
  }

  putHistory(slot: Slot, encoded: Uint8Array): void {
    this.history.putSync(
      encodeSlotKey(slot),
      Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length),
    );
  }

  deleteHistory(slot: Slot): void {
    this.history.removeSync(encodeSlotKey(slot));
  }

  setMeta(meta: StoreMeta): void {
    this.metaTable.write(meta);
  }
}

/** The LMDB engine. Create with {@link openLmdbStorage}. */
export class LmdbStorage implements HistoryStorage {
  private readonly batcher: LmdbUnitBatcher;
  private readonly state: LmdbStateTable;
  private readonly metaTable: LmdbMeta;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly env: RootDatabase,
    private readonly history: Database<Buffer, Buffer>,
    stateDb: Database<Buffer, Buffer>,
    metaDb: Database<Buffer, Buffer>,
    readonly location: string,
  ) {
    // A second, read-only handle on the state database whose keys and values are views, not
    // copies (the scan behind ReadStatePart copies each entry once, into the response).
    const views = new EntryViews();
    // `encoder` and `keyEncoder` are typed on the root options only; lmdb-js honours them on
    // every database.
    const viewOptions: DatabaseOptions & Pick<RootDatabaseOptions, 'encoder' | 'keyEncoder'> = {
      keyEncoder: views.keyEncoder,
      encoder: views.encoder,
    };
    const stateViews = env.openDB<number, Buffer>('state', viewOptions);
    this.state = new LmdbStateTable(stateDb, stateViews, views);
    this.metaTable = new LmdbMeta(metaDb);
    this.batcher = new LmdbUnitBatcher(
      env,
      new LmdbWriter(this.state, history, this.metaTable, undefined),
    );
  }

  /** @internal Use openLmdbStorage(). */
  static async open(options: LmdbStorageOptions): Promise<LmdbStorage> {
    const env = open({
      path: options.path,
      noSubdir: false, // the path is a directory even when its name has a dot
      pageSize: PAGE_SIZE,
      overlappingSync: false,
      maxDbs: 4,
    });
    const storage = new LmdbStorage(
      env,
      env.openDB<Buffer, Buffer>('history', BINARY),
      env.openDB<Buffer, Buffer>('state', BINARY),
      env.openDB<Buffer, Buffer>('meta', BINARY),
      options.path,
    );
    try {
      const format = storage.metaTable.format();
      if (format === undefined) {
        await storage.write((w) => w.setMeta(options.initialMeta));
      } else if (format !== STORAGE_FORMAT) {
        throw new Error(
          `${options.path} holds storage format ${format}; this version reads format ${STORAGE_FORMAT}`,
        );
      }
    } catch (err) {
      await env.close();
      throw err;
    }
    return storage;
  }

  read<T>(fn: (reader: StorageReader) => T): T {
    if (this.closing) throw new Error('storage is closed');
    const transaction = this.env.useReadTransaction();
    try {
      const result = fn(new LmdbReader(this.state, this.history, this.metaTable, transaction));
      if (result instanceof Promise)
        throw new TypeError('storage read callbacks must be synchronous');
      return result;
    } finally {
      transaction.done();
    }
  }

  write<T>(fn: (writer: StorageWriter) => T): Promise<T> {
    if (this.closing) return Promise.reject(new Error('storage is closed'));
    return this.batcher.write(fn);
  }

  close(): Promise<void> {
    // Queued units first; lmdb-js then waits for outstanding transactions before closing.
    this.closing ??= this.batcher.idle().then(() => this.env.close());
    return this.closing;
  }
}

/**
 * Opens the LMDB store in `options.path`, creating it (with `initialMeta`) when new. Rejects
 * when the directory holds an unknown storage format or cannot be opened.
 */
export function openLmdbStorage(options: LmdbStorageOptions): Promise<LmdbStorage> {
  return LmdbStorage.open(options);
}

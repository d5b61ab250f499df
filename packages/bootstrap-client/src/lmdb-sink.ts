import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { DIGEST_LANES_BYTES, createStateDigest, type StateDigest } from '@massa-bootstrap/core';
import { Cursor } from '@massa-bootstrap/proto';
import { applyPartTo, checkPart, type PartStore } from './apply-part';
import { ProtocolError } from './errors';
import { cloneCursor } from './memory-sink';
import type { SinkEntry, SinkPart, SinkSnapshot, StateSink } from './sink';

/** Written in `meta` so that a directory from an incompatible layout is refused, not misread. */
const FORMAT = Buffer.from('massa-bootstrap-sink/1');

const META_FORMAT = 'format';
const META_CURSOR = 'cursor';
const META_LANES = 'lanes';
const META_ENTRIES = 'entries';

/** Put options of state entries (one object for every put). */
const APPEND = { append: true } as const;

/** Options of {@link LmdbSink.open}. */
export interface LmdbSinkOptions {
  /**
   * Initial LMDB map size in bytes (lmdb-js grows it as needed); default lmdb-js's own.
   */
  readonly mapSize?: number;
}

/**
 * A sink in an LMDB environment directory: database `state` holds the entries (binary keys, so
 * LMDB's bytewise order is the protocol's key order), database `meta` the format tag, the
 * cursor (protobuf `Cursor`), the 2048-byte digest lanes and the entry count. Every part is one
 * write transaction holding its entries, cursor and lanes, flushed to disk before `applyPart`
 * resolves: a crash (even SIGKILL mid-part) leaves either the part with its cursor or neither.
 */
export class LmdbSink implements StateSink {
  private digestState: StateDigest | undefined;
  private held: Cursor | undefined;
  private count = 0;

  private constructor(
    /** The directory of the LMDB environment. */
    readonly path: string,
    private readonly env: RootDatabase,
    private readonly state: Database<Buffer, Buffer>,
    private readonly meta: Database<Buffer, string>,
  ) {}

  /** Opens (creating it when missing) the environment in `path`. Call `load()` next. */
  static open(path: string, options: LmdbSinkOptions = {}): LmdbSink {
    mkdirSync(path, { recursive: true });
    const env = open({
      path,
      maxDbs: 4,
      ...(options.mapSize !== undefined ? { mapSize: options.mapSize } : {}),
    });
    const state = env.openDB<Buffer, Buffer>({
      name: 'state',
      keyEncoding: 'binary',
      encoding: 'binary',
    });
    const meta = env.openDB<Buffer, string>({ name: 'meta', encoding: 'binary' });
    return new LmdbSink(path, env, state, meta);
  }

  async load(): Promise<SinkSnapshot> {
    const format = this.meta.getBinary(META_FORMAT);
    if (format !== undefined && !format.equals(FORMAT)) {
      throw new Error(
        `${this.path} holds a sink of another format (${format.toString()}); use an empty directory`,
      );
    }
    const cursorBytes = this.meta.getBinary(META_CURSOR);
    const lanes = this.meta.getBinary(META_LANES);
    if (cursorBytes === undefined) {
      // No cursor means no part was ever committed (or the sink was cleared): there must be
      // nothing else either. Anything left here would be from a foreign writer; refuse it.
      if (this.state.getKeysCount({ limit: 1 }) > 0 || lanes !== undefined) {
        throw new Error(`${this.path} holds entries but no cursor; use an empty directory`);
      }
      this.digestState = await createStateDigest();
      this.held = undefined;
      this.count = 0;
      return {};
    }
    if (lanes === undefined || lanes.length !== DIGEST_LANES_BYTES) {
      throw new Error(`${this.path}: cursor without digest lanes; the sink is corrupt`);
    }
    this.held = Cursor.decode(cursorBytes);
    this.digestState = await createStateDigest(lanes);
    this.count = Number(this.meta.getBinary(META_ENTRIES)?.readBigUInt64LE() ?? 0n);
    return { cursor: cloneCursor(this.held), digestLanes: Buffer.from(lanes) };
  }

  async applyPart(part: SinkPart): Promise<void> {
    const digest = this.requireDigest();
    checkPart(part, this.held);
    const next = digest.clone();
    const { state, meta } = this;
    const store: PartStore = {
      // getBinaryFast returns a reused buffer (fine: the value is hashed before the next get)
      // whose `length` is patched over a larger allocation; subarray gives a true-length view.
      get: (key) => {
        const value = state.getBinaryFast(key);
        return value === undefined ? undefined : value.subarray(0, value.length);
      },
      put: (key, value) => {
        state.putSync(key, value);
      },
      remove: (key) => {
        state.removeSync(key);
      },
      // MDB_APPEND: refuses a key that is not above every held key, which means the gateway
      // broke the cursor invariant: the part is aborted. lmdb-js reports the refusal by
      // returning false from putSync (its typings say void; sink-model.test.ts checks it).
      appendEntries: (entries) => {
        for (const { key, value } of entries) {
          const stored: unknown = state.putSync(key, value, APPEND);
          if (stored === false) {
            throw new ProtocolError(
              `part carries key ${key.toString('hex')} not above every key held`,
            );
          }
        }
      },
    };
    let count = this.count;
    // A throw inside transactionSync aborts the whole transaction: nothing of the part stays.
    this.env.transactionSync(() => {
      count += applyPartTo(store, next, part);
      meta.putSync(META_FORMAT, FORMAT);
      meta.putSync(META_CURSOR, Buffer.from(Cursor.encode(part.cursor).finish()));
      meta.putSync(META_LANES, next.lanes());
      meta.putSync(META_ENTRIES, u64(count));
    });
    // Durable before the next part is requested (overlappingSync flushes after the commit).
    await this.env.flushed;
    this.digestState = next;
    this.held = cloneCursor(part.cursor);
    this.count = count;
  }

  async clear(): Promise<void> {
    this.env.transactionSync(() => {
      this.state.clearSync();
      this.meta.clearSync();
    });
    await this.env.flushed;
    this.requireDigest().clear();
    this.held = undefined;
    this.count = 0;
  }

  digest(): Buffer {
    return this.requireDigest().digest();
  }

  entryCount(): number {
    return this.count;
  }

  cursor(): Cursor | undefined {
    return this.held && cloneCursor(this.held);
  }

  *entries(): Iterable<SinkEntry> {
    for (const { key, value } of this.state.getRange({})) yield { key, value };
  }

  /** Every key of the `meta` database (for inspection: format, cursor, lanes, entries). */
  metaKeys(): string[] {
    return [...this.meta.getKeys({})];
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  private requireDigest(): StateDigest {
    if (this.digestState === undefined) throw new Error('LmdbSink: call load() first');
    return this.digestState;
  }
}

function u64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(BigInt(value));
  return buffer;
}

/**
 * The `meta` database of the LMDB engine: one record per field, ASCII keys, binary values.
 *   format                u32 BE  layout version (1)
 *   thread_count          u32 BE
 *   final_history_length  u64 BE
 *   newest_slot           slot key (12 bytes), absent while empty
 *   base_slot             slot key, absent while empty
 *   pending_genesis       slot key, present only while a chunked genesis is unsealed
 *   digest_lanes          2048 bytes (LtHash16 lanes)
 *   entry_count, state_bytes, history_count, history_bytes, commit_seq   u64 BE
 */
import type { Database, Transaction } from 'lmdb';
import { DIGEST_LANES_BYTES, type Slot } from '@massa-bootstrap/core';
import type { StoreMeta } from './history-storage';
import { decodeSlotKey, encodeSlotKey } from './slot-key';

/** Version of the on-disk layout written in `format`. */
export const STORAGE_FORMAT = 1;

const TWO_32 = 2 ** 32;

const KEYS = {
  format: Buffer.from('format'),
  threadCount: Buffer.from('thread_count'),
  finalHistoryLength: Buffer.from('final_history_length'),
  newestSlot: Buffer.from('newest_slot'),
  baseSlot: Buffer.from('base_slot'),
  pendingGenesis: Buffer.from('pending_genesis'),
  lanes: Buffer.from('digest_lanes'),
  entryCount: Buffer.from('entry_count'),
  stateBytes: Buffer.from('state_bytes'),
  historyCount: Buffer.from('history_count'),
  historyBytes: Buffer.from('history_bytes'),
  commitSeq: Buffer.from('commit_seq'),
} as const;

function u32(n: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(n);
  return out;
}

function u64(n: number): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32BE(Math.floor(n / TWO_32), 0);
  out.writeUInt32BE(n % TWO_32, 4);
  return out;
}

function readU64(bytes: Buffer | undefined): number {
  if (bytes === undefined) return 0;
  return bytes.readUInt32BE(0) * TWO_32 + bytes.readUInt32BE(4);
}

/** Reads and writes the metadata records. */
export class LmdbMeta {
  constructor(private readonly db: Database<Buffer, Buffer>) {}

  /** True when the store was never initialized (no `format` record). */
  isNew(transaction?: Transaction): boolean {
    return this.db.get(KEYS.format, transaction && { transaction }) === undefined;
  }

  /** The stored format version, or undefined for a new store. */
  format(transaction?: Transaction): number | undefined {
    return this.db.get(KEYS.format, transaction && { transaction })?.readUInt32BE(0);
  }

  /** Reads every field in `transaction` (the current write transaction when undefined). */
  read(transaction?: Transaction): StoreMeta {
    const options = transaction && { transaction };
    const get = (key: Buffer): Buffer | undefined => this.db.get(key, options);
    const slot = (key: Buffer): Slot | undefined => {
      const bytes = get(key);
      return bytes === undefined ? undefined : decodeSlotKey(bytes);
    };
    return {
      threadCount: get(KEYS.threadCount)?.readUInt32BE(0) ?? 0,
      finalHistoryLength: readU64(get(KEYS.finalHistoryLength)),
      newestSlot: slot(KEYS.newestSlot),
      baseSlot: slot(KEYS.baseSlot),
      pendingGenesis: slot(KEYS.pendingGenesis),
      lanes: get(KEYS.lanes) ?? Buffer.alloc(DIGEST_LANES_BYTES),
      entryCount: readU64(get(KEYS.entryCount)),
      stateBytes: readU64(get(KEYS.stateBytes)),
      historyCount: readU64(get(KEYS.historyCount)),
      historyBytes: readU64(get(KEYS.historyBytes)),
      commitSeq: readU64(get(KEYS.commitSeq)),
    };
  }

  /** Writes every field; must run inside a write transaction. */
  write(meta: StoreMeta): void {
    if (meta.lanes.length !== DIGEST_LANES_BYTES) {
      throw new RangeError(
        `digest lanes must be ${DIGEST_LANES_BYTES} bytes, got ${meta.lanes.length}`,
      );
    }
    const put = (key: Buffer, value: Buffer): void => this.db.putSync(key, value);
    const putSlot = (key: Buffer, slot: Slot | undefined): void => {
      if (slot === undefined) this.db.removeSync(key);
      else put(key, encodeSlotKey(slot));
    };
    put(KEYS.format, u32(STORAGE_FORMAT));
    put(KEYS.threadCount, u32(meta.threadCount));
    put(KEYS.finalHistoryLength, u64(meta.finalHistoryLength));
    putSlot(KEYS.newestSlot, meta.newestSlot);
    putSlot(KEYS.baseSlot, meta.baseSlot);
    putSlot(KEYS.pendingGenesis, meta.pendingGenesis);
    put(KEYS.lanes, meta.lanes);
    put(KEYS.entryCount, u64(meta.entryCount));
    put(KEYS.stateBytes, u64(meta.stateBytes));
    put(KEYS.historyCount, u64(meta.historyCount));
    put(KEYS.historyBytes, u64(meta.historyBytes));
    put(KEYS.commitSeq, u64(meta.commitSeq));
  }
}

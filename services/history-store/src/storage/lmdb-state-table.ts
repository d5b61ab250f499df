/**
 * The state key space on an LMDB database, keeping bytewise key order for every key the
 * contract accepts (up to MAX_KEY_BYTES = 4096) although LMDB keys are limited to 4026 bytes
 * (with 8 KiB pages).
 *
 * Layout: a key of at most SHORT_KEY_MAX bytes is stored as it is. A longer key lives in a
 * *bucket* whose LMDB key is its first SHORT_KEY_MAX bytes followed by one 0x00 byte, and whose
 * value lists the bucket's (suffix, value) pairs sorted by suffix:
 *   repeat { u32 BE suffix length | suffix | u32 BE value length | value }.
 * Order is preserved: every key sharing a bucket's prefix is longer than SHORT_KEY_MAX, so it
 * sorts after the short key equal to the prefix and before any key that differs within the
 * prefix, exactly like the bucket's LMDB key does. Buckets only exist for pathological keys
 * (Massa keys are a few hundred bytes at most), so their read-modify-write cost is irrelevant.
 */
import type { Database, Transaction } from 'lmdb';
import type { StoredEntry } from './history-storage';

/** Longest key stored directly; a bucket key is one byte longer (<= 4026 with 8 KiB pages). */
export const SHORT_KEY_MAX = 4000;

interface BucketItem {
  suffix: Buffer;
  value: Buffer;
}

function bucketKeyOf(key: Uint8Array): Buffer {
  const out = Buffer.alloc(SHORT_KEY_MAX + 1);
  out.set(key.subarray(0, SHORT_KEY_MAX));
  return out;
}

function isBucketKey(lmdbKey: Uint8Array): boolean {
  return lmdbKey.length === SHORT_KEY_MAX + 1;
}

function decodeBucket(bytes: Buffer): BucketItem[] {
  const items: BucketItem[] = [];
  let at = 0;
  while (at < bytes.length) {
    const suffixLength = bytes.readUInt32BE(at);
    const suffix = bytes.subarray(at + 4, at + 4 + suffixLength);
    at += 4 + suffixLength;
    const valueLength = bytes.readUInt32BE(at);
    const value = bytes.subarray(at + 4, at + 4 + valueLength);
    at += 4 + valueLength;
    items.push({ suffix, value });
  }
  return items;
}

function encodeBucket(items: readonly BucketItem[]): Buffer {
  const parts: Buffer[] = [];
  for (const { suffix, value } of items) {
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(suffix.length);
    const valueHeader = Buffer.allocUnsafe(4);
    valueHeader.writeUInt32BE(value.length);
    parts.push(header, suffix, valueHeader, value);
  }
  return Buffer.concat(parts);
}

/** Index of `suffix` in sorted `items`, or -(insertion point) - 1. */
function search(items: readonly BucketItem[], suffix: Uint8Array): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = Buffer.compare(items[mid]!.suffix, suffix);
    if (cmp === 0) return mid;
    if (cmp < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** `bytes` as a Buffer (lmdb-js binary keys must be Buffers), without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * The getRange options of the entries after `after`: a short cursor is never a bucket key
 * (lengths differ), so start strictly after it; a long cursor starts at its own bucket, whose
 * items up to the cursor the caller skips.
 */
function rangeAfter(
  after: Buffer,
  transaction: Transaction | undefined,
): { start?: Buffer; exclusiveStart?: boolean; transaction?: Transaction } {
  const long = after.length > SHORT_KEY_MAX;
  return {
    ...(after.length === 0
      ? {}
      : { start: long ? bucketKeyOf(after) : after, exclusiveStart: !long }),
    ...(transaction === undefined ? {} : { transaction }),
  };
}

/**
 * Keys and values as views instead of copies, for scans: an lmdb-js key encoder (`keyEncoder`,
 * documented as custom key encoding) and value decoder (`encoder` with `decode`) that record
 * where the current entry lies in lmdb-js's reusable buffers and return only sizes. lmdb-js
 * hands a key encoder its shared key buffer and a decoder that does not declare
 * `needsStableBuffer` its reusable value buffer (or a view of the memory map), both valid
 * until the next read; the scan copies each entry out before moving on. The handle using them
 * only reads: writes go through the binary handle. Keys are written like lmdb-js's binary keys
 * (the bytes as they are), so both handles see the same database.
 */
export class EntryViews {
  private keySource: Uint8Array = new Uint8Array(0);
  private keyStart = 0;
  private keyEnd = 0;
  private valueSource: Uint8Array = new Uint8Array(0);
  private valueSize = 0;

  /** The lmdb-js key encoder of the view handle. */
  readonly keyEncoder = {
    writeKey: (key: Uint8Array, target: Uint8Array, start: number): number => {
      target.set(key, start);
      return start + key.length;
    },
    readKey: (source: Uint8Array, start: number, end: number): number => {
      this.keySource = source;
      this.keyStart = start;
      this.keyEnd = end;
      return end - start;
    },
  };

  /** The lmdb-js value decoder of the view handle. */
  readonly encoder = {
    decode: (bytes: Uint8Array, size: number): number => {
      this.valueSource = bytes;
      this.valueSize = size;
      return size;
    },
    encode: (): never => {
      throw new Error('the view handle of the state table is read-only');
    },
  };

  /** The current key as an exact view. */
  key(): Uint8Array {
    return this.keySource.subarray(this.keyStart, this.keyEnd);
  }

  /**
   * The current value as an exact view. lmdb-js sets the `length` property of its reusable
   * buffer to the value's size while the memory behind it is larger, so TypedArray.set() and
   * Buffer.copy() would read past the value: always go through a fresh view.
   */
  value(): Uint8Array {
    return this.valueSource.subarray(0, this.valueSize);
  }
}

/** The state table over one LMDB database opened with binary keys and values. */
export class LmdbStateTable {
  /**
   * @param db the state database, binary keys and values
   * @param viewDb the same database opened with `views`' key encoder and value decoder (for
   *   scan(); optional, scan() then copies like after())
   * @param views the encoders of `viewDb`
   */
  constructor(
    private readonly db: Database<Buffer, Buffer>,
    private readonly viewDb?: Database<number, Buffer>,
    private readonly views?: EntryViews,
  ) {}

  /**
   * The value of `key` in the current write transaction, without a copy: a view of lmdb-js's
   * shared read buffer, overwritten by the next read. Bucketed keys are decoded (a copy).
   */
  peek(key: Uint8Array): Uint8Array | undefined {
    if (key.length > SHORT_KEY_MAX) return this.get(key);
    const shared = this.db.getBinaryFast(asBuffer(key));
    // That buffer's `length` property is the value's size but its real length is the buffer's
    // capacity, which TypedArray.set() and friends would use: hand out an exact view.
    return shared === undefined ? undefined : shared.subarray(0, shared.length);
  }

  /** The value of `key` in `transaction` (the current write transaction when undefined). */
  get(key: Uint8Array, transaction?: Transaction): Buffer | undefined {
    const options = transaction === undefined ? undefined : { transaction };
    if (key.length <= SHORT_KEY_MAX) return this.db.get(asBuffer(key), options);
    const bucket = this.db.get(bucketKeyOf(key), options);
    if (bucket === undefined) return undefined;
    const items = decodeBucket(bucket);
    const index = search(items, key.subarray(SHORT_KEY_MAX));
    return index >= 0 ? Buffer.from(items[index]!.value) : undefined;
  }

  /** Sets `key`; must run inside a write transaction. */
  put(key: Uint8Array, value: Uint8Array): void {
    const valueBuffer = asBuffer(value);
    if (key.length <= SHORT_KEY_MAX) {
      this.db.putSync(asBuffer(key), valueBuffer);
      return;
    }
    const bucketKey = bucketKeyOf(key);
    const existing = this.db.get(bucketKey);
    const items = existing === undefined ? [] : decodeBucket(existing);
    const suffix = Buffer.from(key.subarray(SHORT_KEY_MAX));
    const index = search(items, suffix);
    if (index >= 0) items[index] = { suffix, value: valueBuffer };
    else items.splice(-index - 1, 0, { suffix, value: valueBuffer });
    this.db.putSync(bucketKey, encodeBucket(items));
  }

  /** Removes `key` if present; must run inside a write transaction. */
  remove(key: Uint8Array): void {
    if (key.length <= SHORT_KEY_MAX) {
      this.db.removeSync(asBuffer(key));
      return;
    }
    const bucketKey = bucketKeyOf(key);
    const existing = this.db.get(bucketKey);
    if (existing === undefined) return;
    const items = decodeBucket(existing);
    const index = search(items, key.subarray(SHORT_KEY_MAX));
    if (index < 0) return;
    items.splice(index, 1);
    if (items.length === 0) this.db.removeSync(bucketKey);
    else this.db.putSync(bucketKey, encodeBucket(items));
  }

  /** Removes every entry; must run inside a write transaction. */
  clear(): void {
    this.db.clearSync();
  }

  /** Entries with a key strictly greater than `afterKey`, in bytewise key order. */
  *after(afterKey: Uint8Array, transaction?: Transaction): Generator<StoredEntry> {
    const after = asBuffer(afterKey);
    const long = after.length > SHORT_KEY_MAX;
    const range = this.db.getRange(rangeAfter(after, transaction));
    for (const { key, value } of range) {
      if (!isBucketKey(key)) {
        yield { key, value };
        continue;
      }
      const prefix = key.subarray(0, SHORT_KEY_MAX);
      for (const item of decodeBucket(value)) {
        const full = Buffer.concat([prefix, item.suffix]);
        if (long && Buffer.compare(full, after) <= 0) continue;
        yield { key: full, value: Buffer.from(item.value) };
      }
    }
  }

  /**
   * Visits the entries of after(afterKey) until `visit` returns false, inside `transaction`.
   * With a view handle, keys and values are views valid only during the call (copies
   * otherwise). Stops the cursor on return.
   */
  scan(
    afterKey: Uint8Array,
    transaction: Transaction | undefined,
    visit: (key: Uint8Array, value: Uint8Array) => boolean,
  ): void {
    const viewDb = this.viewDb;
    const views = this.views;
    if (viewDb === undefined || views === undefined) {
      for (const { key, value } of this.after(afterKey, transaction)) {
        if (!visit(key, value)) return;
      }
      return;
    }
    const after = asBuffer(afterKey);
    const long = after.length > SHORT_KEY_MAX;
    const iterator = viewDb.getRange(rangeAfter(after, transaction))[Symbol.iterator]();
    try {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        const key = views.key();
        if (!isBucketKey(key)) {
          if (!visit(key, views.value())) return;
          continue;
        }
        const prefix = Buffer.from(key.subarray(0, SHORT_KEY_MAX));
        for (const item of decodeBucket(Buffer.from(views.value()))) {
          const full = Buffer.concat([prefix, item.suffix]);
          if (long && Buffer.compare(full, after) <= 0) continue;
          if (!visit(full, item.value)) return;
        }
      }
    } finally {
      iterator.return?.();
    }
  }
}

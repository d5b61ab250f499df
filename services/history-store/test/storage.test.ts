/**
 * The LMDB engine: slot key encoding (fixed vectors), bytewise order for every key the contract
 * accepts (long keys in buckets), per-unit rollback inside batched commits, snapshots, and
 * retention applied when a store is reopened with a shorter history.
 */
import { MemoryState, compareSlots, type Slot } from '@massa-bootstrap/core';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import { SHORT_KEY_MAX } from '../src/storage/lmdb-state-table';
import { openLmdbStorage, type LmdbStorage } from '../src/storage/lmdb-storage';
import { emptyStoreMeta, type StoreMeta } from '../src/storage/history-storage';
import { decodeSlotKey, encodeSlotKey } from '../src/storage/slot-key';
import { getStatus, ingest } from './support/client';
import { startStore } from './support/fixture';
import { Scenario, entriesHex, prng } from './support/scenario';

const EMPTY_META: StoreMeta = emptyStoreMeta(4, 10);

/** Every entry of scanStateAfter(after), copied out of the views it hands over. */
function scanAll(storage: LmdbStorage, after: Buffer): { key: Buffer; value: Buffer }[] {
  const out: { key: Buffer; value: Buffer }[] = [];
  storage.read((r) =>
    r.scanStateAfter(after, (key, value) => {
      out.push({ key: Buffer.from(key), value: Buffer.from(value) });
      return true;
    }),
  );
  return out;
}

describe('slot keys', () => {
  it.each([
    [{ period: 0, thread: 0 }, '000000000000000000000000'],
    [{ period: 1, thread: 2 }, '000000000000000100000002'],
    [{ period: 2 ** 32, thread: 31 }, '00000001000000000000001f'],
    [{ period: Number.MAX_SAFE_INTEGER, thread: 255 }, '001fffffffffffff000000ff'],
  ])('encodes %j as %s and back', (slot, hex) => {
    expect(encodeSlotKey(slot).toString('hex')).toBe(hex);
    expect(decodeSlotKey(Buffer.from(hex, 'hex'))).toEqual(slot);
  });

  it('orders bytewise exactly like slots', () => {
    const random = prng(99);
    const slots: Slot[] = Array.from({ length: 500 }, () => ({
      period: Math.floor(random() * 2 ** (random() < 0.5 ? 8 : 53)),
      thread: Math.floor(random() * 32),
    }));
    const bySlot = [...slots].sort(compareSlots);
    const byKey = [...slots].sort((a, b) => Buffer.compare(encodeSlotKey(a), encodeSlotKey(b)));
    expect(byKey).toEqual(bySlot);
  });
});

describe('LMDB storage', () => {
  let dir: TempDir;
  let storage: LmdbStorage;

  beforeEach(async () => {
    dir = await makeTempDir('history-store-storage-');
    storage = await openLmdbStorage({ path: dir.path, initialMeta: EMPTY_META });
  });
  afterEach(async () => {
    await storage.close();
    await dir.cleanup();
  });

  it('keeps bytewise order and values for keys up to 4096 bytes (long keys share buckets)', async () => {
    const random = prng(7);
    const prefix = Buffer.alloc(SHORT_KEY_MAX, 0x61);
    const model = new MemoryState();
    const randomKey = (): Buffer => {
      const kind = random();
      if (kind < 0.3) return Buffer.from(`k/${Math.floor(random() * 50)}`);
      // Keys around and beyond the bucket boundary, many sharing the same long prefix.
      const length = SHORT_KEY_MAX - 2 + Math.floor(random() * (4096 - SHORT_KEY_MAX + 3));
      const key = Buffer.alloc(length);
      prefix.copy(key, 0, 0, Math.min(length, SHORT_KEY_MAX));
      if (random() < 0.5 && length > 0)
        key[Math.floor(random() * Math.min(length, SHORT_KEY_MAX))] = 0x62;
      for (let i = SHORT_KEY_MAX; i < length; i++) key[i] = Math.floor(random() * 3);
      return key;
    };
    for (let round = 0; round < 20; round++) {
      const ops = Array.from({ length: 30 }, () => ({
        key: randomKey(),
        remove: random() < 0.3,
        value: Buffer.from([round, Math.floor(random() * 256)]),
      }));
      await storage.write((w) => {
        for (const op of ops) {
          if (op.remove) {
            w.deleteState(op.key);
            model.remove(op.key);
          } else {
            w.putState(op.key, op.value);
            model.put(op.key, op.value);
          }
        }
      });
    }
    const all = storage.read((r) => [...r.stateAfter(Buffer.alloc(0))]);
    expect(entriesHex(all)).toEqual(entriesHex(model.entries()));
    expect(all.some((e) => e.key.length > SHORT_KEY_MAX)).toBe(true);
    // Every cursor position, short or long, resumes exactly after itself.
    const sorted = model.entries();
    for (let i = 0; i < sorted.length; i += 3) {
      const after = storage.read((r) => [...r.stateAfter(sorted[i]!.key)]);
      expect(entriesHex(after)).toEqual(entriesHex(sorted.slice(i + 1)));
      expect(storage.read((r) => r.getState(sorted[i]!.key))).toEqual(sorted[i]!.value);
    }
    const missing = Buffer.concat([prefix, Buffer.from([9, 9, 9])]);
    expect(storage.read((r) => r.getState(missing))).toBeUndefined();
    // The copy-free scan visits exactly the same entries from every cursor.
    for (let i = -1; i < sorted.length; i += 2) {
      const after = i < 0 ? Buffer.alloc(0) : sorted[i]!.key;
      expect(entriesHex(scanAll(storage, after))).toEqual(entriesHex(sorted.slice(i + 1)));
    }
  });

  it('scans values of every size as exact views, stopping when told to', async () => {
    // Sizes around lmdb-js's reusable read buffer and its large-value paths.
    const sizes = [0, 1, 100, 4095, 8192, 65_536, 262_145, 1_048_577, 9_000_000];
    const random = prng(3);
    const entries = sizes.map((size, i) => ({
      key: Buffer.from(`v/${String(i).padStart(2, '0')}`),
      value: Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256))),
    }));
    await storage.write((w) => {
      for (const e of entries) w.putState(e.key, e.value);
    });
    expect(entriesHex(scanAll(storage, Buffer.alloc(0)))).toEqual(entriesHex(entries));
    expect(entriesHex(scanAll(storage, entries[3]!.key))).toEqual(entriesHex(entries.slice(4)));
    const visited: string[] = [];
    storage.read((r) =>
      r.scanStateAfter(Buffer.alloc(0), (key) => {
        visited.push(Buffer.from(key).toString());
        return visited.length < 3;
      }),
    );
    expect(visited).toEqual(['v/00', 'v/01', 'v/02']);
  });

  it('rolls back only the unit that throws, even inside one batched commit', async () => {
    const results = await Promise.allSettled([
      storage.write((w) => w.putState(Buffer.from('a'), Buffer.from('1'))),
      storage.write((w) => {
        w.putState(Buffer.from('b'), Buffer.from('2'));
        w.putHistory({ period: 1, thread: 0 }, Buffer.from('h'));
        throw new Error('refused');
      }),
      storage.write((w) =>
        w.putState(Buffer.from('c'), w.getState(Buffer.from('a')) ?? Buffer.from('?')),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(
      storage.read((r) => [...r.stateAfter(Buffer.alloc(0))].map((e) => `${e.key}=${e.value}`)),
    ).toEqual(['a=1', 'c=1']);
    expect(storage.read((r) => r.getHistory({ period: 1, thread: 0 }))).toBeUndefined();
  });

  it('refuses asynchronous read callbacks (a snapshot cannot outlive its callback)', () => {
    expect(() => storage.read(async () => 1)).toThrow(/synchronous/);
  });
});

describe('retention on reopen', () => {
  it('trims to a shorter configured history at start-up', async () => {
    const scenario = new Scenario({ seed: 2, keySpace: 50, changesPerSlot: 5, genesisEntries: 10 });
    const first = await startStore({ threadCount: 4, finalHistoryLength: 50 });
    await ingest(first.client, scenario.messages(0, 41));
    expect((await getStatus(first.client)).effectiveHistoryLength).toBe(40);
    await first.stop();
    const second = await startStore({ threadCount: 4, finalHistoryLength: 10 }, first.dir);
    const s = await getStatus(second.client);
    expect(s.effectiveHistoryLength).toBe(10);
    expect(s.finalHistoryLength).toBe(10);
    expect(s.oldestSlot).toEqual(scenario.slotAt(31));
    await second.dispose();
  });
});

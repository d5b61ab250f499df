import type { KeyChange } from '@massa-bootstrap/proto';
import {
  applyChanges,
  changeValue,
  createStateDigest,
  filterChangesToMaxKey,
  InvalidArgumentError,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  MemoryState,
  slotChangesProblems,
  type KeyChangeLike,
  type KeyValueWriter,
  type StateDigest,
} from '../src/index';

const b = (text: string): Buffer => Buffer.from(text);
const set = (key: string | Buffer, value: string | Buffer): KeyChangeLike => ({
  key: typeof key === 'string' ? b(key) : key,
  change: { $case: 'setValue', value: typeof value === 'string' ? b(value) : value },
});
const del = (key: string | Buffer): KeyChangeLike => ({
  key: typeof key === 'string' ? b(key) : key,
  change: { $case: 'delete', value: {} },
});
const neither = (key: string): KeyChangeLike => ({ key: b(key) });

/** The digest of a state recomputed from scratch. */
async function digestOfState(state: MemoryState): Promise<StateDigest> {
  const d = await createStateDigest();
  d.addMany(state.entries());
  return d;
}

describe('changeValue', () => {
  it('gives the value of a set, undefined for a delete, and throws for neither', () => {
    expect(changeValue(set('k', 'v'))).toEqual(b('v'));
    expect(changeValue(del('k'))).toBeUndefined();
    expect(() => changeValue(neither('k'))).toThrow(InvalidArgumentError);
  });
});

describe('applyChanges', () => {
  it('inserts, overwrites and deletes, keeping the digest equal to a recomputation', async () => {
    const state = new MemoryState();
    const digest = await createStateDigest();
    expect(applyChanges(state, [set('a', '1'), set('b', '2'), set('c', '3')], digest)).toEqual({
      sets: 3,
      deletes: 0,
    });
    const result = applyChanges(state, [set('a', '10'), del('b'), set('d', '4')], digest);
    expect(result).toEqual({ sets: 2, deletes: 1 });
    expect(state.entries().map((e) => [e.key.toString(), e.value.toString()])).toEqual([
      ['a', '10'],
      ['c', '3'],
      ['d', '4'],
    ]);
    expect(digest.digestHex()).toBe((await digestOfState(state)).digestHex());
  });

  it('treats a delete of an absent key as a no-op', async () => {
    const state = new MemoryState();
    state.put(b('a'), b('1'));
    const digest = await digestOfState(state);
    const before = digest.digestHex();
    expect(applyChanges(state, [del('zz')], digest)).toEqual({ sets: 0, deletes: 0 });
    expect(state.size).toBe(1);
    expect(digest.digestHex()).toBe(before);
  });

  it('works without a digest', () => {
    const state = new MemoryState();
    applyChanges(state, [set('k', 'v')]);
    expect(state.get(b('k'))).toEqual(b('v'));
  });

  it('rejects a change with neither set nor delete before writing anything', async () => {
    const state = new MemoryState();
    const digest = await createStateDigest();
    expect(() => applyChanges(state, [set('a', '1'), neither('b')], digest)).toThrow(
      /changes\[1\]/,
    );
    expect(state.size).toBe(0);
    expect(digest.isEmpty()).toBe(true);
  });

  it('updates the digest before writing, so a target that reuses its read buffer is safe', async () => {
    // Like an LMDB reader: get() returns a shared buffer that the next write overwrites.
    const inner = new MemoryState();
    const scratch = Buffer.alloc(64);
    const reusing: KeyValueWriter = {
      get(key) {
        const value = inner.get(key);
        if (value === undefined) return undefined;
        value.copy(scratch);
        return scratch.subarray(0, value.length);
      },
      put(key, value) {
        scratch.fill(0xee);
        inner.put(key, value);
      },
      remove(key) {
        scratch.fill(0xee);
        inner.remove(key);
      },
    };
    const digest = await createStateDigest();
    applyChanges(reusing, [set('a', 'first'), set('b', 'x')], digest);
    applyChanges(reusing, [set('a', 'second'), del('b')], digest);
    expect(digest.digestHex()).toBe((await digestOfState(inner)).digestHex());
  });

  it('accepts the generated wire KeyChange as it is', async () => {
    const wire: KeyChange[] = [
      { key: b('k1'), change: { $case: 'setValue', value: b('v1') } },
      { key: b('k1'), change: { $case: 'delete', value: {} } },
      { key: b('k2'), change: { $case: 'setValue', value: b('v2') } },
    ];
    const state = new MemoryState();
    const digest = await createStateDigest();
    expect(applyChanges(state, wire, digest)).toEqual({ sets: 2, deletes: 1 });
    expect(filterChangesToMaxKey(wire, b('k1'))).toHaveLength(2);
    expect(slotChangesProblems(wire, 32, { period: 1, thread: 0 })).toHaveLength(1);
    expect(digest.digestHex()).toBe((await digestOfState(state)).digestHex());
  });

  it('keeps the digest equal to a recomputation over many random slots', async () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const state = new MemoryState();
    const digest = await createStateDigest();
    for (let slot = 0; slot < 50; slot++) {
      const keys = new Set<number>();
      const changes: KeyChangeLike[] = [];
      for (let i = 0; i < 20; i++) {
        const k = random(60);
        if (keys.has(k)) continue;
        keys.add(k);
        const key = `ledger/${k}`;
        changes.push(random(3) === 0 ? del(key) : set(key, Buffer.alloc(random(200), slot)));
      }
      expect(slotChangesProblems(changes, 32, { period: slot, thread: 0 })).toEqual([]);
      applyChanges(state, changes, digest);
    }
    expect(digest.digestHex()).toBe((await digestOfState(state)).digestHex());
  });
});

describe('filterChangesToMaxKey', () => {
  const changes = [
    set('b', '1'),
    del('a'),
    set('ab', '2'),
    set(Buffer.from([0x80]), '3'),
    set('c', '4'),
  ];
  const keys = (cs: readonly KeyChangeLike[]): string[] =>
    cs.map((c) => Buffer.from(c.key).toString('hex'));

  it('keeps keys <= maxKey bytewise, in the original order', () => {
    expect(keys(filterChangesToMaxKey(changes, b('ab')))).toEqual(keys(changes.slice(1, 3)));
    expect(keys(filterChangesToMaxKey(changes, b('b')))).toEqual(keys(changes.slice(0, 3)));
  });

  it('compares bytes unsigned and keeps everything below a high key', () => {
    expect(filterChangesToMaxKey(changes, Buffer.from([0x7f]))).toHaveLength(4);
    expect(filterChangesToMaxKey(changes, Buffer.from([0x80]))).toHaveLength(5);
  });

  it('keeps nothing for an empty maxKey', () => {
    expect(filterChangesToMaxKey(changes, Buffer.alloc(0))).toEqual([]);
  });
});

describe('slotChangesProblems', () => {
  const slot = { period: 10, thread: 3 };

  it('accepts valid changes', () => {
    expect(slotChangesProblems([set('a', '1'), del('b')], 32, slot)).toEqual([]);
    expect(slotChangesProblems([], 32, slot)).toEqual([]);
  });

  it('reports an invalid or missing slot on its own field', () => {
    const fields = (s: { period: number; thread: number } | undefined): string[] =>
      slotChangesProblems([], 32, s).map((p) => p.field);
    expect(fields({ period: 1, thread: 32 })).toEqual(['slot.thread']);
    expect(fields({ period: -1, thread: 0 })).toEqual(['slot.period']);
    expect(fields({ period: 1.5, thread: 40 })).toEqual(['slot.period', 'slot.thread']);
    expect(fields(undefined)).toEqual(['slot']);
  });

  it('reports bad keys, oversize values, duplicates and empty changes with their index', () => {
    const problems = slotChangesProblems(
      [
        set('a', '1'),
        set(Buffer.alloc(0), '1'),
        set(Buffer.alloc(MAX_KEY_BYTES + 1, 1), '1'),
        set('v', Buffer.alloc(MAX_VALUE_BYTES + 1)),
        del('a'),
        neither('n'),
      ],
      32,
      slot,
    );
    expect(problems.map((p) => p.field)).toEqual([
      'changes[1].key',
      'changes[2].key',
      'changes[3].set_value',
      'changes[4].key',
      'changes[5].change',
    ]);
    expect(problems[3]?.description).toMatch(/changes\[0\]/);
  });

  it('accepts the limits exactly', () => {
    const changes = [set(Buffer.alloc(MAX_KEY_BYTES, 1), Buffer.alloc(MAX_VALUE_BYTES))];
    expect(slotChangesProblems(changes, 32, slot)).toEqual([]);
  });

  it('prefixes every field with the given path', () => {
    const problems = slotChangesProblems([neither('x')], 32, { period: 0, thread: 99 }, 'ingest.');
    expect(problems.map((p) => p.field)).toEqual([
      'ingest.slot.thread',
      'ingest.changes[0].change',
    ]);
  });
});

describe('MemoryState', () => {
  it('lists entries in bytewise key order (unsigned, prefix first)', () => {
    const state = new MemoryState();
    for (const key of [
      b('b'),
      Buffer.from([0xff]),
      b('a'),
      b('ab'),
      Buffer.from([0x00]),
      Buffer.from([0x80, 1]),
    ]) {
      state.put(key, b('v'));
    }
    expect(state.entries().map((e) => e.key.toString('hex'))).toEqual([
      '00',
      '61',
      '6162',
      '62',
      '8001',
      'ff',
    ]);
  });

  it('stores copies, counts keys, removes and clears', () => {
    const state = new MemoryState();
    const value = b('value');
    state.put(b('k'), value);
    value.fill(0);
    expect(state.get(b('k'))).toEqual(b('value'));
    expect(state.has(b('k'))).toBe(true);
    state.put(b('k'), b('other'));
    state.put(b('j'), b('1'));
    expect(state.size).toBe(2);
    state.remove(b('absent'));
    state.remove(b('k'));
    expect(state.get(b('k'))).toBeUndefined();
    expect(state.size).toBe(1);
    state.clear();
    expect(state.size).toBe(0);
    expect(state.entries()).toEqual([]);
  });

  it('finds keys given as views into larger buffers', () => {
    const state = new MemoryState();
    const big = Buffer.from('xxkeyxx');
    state.put(big.subarray(2, 5), b('v'));
    expect(state.get(b('key'))).toEqual(b('v'));
  });
});

import { createHash } from 'node:crypto';
import {
  createDevnetPlan,
  chunkEntries,
  genesisEntries,
  massaId,
  slotAt,
  slotChanges,
  slotIndex,
  type DevnetPlanOptions,
} from '@massa-bootstrap/devnet-producer';

const options: DevnetPlanOptions = {
  seed: 'genesis-test',
  initialEntries: 5000,
  changesPerSlot: 100,
  threadCount: 32,
};

function fingerprint(entries: Iterable<{ key: Buffer; value: Buffer }>): {
  count: number;
  sha: string;
} {
  const hash = createHash('sha256');
  let count = 0;
  for (const e of entries) {
    count++;
    hash.update(`${e.key.length}:`).update(e.key).update(`${e.value.length}:`).update(e.value);
  }
  return { count, sha: hash.digest('hex') };
}

describe('genesis', () => {
  it('is a pure function of the seed and sizes: same seed, same entries', () => {
    const a = fingerprint(genesisEntries(createDevnetPlan(options)));
    const b = fingerprint(genesisEntries(createDevnetPlan(options)));
    expect(a).toEqual(b);
    expect(a.count).toBe(options.initialEntries);
    const other = fingerprint(
      genesisEntries(createDevnetPlan({ ...options, seed: 'another seed' })),
    );
    expect(other.count).toBe(options.initialEntries);
    expect(other.sha).not.toBe(a.sha);
  });

  it('holds exactly DEVNET_INITIAL_ENTRIES distinct keys, for small and odd sizes too', () => {
    for (const initialEntries of [1, 2, 7, 150, 1999]) {
      const keys = new Set<string>();
      let count = 0;
      for (const e of genesisEntries(createDevnetPlan({ ...options, initialEntries }))) {
        count++;
        keys.add(e.key.toString('latin1'));
      }
      expect(count).toBe(initialEntries);
      expect(keys.size).toBe(initialEntries);
    }
  });

  it('is shaped like a Massa final state, with realistic key formats and value sizes', () => {
    const byNamespace = new Map<string, { count: number; min: number; max: number }>();
    const formats = {
      balance: /^ledger\/A[US]1[1-9A-HJ-NP-Za-km-z]{45,52}\/balance$/,
      bytecode: /^ledger\/AS1[1-9A-HJ-NP-Za-km-z]{45,52}\/bytecode$/,
      datastore: /^ledger\/AS1[1-9A-HJ-NP-Za-km-z]{45,52}\/datastore\/[0-9a-f]{16}$/,
      async_pool: /^async_pool\/[0-9a-f]{24}$/,
      executed_ops: /^executed_ops\/O1[1-9A-HJ-NP-Za-km-z]{45,52}$/,
      cycle_history: /^cycle_history\/\d+$/,
      deferred_credits: /^deferred_credits\/\d+:\d+\/A[US]1[1-9A-HJ-NP-Za-km-z]{45,52}$/,
    };
    for (const { key, value } of genesisEntries(createDevnetPlan(options))) {
      const text = key.toString();
      const kind = Object.entries(formats).find(([, re]) => re.test(text))?.[0];
      if (kind === undefined) throw new Error(`unexpected key ${text}`);
      const s = byNamespace.get(kind) ?? { count: 0, min: Infinity, max: 0 };
      s.count++;
      s.min = Math.min(s.min, value.length);
      s.max = Math.max(s.max, value.length);
      byNamespace.set(kind, s);
    }
    expect([...byNamespace.keys()].sort()).toEqual(Object.keys(formats).sort());
    expect(byNamespace.get('balance')).toMatchObject({ min: 8, max: 16 });
    expect(byNamespace.get('bytecode')?.min).toBeGreaterThanOrEqual(1024);
    expect(byNamespace.get('bytecode')?.max).toBeLessThanOrEqual(8192);
    expect(byNamespace.get('cycle_history')?.count).toBe(1);
    expect(byNamespace.get('executed_ops')?.count).toBeGreaterThan(options.initialEntries * 0.05);
  });

  it('comes in chunks bounded by entries and bytes', () => {
    const chunks = [
      ...chunkEntries(genesisEntries(createDevnetPlan(options)), {
        maxEntries: 700,
        maxBytes: 64 * 1024,
      }),
    ];
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(options.initialEntries);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(700);
      const bytes = chunk.reduce((n, e) => n + e.key.length + e.value.length, 0);
      const last = chunk[chunk.length - 1];
      expect(bytes - (last ? last.key.length + last.value.length : 0)).toBeLessThan(64 * 1024);
    }
  });
});

describe('slot changes', () => {
  const plan = createDevnetPlan(options);

  it('are a pure function of (plan, slot) with at most one change per key', () => {
    for (const index of [1, 2, 33, 500, 4097]) {
      const a = slotChanges(plan, index);
      const b = slotChanges(createDevnetPlan(options), index);
      expect(b).toEqual(a);
      expect(a.length).toBe(options.changesPerSlot);
      expect(new Set(a.map((c) => c.key.toString('latin1'))).size).toBe(a.length);
    }
    expect(slotChanges(plan, 2)).not.toEqual(slotChanges(plan, 3));
  });

  it('delete keys of the genesis and of earlier slots (expiry), and insert new ones', () => {
    const state = new Set<string>();
    for (const e of genesisEntries(plan)) state.add(e.key.toString('latin1'));
    let rollingDeletes = 0;
    let inserts = 0;
    for (let index = 1; index <= 200; index++) {
      for (const c of slotChanges(plan, index)) {
        const key = c.key.toString('latin1');
        if (c.change?.$case === 'delete') {
          if (!key.startsWith('ledger/')) {
            // Expired operations, consumed messages, paid credits: always existing keys.
            expect(state.has(key)).toBe(true);
            rollingDeletes++;
          }
          state.delete(key);
        } else {
          if (!state.has(key)) inserts++;
          state.add(key);
        }
      }
    }
    expect(rollingDeletes).toBeGreaterThan(200 * 20);
    expect(inserts).toBeGreaterThan(200 * 20);
  });

  it('number slots like Massa: genesis at the last thread of period 0, then 32 threads a period', () => {
    expect(plan.genesisSlot).toEqual({ period: 0, thread: 31 });
    expect(slotAt(plan, 1)).toEqual({ period: 1, thread: 0 });
    expect(slotAt(plan, 32)).toEqual({ period: 1, thread: 31 });
    expect(slotAt(plan, 33)).toEqual({ period: 2, thread: 0 });
    expect(slotIndex(plan, { period: 2, thread: 0 })).toBe(33);
  });

  it('use Massa-style identifiers', () => {
    expect(massaId('AU', Buffer.alloc(32))).toMatch(/^AU1[1-9A-HJ-NP-Za-km-z]+$/);
    expect(massaId('O', Buffer.alloc(32, 0xff))).toMatch(/^O1[1-9A-HJ-NP-Za-km-z]+$/);
  });
});

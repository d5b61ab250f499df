/**
 * Acceptance: each malformed or out-of-order slot returns its documented status and details
 * and leaves the store unchanged (digest, newest slot, state and history compared).
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { MAX_VALUE_BYTES, nextSlot, type Slot } from '@massa-bootstrap/core';
import { SlotChanges, type KeyChange } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { append, getStatus, ingest, readAllState, streamChanges } from './support/client';
import { startStore, type StoreFixture } from './support/fixture';
import { Scenario, entriesHex, keyOf } from './support/scenario';

const HISTORY = 10;

function set(key: Buffer, value: Buffer): KeyChange {
  return { key, change: { $case: 'setValue', value } };
}

async function snapshot(store: StoreFixture, oldest: Slot): Promise<string> {
  const s = await getStatus(store.client);
  const state = await readAllState(store.client);
  const history = await streamChanges(store.client, { afterSlot: { period: 0, thread: 0 } });
  const historyFrom = await streamChanges(store.client, { afterSlot: oldest });
  return JSON.stringify({
    digest: s.stateDigest.toString('hex'),
    newest: s.newestSlot,
    oldest: s.oldestSlot,
    effective: s.effectiveHistoryLength,
    entries: s.entryCount,
    stateBytes: s.stateBytes,
    historyBytes: s.historyBytes,
    state: entriesHex(state.entries),
    historyError: history.error?.code,
    history: historyFrom.messages.map((m) =>
      Buffer.from(SlotChanges.encode(m).finish()).toString('hex'),
    ),
  });
}

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail');
}

describe('bad input leaves the store unchanged', () => {
  let store: StoreFixture;
  const scenario = new Scenario({ seed: 11, keySpace: 60, changesPerSlot: 8, genesisEntries: 40 });
  const SLOTS = 20;
  // A slot after a gap, so that a never-stored slot below the newest exists.
  const farSlot: Slot = { period: scenario.slotAt(SLOTS).period + 3, thread: 1 };
  const gapSlot = nextSlot(scenario.slotAt(SLOTS), scenario.threadCount);
  let before: string;
  let oldest: Slot;

  beforeAll(async () => {
    store = await startStore({ finalHistoryLength: HISTORY, threadCount: scenario.threadCount });
    await ingest(store.client, scenario.messages(0, SLOTS + 1));
    await append(store.client, {
      slot: farSlot,
      changes: [set(keyOf(1), Buffer.from('far'))],
      stateDigest: Buffer.alloc(0),
    });
    oldest = (await getStatus(store.client)).oldestSlot!;
    before = await snapshot(store, scenario.slotAt(SLOTS - HISTORY + 1));
  });
  afterAll(async () => {
    await store.dispose();
  });

  const next: Slot = { period: farSlot.period, thread: 2 };
  const malformed: { name: string; message: () => SlotChanges; field: string }[] = [
    {
      name: 'thread >= thread_count',
      message: () => ({
        slot: { period: farSlot.period + 1, thread: 4 },
        changes: [],
        stateDigest: Buffer.alloc(0),
      }),
      field: 'slot.thread',
    },
    {
      name: 'missing slot',
      message: () => ({ changes: [], stateDigest: Buffer.alloc(0) }),
      field: 'slot',
    },
    {
      name: 'empty key',
      message: () => ({
        slot: next,
        changes: [set(keyOf(1), Buffer.from('x')), set(Buffer.alloc(0), Buffer.from('x'))],
        stateDigest: Buffer.alloc(0),
      }),
      field: 'changes[1].key',
    },
    {
      name: 'oversize key',
      message: () => ({
        slot: next,
        changes: [set(Buffer.alloc(4097, 7), Buffer.from('x'))],
        stateDigest: Buffer.alloc(0),
      }),
      field: 'changes[0].key',
    },
    {
      name: 'oversize value',
      message: () => ({
        slot: next,
        changes: [set(keyOf(2), Buffer.alloc(MAX_VALUE_BYTES + 1, 1))],
        stateDigest: Buffer.alloc(0),
      }),
      field: 'changes[0].set_value',
    },
    {
      name: 'same key twice',
      message: () => ({
        slot: next,
        changes: [set(keyOf(3), Buffer.from('a')), set(keyOf(3), Buffer.from('b'))],
        stateDigest: Buffer.alloc(0),
      }),
      field: 'changes[1].key',
    },
    {
      name: 'missing change',
      message: () => ({
        slot: next,
        changes: [set(keyOf(4), Buffer.from('a')), { key: keyOf(5), change: undefined }],
        stateDigest: Buffer.alloc(0),
      }),
      field: 'changes[1].change',
    },
    {
      name: 'wrong state_digest',
      message: () => ({
        slot: next,
        changes: [set(keyOf(6), Buffer.from('a'))],
        stateDigest: Buffer.alloc(32, 9),
      }),
      field: 'state_digest',
    },
    {
      name: 'state_digest of a wrong length',
      message: () => ({ slot: next, changes: [], stateDigest: Buffer.alloc(5) }),
      field: 'state_digest',
    },
  ];

  it.each(malformed)(
    '$name: INVALID_ARGUMENT naming $field, nothing written',
    async ({ message, field }) => {
      const err = await rejection(append(store.client, message()));
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      const decoded = decodeBootstrapError(err);
      expect(decoded?.reason).toBe('INVALID_ARGUMENT');
      expect(decoded?.badRequest?.map((v) => v.field)).toContain(field);
      expect(await snapshot(store, scenario.slotAt(SLOTS - HISTORY + 1))).toBe(before);
    },
  );

  it('a never-stored slot below the newest: FAILED_PRECONDITION / SLOT_NOT_NEXT', async () => {
    const err = await rejection(
      append(store.client, { slot: gapSlot, changes: [], stateDigest: Buffer.alloc(0) }),
    );
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    const decoded = decodeBootstrapError(err);
    expect(decoded?.reason).toBe('SLOT_NOT_NEXT');
    expect(decoded?.slotRejected).toEqual({
      slot: gapSlot,
      newestSlot: farSlot,
      oldestAvailableSlot: oldest,
    });
    expect(await snapshot(store, scenario.slotAt(SLOTS - HISTORY + 1))).toBe(before);
  });

  it('a slot older than the retained history: FAILED_PRECONDITION / SLOT_NOT_NEXT', async () => {
    const err = await rejection(append(store.client, scenario.message(3)));
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(decodeBootstrapError(err)?.reason).toBe('SLOT_NOT_NEXT');
    expect(await snapshot(store, scenario.slotAt(SLOTS - HISTORY + 1))).toBe(before);
  });

  it('a retained slot replayed with other changes: ALREADY_EXISTS / SLOT_CONFLICT', async () => {
    const original = scenario.message(SLOTS - 2);
    const changed = { ...original, changes: [...original.changes.slice(1)] };
    const err = await rejection(append(store.client, changed));
    expect(err.code).toBe(status.ALREADY_EXISTS);
    const decoded = decodeBootstrapError(err);
    expect(decoded?.reason).toBe('SLOT_CONFLICT');
    expect(decoded?.slotRejected?.slot).toEqual(original.slot);
    expect(await snapshot(store, scenario.slotAt(SLOTS - HISTORY + 1))).toBe(before);
  });

  it('a retained slot replayed identically (changes in another order): duplicate, nothing written', async () => {
    const original = scenario.message(SLOTS - 2);
    const reply = await append(store.client, {
      ...original,
      changes: [...original.changes].reverse(),
    });
    expect(reply.duplicate).toBe(true);
    expect(reply.slot).toEqual(original.slot);
    const stored = await streamChanges(store.client, {
      afterSlot: scenario.slotAt(SLOTS - 3),
      untilSlot: original.slot,
    });
    expect(reply.stateDigest.equals(stored.messages[0]!.stateDigest)).toBe(true);
    expect(await snapshot(store, scenario.slotAt(SLOTS - HISTORY + 1))).toBe(before);
  });

  it('IngestFinalSlots ends with the first refused slot: earlier ones committed, later ones not', async () => {
    const first: SlotChanges = {
      slot: next,
      changes: [set(keyOf(7), Buffer.from('ok'))],
      stateDigest: Buffer.alloc(0),
    };
    const bad: SlotChanges = {
      slot: { period: next.period, thread: 3 },
      changes: [set(Buffer.alloc(0), Buffer.from('x'))],
      stateDigest: Buffer.alloc(0),
    };
    const after: SlotChanges = {
      slot: { period: next.period + 1, thread: 0 },
      changes: [set(keyOf(8), Buffer.from('no'))],
      stateDigest: Buffer.alloc(0),
    };
    const err = await rejection(ingest(store.client, [first, bad, after]));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(decodeBootstrapError(err)?.badRequest?.[0]?.field).toBe('changes[0].key');
    const s = await getStatus(store.client);
    expect(s.newestSlot).toEqual(next);

    // An out-of-order slot inside a stream: same rule.
    const later: SlotChanges = {
      slot: { period: next.period + 2, thread: 0 },
      changes: [],
      stateDigest: Buffer.alloc(0),
    };
    const stale: SlotChanges = {
      slot: { period: next.period + 1, thread: 0 },
      changes: [],
      stateDigest: Buffer.alloc(0),
    };
    const err2 = await rejection(
      ingest(store.client, [
        later,
        stale,
        { ...later, slot: { period: next.period + 3, thread: 0 } },
      ]),
    );
    expect(err2.code).toBe(status.FAILED_PRECONDITION);
    expect(decodeBootstrapError(err2)?.reason).toBe('SLOT_NOT_NEXT');
    expect((await getStatus(store.client)).newestSlot).toEqual(later.slot);
  });
});

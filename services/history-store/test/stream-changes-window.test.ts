/**
 * Acceptance: StreamChanges just inside the retained window succeeds; one slot outside gives
 * FAILED_PRECONDITION / SLOT_TOO_OLD with SlotTooOld details naming the requested and oldest
 * slots; a future slot gives OUT_OF_RANGE / SLOT_IN_FUTURE.
 */
import { status } from '@grpc/grpc-js';
import { filterChangesToMaxKey, previousSlot } from '@massa-bootstrap/core';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { ingest, streamChanges } from './support/client';
import { startStore, type StoreFixture } from './support/fixture';
import { Scenario, keyOf } from './support/scenario';

const HISTORY = 10;
const SLOTS = 30;

describe('StreamChanges window edges', () => {
  let store: StoreFixture;
  const scenario = new Scenario({ seed: 3, keySpace: 100, changesPerSlot: 10, genesisEntries: 50 });
  const base = scenario.slotAt(SLOTS - HISTORY); // newest trimmed slot
  const oldest = scenario.slotAt(SLOTS - HISTORY + 1);
  const newest = scenario.slotAt(SLOTS);

  beforeAll(async () => {
    store = await startStore({ finalHistoryLength: HISTORY, threadCount: scenario.threadCount });
    await ingest(store.client, scenario.messages(0, SLOTS + 1));
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('serves every retained slot after the base (just inside the window)', async () => {
    const { messages, error } = await streamChanges(store.client, { afterSlot: base });
    expect(error).toBeUndefined();
    expect(messages.map((m) => m.slot)).toEqual(
      Array.from({ length: HISTORY }, (_, i) => scenario.slotAt(SLOTS - HISTORY + 1 + i)),
    );
  });

  it('answers SLOT_TOO_OLD one slot outside, naming the requested and oldest slots', async () => {
    const requested = previousSlot(base, scenario.threadCount)!;
    const { messages, error } = await streamChanges(store.client, { afterSlot: requested });
    expect(messages).toHaveLength(0);
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    const decoded = decodeBootstrapError(error);
    expect(decoded?.reason).toBe('SLOT_TOO_OLD');
    expect(decoded?.slotTooOld).toEqual({
      requestedSlot: requested,
      oldestAvailableSlot: oldest,
      newestSlot: newest,
      finalHistoryLength: HISTORY,
    });
    expect(decoded?.preconditionFailure?.[0]?.type).toBe('SLOT_TOO_OLD');
  });

  it('answers SLOT_IN_FUTURE for a slot after the newest, and for until_slot after the newest', async () => {
    const future = scenario.slotAt(SLOTS + 1);
    for (const request of [{ afterSlot: future }, { afterSlot: base, untilSlot: future }]) {
      const { messages, error } = await streamChanges(store.client, request);
      expect(messages).toHaveLength(0);
      expect(error?.code).toBe(status.OUT_OF_RANGE);
      const decoded = decodeBootstrapError(error);
      expect(decoded?.reason).toBe('SLOT_IN_FUTURE');
      expect(decoded?.slotInFuture).toEqual({ requestedSlot: future, newestSlot: newest });
    }
  });

  it('returns nothing after the newest slot itself', async () => {
    const { messages, error } = await streamChanges(store.client, { afterSlot: newest });
    expect(error).toBeUndefined();
    expect(messages).toHaveLength(0);
  });

  it('stops at until_slot (inclusive)', async () => {
    const until = scenario.slotAt(SLOTS - 5);
    const { messages, error } = await streamChanges(store.client, {
      afterSlot: base,
      untilSlot: until,
    });
    expect(error).toBeUndefined();
    expect(messages.map((m) => m.slot)).toEqual(
      Array.from({ length: HISTORY - 5 }, (_, i) => scenario.slotAt(SLOTS - HISTORY + 1 + i)),
    );
  });

  it('filters changes to keys <= max_key and still sends every slot', async () => {
    const maxKey = keyOf(40);
    const { messages, error } = await streamChanges(store.client, { afterSlot: base, maxKey });
    expect(error).toBeUndefined();
    expect(messages).toHaveLength(HISTORY);
    for (const message of messages) {
      const sent = scenario.message(scenario.indexOf(message.slot!));
      expect(message.changes).toEqual(filterChangesToMaxKey(sent.changes, maxKey));
      expect(message.stateDigest).toHaveLength(32);
    }
  });

  it('rejects malformed requests with INVALID_ARGUMENT and BadRequest details', async () => {
    const cases = [
      { request: {}, field: 'after_slot' },
      { request: { afterSlot: { period: 5, thread: scenario.threadCount } }, field: 'after_slot' },
      { request: { afterSlot: newest, untilSlot: base }, field: 'until_slot' },
      { request: { afterSlot: base, maxKey: Buffer.alloc(4097, 1) }, field: 'max_key' },
    ];
    for (const { request, field } of cases) {
      const { error } = await streamChanges(store.client, request);
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(decodeBootstrapError(error)?.badRequest?.map((v) => v.field)).toContain(field);
    }
  });
});

/**
 * Acceptance: ingest 1,000 slots, then the state equals a model replaying the same changes,
 * the digest equals a from-scratch recomputation, and the history holds exactly the last N.
 */
import { SlotChanges } from '@massa-bootstrap/proto';
import { append, getStatus, ingest, readAllState, streamChanges } from './support/client';
import { startStore, type StoreFixture } from './support/fixture';
import { Scenario, digestOf, entriesHex, modelAfter } from './support/scenario';

const HISTORY = 100;
const SLOTS = 1000; // after the genesis

describe('ingesting 1,000 slots', () => {
  let store: StoreFixture;
  const scenario = new Scenario({
    seed: 7,
    keySpace: 2000,
    changesPerSlot: 30,
    genesisEntries: 1000,
  });

  beforeAll(async () => {
    store = await startStore({ finalHistoryLength: HISTORY, threadCount: scenario.threadCount });
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('commits every slot, through IngestFinalSlots then AppendFinalSlot', async () => {
    const streamed = await ingest(store.client, scenario.messages(0, 901));
    expect(streamed.slotsCommitted).toBe(901);
    expect(streamed.newestSlot).toEqual(scenario.slotAt(900));
    let last;
    for (let i = 901; i <= SLOTS; i++) {
      last = await append(store.client, scenario.message(i));
      expect(last.duplicate).toBe(false);
    }
    expect(last!.slot).toEqual(scenario.slotAt(SLOTS));
  });

  it('holds exactly the model state, with a digest equal to a full recomputation', async () => {
    const model = modelAfter(scenario, SLOTS + 1);
    const { entries, parts } = await readAllState(store.client, 32 * 1024);
    expect(parts.length).toBeGreaterThan(1);
    expect(entriesHex(entries)).toEqual(entriesHex(model.entries()));
    const status = await getStatus(store.client);
    const recomputed = await digestOf(entries);
    expect(status.stateDigest.equals(recomputed)).toBe(true);
    expect(status.entryCount).toBe(model.size);
    expect(status.stateBytes).toBe(
      model.entries().reduce((n, e) => n + e.key.length + e.value.length, 0),
    );
    for (const part of parts) {
      expect(part.slot).toEqual(scenario.slotAt(SLOTS));
      expect(part.stateDigest.equals(recomputed)).toBe(true);
    }
  });

  it('keeps exactly the last N slots of history', async () => {
    const status = await getStatus(store.client);
    expect(status.finalHistoryLength).toBe(HISTORY);
    expect(status.effectiveHistoryLength).toBe(HISTORY);
    expect(status.oldestSlot).toEqual(scenario.slotAt(SLOTS - HISTORY + 1));
    expect(status.newestSlot).toEqual(scenario.slotAt(SLOTS));

    const base = scenario.slotAt(SLOTS - HISTORY);
    const { messages, error } = await streamChanges(store.client, { afterSlot: base });
    expect(error).toBeUndefined();
    expect(messages.map((m) => m.slot)).toEqual(
      Array.from({ length: HISTORY }, (_, i) => scenario.slotAt(SLOTS - HISTORY + 1 + i)),
    );
    let historyBytes = 0;
    for (const message of messages) {
      const sent = scenario.message(scenario.indexOf(message.slot!));
      expect(SlotChanges.encode({ ...message, stateDigest: Buffer.alloc(0) }).finish()).toEqual(
        SlotChanges.encode(sent).finish(),
      );
      expect(message.stateDigest).toHaveLength(32);
      historyBytes += SlotChanges.encode(message).finish().length;
    }
    expect(status.historyBytes).toBe(historyBytes);
    expect(messages[messages.length - 1]!.stateDigest.equals(status.stateDigest)).toBe(true);
    // The digest stored with a slot is the digest of the model state after it.
    const model = modelAfter(scenario, SLOTS - 10 + 1);
    expect(messages[HISTORY - 11]!.stateDigest.equals(await digestOf(model.entries()))).toBe(true);
  });
});

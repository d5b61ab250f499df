/**
 * WatchFinalSlots: catch-up from the history then live slots, with no gap and no duplicate
 * while the writer keeps committing; live-only when after_slot is unset; window errors like
 * StreamChanges; a cancelled call releases its subscription.
 */
import { status } from '@grpc/grpc-js';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { append, ingest } from './support/client';
import { startStore, type StoreFixture } from './support/fixture';
import { Scenario } from './support/scenario';
import { waitForCondition } from './support/wait';
import { WatchRecorder } from './support/watch';

describe('WatchFinalSlots', () => {
  let store: StoreFixture;
  const scenario = new Scenario({
    seed: 9,
    keySpace: 200,
    changesPerSlot: 10,
    genesisEntries: 100,
  });

  beforeAll(async () => {
    store = await startStore({ finalHistoryLength: 400, threadCount: scenario.threadCount });
    await ingest(store.client, scenario.messages(0, 301));
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('streams the catch-up then live slots, without gap or duplicate, while ingest continues', async () => {
    const watch = new WatchRecorder(
      store.client.watchFinalSlots({ afterSlot: scenario.slotAt(5) }),
    );
    // Commit more slots while the catch-up (295 slots, more than one chunk) is being read.
    const writing = (async () => {
      for (let i = 301; i <= 360; i += 1) await append(store.client, scenario.message(i));
    })();
    await writing;
    await watch.until((m) => m.length >= 355);
    expect(watch.messages.map((m) => scenario.indexOf(m.slot!))).toEqual(
      Array.from({ length: 355 }, (_, i) => 6 + i),
    );
    for (const m of watch.messages)
      expect(m.changes).toEqual(scenario.message(scenario.indexOf(m.slot!)).changes);
    watch.call.cancel();
    await watch.ended;
    expect(decodeBootstrapError(watch.error)).toBeUndefined();
    expect(watch.error?.code).toBe(status.CANCELLED);
  });

  it('streams only new slots when after_slot is unset', async () => {
    const watch = new WatchRecorder(store.client.watchFinalSlots({}));
    // The subscription is registered when the call starts: wait until the hub has it.
    await waitForCondition(() => store.handle.watchStats().subscribers === 1, 'the subscription');
    await append(store.client, scenario.message(361));
    await append(store.client, scenario.message(362));
    await watch.until((m) => m.length >= 2);
    expect(watch.messages.map((m) => scenario.indexOf(m.slot!))).toEqual([361, 362]);
    watch.call.cancel();
    await watch.ended;
    await waitForCondition(() => store.handle.watchStats().subscribers === 0, 'no subscription');
  });

  it('answers SLOT_TOO_OLD and SLOT_IN_FUTURE like StreamChanges', async () => {
    const old = new WatchRecorder(
      store.client.watchFinalSlots({ afterSlot: { period: 0, thread: 0 } }),
    );
    await old.ended;
    expect(old.error?.code).toBe(status.FAILED_PRECONDITION);
    expect(decodeBootstrapError(old.error)?.reason).toBe('SLOT_TOO_OLD');
    const future = new WatchRecorder(
      store.client.watchFinalSlots({ afterSlot: scenario.slotAt(10_000) }),
    );
    await future.ended;
    expect(future.error?.code).toBe(status.OUT_OF_RANGE);
    expect(decodeBootstrapError(future.error)?.reason).toBe('SLOT_IN_FUTURE');
    const bad = new WatchRecorder(
      store.client.watchFinalSlots({ afterSlot: { period: 1, thread: 99 } }),
    );
    await bad.ended;
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
    await waitForCondition(() => store.handle.watchStats().subscribers === 0, 'no subscription');
  });
});

/**
 * Acceptance: a WatchFinalSlots subscriber that stops reading does not grow the server's memory
 * without bound (the hub's buffered bytes stay under the configured cap) and does not slow
 * ingest (appends keep being acknowledged); it is ended with RESOURCE_EXHAUSTED /
 * SUBSCRIBER_TOO_SLOW (with RetryInfo) after the slots it can still resume from.
 */
import { status } from '@grpc/grpc-js';
import type { SlotChanges } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { append } from './support/client';
import { startStore, type StoreFixture } from './support/fixture';
import { waitForCondition } from './support/wait';
import { WatchRecorder } from './support/watch';

const CAP = 256 * 1024;
const VALUE_BYTES = 32 * 1024;
const THREADS = 4;

function slotMessage(index: number): SlotChanges {
  const slot = { period: 1 + Math.floor(index / THREADS), thread: index % THREADS };
  const changes = [0, 1].map((k) => ({
    key: Buffer.from(`async_pool/${k}`),
    change: { $case: 'setValue' as const, value: Buffer.alloc(VALUE_BYTES / 2, index & 0xff) },
  }));
  return { slot, changes, stateDigest: Buffer.alloc(0) };
}

async function appendRange(store: StoreFixture, from: number, to: number): Promise<number> {
  const start = performance.now();
  for (let i = from; i < to; i++) await append(store.client, slotMessage(i));
  return performance.now() - start;
}

describe('a WatchFinalSlots subscriber that stops reading', () => {
  let store: StoreFixture;

  beforeAll(async () => {
    store = await startStore({
      threadCount: THREADS,
      finalHistoryLength: 1000,
      subscriberBufferBytes: CAP,
    });
    await append(store.client, slotMessage(0)); // genesis
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('is cut off at the buffer cap while ingest goes on at full speed', async () => {
    // Baseline: ingest speed with nobody watching.
    const baselineMs = await appendRange(store, 1, 61);

    const watch = new WatchRecorder(
      store.client.watchFinalSlots({ afterSlot: slotMessage(60).slot }),
    );
    watch.call.pause(); // never reads: HTTP/2 flow control stops the server's writes
    await waitForCondition(() => store.handle.watchStats().subscribers === 1, 'the subscription');

    // 200 slots of ~32 KiB: far more than the cap plus every transport buffer on the way.
    let maxBuffered = 0;
    const sampler = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, store.handle.watchStats().bufferedBytes);
    }, 1);
    const stalledMs = await appendRange(store, 61, 121);
    await appendRange(store, 121, 261);
    clearInterval(sampler);

    const stats = store.handle.watchStats();
    expect(stats.overflows).toBe(1);
    expect(stats.subscribers).toBe(0); // its queue was freed
    expect(stats.bufferedBytes).toBe(0);
    expect(stats.peakSubscriberBytes).toBeLessThanOrEqual(CAP);
    expect(maxBuffered).toBeLessThanOrEqual(CAP);
    // Not slowed: the stalled subscriber costs the writer nothing (generous bound for a busy
    // shared machine; a writer that waited for the reader would never finish at all).
    expect(stalledMs).toBeLessThan(baselineMs * 4 + 5000);

    // The client reads again: what was already in flight, in order, then the error.
    watch.call.resume();
    await watch.ended;
    expect(watch.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const decoded = decodeBootstrapError(watch.error);
    expect(decoded?.reason).toBe('SUBSCRIBER_TOO_SLOW');
    expect(decoded?.retryDelayMs).toBeGreaterThan(0);
    const received = watch.messages.map((m) => m.slot!.period * THREADS + m.slot!.thread - THREADS);
    expect(received).toEqual(Array.from({ length: received.length }, (_, i) => 61 + i));
    expect(received.length).toBeLessThan(200);

    // Resuming after the last slot received works.
    const last = watch.messages[watch.messages.length - 1]?.slot ?? slotMessage(60).slot;
    const resumed = new WatchRecorder(store.client.watchFinalSlots({ afterSlot: last }));
    await resumed.until(
      (m) =>
        m.length > 0 &&
        m[m.length - 1]!.slot!.period === slotMessage(260).slot!.period &&
        m[m.length - 1]!.slot!.thread === slotMessage(260).slot!.thread,
    );
    resumed.call.cancel();
    await resumed.ended;
  });
});

// Follow fan-out: every follow/StreamFinalChanges subscriber of one gateway shares ONE upstream
// WatchFinalSlots (asserted at the gateway and at the store); each subscriber has a bounded
// buffer; one that falls behind is moved to catch-up from history and rejoins without gaps,
// never blocking the others, or ends with SlotTooOld once the history no longer covers it.
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { compareSlots, formatSlot, type Slot } from '@massa-bootstrap/core';
import type { BootstrapGatewayClient, BootstrapPart, SlotChanges } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { startHistoryStore } from '@massa-bootstrap/history-store';
import { BootstrapAssembler, replayState, stateDifference } from '@massa-bootstrap/test-support';
import {
  gatewayClient,
  startStore,
  startTestGateway,
  testLogger,
  waitUntil,
  type StoreFixture,
} from './harness';

jest.setTimeout(120_000);

/** Records the slots a follow stream delivers; resolves waits when a given slot arrives. */
class Follower {
  readonly slots: string[] = [];
  last: Slot | undefined;
  error: ServiceError | undefined;
  private waits: { slot: Slot; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(
    readonly call: ClientReadableStream<BootstrapPart> | ClientReadableStream<SlotChanges>,
    onMessage?: (message: BootstrapPart & SlotChanges) => Slot | undefined,
  ) {
    call.on('data', (message: BootstrapPart & SlotChanges) => {
      const slot = onMessage ? onMessage(message) : message.slot;
      if (slot === undefined) return;
      if (this.last !== undefined && compareSlots(slot, this.last) <= 0) {
        this.fail(
          new Error(
            `slot ${formatSlot(slot)} repeated or out of order after ${formatSlot(this.last)}`,
          ),
        );
        return;
      }
      this.last = slot;
      this.slots.push(formatSlot(slot));
      this.waits = this.waits.filter((w) => {
        if (compareSlots(slot, w.slot) < 0) return true;
        w.resolve();
        return false;
      });
    });
    call.on('error', (err: ServiceError) => {
      this.error = err;
      this.fail(err);
    });
  }

  /** Resolves once `slot` (or a later one) was delivered. */
  reach(slot: Slot): Promise<void> {
    if (this.last !== undefined && compareSlots(this.last, slot) >= 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waits.push({ slot, resolve, reject }));
  }

  private fail(err: Error): void {
    for (const w of this.waits) w.reject(err);
    this.waits = [];
  }
}

/** A Bootstrap follower: applies every part (follow parts carry the digest the assembler checks). */
function bootstrapFollower(
  client: BootstrapGatewayClient,
  assembler: BootstrapAssembler,
): Follower {
  const call = client.bootstrap({ resume: undefined, maxPartBytes: 0, follow: true });
  return new Follower(call, (part) => {
    assembler.apply(part);
    return assembler.complete ? part.slot : undefined;
  });
}

function changesFollower(client: BootstrapGatewayClient, after: Slot): Follower {
  return new Follower(client.streamFinalChanges({ afterSlot: after, follow: true }));
}

describe('follow fan-out', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;
  let client: BootstrapGatewayClient;

  beforeAll(async () => {
    fixture = await startStore({ genesisEntries: 2_000, valueBytes: 32 });
    // The smallest follower buffer, so that a paused follower overflows quickly.
    gateway = await startTestGateway(fixture.store.address, { followBufferBytes: 64 * 1024 });
    client = gatewayClient(gateway.address);
  });

  afterAll(async () => {
    client?.close();
    await gateway?.close();
    await fixture?.close();
  });

  test('five followers share one upstream WatchFinalSlots and all see every slot', async () => {
    const start = fixture.workload.newestSlot()!;
    const assemblers = await Promise.all([0, 1, 2].map(() => BootstrapAssembler.create()));
    const followers = [
      ...assemblers.map((a) => bootstrapFollower(client, a)),
      changesFollower(client, start),
      changesFollower(client, start),
    ];
    // Everyone is live (bootstrap complete, subscribed) before the store moves on.
    await waitUntil(
      () => gateway.followStats().followers === 5 && assemblers.every((a) => a.complete),
      'five followers subscribed and three bootstraps complete',
    );

    for (let i = 0; i < 20; i++) await fixture.ingest();
    const newest = fixture.workload.newestSlot()!;
    await Promise.all(followers.map((f) => f.reach(newest)));

    const stats = gateway.followStats();
    expect(stats.upstreamSubscriptionsOpen).toBe(1);
    expect(stats.upstreamSubscriptionsOpened).toBe(1);
    expect(fixture.store.watchStats().subscribers).toBe(1); // the store agrees: one watcher
    for (const f of followers) {
      expect(f.error).toBeUndefined();
      expect(f.slots.slice(-20)).toEqual(fixture.slots.slice(-20).map((s) => formatSlot(s.slot)));
    }
    // Follow parts keep each bootstrap client exactly at the store's state (digest checked per part).
    for (const a of assemblers) {
      expect(a.cursor!.slot).toEqual(newest);
      expect(a.digestChecks).toBeGreaterThanOrEqual(21);
      expect(stateDifference(a.state, replayState(fixture.slots, newest))).toBeUndefined();
    }
    for (const f of followers) f.call.cancel();
    await waitUntil(() => gateway.followStats().followers === 0, 'followers gone');
    // The last follower leaving closes the shared upstream subscription.
    expect(gateway.followStats().upstreamSubscriptionsOpen).toBe(0);
    await waitUntil(() => fixture.store.watchStats().subscribers === 0, 'store watcher closed');
  });

  test('a follower that stops reading is moved to catch-up and rejoins without gaps; others are not blocked', async () => {
    const openedBefore = gateway.followStats().upstreamSubscriptionsOpened;
    const laggedBefore = gateway.followStats().lagged;
    const start = fixture.workload.newestSlot()!;
    const fast = changesFollower(client, start);
    const slowClient = gatewayClient(gateway.address, { 'grpc.use_local_subchannel_pool': 1 });
    const slow = changesFollower(slowClient, start);
    await waitUntil(() => gateway.followStats().followers === 2, 'two followers subscribed');
    await fixture.ingest();
    await slow.reach(fixture.workload.newestSlot()!);
    slow.call.pause();

    // ~8 KB per slot: 80 slots are far more than the paused client (16 messages + 64 KiB
    // window) and its 64 KiB gateway buffer can hold.
    for (let i = 0; i < 80; i++) await fixture.ingest({ overwrites: 10, deletes: 2, inserts: 60 });
    const newest = fixture.workload.newestSlot()!;
    await fast.reach(newest); // the fast one got everything while the slow one was paused
    expect(gateway.followStats().lagged).toBeGreaterThan(laggedBefore);

    slow.call.resume();
    await slow.reach(newest);
    expect(slow.error).toBeUndefined();
    const expected = fixture.slots
      .filter((s) => compareSlots(s.slot!, start) > 0)
      .map((s) => formatSlot(s.slot));
    expect(slow.slots).toEqual(expected);
    expect(fast.slots).toEqual(expected);
    // Catch-up used StreamChanges; the live subscription stayed the shared one.
    expect(gateway.followStats().upstreamSubscriptionsOpened).toBe(openedBefore + 1);
    fast.call.cancel();
    slow.call.cancel();
    slowClient.close();
    await waitUntil(() => gateway.followStats().followers === 0, 'followers gone');
  });

  test('the shared subscription is reopened from the last slot when the store restarts; no gap', async () => {
    const start = fixture.workload.newestSlot()!;
    const followers = [changesFollower(client, start), changesFollower(client, start)];
    await waitUntil(() => gateway.followStats().followers === 2, 'two followers subscribed');
    await fixture.ingest();
    await Promise.all(followers.map((f) => f.reach(fixture.workload.newestSlot()!)));
    const openedBefore = gateway.followStats().upstreamSubscriptionsOpened;

    const port = fixture.store.port;
    await fixture.store.close(); // the upstream watch ends with UNAVAILABLE
    const restarted = await startHistoryStore(
      { listen: `127.0.0.1:${port}`, dataDir: fixture.dir.path },
      testLogger('history-store'),
    );
    try {
      for (let i = 0; i < 5; i++) await fixture.ingest();
      const newest = fixture.workload.newestSlot()!;
      await Promise.all(followers.map((f) => f.reach(newest)));
      const expected = fixture.slots
        .filter((slot) => compareSlots(slot.slot!, start) > 0)
        .map((slot) => formatSlot(slot.slot));
      for (const f of followers) {
        expect(f.error).toBeUndefined();
        expect(f.slots).toEqual(expected);
      }
      // Reopened (after the last slot it had), still one subscription for both followers.
      expect(gateway.followStats().upstreamSubscriptionsOpened).toBeGreaterThan(openedBefore);
      expect(gateway.followStats().upstreamSubscriptionsOpen).toBe(1);
      expect(restarted.watchStats().subscribers).toBe(1);
      for (const f of followers) f.call.cancel();
      await waitUntil(() => gateway.followStats().followers === 0, 'followers gone');
    } finally {
      await restarted.close();
    }
  });
});

describe('a follower that falls out of the history', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;

  beforeAll(async () => {
    fixture = await startStore({
      genesisEntries: 500,
      valueBytes: 32,
      store: { finalHistoryLength: 5 },
    });
    gateway = await startTestGateway(fixture.store.address, { followBufferBytes: 64 * 1024 });
  });

  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  test('ends with FAILED_PRECONDITION SLOT_TOO_OLD after the slots it could still get', async () => {
    const client = gatewayClient(gateway.address, { 'grpc.use_local_subchannel_pool': 1 });
    const assembler = await BootstrapAssembler.create();
    const follower = bootstrapFollower(client, assembler);
    await waitUntil(() => gateway.followStats().followers === 1, 'follower subscribed');
    await fixture.ingest();
    await follower.reach(fixture.workload.newestSlot()!);
    follower.call.pause();
    for (let i = 0; i < 80; i++) await fixture.ingest({ overwrites: 10, deletes: 2, inserts: 60 });
    expect(gateway.followStats().lagged).toBeGreaterThan(0);
    follower.call.resume();
    await waitUntil(() => follower.error !== undefined, 'the follower ended');
    expect(follower.error?.code).toBe(status.FAILED_PRECONDITION);
    const decoded = decodeBootstrapError(follower.error);
    expect(decoded?.reason).toBe('SLOT_TOO_OLD');
    expect(decoded?.slotTooOld?.requestedSlot).toEqual(assembler.cursor!.slot);
    expect(decoded?.slotTooOld?.finalHistoryLength).toBe(5);
    // Every part it did get was consistent (the assembler checked each digest).
    expect(assembler.digestChecks).toBeGreaterThan(1);
    client.close();
  });
});

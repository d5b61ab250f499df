/** The watch hub's per-subscriber byte budget, in isolation. */
import { ResourceExhaustedError, UnavailableError } from '@massa-bootstrap/core';
import { WatchHub, type LiveSlot } from '../src/watch-hub';

const item = (thread: number, bytes: number): LiveSlot => ({
  slot: { period: 1, thread },
  encoded: Buffer.alloc(bytes),
});

describe('WatchHub', () => {
  it('queues up to the cap, then fails the subscriber and frees its queue', async () => {
    const hub = new WatchHub(1000);
    const subscription = hub.subscribe();
    hub.publish(item(0, 400));
    hub.publish(item(1, 400));
    expect(hub.stats()).toMatchObject({ subscribers: 1, bufferedBytes: 800 });
    hub.publish(item(2, 400)); // 1200 > 1000
    expect(hub.stats()).toMatchObject({
      subscribers: 0,
      bufferedBytes: 0,
      overflows: 1,
      peakSubscriberBytes: 800,
    });
    expect(subscription.signal.aborted).toBe(true);
    const err = await subscription.next(new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect((err as ResourceExhaustedError).reason).toBe('SUBSCRIBER_TOO_SLOW');
  });

  it('hands a slot straight to a waiting reader and accepts one oversize slot into an empty queue', async () => {
    const hub = new WatchHub(100);
    const subscription = hub.subscribe();
    const waiting = subscription.next(new AbortController().signal);
    hub.publish(item(0, 5000));
    expect((await waiting).slot.thread).toBe(0);
    hub.publish(item(1, 5000)); // empty queue: accepted despite the cap
    expect(hub.stats().overflows).toBe(0);
    expect((await subscription.next(new AbortController().signal)).slot.thread).toBe(1);
    subscription.close();
    expect(hub.stats().subscribers).toBe(0);
  });

  it('fails every subscriber on closeAll and refuses new ones', async () => {
    const hub = new WatchHub(100);
    const subscription = hub.subscribe();
    const waiting = subscription.next(new AbortController().signal);
    const reason = new UnavailableError('SHUTTING_DOWN', 1000, 'bye');
    hub.closeAll(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(hub.subscribe().next(new AbortController().signal)).rejects.toBe(reason);
  });

  it('stops waiting when the caller aborts', async () => {
    const hub = new WatchHub(100);
    const subscription = hub.subscribe();
    const controller = new AbortController();
    const waiting = subscription.next(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    hub.publish(item(0, 10)); // queued, not lost
    expect((await subscription.next(new AbortController().signal)).slot.thread).toBe(0);
  });
});

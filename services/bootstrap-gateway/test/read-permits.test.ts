// The limit on concurrent ReadStatePart calls: first come, first served among urgent reads,
// then among read-aheads (which become urgent once their client waits); a waiter whose session
// is aborted leaves the queue; a permit given back twice counts once.
import { ReadPermits } from '../src/read-permits';

const never = new AbortController().signal;

describe('read permits', () => {
  test('at most `limit` holders; waiters are served in arrival order', async () => {
    const permits = new ReadPermits(2);
    const first = await permits.acquire(never);
    const second = await permits.acquire(never);
    expect(permits.inUse).toBe(2);
    const order: string[] = [];
    const third = permits.acquire(never).then((release) => (order.push('third'), release));
    const fourth = permits.acquire(never).then((release) => (order.push('fourth'), release));
    await Promise.resolve();
    expect(permits.queued).toBe(2);
    expect(order).toEqual([]);

    first();
    first(); // a second call gives nothing back
    const releaseThird = await third;
    expect(order).toEqual(['third']);
    expect(permits.inUse).toBe(2);
    expect(permits.queued).toBe(1);

    second();
    const releaseFourth = await fourth;
    expect(order).toEqual(['third', 'fourth']);
    releaseThird();
    releaseFourth();
    expect(permits.inUse).toBe(0);
    expect(permits.queued).toBe(0);
  });

  test('urgent waiters go first; a read-ahead can become urgent while it waits', async () => {
    const permits = new ReadPermits(1);
    const held = await permits.acquire(never);
    const order: string[] = [];
    const wait = (name: string, urgency: { urgent: boolean }): Promise<() => void> =>
      permits.acquire(never, urgency).then((release) => (order.push(name), release));
    const b = wait('ahead B', { urgent: false });
    const aheadA = { urgent: false };
    const a = wait('ahead A', aheadA);
    const c = wait('urgent C', { urgent: true });
    held();
    const releaseC = await c;
    expect(order).toEqual(['urgent C']);
    // A's previous part has been written meanwhile: its client waits, A goes before B.
    aheadA.urgent = true;
    releaseC();
    (await a)();
    (await b)();
    expect(order).toEqual(['urgent C', 'ahead A', 'ahead B']);
    expect(permits.inUse).toBe(0);
  });

  test('an aborted waiter rejects with the reason and leaves the queue', async () => {
    const permits = new ReadPermits(1);
    const held = await permits.acquire(never);
    const abort = new AbortController();
    const waiting = permits.acquire(abort.signal);
    const after = permits.acquire(never);
    const reason = new Error('session cancelled');
    abort.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(permits.queued).toBe(1);
    held();
    const release = await after;
    expect(permits.inUse).toBe(1);
    release();
    expect(permits.inUse).toBe(0);
    await expect(permits.acquire(abort.signal)).rejects.toBe(reason);
    expect(() => new ReadPermits(0)).toThrow(RangeError);
  });
});

/**
 * Live delivery of committed slots to WatchFinalSlots subscribers. The writer publishes each
 * durable slot once, synchronously, and never waits for a subscriber: every subscriber has its
 * own queue bounded in bytes, and one that falls behind by more than its budget is failed with
 * RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW and its queue freed (etcd's "victim" watchers).
 */
import { ResourceExhaustedError, formatSlot, type Slot } from '@massa-bootstrap/core';

/** One committed slot as stored: its encoded SlotChanges (digest included). */
export interface LiveSlot {
  readonly slot: Slot;
  readonly encoded: Buffer;
}

/** Figures for tests and metrics. */
export interface WatchHubStats {
  /** Open subscriptions. */
  readonly subscribers: number;
  /** Bytes queued now, all subscribers together. */
  readonly bufferedBytes: number;
  /** The most bytes one subscriber ever had queued. */
  readonly peakSubscriberBytes: number;
  /** Subscribers failed for falling behind. */
  readonly overflows: number;
  /** Slots published. */
  readonly published: number;
}

/** Suggested delay before a too-slow subscriber resumes (google.rpc.RetryInfo). */
export const TOO_SLOW_RETRY_MS = 1000;

/**
 * One subscriber's queue. Holds at most `limitBytes` of encoded slots, except that a single
 * slot is always accepted into an empty queue (a slot larger than the budget must still pass).
 */
export class Subscription {
  private queue: LiveSlot[] = [];
  private head = 0;
  private queuedBytes = 0;
  private peakBytes = 0;
  private waiter: { resolve: (item: LiveSlot) => void; reject: (err: unknown) => void } | undefined;
  private readonly controller = new AbortController();

  /** @internal Use WatchHub.subscribe(). */
  constructor(
    private readonly hub: WatchHub,
    readonly limitBytes: number,
  ) {}

  /** Aborted (with the reason) when the subscription fails: too slow, or the hub closed. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Bytes queued now. */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** The most bytes ever queued. */
  get peakBufferedBytes(): number {
    return this.peakBytes;
  }

  /**
   * The next live slot, waiting for one if none is queued. Rejects with the failure reason once
   * the subscription failed, or with `signal.reason` when `signal` aborts first.
   */
  next(signal: AbortSignal): Promise<LiveSlot> {
    if (this.controller.signal.aborted) return Promise.reject(this.controller.signal.reason);
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.head < this.queue.length) return Promise.resolve(this.shift());
    return new Promise<LiveSlot>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiter = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = {
        resolve: (item) => {
          signal.removeEventListener('abort', onAbort);
          resolve(item);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
    });
  }

  /** Unsubscribes and frees the queue. Idempotent. */
  close(): void {
    this.drop();
    this.hub.remove(this);
  }

  /** @internal Called by the hub for each published slot. */
  push(item: LiveSlot): void {
    if (this.controller.signal.aborted) return;
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve(item);
      return;
    }
    const size = item.encoded.length;
    if (this.queuedBytes > 0 && this.queuedBytes + size > this.limitBytes) {
      this.fail(
        new ResourceExhaustedError(
          'SUBSCRIBER_TOO_SLOW',
          TOO_SLOW_RETRY_MS,
          `subscriber fell more than ${this.limitBytes} bytes behind at slot ${formatSlot(item.slot)}; ` +
            'resume with a new call after the last slot received',
          'subscriber_buffer_bytes',
        ),
      );
      this.hub.countOverflow();
      return;
    }
    this.queue.push(item);
    this.queuedBytes += size;
    if (this.queuedBytes > this.peakBytes) {
      this.peakBytes = this.queuedBytes;
      this.hub.notePeak(this.peakBytes);
    }
  }

  /** @internal Fails the subscription: frees the queue and rejects the waiter. */
  fail(err: Error): void {
    if (this.controller.signal.aborted) return;
    this.drop();
    this.controller.abort(err);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
    this.hub.remove(this);
  }

  private shift(): LiveSlot {
    const item = this.queue[this.head]!;
    this.queue[this.head] = undefined as unknown as LiveSlot; // release the buffer now
    this.head += 1;
    this.queuedBytes -= item.encoded.length;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private drop(): void {
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }
}

/** The set of live subscribers of one store. */
export class WatchHub {
  private readonly subscriptions = new Set<Subscription>();
  private peak = 0;
  private overflowCount = 0;
  private publishedCount = 0;
  private closedWith: Error | undefined;

  /** `defaultLimitBytes`: the per-subscriber budget (config subscriberBufferBytes). */
  constructor(readonly defaultLimitBytes: number) {}

  /** Registers a subscriber; it receives every slot published from now on. */
  subscribe(limitBytes = this.defaultLimitBytes): Subscription {
    const subscription = new Subscription(this, limitBytes);
    if (this.closedWith !== undefined) subscription.fail(this.closedWith);
    else this.subscriptions.add(subscription);
    return subscription;
  }

  /** Hands a durable slot to every subscriber. Never blocks; O(subscribers). */
  publish(item: LiveSlot): void {
    this.publishedCount += 1;
    for (const subscription of this.subscriptions) subscription.push(item);
  }

  /** Fails every subscriber with `err` (shutdown) and refuses new ones. */
  closeAll(err: Error): void {
    this.closedWith = err;
    for (const subscription of [...this.subscriptions]) subscription.fail(err);
  }

  /** Current figures. */
  stats(): WatchHubStats {
    let bufferedBytes = 0;
    for (const subscription of this.subscriptions) bufferedBytes += subscription.bufferedBytes;
    return {
      subscribers: this.subscriptions.size,
      bufferedBytes,
      peakSubscriberBytes: this.peak,
      overflows: this.overflowCount,
      published: this.publishedCount,
    };
  }

  /** @internal */
  remove(subscription: Subscription): void {
    this.subscriptions.delete(subscription);
  }

  /** @internal */
  notePeak(bytes: number): void {
    if (bytes > this.peak) this.peak = bytes;
  }

  /** @internal */
  countOverflow(): void {
    this.overflowCount += 1;
  }
}

import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { SlotTooOldError, compareSlots, formatSlot, type Slot } from '@massa-bootstrap/core';
import type { HistoryStoreUpstream } from './upstream';
import { scanSlotChanges, type RawSlotChanges } from './wire';

/** Reopen attempts of the shared upstream watch (0, 0.2, 0.4 ... 2 s apart: about 9 s) before followers end with UNAVAILABLE. */
const MAX_REOPEN_ATTEMPTS = 8;

/** Counters of a {@link FollowHub}. */
export interface FollowHubStats {
  /** Followers subscribed now (live or catching up). */
  readonly followers: number;
  /** Upstream WatchFinalSlots calls open now (0 or 1). */
  readonly upstreamSubscriptionsOpen: number;
  /** Upstream WatchFinalSlots calls opened since start (reopens included). */
  readonly upstreamSubscriptionsOpened: number;
  /** Times a follower overflowed its buffer and was moved to catch-up from history. */
  readonly lagged: number;
}

/**
 * Fans ONE upstream WatchFinalSlots out to every follower of the gateway (Bootstrap with
 * `follow` after completion, and StreamFinalChanges with `follow`), as etcd's watch proxy does.
 *
 * The hub keeps a continuity point `lastSlot`: every slot after it reaches the followers
 * attached at that moment. The upstream watch is opened lazily (after the store's newest slot)
 * when the first follower arrives, reopened from `lastSlot` after an upstream error, and
 * closed when the last follower leaves. Each follower has a bounded byte buffer; one that
 * falls behind is detached (never blocking the hub or the others) and catches up from the
 * history with StreamChanges before it rejoins, or ends with SlotTooOld when the history no
 * longer covers it.
 */
export class FollowHub {
  private readonly subscribers = new Set<FollowSubscription>();
  private call: ClientReadableStream<Buffer> | undefined;
  private initialized = false;
  private opening: Promise<void> | undefined;
  private lastSlot: Slot | undefined;
  private failures = 0;
  private reopenTimer: NodeJS.Timeout | undefined;
  private closedWith: Error | undefined;
  private opened = 0;
  private laggedCount = 0;
  private followers = 0;

  constructor(
    private readonly upstream: HistoryStoreUpstream,
    private readonly bufferBytes: number,
    private readonly logger: Logger,
  ) {}

  /** A new follower (call {@link FollowSubscription.slots} to consume it). */
  subscribe(): FollowSubscription {
    return new FollowSubscription(this, this.upstream, this.bufferBytes);
  }

  /** Current counters. */
  stats(): FollowHubStats {
    return {
      followers: this.followers,
      upstreamSubscriptionsOpen: this.call === undefined ? 0 : 1,
      upstreamSubscriptionsOpened: this.opened,
      lagged: this.laggedCount,
    };
  }

  /** Ends every follower with `reason` and closes the upstream watch; later subscriptions fail with it. */
  close(reason: Error): void {
    this.closedWith = reason;
    for (const sub of [...this.subscribers]) sub.fail(reason);
    this.subscribers.clear();
    this.stopUpstream();
  }

  /** @internal Counts followers (for status). */
  followerStarted(): void {
    this.followers += 1;
  }

  /** @internal */
  followerEnded(): void {
    this.followers -= 1;
  }

  /** @internal */
  noteLagged(): void {
    this.laggedCount += 1;
  }

  /**
   * @internal Adds `sub` to the live set and returns the hub's continuity point: `sub` will
   * receive every slot after it (undefined: every slot from now on, the store being empty).
   */
  async attach(sub: FollowSubscription): Promise<Slot | undefined> {
    for (;;) {
      if (this.closedWith !== undefined) throw this.closedWith;
      if (this.initialized) {
        this.subscribers.add(sub);
        return this.lastSlot;
      }
      this.opening ??= this.initialize().finally(() => {
        this.opening = undefined;
      });
      await this.opening;
    }
  }

  /** @internal Removes `sub`; the upstream watch closes with the last follower. */
  detach(sub: FollowSubscription): void {
    if (!this.subscribers.delete(sub)) return;
    if (this.subscribers.size === 0) this.stopUpstream();
  }

  private async initialize(): Promise<void> {
    const status = await this.upstream.getStatus();
    if (this.initialized || this.closedWith !== undefined) return;
    this.lastSlot = status.newestSlot && {
      period: status.newestSlot.period,
      thread: status.newestSlot.thread,
    };
    this.initialized = true;
    this.failures = 0;
    this.openUpstream();
  }

  private openUpstream(): void {
    this.reopenTimer = undefined;
    const call = this.upstream.watchFinalSlots(this.lastSlot);
    this.opened += 1;
    this.call = call;
    this.logger.debug(
      { after: formatSlot(this.lastSlot) },
      'follow hub: upstream WatchFinalSlots opened',
    );
    call.on('data', (raw: Buffer) => {
      if (this.call !== call) return;
      this.onSlot(raw);
    });
    call.on('error', (err: ServiceError) => this.onUpstreamEnd(call, err));
    call.on('status', (s: { code: number }) => {
      if (s.code === 0) this.onUpstreamEnd(call, undefined);
    });
  }

  private stopUpstream(): void {
    const call = this.call;
    this.call = undefined;
    this.initialized = false;
    if (this.reopenTimer !== undefined) clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    call?.cancel();
  }

  private onSlot(raw: Buffer): void {
    let item: RawSlotChanges;
    try {
      item = scanSlotChanges(raw);
    } catch (err) {
      this.logger.error({ err }, 'follow hub: malformed SlotChanges from the history-store');
      return;
    }
    if (this.lastSlot !== undefined && compareSlots(item.slot, this.lastSlot) <= 0) return;
    this.lastSlot = item.slot;
    this.failures = 0;
    for (const sub of this.subscribers) sub.offer(item);
  }

  private onUpstreamEnd(call: ClientReadableStream<Buffer>, err: ServiceError | undefined): void {
    if (call !== this.call) return;
    this.call = undefined;
    if (this.subscribers.size === 0 || this.closedWith !== undefined) {
      this.initialized = false;
      return;
    }
    const mapped = err === undefined ? undefined : this.upstream.mapError(err);
    if (mapped instanceof SlotTooOldError) {
      // The hub was away longer than the history: continuity is lost. Every follower goes back
      // to catch-up from its own position (which ends it with SlotTooOld if it is that old too).
      this.logger.info(
        { after: formatSlot(this.lastSlot) },
        'follow hub: continuity lost, followers catch up',
      );
      const subs = [...this.subscribers];
      this.subscribers.clear();
      this.initialized = false;
      for (const sub of subs) sub.lag();
      return;
    }
    this.failures += 1;
    if (this.failures > MAX_REOPEN_ATTEMPTS) {
      this.logger.warn(
        { err: mapped?.message },
        'follow hub: upstream watch keeps failing; ending followers',
      );
      const subs = [...this.subscribers];
      this.subscribers.clear();
      this.initialized = false;
      for (const sub of subs) sub.fail(mapped ?? new Error('upstream watch ended'));
      return;
    }
    const delay = this.failures === 1 ? 0 : Math.min(100 * 2 ** (this.failures - 1), 2000);
    this.logger.debug(
      { attempt: this.failures, delay, err: mapped?.message },
      'follow hub: reopening upstream watch',
    );
    this.reopenTimer = setTimeout(() => this.openUpstream(), delay);
  }
}

/**
 * One follower of a {@link FollowHub}. Live slots are buffered up to `limitBytes` (a single
 * slot larger than the limit is still accepted into an empty buffer); past it the follower is
 * detached and {@link slots} catches it up from the history before it rejoins.
 */
export class FollowSubscription {
  private buffer: RawSlotChanges[] = [];
  private head = 0;
  private bytes = 0;
  private maxBytes = 0;
  private state: 'idle' | 'live' | 'lagging' | 'failed' = 'idle';
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly hub: FollowHub,
    private readonly upstream: HistoryStoreUpstream,
    private readonly limitBytes: number,
  ) {}

  /** Bytes of live slots buffered now. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** The most bytes ever buffered. */
  get maxBufferedBytes(): number {
    return this.maxBytes;
  }

  /** @internal Called by the hub for each live slot. Never blocks. */
  offer(item: RawSlotChanges): void {
    if (this.state !== 'live') return;
    const size = item.bytes.length;
    if (this.bytes > 0 && this.bytes + size > this.limitBytes) {
      this.hub.detach(this);
      this.hub.noteLagged();
      this.lag();
      return;
    }
    this.buffer.push(item);
    this.bytes += size;
    if (this.bytes > this.maxBytes) this.maxBytes = this.bytes;
    this.signal();
  }

  /** @internal Detached from the live stream: catch up from history next. */
  lag(): void {
    if (this.state === 'failed') return;
    this.state = 'lagging';
    this.clear();
    this.signal();
  }

  /** @internal Ends the follower with `err`. */
  fail(err: Error): void {
    this.state = 'failed';
    this.failure = err;
    this.clear();
    this.signal();
  }

  /**
   * Every final slot after `after`, in order, without gaps or repeats: catch-up from history
   * up to the hub's continuity point, then live slots. Throws SlotTooOld when the history no
   * longer covers the follower, `signal.reason` when aborted, UPSTREAM_UNAVAILABLE when the
   * shared upstream watch cannot be reopened.
   */
  async *slots(after: Slot, signal: AbortSignal): AsyncGenerator<RawSlotChanges> {
    let last = after;
    this.hub.followerStarted();
    try {
      for (;;) {
        if (this.state === 'failed') throw this.failure as Error;
        this.clear();
        this.state = 'live';
        const joinPoint = await this.hub.attach(this);
        if (joinPoint !== undefined && compareSlots(last, joinPoint) < 0) {
          for await (const item of this.upstream.streamChanges(
            { afterSlot: last, untilSlot: joinPoint },
            signal,
          )) {
            yield item;
            last = item.slot;
          }
        }
        for (;;) {
          const item = await this.next(signal);
          if (item === undefined) break;
          if (compareSlots(item.slot, last) <= 0) continue;
          yield item;
          last = item.slot;
        }
      }
    } finally {
      this.hub.detach(this);
      this.clear();
      this.hub.followerEnded();
    }
  }

  /** The next buffered live slot, or undefined when the follower left the live state. */
  private async next(signal: AbortSignal): Promise<RawSlotChanges | undefined> {
    for (;;) {
      if (this.state !== 'live') return undefined;
      if (this.head < this.buffer.length) {
        const item = this.buffer[this.head] as RawSlotChanges;
        this.buffer[this.head] = undefined as unknown as RawSlotChanges;
        this.head += 1;
        this.bytes -= item.bytes.length;
        if (this.head === this.buffer.length) {
          this.buffer = [];
          this.head = 0;
        }
        return item;
      }
      if (signal.aborted) throw signal.reason as Error;
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.wake = undefined;
          reject(signal.reason as Error);
        };
        this.wake = () => {
          signal.removeEventListener('abort', onAbort);
          this.wake = undefined;
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private signal(): void {
    this.wake?.();
  }

  private clear(): void {
    this.buffer = [];
    this.head = 0;
    this.bytes = 0;
  }
}

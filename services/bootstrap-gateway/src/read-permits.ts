/**
 * Whether a client is waiting for a read right now. A session sets `urgent` on its prefetch
 * once the part before it has been written: from then on its client's link is idle until the
 * read completes.
 */
export interface ReadUrgency {
  urgent: boolean;
}

interface Waiter {
  readonly urgency: ReadUrgency;
  readonly grant: () => void;
}

/**
 * A limit on concurrent operations. A freed permit goes to the longest-waiting urgent waiter,
 * else to the longest-waiting one; a waiter whose AbortSignal fires leaves the queue with the
 * signal's reason.
 */
export class ReadPermits {
  private available: number;
  private readonly waiters: Waiter[] = [];

  constructor(
    /** How many holders at once (at least 1). */
    readonly limit: number,
  ) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`permit limit must be a positive integer, got ${limit}`);
    }
    this.available = limit;
  }

  /** Holders now. */
  get inUse(): number {
    return this.limit - this.available;
  }

  /** Callers waiting for a permit now. */
  get queued(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with the function that gives the permit back (extra calls do nothing) when one
   * is free; rejects with `signal.reason` if the signal fires first. `urgency` is read each
   * time a permit is freed, so a waiter can become urgent while it waits.
   */
  acquire(signal: AbortSignal, urgency: ReadUrgency = { urgent: true }): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        urgency,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = (): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal.reason as Error);
      };
      this.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const urgent = this.waiters.findIndex((w) => w.urgency.urgent);
      const [next] = this.waiters.splice(urgent >= 0 ? urgent : 0, 1);
      // The permit passes straight to the next waiter; otherwise it is free again.
      if (next !== undefined) next.grant();
      else this.available += 1;
    };
  }
}

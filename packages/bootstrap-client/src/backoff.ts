/** Capped, jittered exponential backoff between reconnection attempts. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. Default 200. */
  readonly initialMs?: number;
  /** Upper bound of any computed delay, ms (a server's RetryInfo may ask for more). Default 10 000. */
  readonly maxMs?: number;
  /**
   * Fraction of the delay that is random, in [0, 1]: the delay is drawn uniformly from
   * [d * (1 - jitter), d]. Default 0.2. Spreads reconnections of many clients after an outage.
   */
  readonly jitter?: number;
}

/** Fully-defaulted backoff settings. */
export type BackoffPolicy = Required<BackoffOptions>;

/** Defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000, jitter: 0.2 };

/** Longest RetryInfo delay honoured as is; longer ones are clamped (a misconfigured server). */
export const MAX_RETRY_INFO_MS = 5 * 60_000;

/** Validates and defaults backoff options; throws a RangeError naming the bad field. */
export function normalizeBackoff(options: BackoffOptions | undefined): BackoffPolicy {
  const policy = { ...DEFAULT_BACKOFF, ...stripUndefined(options ?? {}) };
  if (!(Number.isFinite(policy.initialMs) && policy.initialMs >= 0)) {
    throw new RangeError(`backoff.initialMs must be a finite number >= 0, got ${policy.initialMs}`);
  }
  if (!(Number.isFinite(policy.maxMs) && policy.maxMs >= policy.initialMs)) {
    throw new RangeError(`backoff.maxMs must be >= backoff.initialMs, got ${policy.maxMs}`);
  }
  if (!(policy.jitter >= 0 && policy.jitter <= 1)) {
    throw new RangeError(`backoff.jitter must be in [0, 1], got ${policy.jitter}`);
  }
  return policy;
}

/**
 * The delay before retry number `attempt` (1 for the first retry):
 * min(maxMs, initialMs * 2^(attempt-1)) minus up to `jitter` of it. `floorMs` (what remains of
 * the RetryInfo delay of the gateway called next, clamped to {@link MAX_RETRY_INFO_MS}) is a
 * floor: never call a gateway sooner than it asked.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  floorMs?: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential * (1 - policy.jitter * random());
  const floor = floorMs === undefined ? 0 : Math.min(floorMs, MAX_RETRY_INFO_MS);
  return Math.round(Math.max(jittered, floor));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// Backoff between retries: exponential, capped, jittered downwards only, with a floor that
// honours RetryInfo (clamped).
import { backoffDelay, DEFAULT_BACKOFF } from '@massa-bootstrap/bootstrap-client';

const policy = { initialMs: 100, maxMs: 1_000, jitter: 0.5 };

test('doubles per attempt up to maxMs', () => {
  const noJitter = { ...policy, jitter: 0 };
  expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, noJitter))).toEqual([
    100, 200, 400, 800, 1000, 1000,
  ]);
});

test('jitter only shortens, within the jitter fraction', () => {
  expect(backoffDelay(3, policy, undefined, () => 0)).toBe(400);
  expect(backoffDelay(3, policy, undefined, () => 0.999999)).toBe(200);
  for (let i = 0; i < 100; i++) {
    const delay = backoffDelay(10, policy);
    expect(delay).toBeGreaterThanOrEqual(500);
    expect(delay).toBeLessThanOrEqual(1_000);
  }
});

test('a RetryInfo floor wins over a shorter backoff and is clamped to 5 minutes', () => {
  expect(backoffDelay(1, policy, 3_000, () => 0)).toBe(3_000);
  expect(backoffDelay(1, policy, 3_600_000, () => 0)).toBe(300_000);
});

test('defaults', () => {
  expect(DEFAULT_BACKOFF).toEqual({ initialMs: 200, maxMs: 10_000, jitter: 0.2 });
});

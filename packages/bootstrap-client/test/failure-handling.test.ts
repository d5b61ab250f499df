// How the client reacts to each status of the error contract (fake gateway, real contract):
// retryable codes resume with backoff honouring RetryInfo, SlotInFuture retries without a
// reset, INVALID_ARGUMENT / PERMISSION_DENIED fail fast with the decoded details.
import { status } from '@grpc/grpc-js';
import {
  AccessDeniedError,
  InvalidArgumentError,
  ResourceExhaustedError,
  SlotInFutureError,
  UnavailableError,
} from '@massa-bootstrap/core';
import {
  bootstrap,
  MemorySink,
  RequestRejectedError,
  RetriesExhaustedError,
  type RetryEvent,
} from '@massa-bootstrap/bootstrap-client';
import { startFakeGateway, type TestGateway } from '@massa-bootstrap/test-support';
import { completePart, makeEntries } from './fixtures';

const gateways: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

const fast = { initialMs: 10, maxMs: 50, jitter: 0 };

test('RESOURCE_EXHAUSTED with RetryInfo: waits at least the server delay, then completes', async () => {
  const part = await completePart(makeEntries(20));
  const gateway = await startFakeGateway({
    bootstrap: async (_request, context, attempt) => {
      if (attempt === 1)
        throw new ResourceExhaustedError('TOO_MANY_BOOTSTRAPS', 300, 'busy', 'sessions');
      await context.write(part);
    },
  });
  gateways.push(gateway);
  const retries: RetryEvent[] = [];
  const started = Date.now();
  const result = await bootstrap(
    { targets: [gateway.address], sink: new MemorySink(), backoff: fast },
    { retry: (e) => retries.push(e) },
  );
  expect(retries).toHaveLength(1);
  expect(retries[0]).toMatchObject({
    code: status.RESOURCE_EXHAUSTED,
    reason: 'TOO_MANY_BOOTSTRAPS',
    delayMs: 300,
  });
  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  expect(result.entries).toBe(20);
  expect(result.digest).toEqual(part.stateDigest);
  expect(result.retries).toBe(1);
});

test('SlotInFuture: backs off and retries without a reset, moving to the next target', async () => {
  const part = await completePart(makeEntries(5));
  const behind = await startFakeGateway({
    bootstrap: async () => {
      throw new SlotInFutureError({ period: 9, thread: 0 }, { period: 3, thread: 0 });
    },
  });
  const healthy = await startFakeGateway({ bootstrap: async (_r, context) => context.write(part) });
  gateways.push(behind, healthy);
  const events: string[] = [];
  const result = await bootstrap(
    { targets: [behind.address, healthy.address], sink: new MemorySink(), backoff: fast },
    {
      retry: (e) => events.push(`retry ${e.reason} -> ${e.nextTarget}`),
      reset: () => events.push('reset'),
    },
  );
  expect(events).toEqual([`retry SLOT_IN_FUTURE -> ${healthy.address}`]);
  expect(result.entries).toBe(5);
});

test('UNAVAILABLE every time: RetriesExhaustedError after maxRetries', async () => {
  const gateway = await startFakeGateway({
    bootstrap: async () => {
      throw new UnavailableError('UPSTREAM_UNAVAILABLE', 0, 'history-store down');
    },
  });
  gateways.push(gateway);
  const error = await bootstrap({
    targets: [gateway.address],
    sink: new MemorySink(),
    maxRetries: 3,
    backoff: fast,
  }).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(RetriesExhaustedError);
  expect((error as RetriesExhaustedError).lastCode).toBe(status.UNAVAILABLE);
  expect(gateway.bootstrapRequests).toHaveLength(4);
});

test('an unreachable target counts as UNAVAILABLE and the next one is used', async () => {
  const part = await completePart(makeEntries(3));
  const dead = await startFakeGateway({});
  dead.kill();
  const healthy = await startFakeGateway({ bootstrap: async (_r, context) => context.write(part) });
  gateways.push(healthy);
  const retries: RetryEvent[] = [];
  const result = await bootstrap(
    { targets: [dead.address, healthy.address], sink: new MemorySink(), backoff: fast },
    { retry: (e) => retries.push(e) },
  );
  expect(retries.map((r) => r.code)).toEqual([status.UNAVAILABLE]);
  expect(result.entries).toBe(3);
});

test('INVALID_ARGUMENT fails fast with the BadRequest field violations', async () => {
  const gateway = await startFakeGateway({
    bootstrap: async () => {
      throw new InvalidArgumentError([
        { field: 'max_part_bytes', description: 'must be in [65536, 16777216]' },
      ]);
    },
  });
  gateways.push(gateway);
  const error = await bootstrap({
    targets: [gateway.address],
    sink: new MemorySink(),
    backoff: fast,
  }).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(RequestRejectedError);
  const rejected = error as RequestRejectedError;
  expect(rejected.code).toBe(status.INVALID_ARGUMENT);
  expect(rejected.decoded?.reason).toBe('INVALID_ARGUMENT');
  expect(rejected.fieldViolations).toEqual([
    { field: 'max_part_bytes', description: 'must be in [65536, 16777216]' },
  ]);
  expect(gateway.bootstrapRequests).toHaveLength(1);
});

test('PERMISSION_DENIED fails fast, even with another target available', async () => {
  const denied = await startFakeGateway({
    bootstrap: async () => {
      throw new AccessDeniedError('127.0.0.1');
    },
  });
  const other = await startFakeGateway({});
  gateways.push(denied, other);
  const error = await bootstrap({
    targets: [denied.address, other.address],
    sink: new MemorySink(),
  }).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(RequestRejectedError);
  expect((error as RequestRejectedError).code).toBe(status.PERMISSION_DENIED);
  expect((error as RequestRejectedError).decoded?.reason).toBe('ACCESS_DENIED');
  expect(other.bootstrapRequests).toHaveLength(0);
});

test("a gateway's RetryInfo delays calls to that gateway only, not to the next target", async () => {
  const part = await completePart(makeEntries(4));
  const busy = await startFakeGateway({
    bootstrap: async () => {
      throw new ResourceExhaustedError('TOO_MANY_BOOTSTRAPS', 60_000, 'busy', 'sessions');
    },
  });
  const healthy = await startFakeGateway({ bootstrap: async (_r, context) => context.write(part) });
  gateways.push(busy, healthy);
  const retries: RetryEvent[] = [];
  const started = Date.now();
  const result = await bootstrap(
    { targets: [busy.address, healthy.address], sink: new MemorySink(), backoff: fast },
    { retry: (e) => retries.push(e) },
  );
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(retries).toHaveLength(1);
  expect(retries[0]?.delayMs).toBeLessThanOrEqual(fast.maxMs);
  expect(result.entries).toBe(4);
});

// An AbortSignal stops everything cleanly (the server sees the cancellation, no call is left
// open, the sink keeps whole parts); a stream silent for idleTimeoutMs is cancelled and resumed.
import { status } from '@grpc/grpc-js';
import { UnavailableError } from '@massa-bootstrap/core';
import {
  BootstrapAbortedError,
  Bootstrapper,
  MemorySink,
  type RetryEvent,
} from '@massa-bootstrap/bootstrap-client';
import { startFakeGateway, type TestGateway } from '@massa-bootstrap/test-support';
import { completePart, makeEntries, waitForEvent } from './fixtures';

let gateway: TestGateway;
afterEach(async () => {
  // Graceful close rejects if a call is still open: the client must have cancelled it.
  await gateway.close(5_000);
});

function until(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

test('abort during a bootstrap cancels the call and rejects with BootstrapAbortedError', async () => {
  const entries = makeEntries(10);
  let serverSawCancel!: () => void;
  const cancelled = new Promise<void>((resolve) => (serverSawCancel = resolve));
  gateway = await startFakeGateway({
    bootstrap: async (_request, context) => {
      await context.write({
        slot: { period: 5, thread: 0 },
        changes: [],
        entries: entries.slice(0, 4),
        cursor: { slot: { period: 5, thread: 0 }, lastKey: entries[3]!.key, stateComplete: false },
        stateDigest: Buffer.alloc(0),
      });
      await until(context.signal);
      serverSawCancel();
    },
  });
  const controller = new AbortController();
  const sink = new MemorySink();
  const bootstrapper = new Bootstrapper({
    targets: [gateway.address],
    sink,
    signal: controller.signal,
  });
  const run = bootstrapper.run();
  await waitForEvent(bootstrapper, 'part');
  controller.abort();
  await expect(run).rejects.toBeInstanceOf(BootstrapAbortedError);
  await cancelled;
  expect(sink.entryCount()).toBe(4);
  expect(sink.cursor()?.lastKey).toEqual(entries[3]!.key);
});

test('abort during a backoff sleep stops at once', async () => {
  gateway = await startFakeGateway({
    bootstrap: async () => {
      throw new UnavailableError('SHUTTING_DOWN', 0, 'stopping');
    },
  });
  const controller = new AbortController();
  const bootstrapper = new Bootstrapper({
    targets: [gateway.address],
    sink: new MemorySink(),
    signal: controller.signal,
    backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 },
  });
  const run = bootstrapper.run();
  await waitForEvent<RetryEvent>(bootstrapper, 'retry');
  const started = Date.now();
  controller.abort();
  await expect(run).rejects.toBeInstanceOf(BootstrapAbortedError);
  expect(Date.now() - started).toBeLessThan(2_000);
});

test('a stream silent for idleTimeoutMs is cancelled and resumed (DEADLINE_EXCEEDED)', async () => {
  const part = await completePart(makeEntries(7));
  gateway = await startFakeGateway({
    bootstrap: async (_request, context, attempt) => {
      if (attempt === 1) {
        await until(context.signal); // never sends anything: the client must give up on it
        return;
      }
      await context.write(part);
    },
  });
  const retries: RetryEvent[] = [];
  const bootstrapper = new Bootstrapper({
    targets: [gateway.address],
    sink: new MemorySink(),
    idleTimeoutMs: 300,
    backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
  });
  bootstrapper.on('retry', (e) => retries.push(e));
  const result = await bootstrapper.run();
  expect(retries.map((r) => r.code)).toEqual([status.DEADLINE_EXCEEDED]);
  expect(result.entries).toBe(7);
});

// Regression test for Massa's infinite loop: a server that answers SlotTooOld to every request
// (even a fresh one) must make the client give up after maxResets with a typed error, quickly.
import {
  TooManyResetsError,
  bootstrap,
  MemorySink,
  type ResetEvent,
} from '@massa-bootstrap/bootstrap-client';
import { startFakeGateway, type TestGateway } from '@massa-bootstrap/test-support';
import { slotTooOld } from './fixtures';

let gateway: TestGateway;
afterEach(async () => {
  await gateway.close();
});

test('always SlotTooOld: exactly maxResets resets, then TooManyResetsError in bounded time', async () => {
  gateway = await startFakeGateway({
    bootstrap: async () => {
      throw slotTooOld();
    },
  });
  const sink = new MemorySink();
  const resets: ResetEvent[] = [];
  const started = Date.now();
  const error = await bootstrap(
    { targets: [gateway.address], sink, maxResets: 3 },
    { reset: (e) => resets.push(e) },
  ).catch((err: unknown) => err);
  const elapsed = Date.now() - started;

  expect(error).toBeInstanceOf(TooManyResetsError);
  const tooMany = error as TooManyResetsError;
  expect(tooMany.resets).toBe(3);
  expect(tooMany.maxResets).toBe(3);
  expect(tooMany.lastSlotTooOld).toEqual({
    requestedSlot: { period: 1, thread: 2 },
    oldestAvailableSlot: { period: 50, thread: 0 },
    newestSlot: { period: 60, thread: 3 },
    finalHistoryLength: 100,
  });
  expect(tooMany.message).toMatch(/gave up after 3 reset\(s\).*final_history_length 100/);
  expect(resets.map((r) => [r.reason, r.count])).toEqual([
    ['slot-too-old', 1],
    ['slot-too-old', 2],
    ['slot-too-old', 3],
  ]);
  expect(resets[0]?.slotTooOld?.oldestAvailableSlot).toEqual({ period: 50, thread: 0 });
  // One initial call plus one per reset: never a loop.
  expect(gateway.bootstrapRequests).toHaveLength(4);
  expect(elapsed).toBeLessThan(10_000);
});

test('maxResets 0 gives up on the first SlotTooOld', async () => {
  gateway = await startFakeGateway({
    bootstrap: async () => {
      throw slotTooOld();
    },
  });
  await expect(
    bootstrap({ targets: [gateway.address], sink: new MemorySink(), maxResets: 0 }),
  ).rejects.toBeInstanceOf(TooManyResetsError);
  expect(gateway.bootstrapRequests).toHaveLength(1);
});

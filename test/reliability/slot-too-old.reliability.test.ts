/**
 * Reliability — SlotTooOld never loops (Massa's historical infinite loop). Two adversaries that
 * answer SlotTooOld forever:
 * 1. a scripted gateway (test-support's fake gateway) that refuses every Bootstrap call with
 *    FAILED_PRECONDITION / SLOT_TOO_OLD;
 * 2. the real gateway in front of an adversarial history-store whose history never covers the
 *    gateway's cursor: each session delivers one part, then StreamChanges answers SlotTooOld.
 * K clients run at once, each with its own maxResets (0..5). Every one must stop with the typed
 * TooManyResetsError after exactly maxResets resets and maxResets + 1 calls, in bounded time.
 *
 * Figures: `reliability slot-too-old: clients=… stopped_typed=… attempts_ok=… max_s=… …`.
 */
import pino from 'pino';
import { TooManyResetsError, bootstrap, MemorySink } from '@massa-bootstrap/bootstrap-client';
import { startGateway, type RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { SlotTooOldError, type Slot } from '@massa-bootstrap/core';
import {
  startFakeGateway,
  startFakeHistoryStore,
  type FakeHistoryStore,
  type TestGateway,
} from '@massa-bootstrap/test-support';
import { count, formatTally, reportFigures } from './support/report';
import { atScale } from './support/scale';

const CLIENTS = atScale({ ci: 12, full: 60 });
const MAX_RESETS_CYCLE = 6; // client i gets maxResets = i % 6
/** A client that gives up in bounded time: resets restart at once, no backoff involved. */
const PER_CLIENT_BOUND_MS = 10_000;
const KIB = 1024;
const HISTORY_LENGTH = 600;

jest.setTimeout(atScale({ ci: 60_000, full: 180_000 }));

interface ClientRun {
  readonly maxResets: number;
  /** The part size it asks for: unique per client, so requests can be told apart. */
  readonly partBytes: number;
  readonly error: unknown;
  readonly resetEvents: number;
  readonly elapsedMs: number;
}

async function runClients(target: string): Promise<ClientRun[]> {
  return Promise.all(
    Array.from({ length: CLIENTS }, async (_, i): Promise<ClientRun> => {
      const maxResets = i % MAX_RESETS_CYCLE;
      const partBytes = 64 * KIB + i;
      let resetEvents = 0;
      const started = Date.now();
      const error = await bootstrap(
        {
          targets: [target],
          sink: new MemorySink(),
          maxResets,
          maxPartBytes: partBytes,
          channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
        },
        { reset: () => (resetEvents += 1) },
      ).then(
        () => undefined,
        (err: unknown) => err,
      );
      return { maxResets, partBytes, error, resetEvents, elapsedMs: Date.now() - started };
    }),
  );
}

/** Checks one adversary's runs; returns the problems found. */
function check(
  runs: readonly ClientRun[],
  attemptsOf: (partBytes: number) => number,
): { failures: string[]; typed: number; attemptsOk: number } {
  const failures: string[] = [];
  let typed = 0;
  let attemptsOk = 0;
  for (const run of runs) {
    const attempts = attemptsOf(run.partBytes);
    if (run.error instanceof TooManyResetsError && run.error.resets === run.maxResets) typed += 1;
    else failures.push(`maxResets ${run.maxResets}: ${String(run.error)}`);
    if (attempts === run.maxResets + 1 && run.resetEvents === run.maxResets) attemptsOk += 1;
    else
      failures.push(
        `maxResets ${run.maxResets}: ${attempts} attempts, ${run.resetEvents} resets (want ${run.maxResets + 1}, ${run.maxResets})`,
      );
    if (run.elapsedMs > PER_CLIENT_BOUND_MS)
      failures.push(`maxResets ${run.maxResets}: ${run.elapsedMs} ms`);
  }
  return { failures, typed, attemptsOk };
}

describe('reliability: SlotTooOld forever never loops', () => {
  let fakeGateway: TestGateway | undefined;
  let adversarialStore: FakeHistoryStore | undefined;
  let gateway: RunningGateway | undefined;

  afterAll(async () => {
    await fakeGateway?.close();
    await gateway?.close();
    await adversarialStore?.close();
  });

  test(`${CLIENTS} clients stop after maxResets against two SlotTooOld adversaries`, async () => {
    // 1. A gateway that answers SlotTooOld to every call.
    fakeGateway = await startFakeGateway({
      bootstrap: async (request) => {
        const requested = request.resume?.slot ?? { period: 1, thread: 0 };
        throw new SlotTooOldError(
          requested,
          { period: 500, thread: 0 },
          { period: 518, thread: 31 },
          HISTORY_LENGTH,
        );
      },
    });
    const started1 = Date.now();
    const scripted = await runClients(fakeGateway.address);
    const elapsed1 = Date.now() - started1;
    const callsByPartBytes = new Map<string, number>();
    for (const request of fakeGateway.bootstrapRequests)
      count(callsByPartBytes, String(request.maxPartBytes));
    const first = check(scripted, (bytes) => callsByPartBytes.get(String(bytes)) ?? 0);

    // 2. The real gateway; the store's history always starts right after the gateway's cursor.
    let reads = 0;
    let tooOld = 0;
    const freshReadsByBytes = new Map<string, number>();
    const newest = (): Slot => ({ period: 1000 + reads, thread: 0 });
    adversarialStore = await startFakeHistoryStore({
      readStatePart: async (request) => {
        reads += 1;
        if (request.afterKey.length === 0) count(freshReadsByBytes, String(request.maxBytes));
        // One entry after the requested key, read at a slot newer than any before.
        const key = Buffer.concat([request.afterKey, Buffer.from('k')]);
        return {
          slot: newest(),
          entries: [{ key, value: Buffer.from('v') }],
          lastKey: key,
          complete: false,
        };
      },
      streamChanges: async (request) => {
        tooOld += 1;
        const after = request.afterSlot ?? { period: 0, thread: 0 };
        throw new SlotTooOldError(
          after,
          { period: after.period + 1, thread: 1 },
          newest(),
          HISTORY_LENGTH,
        );
      },
      getStatus: async () => ({
        oldestSlot: { period: 999, thread: 0 },
        newestSlot: newest(),
        finalHistoryLength: HISTORY_LENGTH,
        effectiveHistoryLength: HISTORY_LENGTH,
        entryCount: 1,
        threadCount: 32,
        stateDigest: Buffer.alloc(32),
      }),
    });
    gateway = await startGateway(
      {
        listen: '127.0.0.1:0',
        historyStoreUrl: adversarialStore.address,
        retryDelayMs: 100,
        upstreamCheckIntervalMs: 100,
        memoryHighWatermarkMb: 16_384,
      },
      pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    );
    const started2 = Date.now();
    const endToEnd = await runClients(gateway.address);
    const elapsed2 = Date.now() - started2;
    const second = check(endToEnd, (bytes) => freshReadsByBytes.get(String(bytes)) ?? 0);
    const counters = gateway.counters();

    const expectedCalls = scripted.reduce((n, r) => n + r.maxResets + 1, 0);
    reportFigures('slot-too-old', {
      clients_per_adversary: CLIENTS,
      max_resets: `0..${MAX_RESETS_CYCLE - 1}`,
      scripted_gateway_stopped_typed: first.typed,
      scripted_gateway_attempts_ok: first.attemptsOk,
      scripted_gateway_calls: fakeGateway.bootstrapRequests.length,
      real_gateway_stopped_typed: second.typed,
      real_gateway_attempts_ok: second.attemptsOk,
      real_gateway_sessions: counters.bootstrapsStarted,
      real_gateway_slot_too_old: counters.slotTooOld,
      expected_calls_each: expectedCalls,
      resets: formatTally({
        scripted: scripted.reduce((n, r) => n + r.resetEvents, 0),
        real: endToEnd.reduce((n, r) => n + r.resetEvents, 0),
      }),
      max_client_s: (
        Math.max(...scripted.map((r) => r.elapsedMs), ...endToEnd.map((r) => r.elapsedMs)) / 1000
      ).toFixed(2),
      total_s: ((elapsed1 + elapsed2) / 1000).toFixed(2),
    });

    expect([...first.failures, ...second.failures]).toEqual([]);
    expect(fakeGateway.bootstrapRequests).toHaveLength(expectedCalls);
    expect(counters.bootstrapsStarted).toBe(expectedCalls);
    expect(counters.slotTooOld).toBe(expectedCalls);
    expect(tooOld).toBe(expectedCalls);
  });
});

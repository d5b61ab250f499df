// Acceptance: 32 clients that read slowly do not make the gateway hold more than a bounded
// number of bytes per session: each session's own accounting (prefetched part, part in flight,
// raw store answers and changes while a part is built) stays <= 3 x its part size. Clients read
// in lock-step rounds, one part per client per round, so every session repeatedly waits on its
// socket (its client's queue and HTTP/2 window full) — no timing involved.
import type { BootstrapGatewayClient, BootstrapPart } from '@massa-bootstrap/proto';
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import {
  bulkGenesis,
  gatewayClient,
  startStore,
  startTestGateway,
  waitUntil,
  type StoreFixture,
} from './harness';

jest.setTimeout(150_000);

const PART = 64 * 1024;
const CLIENTS = 32;

/** A reader that takes exactly one part per step. */
class SteppedReader {
  parts = 0;
  ended = false;
  error: Error | undefined;
  private waiter: (() => void) | undefined;
  private readonly call;

  constructor(client: BootstrapGatewayClient) {
    this.call = client.bootstrap({ resume: undefined, maxPartBytes: PART, follow: false });
    this.call.on('data', (part: BootstrapPart) => {
      this.call.pause();
      this.parts += 1;
      if (part.cursor?.stateComplete) this.ended = true;
      this.wake();
    });
    this.call.on('error', (err: Error) => {
      this.error = err;
      this.ended = true;
      this.wake();
    });
    this.call.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Lets one part through (or the end). */
  step(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiter = resolve;
      this.call.resume();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

describe('memory per session with 32 slow readers', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;

  beforeAll(async () => {
    fixture = await startStore({ genesisEntries: 0, genesis: bulkGenesis(1_600, 1024) });
    gateway = await startTestGateway(fixture.store.address);
  });

  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  test('buffered bytes per session stay <= 3 x part size; RSS reported', async () => {
    global.gc?.();
    const rssStart = process.memoryUsage.rss();
    let rssPeak = rssStart;
    let totalBufferedPeak = 0;
    const clients = Array.from({ length: CLIENTS }, () =>
      gatewayClient(gateway.address, { 'grpc.use_local_subchannel_pool': 1 }),
    );
    const readers = clients.map((c) => new SteppedReader(c));
    await Promise.all(readers.map((r) => r.step()));
    await waitUntil(() => gateway.sessions().length === CLIENTS, 'all sessions started');

    let rounds = 0;
    while (readers.some((r) => !r.ended)) {
      rounds += 1;
      expect(rounds).toBeLessThan(100);
      // The store moves on now and then, so parts also carry (small) changes.
      if (rounds % 5 === 0) await fixture.ingest({ overwrites: 10, deletes: 2, inserts: 4 });
      await Promise.all(readers.map((r) => r.step()));
      const sessions = gateway.sessions();
      totalBufferedPeak = Math.max(
        totalBufferedPeak,
        sessions.reduce((sum, s) => sum + s.bufferedBytes, 0),
      );
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
      for (const s of sessions) {
        expect(s.partBytes).toBe(PART);
        expect(s.maxBufferedBytes).toBeLessThanOrEqual(3 * s.partBytes);
      }
    }
    const stalledSessions = gateway.counters().bootstrapsStarted;
    for (const r of readers) expect(r.error).toBeUndefined();
    expect(readers.every((r) => r.parts > 20)).toBe(true);
    await waitUntil(() => gateway.sessions().length === 0, 'sessions ended');
    expect(gateway.counters().bootstrapsCompleted).toBe(CLIENTS);
    for (const c of clients) c.close();
    console.log(
      `${stalledSessions} slow sessions of ${PART / 1024} KiB parts over ${rounds} rounds: peak sum of session buffers ` +
        `${(totalBufferedPeak / 1048576).toFixed(2)} MiB (bound ${((CLIENTS * 3 * PART) / 1048576).toFixed(1)} MiB); ` +
        `test-process RSS ${(rssStart / 1048576).toFixed(0)} -> peak ${(rssPeak / 1048576).toFixed(0)} MiB ` +
        `(store, gateway and 32 clients in one process)`,
    );
  });
});

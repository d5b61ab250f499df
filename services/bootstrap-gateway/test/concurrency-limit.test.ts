// Acceptance: 65 simultaneous bootstraps with the default limit (64): 64 proceed, exactly one
// gets RESOURCE_EXHAUSTED with RetryInfo (and QuotaFailure); all 65 finish once the client
// retries after the advertised delay. Sessions are held open deterministically: each client
// reads its first part and then stops reading, and the state is larger than what a paused
// grpc-js client absorbs (16 queued messages + one 64 KiB HTTP/2 window) plus the gateway's
// part in flight and prefetched part, so no session can end before the test releases it.
// (A grpc-js client that has never read buffers without bound, hence the first read.)
import { status, type ServiceError } from '@grpc/grpc-js';
import type { BootstrapGatewayClient, BootstrapPart } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapAssembler, replayState, stateDifference } from '@massa-bootstrap/test-support';
import {
  bulkGenesis,
  gatewayClient,
  gatewayStatus,
  runBootstrap,
  startStore,
  startTestGateway,
  type StoreFixture,
} from './harness';

jest.setTimeout(150_000);

const PART = 64 * 1024;

interface HeldCall {
  /** Resolves once the first part arrived (undefined) or the call failed first (the error). */
  readonly first: Promise<ServiceError | undefined>;
  /** Resumes reading to the end; resolves with how it ended. */
  release(): Promise<{ error: ServiceError | undefined; parts: number; completeDigest: boolean }>;
}

/** Starts a Bootstrap call that reads its first part and then pauses until released. */
function holdBootstrap(client: BootstrapGatewayClient): HeldCall {
  const call = client.bootstrap({ resume: undefined, maxPartBytes: PART, follow: false });
  let parts = 0;
  let completeDigest = false;
  let error: ServiceError | undefined;
  let resolveFirst: (e: ServiceError | undefined) => void = () => undefined;
  const first = new Promise<ServiceError | undefined>((r) => (resolveFirst = r));
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  call.on('data', (part: BootstrapPart) => {
    parts += 1;
    if (part.cursor?.stateComplete && part.stateDigest.length === 32) completeDigest = true;
    if (parts === 1) {
      call.pause();
      resolveFirst(undefined);
    }
  });
  call.on('error', (err: ServiceError) => {
    error = err;
    resolveFirst(err);
    resolveDone();
  });
  call.on('end', () => resolveDone());
  return {
    first,
    async release() {
      call.resume();
      await done;
      return { error, parts, completeDigest };
    },
  };
}

describe('MAX_CONCURRENT_BOOTSTRAPS (default 64)', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;

  beforeAll(async () => {
    // ~1.6 MB of state = ~24 parts of 64 KiB (a paused client absorbs ~17 parts, measured),
    // in 1 KiB values: few entries, so the 65 clients spend little time decoding.
    fixture = await startStore({ genesisEntries: 0, genesis: bulkGenesis(1_600, 1024) });
    gateway = await startTestGateway(fixture.store.address); // limit: the default
  });

  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  test('65 at once: 64 proceed, one RESOURCE_EXHAUSTED with RetryInfo, all finish after retry', async () => {
    expect(gateway.config.maxConcurrentBootstraps).toBe(64);
    // One connection per client, default window (like 65 separate nodes).
    const clients = Array.from({ length: 65 }, () =>
      gatewayClient(gateway.address, { 'grpc.use_local_subchannel_pool': 1 }),
    );
    const calls = clients.map((c) => holdBootstrap(c));
    const firsts = await Promise.all(calls.map((c) => c.first));
    const refused = firsts.map((e, i) => ({ e, i })).filter(({ e }) => e !== undefined);
    expect(refused).toHaveLength(1);
    const { e: error, i: refusedIndex } = refused[0]!;
    expect(error!.code).toBe(status.RESOURCE_EXHAUSTED);
    const decoded = decodeBootstrapError(error);
    expect(decoded?.reason).toBe('TOO_MANY_BOOTSTRAPS');
    expect(decoded?.retryDelayMs).toBe(200);
    expect(decoded?.quotaFailure?.[0]?.subject).toBe('bootstraps');

    // The 64 are really held: the gateway reports them, and a retry now is refused again.
    const busy = await gatewayStatus(clients[0]!);
    expect(busy.activeBootstraps).toBe(64);
    expect(busy.maxConcurrentBootstraps).toBe(64);
    const retryClient = clients[refusedIndex]!;
    const early = await runBootstrap(
      retryClient,
      { maxPartBytes: PART },
      await BootstrapAssembler.create(),
    );
    expect(decodeBootstrapError(early.error)?.reason).toBe('TOO_MANY_BOOTSTRAPS');

    // Release the 64; the refused client retries after RetryInfo.retry_delay until admitted.
    const held = calls.filter((_c, i) => i !== refusedIndex);
    const finishing = Promise.all(held.map((c) => c.release()));
    const assembler = await BootstrapAssembler.create();
    let retried = early;
    let attempts = 1;
    while (retried.error !== undefined) {
      const delay = decodeBootstrapError(retried.error)?.retryDelayMs;
      expect(delay).toBeDefined();
      expect(attempts).toBeLessThan(200);
      await new Promise((r) => setTimeout(r, delay));
      attempts += 1;
      retried = await runBootstrap(retryClient, { maxPartBytes: PART }, assembler);
    }
    const outcomes = await finishing;
    for (const outcome of outcomes) {
      expect(outcome.error).toBeUndefined();
      expect(outcome.completeDigest).toBe(true);
      expect(outcome.parts).toBeGreaterThan(20);
    }
    expect(assembler.complete).toBe(true);
    expect(
      stateDifference(assembler.state, replayState(fixture.slots, assembler.cursor!.slot!)),
    ).toBeUndefined();
    expect(gateway.counters().bootstrapsCompleted).toBe(65);
    expect((await gatewayStatus(clients[0]!)).activeBootstraps).toBe(0);
    for (const c of clients) c.close();
    console.log(`65 bootstraps: 64 admitted at once, the 65th admitted after ${attempts} attempts`);
  });
});

// Memory watermark: above MEMORY_HIGH_WATERMARK_MB new sessions get RESOURCE_EXHAUSTED
// MEMORY_PRESSURE with RetryInfo (+ QuotaFailure) and running sessions shrink their parts to the
// 64 KiB minimum; below the low watermark (hysteresis) both recover. The RSS sampler is replaced
// through the gateway's hook so that pressure is switched deterministically.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { BootstrapPart } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { MIN_PART_BYTES, type RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapAssembler, replayState, stateDifference } from '@massa-bootstrap/test-support';
import {
  bulkGenesis,
  gatewayClient,
  gatewayStatus,
  runBootstrap,
  startStore,
  startTestGateway,
  waitUntil,
  type StoreFixture,
} from './harness';

jest.setTimeout(90_000);

const REQUESTED = 128 * 1024;
const VALUE = 1024;

describe('memory watermark', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;
  let rss = 0;

  beforeAll(async () => {
    // 4,000 entries of 1 KiB: ~32 parts of 128 KiB.
    fixture = await startStore({ genesisEntries: 0, genesis: bulkGenesis(4_000, VALUE) });
    gateway = await startTestGateway(
      fixture.store.address,
      { memoryHighWatermarkMb: 100, memoryCheckIntervalMs: 60_000 },
      { memorySampler: () => rss },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  const HIGH = 101 * 1024 * 1024; // above the 100 MiB watermark
  const LOW = 50 * 1024 * 1024; // below the 90 MiB low watermark

  test('refuses new sessions, shrinks running ones, and recovers', async () => {
    const client = gatewayClient(gateway.address, { 'grpc.use_local_subchannel_pool': 1 });
    const assembler = await BootstrapAssembler.create();
    const call = client.bootstrap({ resume: undefined, maxPartBytes: REQUESTED, follow: false });
    const partBytes: number[] = [];
    let error: ServiceError | undefined;
    let waiter: (() => void) | undefined;
    call.on('data', (part: BootstrapPart) => {
      call.pause();
      assembler.apply(part);
      partBytes.push(part.entries.reduce((sum, e) => sum + e.key.length + e.value.length, 0));
      waiter?.();
    });
    call.on('error', (err: ServiceError) => {
      error = err;
      waiter?.();
    });
    call.on('end', () => waiter?.());
    const step = (): Promise<void> =>
      new Promise<void>((resolve) => {
        waiter = resolve;
        call.resume();
      });
    const shrunk = (bytes: number): boolean => bytes <= MIN_PART_BYTES + VALUE + 64;

    await step(); // first part, then the session fills the paused client's queue
    expect(partBytes[0]).toBeGreaterThan(MIN_PART_BYTES + VALUE);

    rss = HIGH;
    expect(gateway.memory.refresh()).toBe(true);
    const refused = await runBootstrap(client, {}, await BootstrapAssembler.create());
    expect(refused.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const decoded = decodeBootstrapError(refused.error);
    expect(decoded?.reason).toBe('MEMORY_PRESSURE');
    expect(decoded?.retryDelayMs).toBe(200);
    expect(decoded?.quotaFailure?.[0]?.subject).toBe('memory');
    expect((await gatewayStatus(client)).memoryPressure).toBe(true);

    // Read on: the parts the session reads from now on are cut to the 64 KiB minimum.
    while (!shrunk(partBytes[partBytes.length - 1]!)) {
      expect(assembler.complete).toBe(false);
      await step();
    }
    expect(gateway.sessions()[0]!.partBytes).toBe(MIN_PART_BYTES);
    // Hysteresis: between the watermarks the pressure stays.
    rss = 95 * 1024 * 1024;
    expect(gateway.memory.refresh()).toBe(true);

    rss = LOW;
    expect(gateway.memory.refresh()).toBe(false);
    while (shrunk(partBytes[partBytes.length - 1]!)) {
      expect(assembler.complete).toBe(false);
      await step();
    }
    expect(gateway.sessions()[0]!.partBytes).toBe(REQUESTED);
    while (!assembler.complete && error === undefined) await step();
    expect(error).toBeUndefined();
    expect(
      stateDifference(assembler.state, replayState(fixture.slots, assembler.cursor!.slot!)),
    ).toBeUndefined();
    await waitUntil(() => gateway.sessions().length === 0, 'session ended');

    // New sessions are admitted again.
    const admitted = await runBootstrap(
      client,
      { maxPartBytes: 1024 * 1024 },
      await BootstrapAssembler.create(),
    );
    expect(admitted.error).toBeUndefined();
    expect((await gatewayStatus(client)).memoryPressure).toBe(false);
    client.close();
    console.log(
      `part sizes (key+value bytes) through pressure and recovery: ${partBytes.join(', ')}`,
    );
  });
});

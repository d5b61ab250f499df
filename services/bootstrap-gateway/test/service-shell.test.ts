// The service shell: GetStatus fields, reflection of BootstrapGateway + Health, health that
// follows the history-store (NOT_SERVING while it is unreachable, UNAVAILABLE
// UPSTREAM_UNAVAILABLE with RetryInfo for calls meanwhile, never INTERNAL), and graceful
// shutdown (running bootstraps and followers end with UNAVAILABLE SHUTTING_DOWN + RetryInfo).
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as Serving,
  HealthClient,
  reflectionV1,
  type BootstrapPart,
  type HealthCheckResponse,
} from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { startHistoryStore } from '@massa-bootstrap/history-store';
import {
  GATEWAY_SERVICE_NAME,
  MAX_PART_BYTES_LIMIT,
  MIN_PART_BYTES,
  type RunningGateway,
} from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapAssembler } from '@massa-bootstrap/test-support';
import {
  bulkGenesis,
  gatewayClient,
  gatewayStatus,
  runBootstrap,
  startStore,
  startTestGateway,
  testLogger,
  waitUntil,
  type StoreFixture,
} from './harness';

jest.setTimeout(90_000);

/** Watches grpc.health.v1 for `service`; resolves waits when a status arrives. */
function watchHealth(address: string, service: string) {
  const client = new HealthClient(address, credentials.createInsecure());
  const call = client.watch({ service });
  let current: Serving | undefined;
  let waiters: { want: Serving; resolve: () => void }[] = [];
  call.on('data', (response: HealthCheckResponse) => {
    current = response.status;
    waiters = waiters.filter((w) => (w.want === current ? (w.resolve(), false) : true));
  });
  call.on('error', () => undefined);
  return {
    until(want: Serving): Promise<void> {
      if (current === want) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ want, resolve }));
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}

describe('service shell', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;

  beforeAll(async () => {
    fixture = await startStore({ genesisEntries: 3_000, valueBytes: 32 });
    gateway = await startTestGateway(fixture.store.address, { memoryHighWatermarkMb: 4096 });
  });

  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  test('GetStatus reports the history range, limits, sessions and memory state', async () => {
    const client = gatewayClient(gateway.address);
    await fixture.ingest();
    const store = await fixture.status();
    const s = await gatewayStatus(client);
    client.close();
    expect(s).toMatchObject({
      oldestSlot: store.oldestSlot,
      newestSlot: store.newestSlot,
      finalHistoryLength: 600,
      entryCount: store.entryCount,
      stateBytes: store.stateBytes,
      activeBootstraps: 0,
      maxConcurrentBootstraps: 64,
      defaultPartBytes: 1024 * 1024,
      minPartBytes: MIN_PART_BYTES,
      maxPartBytes: MAX_PART_BYTES_LIMIT,
      memoryPressure: false,
      memoryHighWatermarkBytes: 4096 * 1024 * 1024,
      activeFollowers: 0,
      threadCount: 32,
      version: '0.1.0',
    });
    expect(s.entryCount).toBeGreaterThan(3_000);
    expect(s.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  test('reflection lists BootstrapGateway and Health', async () => {
    const client = new reflectionV1.ServerReflectionClient(
      gateway.address,
      credentials.createInsecure(),
    );
    const call = client.serverReflectionInfo();
    const answer = new Promise<reflectionV1.ServerReflectionResponse>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
    });
    call.write({ host: '', messageRequest: { $case: 'listServices', value: '' } });
    const response = await answer;
    call.end();
    client.close();
    const names =
      response.messageResponse?.$case === 'listServicesResponse'
        ? response.messageResponse.value.service.map((s) => s.name)
        : [];
    expect(names).toEqual(expect.arrayContaining([GATEWAY_SERVICE_NAME, 'grpc.health.v1.Health']));
  });

  test('health follows the history-store; calls get UNAVAILABLE UPSTREAM_UNAVAILABLE meanwhile', async () => {
    const health = watchHealth(gateway.address, GATEWAY_SERVICE_NAME);
    await health.until(Serving.SERVING);
    const port = fixture.store.port;
    await fixture.store.close();
    await health.until(Serving.NOT_SERVING);
    expect(gateway.health()).toBe('NOT_SERVING');

    const client = gatewayClient(gateway.address);
    const during = await runBootstrap(client, {}, await BootstrapAssembler.create());
    expect(during.error?.code).toBe(status.UNAVAILABLE);
    const decoded = decodeBootstrapError(during.error);
    expect(decoded?.reason).toBe('UPSTREAM_UNAVAILABLE');
    expect(decoded?.retryDelayMs).toBe(200);
    await expect(gatewayStatus(client)).rejects.toMatchObject({ code: status.UNAVAILABLE });

    // The store comes back on the same address with the same data: the gateway serves again.
    const restarted = await startHistoryStore(
      { listen: `127.0.0.1:${port}`, dataDir: fixture.dir.path },
      testLogger('history-store'),
    );
    try {
      await health.until(Serving.SERVING);
      const after = await runBootstrap(client, {}, await BootstrapAssembler.create());
      expect(after.error).toBeUndefined();
    } finally {
      health.close();
      client.close();
      await restarted.close();
    }
  });
});

describe('graceful shutdown', () => {
  let fixture: StoreFixture;

  beforeAll(async () => {
    fixture = await startStore({ genesisEntries: 0, genesis: bulkGenesis(1_600, 1024) });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  test('running bootstraps and followers end with UNAVAILABLE SHUTTING_DOWN and RetryInfo', async () => {
    const gateway = await startTestGateway(fixture.store.address, { shutdownTimeoutMs: 30_000 });
    const client = gatewayClient(gateway.address, { 'grpc.use_local_subchannel_pool': 1 });
    const health = watchHealth(gateway.address, '');
    await health.until(Serving.SERVING);

    // A bootstrap paused mid-way and a live follower.
    const call = client.bootstrap({ resume: undefined, maxPartBytes: 64 * 1024, follow: false });
    let bootstrapError: ServiceError | undefined;
    let parts = 0;
    call.on('data', (_p: BootstrapPart) => {
      parts += 1;
      call.pause();
    });
    call.on('error', (err: ServiceError) => {
      bootstrapError = err;
    });
    const follower = client.streamFinalChanges({
      afterSlot: fixture.workload.newestSlot()!,
      follow: true,
    });
    let followerError: ServiceError | undefined;
    follower.on('data', () => undefined);
    follower.on('error', (err: ServiceError) => {
      followerError = err;
    });
    await waitUntil(
      () => parts > 0 && gateway.followStats().followers === 1,
      'bootstrap and follower running',
    );

    const closed = gateway.close();
    await health.until(Serving.NOT_SERVING);
    call.resume(); // the status follows the parts already queued for the client
    await closed;
    await waitUntil(
      () => bootstrapError !== undefined && followerError !== undefined,
      'both calls ended',
    );
    for (const err of [bootstrapError, followerError]) {
      expect(err?.code).toBe(status.UNAVAILABLE);
      const decoded = decodeBootstrapError(err);
      expect(decoded?.reason).toBe('SHUTTING_DOWN');
      expect(decoded?.retryDelayMs).toBe(200);
    }
    health.close();
    client.close();
  });
});

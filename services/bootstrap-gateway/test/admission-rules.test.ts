// Admission rules other than the concurrency limit: CIDR deny/allow lists -> PERMISSION_DENIED
// ACCESS_DENIED (every RPC), the per-IP minimum interval -> RESOURCE_EXHAUSTED RATE_LIMITED with
// RetryInfo and QuotaFailure, and the per-session time budget -> DEADLINE_EXCEEDED
// BOOTSTRAP_TIMEOUT.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { BootstrapPart } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapAssembler, collectStream } from '@massa-bootstrap/test-support';
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

describe('admission rules', () => {
  let fixture: StoreFixture;
  const gateways: RunningGateway[] = [];

  beforeAll(async () => {
    // ~1.5 MB: more than a paused client and the gateway can hold at 64 KiB parts (timeout test).
    fixture = await startStore({ genesisEntries: 0, genesis: bulkGenesis(1_600, 1024) });
  });

  afterAll(async () => {
    for (const g of gateways) await g.close();
    await fixture?.close();
  });

  async function gatewayWith(
    options: Parameters<typeof startTestGateway>[1],
  ): Promise<RunningGateway> {
    const gateway = await startTestGateway(fixture.store.address, options);
    gateways.push(gateway);
    return gateway;
  }

  test.each([
    ['denied by DENY_CIDRS', { denyCidrs: ['10.0.0.0/8', '127.0.0.0/8'] }],
    ['outside ALLOW_CIDRS', { allowCidrs: ['10.0.0.0/8', '2001:db8::/32'] }],
    ['denied even when also allowed', { allowCidrs: ['127.0.0.1'], denyCidrs: ['127.0.0.1/32'] }],
  ])('%s -> PERMISSION_DENIED ACCESS_DENIED on every RPC', async (_name, options) => {
    const gateway = await gatewayWith(options);
    const client = gatewayClient(gateway.address);
    const bootstrap = await runBootstrap(client, {}, await BootstrapAssembler.create());
    expect(bootstrap.error?.code).toBe(status.PERMISSION_DENIED);
    expect(decodeBootstrapError(bootstrap.error)?.reason).toBe('ACCESS_DENIED');
    const changes = await collectStream(
      client.streamFinalChanges({ afterSlot: { period: 1, thread: 0 }, follow: false }),
    );
    expect(decodeBootstrapError(changes.error)?.reason).toBe('ACCESS_DENIED');
    await expect(gatewayStatus(client)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    client.close();
  });

  test('an allowed address is served', async () => {
    const gateway = await gatewayWith({
      allowCidrs: ['127.0.0.0/8', '::1/128'],
      denyCidrs: ['10.0.0.0/8'],
    });
    const client = gatewayClient(gateway.address);
    const ok = await runBootstrap(client, {}, await BootstrapAssembler.create());
    expect(ok.error).toBeUndefined();
    client.close();
  });

  test('PER_IP_MIN_INTERVAL_MS -> RESOURCE_EXHAUSTED RATE_LIMITED with RetryInfo and QuotaFailure', async () => {
    const gateway = await gatewayWith({ perIpMinIntervalMs: 600_000 });
    const client = gatewayClient(gateway.address);
    const first = await runBootstrap(client, {}, await BootstrapAssembler.create());
    expect(first.error).toBeUndefined();
    const second = await runBootstrap(client, {}, await BootstrapAssembler.create());
    expect(second.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const decoded = decodeBootstrapError(second.error);
    expect(decoded?.reason).toBe('RATE_LIMITED');
    expect(decoded?.retryDelayMs).toBeGreaterThan(500_000);
    expect(decoded?.retryDelayMs).toBeLessThanOrEqual(600_000);
    expect(decoded?.quotaFailure?.[0]?.subject).toBe('ip:127.0.0.1');
    client.close();
  });

  test('BOOTSTRAP_TIMEOUT_MS -> DEADLINE_EXCEEDED BOOTSTRAP_TIMEOUT, and the slot is released', async () => {
    const gateway = await gatewayWith({ bootstrapTimeoutMs: 300, maxConcurrentBootstraps: 1 });
    const client = gatewayClient(gateway.address, { 'grpc.use_local_subchannel_pool': 1 });
    const call = client.bootstrap({ resume: undefined, maxPartBytes: 64 * 1024, follow: false });
    let error: ServiceError | undefined;
    let parts = 0;
    call.on('data', (_part: BootstrapPart) => {
      parts += 1;
      call.pause(); // a client too slow to finish within the budget
    });
    call.on('error', (err: ServiceError) => {
      error = err;
    });
    // The session ends on its own once the budget is spent (the paused client cannot finish).
    await waitUntil(() => parts > 0 && gateway.sessions().length === 0, 'the session timed out');
    expect(gateway.counters().bootstrapsCompleted).toBe(0);
    // The status reaches the client after the parts already queued for it.
    call.resume();
    await waitUntil(() => error !== undefined, 'the client saw the status');
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(decodeBootstrapError(error)?.reason).toBe('BOOTSTRAP_TIMEOUT');
    // The admission slot was released: the only slot is free for the next caller (which may
    // itself run out of its 300 ms, but is not refused as busy).
    const retry = await runBootstrap(client, {}, await BootstrapAssembler.create());
    expect(decodeBootstrapError(retry.error)?.reason).not.toBe('TOO_MANY_BOOTSTRAPS');
    client.close();
  });
});

/**
 * Service shell: health is NOT_SERVING until the storage is open and SERVING after; graceful
 * shutdown marks it NOT_SERVING, ends long streams with UNAVAILABLE / SHUTTING_DOWN, answers an
 * open ingest stream after its queued slots are durable, and closes the storage (a restart on
 * the same directory sees every acknowledged slot).
 */
import { credentials, status } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as Serving,
  HealthClient,
  type HealthCheckResponse,
  type SlotChanges,
} from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import {
  openLmdbStorage,
  startHistoryStore,
  type HistoryStorage,
} from '@massa-bootstrap/history-store';
import { append, connect, getStatus } from './support/client';
import { startStore, testLogger } from './support/fixture';
import { Scenario } from './support/scenario';
import { WatchRecorder } from './support/watch';

function check(client: HealthClient, service: string): Promise<Serving> {
  return new Promise((resolve, reject) =>
    client.check({ service }, (err, res) => (err ? reject(err) : resolve(res!.status))),
  );
}

describe('health and graceful shutdown', () => {
  let dir: TempDir;
  const scenario = new Scenario({ seed: 4, keySpace: 50, changesPerSlot: 5, genesisEntries: 20 });

  beforeAll(async () => {
    dir = await makeTempDir('history-store-health-');
  });
  afterAll(async () => {
    await dir.cleanup();
  });

  it('is NOT_SERVING until the storage is open, then SERVING', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let health: HealthClient | undefined;
    const observed: Serving[] = [];
    let unavailable: unknown;
    const started = startHistoryStore(
      { listen: '127.0.0.1:0', dataDir: dir.path, threadCount: 4 },
      testLogger,
      {
        onListening: (port) => {
          health = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
          const store = connect(`127.0.0.1:${port}`);
          void (async () => {
            observed.push(await check(health!, ''));
            observed.push(await check(health!, 'massa.bootstrap.v1.HistoryStore'));
            unavailable = await getStatus(store).then(
              () => undefined,
              (err: unknown) => err,
            );
            store.close();
            release();
          })();
        },
        openStorage: async (config, initialMeta): Promise<HistoryStorage> => {
          await gate; // storage opens only after the checks above
          return openLmdbStorage({ path: config.dataDir, initialMeta });
        },
      },
    );
    const handle = await started;
    expect(observed).toEqual([Serving.NOT_SERVING, Serving.NOT_SERVING]);
    expect((unavailable as { code: number }).code).toBe(status.UNAVAILABLE);
    expect(await check(health!, '')).toBe(Serving.SERVING);
    expect(await check(health!, 'massa.bootstrap.v1.HistoryStore')).toBe(Serving.SERVING);
    health!.close();
    await handle.close();
  });

  it('on shutdown: NOT_SERVING, streams ended with SHUTTING_DOWN, queued slots durable', async () => {
    const store = await startStore({ threadCount: 4, shutdownTimeoutMs: 20_000 }, dir);
    await append(store.client, scenario.message(0));
    await append(store.client, scenario.message(1));
    const health = new HealthClient(store.handle.address, credentials.createInsecure());
    const healthUpdates: Serving[] = [];
    const healthWatch = health.watch({ service: '' });
    const healthEnded = new Promise<number>((resolve) => {
      healthWatch.on('data', (r: HealthCheckResponse) => healthUpdates.push(r.status));
      healthWatch.on('error', (err: { code: number }) => resolve(err.code));
      healthWatch.on('end', () => resolve(status.OK));
    });
    const watch = new WatchRecorder(
      store.client.watchFinalSlots({ afterSlot: scenario.slotAt(0) }),
    );
    await watch.until((m) => m.length === 1);

    // An ingest stream left open: two slots sent, no half-close.
    const ingestResult = new Promise<{ code: number; reason?: string }>((resolve) => {
      const call = store.client.ingestFinalSlots((err) =>
        resolve(
          err ? { code: err.code, reason: decodeBootstrapError(err)?.reason } : { code: status.OK },
        ),
      );
      call.write(scenario.message(2) as SlotChanges);
      call.write(scenario.message(3) as SlotChanges);
    });
    await watch.until((m) => m.length === 3); // both committed and published

    await store.handle.close();
    await watch.ended;
    expect(watch.error?.code).toBe(status.UNAVAILABLE);
    expect(decodeBootstrapError(watch.error)?.reason).toBe('SHUTTING_DOWN');
    expect(await ingestResult).toEqual({ code: status.UNAVAILABLE, reason: 'SHUTTING_DOWN' });
    expect(await healthEnded).toBe(status.UNAVAILABLE);
    expect(healthUpdates[0]).toBe(Serving.SERVING);
    expect(healthUpdates[healthUpdates.length - 1]).toBe(Serving.NOT_SERVING);
    health.close();
    await store.stop();

    // Everything acknowledged or seen committed survived the shutdown.
    const again = await startStore({ threadCount: 4 }, dir);
    expect((await getStatus(again.client)).newestSlot).toEqual(scenario.slotAt(3));
    await again.stop();
  });

  it('refuses a data dir created with another thread count, naming THREAD_COUNT', async () => {
    await expect(
      startHistoryStore({ listen: '127.0.0.1:0', dataDir: dir.path, threadCount: 32 }, testLogger),
    ).rejects.toThrow(/THREAD_COUNT \(--thread-count\).*thread count 4.*32/);
  });
});

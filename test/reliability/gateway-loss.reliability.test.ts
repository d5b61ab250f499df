/**
 * Reliability — gateway loss: two bootstrap-gateway child processes serve slow clients (every
 * client is given both targets, in either order) while slots keep finalizing; the gateways are
 * killed with SIGKILL one after the other, faster than they restart (so at times both are
 * down), and restarted on the same port. Every bootstrap must finish with exactly the model
 * state of the slot it verified at: the gateway is stateless, the client's cursor is enough.
 *
 * Figures: `reliability gateway-loss: kills=… clients=… finished=… verified=… lost=0 …`.
 */
import pino from 'pino';
import { HistoryStoreClient } from '@massa-bootstrap/proto';
import { startHistoryStore, type HistoryStoreHandle } from '@massa-bootstrap/history-store';
import {
  appendSlot,
  freePorts,
  makeTempDir,
  startGatewayProcess,
  type ServiceProcess,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { credentials } from '@grpc/grpc-js';
import { gatewayClient, tryGatewayStatus } from './support/gateway-calls';
import { randomInt, seededRandom, sleep } from '@massa-bootstrap/test-support';
import { formatTally, reportFigures } from './support/report';
import { atScale } from './support/scale';
import { SlotFeed } from './support/slot-feed';
import { TrackedClient, retryTally } from './support/tracked-client';

const CLIENTS = atScale({ ci: 8, full: 20 });
const KILLS = atScale({ ci: 4, full: 12 });
/** About 40 (ci) or 100 (full) parts of 64 KiB per bootstrap. */
const GENESIS_ENTRIES = atScale({ ci: 20_000, full: 50_000 });
const PART_BYTES = 64 * 1024;
/** Slow clients (about 650 KB/s each): every bootstrap spans the whole kill schedule. */
const CLIENT_PART_DELAY_MS = 100;
/** A final slot every 100 ms while the suite runs (5x Massa's rate). */
const SLOT_INTERVAL_MS = 100;
const SEED = 20_250_702;

jest.setTimeout(atScale({ ci: 120_000, full: 600_000 }));

describe('reliability: gateways killed under active bootstraps', () => {
  let dir: TempDir;
  let store: HistoryStoreHandle | undefined;
  let storeClient: HistoryStoreClient | undefined;
  const gateways: (ServiceProcess | undefined)[] = [];
  const restarts: Promise<unknown>[] = [];
  const clients: TrackedClient[] = [];
  let ingesting = false;
  let ingestLoop: Promise<unknown> = Promise.resolve();

  afterAll(async () => {
    ingesting = false;
    await ingestLoop;
    await Promise.allSettled(restarts);
    await Promise.all(clients.map((c) => c.done));
    await Promise.all(gateways.map((g) => g?.stop()));
    storeClient?.close();
    await store?.close();
    await dir?.cleanup();
  });

  test(`${KILLS} gateway SIGKILLs under ${CLIENTS} active bootstraps: all finish verified`, async () => {
    const random = seededRandom(SEED);
    dir = await makeTempDir('reliability-gateway-loss-');
    store = await startHistoryStore(
      { listen: '127.0.0.1:0', dataDir: dir.path },
      pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    );
    storeClient = new HistoryStoreClient(store.address, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
    const feed = await SlotFeed.create({
      genesisEntries: GENESIS_ENTRIES,
      valueBytes: 100,
      seed: SEED,
    });
    for (let i = 0; i < feed.genesisSlots; i++) await appendSlot(storeClient, feed.at(i));
    ingesting = true;
    const ingestClient = storeClient;
    ingestLoop = (async () => {
      for (let next = feed.genesisSlots; ingesting; next++) {
        await appendSlot(ingestClient, feed.at(next));
        await sleep(SLOT_INTERVAL_MS);
      }
    })();

    const ports = await freePorts(2);
    const startOne = (index: number): Promise<ServiceProcess> =>
      startGatewayProcess({
        port: ports[index] as number,
        historyStoreUrl: store!.address,
        env: { RETRY_DELAY_MS: '200', UPSTREAM_CHECK_INTERVAL_MS: '200' },
      });
    gateways.push(...(await Promise.all([startOne(0), startOne(1)])));
    const targets = gateways.map((g) => g!.address);

    for (let i = 0; i < CLIENTS; i++) {
      clients.push(
        new TrackedClient(i, {
          targets: i % 2 === 0 ? targets : [...targets].reverse(),
          maxPartBytes: PART_BYTES,
          partDelayMs: CLIENT_PART_DELAY_MS,
          maxRetries: 60,
          backoff: { initialMs: 100, maxMs: 1000 },
          channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
        }),
      );
    }

    let kills = 0;
    let sessionsCut = 0;
    let bothDownKills = 0;
    const activeAtKill: number[] = [];
    const restarting: (Promise<ServiceProcess> | undefined)[] = [undefined, undefined];
    for (let k = 0; k < KILLS; k++) {
      await sleep(randomInt(random, 300, 900));
      const index = k % 2;
      // A victim still restarting from its previous kill is killed again once it is back.
      if (restarting[index] !== undefined) await restarting[index];
      // Half of the time, wait for the other one to be back first: one gateway down at a time.
      if (random() < 0.5 && restarting[1 - index] !== undefined) await restarting[1 - index];
      const victim = gateways[index] as ServiceProcess;
      const status = await withClient(victim.address, (c) => tryGatewayStatus(c, 500));
      sessionsCut += status?.activeBootstraps ?? 0;
      activeAtKill.push(clients.filter((c) => !c.isFinished).length);
      if (gateways[1 - index] === undefined) bothDownKills += 1;
      await victim.kill();
      kills += 1;
      gateways[index] = undefined;
      const restart = startOne(index).then((p) => {
        gateways[index] = p;
        restarting[index] = undefined;
        return p;
      });
      restarting[index] = restart;
      restarts.push(restart);
    }
    await Promise.all(restarts);

    const failures: string[] = [];
    let verified = 0;
    const durations: number[] = [];
    for (const c of clients) {
      const outcome = await c.done;
      durations.push(outcome.elapsedMs);
      if (outcome.result === undefined) {
        failures.push(`client ${c.id}: ${String(outcome.error)}`);
        continue;
      }
      const difference = feed.checkSink(c.sink, outcome.result.slot);
      if (difference === undefined) verified += 1;
      else failures.push(`client ${c.id}: ${difference}`);
    }
    ingesting = false;
    await ingestLoop;

    const finished = clients.filter((c) => c.isFinished).length;
    reportFigures('gateway-loss', {
      gateways: 2,
      kills,
      restarts: kills,
      kills_with_other_gateway_down: bothDownKills,
      sessions_cut: sessionsCut,
      clients: CLIENTS,
      active_at_kill_min: Math.min(...activeAtKill),
      finished,
      verified,
      lost: CLIENTS - verified,
      client_retries: formatTally(retryTally(clients)),
      resets: clients.reduce((n, c) => n + c.resets, 0),
      slots_ingested: feed.slots.length - feed.genesisSlots,
      bootstrap_s_max: (Math.max(...durations) / 1000).toFixed(1),
    });

    expect(failures).toEqual([]);
    expect(verified).toBe(CLIENTS);
    expect(kills).toBe(KILLS);
    // The kills happened under load: at least one session was cut by each gateway kill on
    // average, and most clients were still running at the last kill.
    expect(sessionsCut).toBeGreaterThanOrEqual(KILLS);
    expect(Math.min(...activeAtKill)).toBeGreaterThan(CLIENTS / 2);
  });
});

async function withClient<T>(
  address: string,
  use: (client: ReturnType<typeof gatewayClient>) => Promise<T>,
): Promise<T> {
  const client = gatewayClient(address);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/**
 * Reliability — load: many concurrent bootstraps (200 in the full run, each on its own
 * connection, like 200 nodes) against one bootstrap-gateway child process with its default
 * concurrency limit (64; the ci run lowers it in proportion to its 80 clients). The clients
 * over the limit are refused with RESOURCE_EXHAUSTED / TOO_MANY_BOOTSTRAPS + RetryInfo, wait
 * at least the delay it asks for, and come back. Every one finishes with the verified state,
 * none is lost, the number of sessions never exceeds the limit, and the gateway's peak RSS
 * (VmHWM) stays under a bound derived from its per-session memory budget.
 *
 * Figures: `reliability load: clients=… limit=… finished=… lost=0 refused=… peak_rss_mib=… …`.
 */
import { credentials } from '@grpc/grpc-js';
import pino from 'pino';
import { HistoryStoreClient } from '@massa-bootstrap/proto';
import { startHistoryStore, type HistoryStoreHandle } from '@massa-bootstrap/history-store';
import {
  appendSlot,
  makeTempDir,
  readProcessMemory,
  startGatewayProcess,
  type ServiceProcess,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { gatewayClient, tryGatewayStatus } from './support/gateway-calls';
import { sleep } from '@massa-bootstrap/test-support';
import { formatTally, reportFigures } from './support/report';
import { atScale } from './support/scale';
import { SlotFeed } from './support/slot-feed';
import { TrackedClient, retryTally } from './support/tracked-client';

const MIB = 1024 * 1024;
/** The gateway's default MAX_CONCURRENT_BOOTSTRAPS (DESIGN §5). */
const DEFAULT_LIMIT = 64;
const FULL_CLIENTS = 200;
const CLIENTS = atScale({ ci: 80, full: FULL_CLIENTS });
/** The default limit in the full run; the same limit/clients ratio in the ci run. */
const LIMIT = atScale({ ci: Math.round((DEFAULT_LIMIT * 80) / FULL_CLIENTS), full: DEFAULT_LIMIT });
/** About 1.1 MiB of state in the full run (10,000 entries, 19 parts of 64 KiB). */
const GENESIS_ENTRIES = atScale({ ci: 5_000, full: 10_000 });
const PART_BYTES = 64 * 1024;
const CLIENT_PART_DELAY_MS = 5;
const RETRY_DELAY_MS = 1000;
const SEED = 20_250_703;

jest.setTimeout(atScale({ ci: 120_000, full: 600_000 }));

describe('reliability: load on one gateway', () => {
  let dir: TempDir;
  let store: HistoryStoreHandle | undefined;
  let gateway: ServiceProcess | undefined;
  const clients: TrackedClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.done));
    await gateway?.stop();
    await store?.close();
    await dir?.cleanup();
  });

  test(`${CLIENTS} concurrent bootstraps, limit ${LIMIT}: all finish, RSS bounded`, async () => {
    dir = await makeTempDir('reliability-load-');
    store = await startHistoryStore(
      { listen: '127.0.0.1:0', dataDir: dir.path },
      pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    );
    const storeClient = new HistoryStoreClient(store.address, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * MIB,
    });
    const feed = await SlotFeed.create({
      genesisEntries: GENESIS_ENTRIES,
      valueBytes: 100,
      seed: SEED,
    });
    for (let i = 0; i < feed.genesisSlots; i++) await appendSlot(storeClient, feed.at(i));
    storeClient.close();
    const stateBytes = feed
      .stateAt(feed.slots[feed.genesisSlots - 1]!.slot!)
      .entries()
      .reduce((n, e) => n + e.key.length + e.value.length, 0);

    gateway = await startGatewayProcess({
      historyStoreUrl: store.address,
      env: {
        RETRY_DELAY_MS: String(RETRY_DELAY_MS),
        // The full run keeps the default limit: the variable is set only for the ci run.
        ...(LIMIT === DEFAULT_LIMIT ? {} : { MAX_CONCURRENT_BOOTSTRAPS: String(LIMIT) }),
      },
    });
    await sleep(500); // let start-up allocations settle before the baseline
    const baseline = readProcessMemory(gateway.pid);
    // What idle connections alone cost the gateway: one per client, one GetStatus each.
    const idle = Array.from({ length: CLIENTS }, () => gatewayClient(gateway!.address));
    await Promise.all(idle.map((c) => tryGatewayStatus(c, 10_000)));
    const connected = readProcessMemory(gateway.pid);
    for (const c of idle) c.close();

    // Sample the number of admitted sessions while the load runs.
    const probe = gatewayClient(gateway.address);
    let maxActive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const status = await tryGatewayStatus(probe, 1000);
        if (status !== undefined) {
          maxActive = Math.max(maxActive, status.activeBootstraps);
          if (status.maxConcurrentBootstraps !== LIMIT) {
            throw new Error(
              `gateway limit is ${status.maxConcurrentBootstraps}, expected ${LIMIT}`,
            );
          }
        }
        await sleep(50);
      }
    })();

    const started = Date.now();
    for (let i = 0; i < CLIENTS; i++) {
      clients.push(
        new TrackedClient(i, {
          targets: [gateway.address],
          maxPartBytes: PART_BYTES,
          partDelayMs: CLIENT_PART_DELAY_MS,
          maxRetries: 200,
          backoff: { initialMs: 100, maxMs: 2000 },
          channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
        }),
      );
    }
    const outcomes = await Promise.all(clients.map((c) => c.done));
    const elapsedMs = Date.now() - started;
    sampling = false;
    await sampler;
    probe.close();
    const peak = readProcessMemory(gateway.pid);

    const failures: string[] = [];
    let verified = 0;
    outcomes.forEach((outcome, i) => {
      const client = clients[i] as TrackedClient;
      if (outcome.result === undefined) {
        failures.push(`client ${i}: ${String(outcome.error)}`);
        return;
      }
      const difference = feed.checkSink(client.sink, outcome.result.slot);
      if (difference === undefined) verified += 1;
      else failures.push(`client ${i}: ${difference}`);
    });
    const refusals = clients.reduce((n, c) => n + c.refusalDelaysMs.length, 0);
    const refusedClients = clients.filter((c) => c.refusalDelaysMs.length > 0).length;
    const delays = clients.flatMap((c) => c.refusalDelaysMs);
    const minRefusalDelay = delays.length > 0 ? Math.min(...delays) : 0;
    const retries = retryTally(clients);

    // The bound: the idle gateway, plus the design budget of 3 parts per admitted session,
    // plus 512 KiB per client connection (HTTP/2 session, socket and grpc-js call state of
    // every connected client, admitted or not), plus 64 MiB for V8 heap growth and garbage
    // not yet collected. A gateway that buffered whole states would need sessions × state.
    const boundBytes = baseline.rssBytes + LIMIT * 3 * PART_BYTES + CLIENTS * 512 * 1024 + 64 * MIB;
    reportFigures('load', {
      clients: CLIENTS,
      limit: LIMIT,
      finished: outcomes.filter((o) => o.result !== undefined).length,
      verified,
      lost: CLIENTS - verified,
      refused_clients: refusedClients,
      refusals,
      min_delay_after_refusal_ms: minRefusalDelay,
      retries: formatTally(retries),
      max_active_sessions: maxActive,
      state_mib: (stateBytes / MIB).toFixed(1),
      baseline_rss_mib: (baseline.rssBytes / MIB).toFixed(1),
      rss_connected_mib: (connected.rssBytes / MIB).toFixed(1),
      peak_rss_mib: (peak.peakRssBytes / MIB).toFixed(1),
      rss_bound_mib: (boundBytes / MIB).toFixed(1),
      elapsed_s: (elapsedMs / 1000).toFixed(1),
    });

    expect(failures).toEqual([]);
    expect(verified).toBe(CLIENTS);
    expect(refusedClients).toBeGreaterThan(0);
    // Every refusal carried RetryInfo and the client honoured it: its next call to this (only)
    // gateway waited at least the delay, where its own backoff would start at 100 ms.
    expect(minRefusalDelay).toBeGreaterThanOrEqual(RETRY_DELAY_MS * 0.9);
    expect([...retries.keys()].filter((k) => k.startsWith('RESOURCE_EXHAUSTED'))).toEqual([
      'RESOURCE_EXHAUSTED/TOO_MANY_BOOTSTRAPS',
    ]);
    expect(maxActive).toBeLessThanOrEqual(LIMIT);
    expect(peak.peakRssBytes).toBeLessThan(boundBytes);
  });
});

/**
 * Reliability — bad input: thousands of generated malformed requests (10,000 in the full run)
 * to BOTH services running as child processes: random bytes as cursors and keys, thread >=
 * thread_count, zero and huge sizes, slots in the past and the future, non-increasing ingest
 * slots, periods beyond 2^53, and garbage gRPC frames over a raw HTTP/2 client (not protobuf,
 * compressed flag without an encoding, truncated, oversize length prefix, no message, two
 * messages for a unary call). Each must get one of the documented statuses of its kind; no
 * process may crash (both are alive afterwards and still serve a verified bootstrap and a new
 * slot); the stored data is unchanged (digest, newest slot, every entry, history range).
 *
 * Figures: `reliability bad-input: requests=… store=… gateway=… undocumented=0 … statuses=…`.
 */
import { credentials } from '@grpc/grpc-js';
import { bootstrap, MemorySink } from '@massa-bootstrap/bootstrap-client';
import { formatSlot } from '@massa-bootstrap/core';
import {
  BootstrapRequest,
  GetStatusRequest,
  HistoryStoreClient,
  ReadStatePartRequest,
  SlotChanges,
  StreamChangesRequest,
  StreamFinalChangesRequest,
  WatchFinalSlotsRequest,
} from '@massa-bootstrap/proto';
import {
  RawGrpcConnection,
  appendSlot,
  ingestSlots,
  isProcessAlive,
  makeTempDir,
  parseJsonLine,
  readStoreSnapshot,
  startGatewayProcess,
  startHistoryStoreProcess,
  type ServiceProcess,
  type StoreSnapshot,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { badGatewayRequest } from './support/bad-gateway-requests';
import type { BadInputTargets, BadRequest, StoreFacts } from './support/bad-request-kit';
import { badStoreRequest } from './support/bad-store-requests';
import { undecodableMessage } from './support/protobuf-bytes';
import { gatewayClient } from './support/gateway-calls';
import { seededRandom } from '@massa-bootstrap/test-support';
import { count, formatTally, reportFigures } from './support/report';
import { atScale } from './support/scale';
import { SlotFeed } from './support/slot-feed';

const REQUESTS = atScale({ ci: 1_000, full: 10_000 });
const CONCURRENCY = 8;
/** Bodies checked by the guard test (each against 7 decoders). */
const GUARD_SAMPLES = atScale({ ci: 3_000, full: 20_000 });
const FINAL_HISTORY_LENGTH = 50;
const SLOTS_AFTER_GENESIS = 200;
const SEED = 20_250_704;

jest.setTimeout(atScale({ ci: 120_000, full: 600_000 }));

/** What must not change: compared as JSON before and after the run. */
function fingerprint(snapshot: StoreSnapshot): string {
  const s = snapshot.status;
  return JSON.stringify({
    newest: formatSlot(s.newestSlot),
    oldest: formatSlot(s.oldestSlot),
    digest: s.stateDigest.toString('hex'),
    recomputed: snapshot.recomputedDigest.toString('hex'),
    entries: snapshot.entries.length,
    entryCount: s.entryCount,
    stateBytes: s.stateBytes,
    historyBytes: s.historyBytes,
    effectiveHistoryLength: s.effectiveHistoryLength,
  });
}

/** Lines a service logged at level error (50) or above. */
function errorLines(service: ServiceProcess): number {
  return service.process.lines.filter((line) => {
    const level = parseJsonLine(line.text)?.['level'];
    return typeof level === 'number' && level >= 50;
  }).length;
}

describe('reliability: malformed requests to both services', () => {
  let dir: TempDir;
  let store: ServiceProcess | undefined;
  let gateway: ServiceProcess | undefined;
  let storeClient: HistoryStoreClient | undefined;
  let targets: BadInputTargets | undefined;

  afterAll(async () => {
    storeClient?.close();
    targets?.gateway.close();
    await targets?.storeRaw.close();
    await targets?.gatewayRaw.close();
    await gateway?.stop();
    await store?.stop();
    await dir?.cleanup();
  });

  test('guard: the "not protobuf" bodies never decode as any request message', () => {
    // Those bodies are sent to write RPCs: one that decoded could be a valid slot and be stored.
    const random = seededRandom(SEED + 1);
    const decoders = [
      SlotChanges,
      ReadStatePartRequest,
      StreamChangesRequest,
      WatchFinalSlotsRequest,
      BootstrapRequest,
      StreamFinalChangesRequest,
      GetStatusRequest,
    ];
    let decoded = 0;
    for (let i = 0; i < GUARD_SAMPLES; i++) {
      const bytes = undecodableMessage(random);
      for (const decoder of decoders) {
        try {
          decoder.decode(bytes);
          decoded += 1;
        } catch {
          // expected: every decoder must refuse them
        }
      }
    }
    expect(decoded).toBe(0);
  });

  test(`${REQUESTS} malformed requests: documented statuses, no crash, data unchanged`, async () => {
    const random = seededRandom(SEED);
    dir = await makeTempDir('reliability-bad-input-');
    store = await startHistoryStoreProcess({
      dataDir: dir.path,
      finalHistoryLength: FINAL_HISTORY_LENGTH,
    });
    storeClient = new HistoryStoreClient(store.address, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
    const feed = await SlotFeed.create({ genesisEntries: 3_000, valueBytes: 64, seed: SEED });
    for (let i = 0; i < feed.genesisSlots; i++) await appendSlot(storeClient, feed.at(i));
    const last = feed.genesisSlots + SLOTS_AFTER_GENESIS;
    await ingestSlots(
      storeClient,
      Array.from({ length: SLOTS_AFTER_GENESIS }, (_, i) => feed.at(feed.genesisSlots + i)),
    );
    gateway = await startGatewayProcess({
      historyStoreUrl: store.address,
      env: { RETRY_DELAY_MS: '200', UPSTREAM_CHECK_INTERVAL_MS: '200' },
    });

    const before = await readStoreSnapshot(storeClient);
    const oldest = before.status.oldestSlot!;
    const newest = before.status.newestSlot!;
    const facts: StoreFacts = {
      threadCount: before.status.threadCount,
      oldest,
      newest,
      retained: feed.slots
        .slice(feed.indexOf(oldest), feed.indexOf(newest) + 1)
        .map((s) => s.slot!),
    };
    expect(feed.indexOf(newest)).toBe(last - 1);

    targets = {
      store: storeClient,
      gateway: gatewayClient(gateway.address),
      storeRaw: new RawGrpcConnection(store.address),
      gatewayRaw: new RawGrpcConnection(gateway.address),
    };
    const requests: BadRequest[] = Array.from({ length: REQUESTS }, (_, i) =>
      i % 2 === 0 ? badStoreRequest(random, facts) : badGatewayRequest(random, facts),
    );

    const byService = {
      'history-store': new Map<string, number>(),
      gateway: new Map<string, number>(),
    };
    const byKind = new Map<string, Map<string, number>>();
    const undocumented: string[] = [];
    let next = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      const t = targets as BadInputTargets;
      while (next < requests.length) {
        const request = requests[next++] as BadRequest;
        const outcome = await request.send(t);
        count(byService[request.service], outcome);
        let kind = byKind.get(`${request.service} ${request.kind}`);
        if (kind === undefined)
          byKind.set(`${request.service} ${request.kind}`, (kind = new Map()));
        count(kind, outcome);
        if (!request.allowed.includes(outcome)) {
          undocumented.push(`${request.service} ${request.kind}: ${outcome}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsedMs = Date.now() - started;

    // Both processes survived and still serve.
    const storeAlive = store.alive() && isProcessAlive(store.pid);
    const gatewayAlive = gateway.alive() && isProcessAlive(gateway.pid);
    const after = await readStoreSnapshot(storeClient);
    const sink = new MemorySink();
    const verified = await bootstrap({ targets: [gateway.address], sink, maxRetries: 3 });
    const servedDigest = verified.digest.equals(after.status.stateDigest);
    // The store still takes the next slot (and nothing else moved it).
    const appended = await appendSlot(storeClient, feed.at(last));

    const merged = new Map<string, number>();
    for (const tally of Object.values(byService)) for (const [k, n] of tally) count(merged, k, n);
    reportFigures('bad-input', {
      requests: REQUESTS,
      store_requests: [...byService['history-store'].values()].reduce((a, b) => a + b, 0),
      gateway_requests: [...byService.gateway.values()].reduce((a, b) => a + b, 0),
      kinds: byKind.size,
      undocumented: undocumented.length,
      store_alive: storeAlive,
      gateway_alive: gatewayAlive,
      data_unchanged: fingerprint(after) === fingerprint(before),
      bootstrap_after_verified: servedDigest,
      store_error_log_lines: errorLines(store),
      gateway_error_log_lines: errorLines(gateway),
      elapsed_s: (elapsedMs / 1000).toFixed(1),
      store_statuses: formatTally(byService['history-store']),
      gateway_statuses: formatTally(byService.gateway),
    });
    // Per kind, for docs/reliability.md.
    for (const [kind, tally] of [...byKind.entries()].sort()) {
      process.stdout.write(`  bad-input kind | ${kind} | ${formatTally(tally)}\n`);
    }

    expect(undocumented.slice(0, 20)).toEqual([]);
    expect(storeAlive).toBe(true);
    expect(gatewayAlive).toBe(true);
    expect(fingerprint(after)).toBe(fingerprint(before));
    expect(after.recomputedDigest.equals(after.status.stateDigest)).toBe(true);
    expect(servedDigest).toBe(true);
    expect(feed.checkSink(sink, verified.slot)).toBeUndefined();
    expect(appended.duplicate).toBe(false);
  });
});

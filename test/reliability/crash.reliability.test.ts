/**
 * Reliability — crash: the history-store child process is killed with SIGKILL at random
 * moments, while slots are being ingested and, every other round, while clients are in the
 * middle of a bootstrap through a gateway. The store restarts on the same data directory and
 * port. After each restart: no acknowledged slot is lost, the stored digest equals a full
 * recomputation from every entry read back (ReadStatePart) and equals the model digest at the
 * store's newest slot (no partial slot), and every interrupted client finishes (the client
 * library retries on UNAVAILABLE and resumes from its cursor) with exactly the model state of
 * the slot it verified at.
 *
 * Figures: `reliability crash: kills=… acked=… lost=0 clients=… interrupted=… verified=…`.
 */
import { credentials } from '@grpc/grpc-js';
import pino from 'pino';
import { formatSlot } from '@massa-bootstrap/core';
import { HistoryStoreClient } from '@massa-bootstrap/proto';
import { startGateway, type RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import {
  FAST_RECONNECT,
  appendSlot,
  freePorts,
  makeTempDir,
  readStoreSnapshot,
  startHistoryStoreProcess,
  type ServiceProcess,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { AckedProducer } from './support/acked-producer';
import { randomInt, seededRandom, sleep } from '@massa-bootstrap/test-support';
import { formatTally, reportFigures } from './support/report';
import { atScale } from './support/scale';
import { SlotFeed } from './support/slot-feed';
import { TrackedClient, retryTally } from './support/tracked-client';

const KILLS = atScale({ ci: 8, full: 50 });
const CLIENTS_PER_ROUND = atScale({ ci: 3, full: 4 });
const GENESIS_ENTRIES = atScale({ ci: 12_000, full: 24_000 });
const SEED = 20_250_701;
const PART_BYTES = 64 * 1024;
/** A slow disk on the client side: the bootstraps are still running when the store dies. */
const CLIENT_PART_DELAY_MS = 15;
/** Enough history that clients never fall behind it here: the suite is about crashes. */
const FINAL_HISTORY_LENGTH = 1_000_000;

jest.setTimeout(atScale({ ci: 150_000, full: 900_000 }));

function storeClient(address: string): HistoryStoreClient {
  return new HistoryStoreClient(address, credentials.createInsecure(), {
    ...FAST_RECONNECT,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
}

function channelReady(client: HistoryStoreClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve()));
  });
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

describe('reliability: history-store SIGKILLs during ingest and bootstraps', () => {
  let dir: TempDir;
  let store: ServiceProcess | undefined;
  let client: HistoryStoreClient | undefined;
  let gateway: RunningGateway | undefined;
  const clients: TrackedClient[] = [];

  afterAll(async () => {
    client?.close();
    await gateway?.close();
    await Promise.all(clients.map((c) => c.done));
    await store?.stop();
    await dir?.cleanup();
  });

  test(`${KILLS} SIGKILLs: nothing acknowledged is lost, digests recompute, clients finish verified`, async () => {
    const random = seededRandom(SEED);
    dir = await makeTempDir('reliability-crash-');
    const [port] = (await freePorts(1)) as [number];
    const start = async (): Promise<ServiceProcess> => {
      // The port was just released by a killed process; retry a bind race a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          return await startHistoryStoreProcess({
            dataDir: dir.path,
            port,
            finalHistoryLength: FINAL_HISTORY_LENGTH,
          });
        } catch (err) {
          if (attempt >= 3) throw err;
          await sleep(200);
        }
      }
    };
    store = await start();
    client = storeClient(store.address);
    const feed = await SlotFeed.create({
      genesisEntries: GENESIS_ENTRIES,
      valueBytes: 100,
      seed: SEED,
    });
    const producer = new AckedProducer(feed, random, 2);
    for (let i = 0; i < feed.genesisSlots; i++) await appendSlot(client, feed.at(i));
    producer.recordAcknowledged(feed.genesisSlots - 1, feed.genesisSlots);

    gateway = await startGateway(
      {
        listen: '127.0.0.1:0',
        historyStoreUrl: store.address,
        retryDelayMs: 200,
        upstreamCheckIntervalMs: 200,
        // The test process hosts the clients too: the default watermark (75 % of the heap
        // limit) would refuse sessions for reasons unrelated to this suite.
        memoryHighWatermarkMb: 16_384,
      },
      pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    );

    let kills = 0;
    let ingestKills = 0;
    let bootstrapKills = 0;
    let lost = 0;
    let verifiedRestarts = 0;
    let clientsVerified = 0;
    let interrupted = 0;
    let ingestCallsCut = 0;
    let clientsActiveAtKill = 0;
    const failures: string[] = [];
    const restartMs: number[] = [];
    /** The producer resumes after the store's newest slot (unacknowledged commits included). */
    let resumeFrom = feed.genesisSlots;

    for (let round = 0; round < KILLS; round++) {
      const duringBootstraps = round % 2 === 1;
      producer.start(client, resumeFrom);
      const roundClients: TrackedClient[] = [];
      if (duringBootstraps) {
        for (let i = 0; i < CLIENTS_PER_ROUND; i++) {
          roundClients.push(
            new TrackedClient(clients.length + i, {
              targets: [gateway.address],
              maxPartBytes: PART_BYTES,
              partDelayMs: CLIENT_PART_DELAY_MS,
              maxRetries: 40,
              backoff: { initialMs: 100, maxMs: 1000 },
              channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
            }),
          );
        }
        clients.push(...roundClients);
        // Kill once every client is well into its bootstrap (a random number of parts in).
        const minParts = randomInt(random, 2, 6);
        await waitUntil(
          () => roundClients.every((c) => c.parts >= minParts || c.isFinished),
          10_000,
        );
      } else {
        await sleep(randomInt(random, 50, 800));
      }

      await store.kill();
      kills += 1;
      if (duringBootstraps) bootstrapKills += 1;
      else ingestKills += 1;
      // A call in flight at the kill fails (UNAVAILABLE); a producer caught between two calls
      // just stops.
      if ((await producer.stop()) !== undefined) ingestCallsCut += 1;
      const activeAtKill = roundClients.filter((c) => !c.isFinished).length;
      clientsActiveAtKill += activeAtKill;

      const restartStarted = Date.now();
      store = await start();
      restartMs.push(Date.now() - restartStarted);
      // The channel saw connections refused while the store was down: until its reconnect
      // backoff expires, grpc-js fails calls at once. Wait until it is connected again.
      await channelReady(client, 10_000);

      // The store after the crash, read while nothing is ingested.
      const snapshot = await readStoreSnapshot(client);
      const newest = feed.indexOf(snapshot.status.newestSlot);
      resumeFrom = newest + 1;
      if (newest < producer.acked) {
        lost += producer.acked - newest;
        failures.push(`round ${round}: newest index ${newest} < acknowledged ${producer.acked}`);
      }
      const modelDigest = snapshot.status.newestSlot && feed.digestAt(snapshot.status.newestSlot);
      const digests = {
        status: snapshot.status.stateDigest.toString('hex'),
        part: snapshot.partDigest.toString('hex'),
        recomputed: snapshot.recomputedDigest.toString('hex'),
        model: modelDigest,
      };
      if (
        digests.status !== digests.recomputed ||
        digests.part !== digests.recomputed ||
        digests.model !== digests.recomputed ||
        snapshot.entries.length !== snapshot.status.entryCount
      ) {
        failures.push(
          `round ${round} at ${formatSlot(snapshot.status.newestSlot)}: ${JSON.stringify(digests)}`,
        );
      } else {
        verifiedRestarts += 1;
      }

      // Every client of the round finishes, verified, at a slot whose model state it holds.
      for (const c of roundClients) {
        const outcome = await c.done;
        if (outcome.result === undefined) {
          failures.push(`round ${round} client ${c.id}: ${String(outcome.error)}`);
          continue;
        }
        if (c.retryCount > 0) interrupted += 1;
        const difference = feed.checkSink(c.sink, outcome.result.slot);
        if (difference === undefined) clientsVerified += 1;
        else failures.push(`round ${round} client ${c.id}: ${difference}`);
      }
      if (duringBootstraps && activeAtKill === 0) {
        failures.push(`round ${round}: every client finished before the kill`);
      }
    }

    // Last look: the final state equals the model entry for entry.
    const final = await readStoreSnapshot(client);
    const finalModel = feed.stateAt(final.status.newestSlot!);
    const finalEqual =
      final.entries.length === finalModel.size &&
      final.entries.every((e) => finalModel.get(e.key)?.equals(e.value) === true);

    reportFigures('crash', {
      kills,
      during_ingest: ingestKills,
      during_bootstraps: bootstrapKills,
      ingest_calls_cut: ingestCallsCut,
      clients_active_at_kill: clientsActiveAtKill,
      acked: producer.ackedSlots,
      newest: formatSlot(final.status.newestSlot),
      lost,
      acked_appends: producer.appends,
      acked_streams: producer.streams,
      duplicates_idempotent: producer.duplicates,
      restarts_verified: verifiedRestarts,
      clients: clients.length,
      interrupted,
      verified: clientsVerified,
      client_retries: formatTally(retryTally(clients)),
      resets: clients.reduce((n, c) => n + c.resets, 0),
      restart_ms_max: Math.max(...restartMs),
      final_entries: final.entries.length,
      final_state_equal: finalEqual,
    });

    expect(failures).toEqual([]);
    expect(lost).toBe(0);
    expect(producer.duplicateMismatches).toBe(0);
    expect(verifiedRestarts).toBe(KILLS);
    expect(clientsVerified).toBe(clients.length);
    expect(interrupted).toBeGreaterThan(0);
    expect(finalEqual).toBe(true);
  });
});

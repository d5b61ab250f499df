/**
 * Acceptance: a child process runs the history-store; the test ingests continuously (unary
 * appends, short IngestFinalSlots streams, a chunked genesis, duplicate retries) and records
 * every acknowledgement; the child is killed with SIGKILL at random moments, at least 20 times,
 * and restarted on the same directory. After each restart: every acknowledged slot is present,
 * the state equals the model at exactly the newest slot (no partial slot), the stored digest
 * equals a full recomputation, and the history holds exactly the slots that were sent.
 */
import { credentials } from '@grpc/grpc-js';
import { MemoryState, applyChanges } from '@massa-bootstrap/core';
import { HistoryStoreClient, SlotChanges } from '@massa-bootstrap/proto';
import { makeTempDir, type RunningProcess, type TempDir } from '@massa-bootstrap/test-support';
import { startMain, waitForListening } from './support/child';
import { append, getStatus, ingest, readAllState, streamChanges } from './support/client';
import { Scenario, digestOf, entriesHex, prng } from './support/scenario';

const ROUNDS = 21;

function startChild(dir: string): RunningProcess {
  return startMain([
    '--listen',
    '127.0.0.1:0',
    '--data-dir',
    dir,
    '--thread-count',
    '4',
    '--final-history-length',
    '100000',
  ]);
}

/** Splits the genesis into chunks of one slot for IngestFinalSlots. */
function genesisChunks(genesis: SlotChanges, parts: number): SlotChanges[] {
  const size = Math.ceil(genesis.changes.length / parts);
  return Array.from({ length: parts }, (_, i) => ({
    ...genesis,
    changes: genesis.changes.slice(i * size, (i + 1) * size),
  }));
}

describe('crash recovery (SIGKILL while ingesting)', () => {
  let dir: TempDir;
  let child: RunningProcess | undefined;
  const scenario = new Scenario({
    seed: 5,
    keySpace: 400,
    changesPerSlot: 15,
    genesisEntries: 300,
    maxValueBytes: 300,
  });
  const random = prng(20240601);

  beforeAll(async () => {
    dir = await makeTempDir('history-store-crash-');
  });
  afterAll(async () => {
    await child?.stop('SIGKILL');
    await dir.cleanup();
  });

  it(`keeps every acknowledged slot across ${ROUNDS} SIGKILLs`, async () => {
    let acked = -1; // highest acknowledged index
    let committed = -1; // highest index seen committed after a restart
    const model = new MemoryState();
    let modelAt = -1;
    const advanceModel = (to: number): void => {
      for (; modelAt < to; modelAt++) applyChanges(model, scenario.message(modelAt + 1).changes);
    };
    let kills = 0;
    let duplicatesChecked = 0;

    for (let round = 0; round < ROUNDS; round++) {
      child = startChild(dir.path);
      const port = await waitForListening(child);
      const client = new HistoryStoreClient(`127.0.0.1:${port}`, credentials.createInsecure());
      try {
        // --- verify what survived ---
        const status = await getStatus(client);
        const newest = status.newestSlot === undefined ? -1 : scenario.indexOf(status.newestSlot);
        expect(newest).toBeGreaterThanOrEqual(acked);
        expect(newest).toBeGreaterThanOrEqual(committed); // nothing visible was lost
        committed = newest;
        advanceModel(newest);
        const { entries } = await readAllState(client, 16 * 1024);
        expect(entriesHex(entries)).toEqual(entriesHex(newest < 0 ? [] : model.entries()));
        expect(status.stateDigest.equals(await digestOf(entries))).toBe(true);
        if (newest > 0) {
          // The last slots stored are exactly the slots sent (history keeps all of them here).
          const from = Math.max(0, newest - 20);
          const { messages, error } = await streamChanges(client, {
            afterSlot: scenario.slotAt(from),
          });
          expect(error).toBeUndefined();
          expect(messages.map((m) => scenario.indexOf(m.slot!))).toEqual(
            Array.from({ length: newest - from }, (_, i) => from + 1 + i),
          );
          for (const m of messages) {
            expect(SlotChanges.encode({ ...m, stateDigest: Buffer.alloc(0) }).finish()).toEqual(
              SlotChanges.encode(scenario.message(scenario.indexOf(m.slot!))).finish(),
            );
          }
          expect(messages[messages.length - 1]!.stateDigest.equals(status.stateDigest)).toBe(true);
        }

        // --- produce until killed ---
        let next = newest + 1;
        let killed = false;
        const producing = (async () => {
          while (!killed) {
            if (next === 0) {
              // The genesis arrives in chunks on one stream.
              await ingest(client, [...genesisChunks(scenario.message(0), 3), scenario.message(1)]);
              acked = Math.max(acked, 1);
              next = 2;
              continue;
            }
            const roll = random();
            if (roll < 0.1 && next > 1) {
              // A producer retry of the last slot: idempotent.
              const reply = await append(client, scenario.message(next - 1));
              expect(reply.duplicate).toBe(true);
              duplicatesChecked++;
            } else if (roll < 0.55) {
              const reply = await append(client, scenario.message(next));
              expect(reply.duplicate).toBe(false);
              acked = Math.max(acked, next);
              next += 1;
            } else {
              const count = 1 + Math.floor(random() * 8);
              const reply = await ingest(client, scenario.messages(next, next + count));
              expect(reply.slotsCommitted).toBe(count);
              acked = Math.max(acked, next + count - 1);
              next += count;
            }
          }
        })();
        // Kill at a random moment: right away sometimes, mid-stream others.
        const delay = Math.floor(random() * 250) + (round % 3 === 0 ? 0 : 50);
        await new Promise((resolve) => setTimeout(resolve, delay));
        child.child.kill('SIGKILL');
        killed = true;
        kills++;
        await producing.catch(() => undefined); // calls in flight fail with UNAVAILABLE
        const exit = await child.exited;
        expect(exit.signal).toBe('SIGKILL');
      } finally {
        client.close();
      }
    }

    // Final check on a clean restart.
    child = startChild(dir.path);
    const client = new HistoryStoreClient(
      `127.0.0.1:${await waitForListening(child)}`,
      credentials.createInsecure(),
    );
    const status = await getStatus(client);
    const newest = scenario.indexOf(status.newestSlot!);
    expect(newest).toBeGreaterThanOrEqual(acked);
    advanceModel(newest);
    const { entries } = await readAllState(client, 64 * 1024);
    expect(entriesHex(entries)).toEqual(entriesHex(model.entries()));
    expect(status.stateDigest.equals(await digestOf(entries))).toBe(true);
    const all = await streamChanges(client, { afterSlot: scenario.slotAt(0) });
    expect(all.messages).toHaveLength(newest);
    client.close();
    const exit = await child.stop('SIGTERM');
    expect(exit.code).toBe(0);
    child = undefined;

    expect(kills).toBeGreaterThanOrEqual(20);
    expect(acked).toBeGreaterThan(20);
    // Reported in the test name's spirit: how much was exercised.
    console.log(
      `crash test: ${kills} SIGKILLs, ${newest} slots stored, ${acked} acknowledged, ${duplicatesChecked} duplicate retries`,
    );
  }, 300_000);
});

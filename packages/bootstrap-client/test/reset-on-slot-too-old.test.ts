// Acceptance: with a small FINAL_HISTORY_LENGTH and a client paused longer than the window,
// the gateway answers SlotTooOld; the client wipes its LMDB sink completely, resets exactly
// once, then succeeds. The reset event carries the decoded slots, and the directory ends up
// holding exactly the final state: no key from before the reset survives unless it is final.
import {
  bootstrap,
  LmdbSink,
  type PartEvent,
  type ResetEvent,
} from '@massa-bootstrap/bootstrap-client';
import { compareSlots } from '@massa-bootstrap/core';
import { makeTempDir, StateWorkload, type TempDir } from '@massa-bootstrap/test-support';
import { startBootstrapCluster, type BootstrapCluster } from './cluster';
import { dumpEntries, GatedSink } from './fixtures';

jest.setTimeout(120_000);

const HISTORY = 20;

let cluster: BootstrapCluster;
let dir: TempDir;
beforeEach(async () => {
  cluster = await startBootstrapCluster({ finalHistoryLength: HISTORY });
  dir = await makeTempDir('reset-');
});
afterEach(async () => {
  await cluster.close();
  await dir.cleanup();
});

test('paused past the history window: exactly one reset, then a verified, exact state on disk', async () => {
  const workload = await StateWorkload.create({ genesisEntries: 30_000, seed: 3 });
  await cluster.append(workload.genesis());

  const lmdb = LmdbSink.open(dir.path);
  const sink = new GatedSink(lmdb);
  const gate = sink.gateAt(4); // hold the 4th part: the client is paused mid-bootstrap
  const resets: ResetEvent[] = [];
  const parts: PartEvent[] = [];
  const keysBeforeReset: string[] = [];
  const run = bootstrap(
    {
      targets: cluster.targets,
      sink,
      maxPartBytes: 65_536,
      // A small receive window, so that the paused client cannot have the rest of the state
      // already buffered: the gateway must read new parts, at slots past the window.
      channelOptions: { 'grpc-node.flow_control_window': 65_535 },
    },
    {
      part: (p) => parts.push(p),
      reset: (r) => {
        resets.push(r);
      },
    },
  );

  await gate.reached;
  // The gateway reads ahead until the transport stalls. Wait for that stall (a condition on
  // the gateway's own session stats), so that every part it already read predates the slots
  // ingested below and the next read has to ask for changes the history no longer holds.
  const stalled = await gatewayStalled(cluster);
  for (const key of dumpEntries(lmdb.entries())) keysBeforeReset.push(key.split('=')[0] as string);
  const pausedAt = lmdb.cursor()?.slot;
  expect(pausedAt).toBeDefined();
  // More than the window while the client is paused; deletes hit keys the client holds too.
  for (let i = 0; i < HISTORY + 10; i++) {
    await cluster.append([workload.slot({ overwrites: 30, deletes: 30, inserts: 10 })]);
  }
  // The premise held: the gateway made no progress while the window moved past it.
  expect(cluster.gateways[0]!.sessions()[0]?.partsSent).toBe(stalled.partsSent);
  gate.release();
  const result = await run;

  expect(resets).toHaveLength(1);
  const reset = resets[0] as ResetEvent;
  expect(reset.reason).toBe('slot-too-old');
  expect(reset.wipedEntries).toBeGreaterThan(0);
  const decoded = reset.slotTooOld;
  expect(decoded?.finalHistoryLength).toBe(HISTORY);
  // The cursor of the last part the gateway sent: the paused one or one it had read ahead.
  expect(compareSlots(decoded!.requestedSlot!, pausedAt!)).toBeGreaterThanOrEqual(0);
  expect(compareSlots(decoded!.oldestAvailableSlot!, decoded!.requestedSlot!)).toBeGreaterThan(0);
  expect(decoded?.newestSlot).toEqual(workload.newestSlot());
  expect(result.resets).toBe(1);

  // Verified against the store's digest of the final slot (no ingestion after the pause).
  expect(result.slot).toEqual(workload.newestSlot());
  expect(result.digest.toString('hex')).toBe(workload.digestAt(result.slot));

  // On disk: exactly the final state; in particular no pre-reset key the final state lacks.
  const held = dumpEntries(lmdb.entries());
  expect(held).toEqual(dumpEntries(workload.model.entries()));
  const heldKeys = new Set(held.map((e) => e.split('=')[0]));
  expect(lmdb.entryCount()).toBe(held.length);
  // Keys the client held before the reset that the final state no longer has: there are some
  // (the paused window deleted keys everywhere), and none of them is left on disk.
  expect(keysBeforeReset.length).toBeGreaterThan(0);
  const deletedMeanwhile = keysBeforeReset.filter(
    (key) => !workload.model.has(Buffer.from(key, 'hex')),
  );
  expect(deletedMeanwhile.length).toBeGreaterThan(0);
  expect(deletedMeanwhile.filter((key) => heldKeys.has(key))).toEqual([]);
  await lmdb.close();
});

/**
 * Resolves once the (single) bootstrap session of the first gateway is blocked on the
 * transport: writing, not reading ahead, and no part sent over three checks 100 ms apart.
 */
async function gatewayStalled(target: BootstrapCluster): Promise<{ partsSent: number }> {
  const deadline = Date.now() + 30_000;
  let previous = -1;
  let stableChecks = 0;
  for (;;) {
    const session = target.gateways[0]!.sessions()[0];
    if (
      session !== undefined &&
      session.writing &&
      !session.reading &&
      session.partsSent === previous
    ) {
      if (++stableChecks >= 3) return { partsSent: session.partsSent };
    } else {
      stableChecks = 0;
    }
    previous = session?.partsSent ?? -1;
    if (Date.now() > deadline)
      throw new Error(`gateway session never stalled: ${JSON.stringify(session)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

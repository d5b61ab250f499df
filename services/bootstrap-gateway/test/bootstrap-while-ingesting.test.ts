// Acceptance: a generated client bootstraps 50,000 entries while slots keep being ingested;
// the assembled state and digest equal the history-store's state at the completing slot.
import { formatSlot } from '@massa-bootstrap/core';
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapAssembler, replayState, stateDifference } from '@massa-bootstrap/test-support';
import {
  gatewayClient,
  runBootstrap,
  startStore,
  startTestGateway,
  type StoreFixture,
} from './harness';

jest.setTimeout(120_000);

describe('Bootstrap while the store keeps ingesting', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;

  beforeAll(async () => {
    fixture = await startStore({ genesisEntries: 50_000, valueBytes: 32 });
    gateway = await startTestGateway(fixture.store.address);
  });

  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  test('50,000 entries: state and digest equal the store at the completing slot', async () => {
    const client = gatewayClient(gateway.address);
    const assembler = await BootstrapAssembler.create();
    const ingests: Promise<unknown>[] = [];
    // One new final slot per part received: the store moves on between every two parts
    // (deterministically, without timers), touching keys below and above the cursor.
    const outcome = await runBootstrap(client, { maxPartBytes: 64 * 1024 }, assembler, {
      onPart: (part) => {
        if (!part.cursor?.stateComplete)
          ingests.push(fixture.ingest({ overwrites: 20, deletes: 5, inserts: 10 }));
      },
    });
    await Promise.all(ingests);
    client.close();

    expect(outcome.error).toBeUndefined();
    expect(assembler.complete).toBe(true);
    const slot = assembler.cursor!.slot!;
    // Slots really were ingested during the bootstrap, and parts carried their changes.
    expect(ingests.length).toBeGreaterThan(30);
    expect(assembler.changeSlots).toBeGreaterThan(10);
    expect(assembler.parts).toBe(outcome.parts);

    // Digest: checked by the assembler against the completing part, and here against the
    // workload's own computation at that slot (independent of the store).
    expect(assembler.currentDigest().toString('hex')).toBe(fixture.workload.digestAt(slot));
    // State: equal to the model replayed up to the completing slot.
    const expected = replayState(fixture.slots, slot);
    expect(expected.size).toBeGreaterThanOrEqual(50_000);
    expect(stateDifference(assembler.state, expected)).toBeUndefined();

    const sessionsLeft = gateway.sessions();
    expect(sessionsLeft).toHaveLength(0);
    expect(gateway.counters().bootstrapsCompleted).toBe(1);
    console.log(
      `bootstrap: ${assembler.entries} entries in ${outcome.parts} parts, ${assembler.changeSlots} change slots applied, ` +
        `complete at ${formatSlot(slot)} while ${ingests.length} slots were ingested`,
    );
  });
});

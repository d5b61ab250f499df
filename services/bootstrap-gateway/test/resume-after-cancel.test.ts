// Acceptance: the stream is cut by a client cancel after some parts; a new call with the last
// cursor completes with the right state and digest without restarting from zero. Also: a
// complete cursor resumes into one catch-up part, and the cancelled session stops its work.
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapAssembler, replayState, stateDifference } from '@massa-bootstrap/test-support';
import {
  gatewayClient,
  runBootstrap,
  startStore,
  startTestGateway,
  waitUntil,
  type StoreFixture,
} from './harness';

jest.setTimeout(90_000);

describe('resume after a client cancel', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;

  beforeAll(async () => {
    fixture = await startStore({ genesisEntries: 8_000, valueBytes: 64 });
    gateway = await startTestGateway(fixture.store.address);
  });

  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  test('a new call with the last cursor completes without restarting from zero', async () => {
    const client = gatewayClient(gateway.address);
    const assembler = await BootstrapAssembler.create();
    const first = await runBootstrap(client, { maxPartBytes: 64 * 1024 }, assembler, {
      onPart: (_part, a) => (a.parts === 3 ? 'stop' : undefined),
    });
    expect(first.error).toBeUndefined();
    expect(first.parts).toBe(3);
    expect(assembler.complete).toBe(false);
    const cursor = assembler.cursor!;
    expect(cursor.lastKey.length).toBeGreaterThan(0);

    // The cancelled session ends and stops reading from the store.
    await waitUntil(() => gateway.sessions().length === 0, 'the cancelled session ended');

    // The store moves on while the client is away: the resumed call must bring the held keys
    // up to date (changes <= cursor) and read the rest fresh.
    for (let i = 0; i < 5; i++) await fixture.ingest({ overwrites: 40, deletes: 10, inserts: 20 });

    const second = await runBootstrap(
      client,
      { resume: cursor, maxPartBytes: 64 * 1024 },
      assembler,
    );
    client.close();
    expect(second.error).toBeUndefined();
    expect(assembler.complete).toBe(true);
    const slot = assembler.cursor!.slot!;
    expect(assembler.currentDigest().toString('hex')).toBe(fixture.workload.digestAt(slot));
    expect(stateDifference(assembler.state, replayState(fixture.slots, slot))).toBeUndefined();
    // Not from zero: the second call sent only the entries after the cursor.
    expect(second.entries).toBeLessThan(assembler.state.size - first.entries / 2);
    expect(first.entries + second.entries).toBeLessThan(assembler.state.size + 200);
    expect(assembler.changeSlots).toBeGreaterThanOrEqual(5);
  });

  test('a complete cursor resumes with one part holding every change since its slot', async () => {
    const client = gatewayClient(gateway.address);
    const assembler = await BootstrapAssembler.create();
    const full = await runBootstrap(client, { maxPartBytes: 1024 * 1024 }, assembler);
    expect(full.error).toBeUndefined();
    const completeCursor = assembler.cursor!;
    expect(completeCursor.stateComplete).toBe(true);
    expect(completeCursor.lastKey.length).toBe(0);

    for (let i = 0; i < 3; i++) await fixture.ingest();
    const catchUp = await runBootstrap(client, { resume: completeCursor }, assembler);
    client.close();
    expect(catchUp.error).toBeUndefined();
    expect(catchUp.parts).toBe(1);
    expect(catchUp.entries).toBe(0);
    const slot = assembler.cursor!.slot!;
    expect(slot).toEqual(fixture.workload.newestSlot());
    expect(stateDifference(assembler.state, replayState(fixture.slots, slot))).toBeUndefined();
  });
});

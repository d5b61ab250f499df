// Acceptance: the gateway PROCESS is killed (SIGKILL) after some parts and restarted; a new
// call with the last cursor completes with the right state and digest, transferring fewer
// entries than a bootstrap from zero. The cursor is all the client keeps: the gateway is
// stateless, so the restarted process (on another port) serves it as any instance would.
import { status } from '@grpc/grpc-js';
import { BootstrapAssembler, replayState, stateDifference } from '@massa-bootstrap/test-support';
import {
  gatewayClient,
  runBootstrap,
  spawnGatewayProcess,
  startStore,
  type GatewayProcess,
  type StoreFixture,
} from './harness';

jest.setTimeout(120_000);

describe('resume after the gateway process is killed', () => {
  let fixture: StoreFixture;
  const processes: GatewayProcess[] = [];

  beforeAll(async () => {
    fixture = await startStore({ genesisEntries: 12_000, valueBytes: 64 });
  });

  afterAll(async () => {
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    await fixture?.close();
  });

  test('SIGKILL mid-bootstrap, restart, resume from the last cursor', async () => {
    const env = { HISTORY_STORE_URL: fixture.store.address, GATEWAY_LISTEN: '127.0.0.1:0' };
    const first = await spawnGatewayProcess(env);
    processes.push(first);
    const assembler = await BootstrapAssembler.create();
    const client1 = gatewayClient(first.address);
    const cut = await runBootstrap(client1, { maxPartBytes: 64 * 1024 }, assembler, {
      onPart: (_part, a) => {
        // Kill the process while the stream is open; nothing after this part is applied.
        if (a.parts === 4) {
          first.child.kill('SIGKILL');
          return 'stop';
        }
        return undefined;
      },
    });
    client1.close();
    expect(await first.exited).toBe('SIGKILL');
    expect(cut.parts).toBe(4);
    expect(assembler.complete).toBe(false);
    const cursor = assembler.cursor!;

    // A call to the dead process fails with UNAVAILABLE (what a client retries on).
    const dead = gatewayClient(first.address);
    const refused = await runBootstrap(dead, { resume: cursor }, await BootstrapAssembler.create());
    dead.close();
    expect(refused.error?.code).toBe(status.UNAVAILABLE);

    await fixture.ingest({ overwrites: 30, deletes: 10, inserts: 10 });
    const second = await spawnGatewayProcess(env);
    processes.push(second);
    const client2 = gatewayClient(second.address);
    const resumed = await runBootstrap(
      client2,
      { resume: cursor, maxPartBytes: 64 * 1024 },
      assembler,
    );
    client2.close();
    expect(resumed.error).toBeUndefined();
    expect(assembler.complete).toBe(true);
    const slot = assembler.cursor!.slot!;
    expect(assembler.currentDigest().toString('hex')).toBe(fixture.workload.digestAt(slot));
    expect(stateDifference(assembler.state, replayState(fixture.slots, slot))).toBeUndefined();
    // Fewer entries than from zero: the resumed call skipped everything up to the cursor.
    expect(resumed.entries).toBeLessThan(assembler.state.size - cut.entries + 100);
    expect(resumed.entries).toBeLessThan(assembler.state.size);
    expect(cut.entries).toBeGreaterThan(1000);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

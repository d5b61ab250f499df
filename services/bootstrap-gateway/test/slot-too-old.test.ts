// Acceptance: with FINAL_HISTORY_LENGTH=5 and a paused client, the next resume fails with code 9
// (FAILED_PRECONDITION), ErrorInfo.reason SLOT_TOO_OLD and the typed SlotTooOld detail naming
// the right slots; the client then resets (wipes, starts from scratch) and completes.
import { status, type ServiceError } from '@grpc/grpc-js';
import { compareSlots } from '@massa-bootstrap/core';
import type { BootstrapPart } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapAssembler, replayState, stateDifference } from '@massa-bootstrap/test-support';
import {
  bulkGenesis,
  gatewayClient,
  runBootstrap,
  startStore,
  startTestGateway,
  waitUntil,
  type StoreFixture,
} from './harness';

jest.setTimeout(90_000);

const HISTORY = 5;

describe('SlotTooOld with FINAL_HISTORY_LENGTH=5', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;

  beforeAll(async () => {
    // ~2.3 MB in 1 KiB values: ~35 parts of 64 KiB, more than a paused client absorbs.
    fixture = await startStore({
      genesisEntries: 0,
      genesis: bulkGenesis(2_200, 1024),
      store: { finalHistoryLength: HISTORY },
    });
    gateway = await startTestGateway(fixture.store.address);
  });

  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  async function expectSlotTooOld(
    error: ServiceError | undefined,
    requested: BootstrapPart['slot'],
  ): Promise<void> {
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    expect(error?.code).toBe(9);
    const decoded = decodeBootstrapError(error);
    expect(decoded?.reason).toBe('SLOT_TOO_OLD');
    const storeStatus = await fixture.status();
    expect(decoded?.slotTooOld).toEqual({
      requestedSlot: requested,
      oldestAvailableSlot: storeStatus.oldestSlot,
      newestSlot: storeStatus.newestSlot,
      finalHistoryLength: HISTORY,
    });
    expect(
      compareSlots(decoded!.slotTooOld!.requestedSlot!, decoded!.slotTooOld!.oldestAvailableSlot!),
    ).toBeLessThan(0);
    expect(decoded?.preconditionFailure?.[0]?.type).toBe('SLOT_TOO_OLD');
  }

  test('a resume call with a cursor older than the history fails with code 9 and the typed detail', async () => {
    const client = gatewayClient(gateway.address);
    const assembler = await BootstrapAssembler.create();
    const first = await runBootstrap(client, { maxPartBytes: 64 * 1024 }, assembler, {
      onPart: (_p, a) => (a.parts === 2 ? 'stop' : undefined),
    });
    expect(first.error).toBeUndefined();
    const cursor = assembler.cursor!;
    // The client is away while more than FINAL_HISTORY_LENGTH slots finalize.
    for (let i = 0; i < HISTORY + 3; i++) await fixture.ingest();

    const before = gateway.counters().slotTooOld;
    const resumed = await runBootstrap(
      client,
      { resume: cursor, maxPartBytes: 64 * 1024 },
      assembler,
    );
    expect(resumed.parts).toBe(0);
    await expectSlotTooOld(resumed.error, cursor.slot);
    expect(gateway.counters().slotTooOld).toBe(before + 1);

    // Reset: wipe the local state and cursor, bootstrap from scratch; it completes.
    const fresh = await BootstrapAssembler.create();
    const again = await runBootstrap(client, { maxPartBytes: 1024 * 1024 }, fresh);
    client.close();
    expect(again.error).toBeUndefined();
    expect(fresh.complete).toBe(true);
    expect(
      stateDifference(fresh.state, replayState(fixture.slots, fresh.cursor!.slot!)),
    ).toBeUndefined();
  });

  test('a paused stream whose next part needs changes older than the history fails with code 9', async () => {
    // Default 64 KiB HTTP/2 window, own connection: a paused reader stalls the session soon.
    const client = gatewayClient(gateway.address, { 'grpc.use_local_subchannel_pool': 1 });
    const assembler = await BootstrapAssembler.create();
    const call = client.bootstrap({ resume: undefined, maxPartBytes: 64 * 1024, follow: false });
    let error: ServiceError | undefined;
    let ended = false;
    call.on('data', (part: BootstrapPart) => {
      assembler.apply(part);
      if (assembler.parts === 2) call.pause();
    });
    call.on('error', (err: ServiceError) => {
      error = err;
    });
    call.on('end', () => {
      ended = true;
    });
    await waitUntil(
      () => assembler.parts === 2 && gateway.sessions().length === 1,
      'two parts applied',
    );

    // Ingest batches until one batch went by with the session stalled on the paused client:
    // no part left the gateway and no read was in progress, so the prefetched part was read
    // before the batch and its successor needs changes the history no longer holds.
    for (let batch = 0; ; batch++) {
      expect(batch).toBeLessThan(50);
      const session = gateway.sessions()[0]!;
      const sentBefore = session.partsSent;
      const idleBefore = !session.reading;
      for (let i = 0; i < HISTORY + 2; i++) await fixture.ingest();
      const after = gateway.sessions()[0]!;
      if (idleBefore && !after.reading && after.partsSent === sentBefore) break;
    }
    expect(gateway.sessions()[0]!.writing).toBe(true);

    call.resume();
    await waitUntil(() => ended || error !== undefined, 'the stream ended');
    client.close();
    expect(assembler.complete).toBe(false);
    // The error names the slot of the last part the client applied: its cursor.
    await expectSlotTooOld(error, assembler.cursor!.slot);
  });
});

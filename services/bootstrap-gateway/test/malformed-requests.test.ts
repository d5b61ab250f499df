// Acceptance: every malformed request returns its documented status (errors.proto table) and
// the gateway keeps serving. Some requests cannot be built with the generated encoder (a period
// above 2^53 - 1, bytes that are not protobuf), so they are sent as raw bytes on the same path.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { MAX_KEY_BYTES } from '@massa-bootstrap/core';
import {
  BootstrapGatewayService,
  type BootstrapGatewayClient,
  type BootstrapRequest,
  type SlotChanges,
  type StreamFinalChangesRequest,
} from '@massa-bootstrap/proto';
import { decodeBootstrapError, type DecodedBootstrapError } from '@massa-bootstrap/rpc';
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapAssembler, collectStream } from '@massa-bootstrap/test-support';
import {
  gatewayClient,
  runBootstrap,
  startStore,
  startTestGateway,
  type StoreFixture,
} from './harness';

jest.setTimeout(90_000);

describe('malformed requests', () => {
  let fixture: StoreFixture;
  let gateway: RunningGateway;
  let client: BootstrapGatewayClient;

  beforeAll(async () => {
    fixture = await startStore({ genesisEntries: 1_000, valueBytes: 32 });
    gateway = await startTestGateway(fixture.store.address);
    client = gatewayClient(gateway.address);
  });

  afterAll(async () => {
    client?.close();
    await gateway?.close();
    await fixture?.close();
  });

  const EMPTY = Buffer.alloc(0);
  const slot = (period: number, thread: number) => ({ period, thread });

  async function bootstrapError(
    request: Partial<BootstrapRequest>,
  ): Promise<ServiceError | undefined> {
    const outcome = await runBootstrap(client, request, await BootstrapAssembler.create());
    return outcome.error;
  }

  async function rawError(path: string, bytes: Buffer): Promise<ServiceError | undefined> {
    const call = client.makeServerStreamRequest<Buffer, Buffer>(
      path,
      (b) => b,
      (b) => b,
      bytes,
      new Metadata(),
      {},
    );
    return (await collectStream(call)).error;
  }

  function expectBadRequest(
    error: ServiceError | undefined,
    reason: 'INVALID_CURSOR' | 'INVALID_ARGUMENT',
    field: string,
  ): DecodedBootstrapError {
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    const decoded = decodeBootstrapError(error);
    expect(decoded?.reason).toBe(reason);
    expect(decoded?.badRequest?.map((v) => v.field)).toContain(field);
    return decoded!;
  }

  async function expectStillServing(): Promise<void> {
    const assembler = await BootstrapAssembler.create();
    const ok = await runBootstrap(client, {}, assembler);
    expect(ok.error).toBeUndefined();
    expect(assembler.complete).toBe(true);
  }

  // Bootstrap.resume: INVALID_ARGUMENT / INVALID_CURSOR with BadRequest.
  test.each([
    [
      'thread >= thread_count',
      { slot: slot(1, 32), lastKey: Buffer.from('a'), stateComplete: false },
      'resume.slot.thread',
    ],
    [
      'key longer than MAX_KEY_BYTES',
      { slot: slot(1, 0), lastKey: Buffer.alloc(MAX_KEY_BYTES + 1, 0x61), stateComplete: false },
      'resume.last_key',
    ],
    [
      'state_complete with a key',
      { slot: slot(1, 0), lastKey: Buffer.from('ledger/'), stateComplete: true },
      'resume.last_key',
    ],
    [
      'a key without a slot',
      { slot: undefined, lastKey: Buffer.from('ledger/'), stateComplete: false },
      'resume.slot',
    ],
    [
      'state_complete without a slot',
      { slot: undefined, lastKey: EMPTY, stateComplete: true },
      'resume.slot',
    ],
  ])('resume cursor: %s -> INVALID_ARGUMENT INVALID_CURSOR', async (_name, resume, field) => {
    expectBadRequest(await bootstrapError({ resume }), 'INVALID_CURSOR', field);
  });

  test('resume cursor: period beyond 2^53 - 1 -> INVALID_ARGUMENT INVALID_CURSOR', async () => {
    // BootstrapRequest{ resume: Cursor{ slot: Slot{ period: 2^64 - 1, thread: 0 } } }, hand-encoded.
    const period = Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const slotBytes = Buffer.concat([period, Buffer.from([0x10, 0x00])]);
    const cursor = Buffer.concat([Buffer.from([0x0a, slotBytes.length]), slotBytes]);
    const request = Buffer.concat([Buffer.from([0x0a, cursor.length]), cursor]);
    expectBadRequest(
      await rawError(BootstrapGatewayService.bootstrap.path, request),
      'INVALID_CURSOR',
      'resume.slot.period',
    );
    // 2^53 exactly is also refused (the limit is 2^53 - 1).
    const p53 = Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]);
    const cursor53 = Buffer.concat([Buffer.from([0x0a, p53.length]), p53]);
    const request53 = Buffer.concat([Buffer.from([0x0a, cursor53.length]), cursor53]);
    expectBadRequest(
      await rawError(BootstrapGatewayService.bootstrap.path, request53),
      'INVALID_CURSOR',
      'resume.slot.period',
    );
  });

  test.each([
    ['below 64 KiB', 65_535],
    ['above 16 MiB', 16 * 1024 * 1024 + 1],
  ])('max_part_bytes %s -> INVALID_ARGUMENT', async (_name, maxPartBytes) => {
    expectBadRequest(await bootstrapError({ maxPartBytes }), 'INVALID_ARGUMENT', 'max_part_bytes');
  });

  test('bytes that are not a BootstrapRequest -> INVALID_ARGUMENT (not INTERNAL)', async () => {
    const garbage = Buffer.from([0x0a, 0x7f, 0x01]); // field 1 claims 127 bytes, 1 follows
    expectBadRequest(
      await rawError(BootstrapGatewayService.bootstrap.path, garbage),
      'INVALID_ARGUMENT',
      '',
    );
    const badWireType = Buffer.from([0x0b]); // field 1, wire type 3 (group start)
    expect((await rawError(BootstrapGatewayService.bootstrap.path, badWireType))?.code).toBe(
      status.INVALID_ARGUMENT,
    );
  });

  test('bytes that are not a GetStatusRequest -> INVALID_ARGUMENT (not INTERNAL)', async () => {
    const garbage = Buffer.from([0x0a, 0x7f, 0x01]); // field 1 claims 127 bytes, 1 follows
    const error = await new Promise<ServiceError | null>((resolve) => {
      client.makeUnaryRequest<Buffer, Buffer>(
        BootstrapGatewayService.getStatus.path,
        (b) => b,
        (b) => b,
        garbage,
        new Metadata(),
        {},
        (err) => resolve(err),
      );
    });
    expectBadRequest(error ?? undefined, 'INVALID_ARGUMENT', '');
  });

  test('a cursor newer than the store -> OUT_OF_RANGE SLOT_IN_FUTURE with the typed detail', async () => {
    const newest = (await fixture.status()).newestSlot!;
    const future = slot(newest.period + 10, 0);
    for (const resume of [
      { slot: future, lastKey: Buffer.from('ledger/'), stateComplete: false },
      { slot: future, lastKey: EMPTY, stateComplete: true },
    ]) {
      const error = await bootstrapError({ resume });
      expect(error?.code).toBe(status.OUT_OF_RANGE);
      const decoded = decodeBootstrapError(error);
      expect(decoded?.reason).toBe('SLOT_IN_FUTURE');
      expect(decoded?.slotInFuture).toEqual({ requestedSlot: future, newestSlot: newest });
    }
  });

  async function changesError(
    request: StreamFinalChangesRequest,
  ): Promise<ServiceError | undefined> {
    return (await collectStream<SlotChanges>(client.streamFinalChanges(request))).error;
  }

  test('StreamFinalChanges: missing or invalid after_slot -> INVALID_ARGUMENT', async () => {
    expectBadRequest(
      await changesError({ afterSlot: undefined, follow: false }),
      'INVALID_ARGUMENT',
      'after_slot',
    );
    expectBadRequest(
      await changesError({ afterSlot: slot(1, 99), follow: true }),
      'INVALID_ARGUMENT',
      'after_slot.thread',
    );
    expectBadRequest(
      await rawError(
        BootstrapGatewayService.streamFinalChanges.path,
        Buffer.from([0x0a, 0x05, 0x08]),
      ),
      'INVALID_ARGUMENT',
      '',
    );
  });

  test('StreamFinalChanges: after_slot newer than the store -> OUT_OF_RANGE, with and without follow', async () => {
    const newest = (await fixture.status()).newestSlot!;
    for (const follow of [false, true]) {
      const error = await changesError({ afterSlot: slot(newest.period + 5, 1), follow });
      expect(error?.code).toBe(status.OUT_OF_RANGE);
      expect(decodeBootstrapError(error)?.reason).toBe('SLOT_IN_FUTURE');
    }
  });

  test('after all of the above the gateway still serves, and counted them as failures', async () => {
    await expectStillServing();
    expect(gateway.counters().failures).toBeGreaterThanOrEqual(14);
    expect(gateway.sessions()).toHaveLength(0);
  });
});

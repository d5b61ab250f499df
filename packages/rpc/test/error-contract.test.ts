import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, credentials, status } from '@grpc/grpc-js';
import {
  AccessDeniedError,
  BootstrapTimeoutError,
  InvalidArgumentError,
  ResourceExhaustedError,
  SlotInFutureError,
  SlotRejectedError,
  SlotTooOldError,
  UnavailableError,
  invalidArgument,
  type BootstrapError,
} from '@massa-bootstrap/core';
import { BootstrapGatewayClient, protoRoot } from '@massa-bootstrap/proto';
import {
  closeClient,
  collectStream,
  startGrpcServer,
  type StartedServer,
} from '@massa-bootstrap/test-support';
import {
  ERROR_CONTRACT,
  STATUS_DETAILS_KEY,
  decodeBootstrapError,
  toDomainError,
  toStatus,
  type DecodedBootstrapError,
  type ErrorLogger,
} from '../src';
import {
  addToyGateway,
  getStatus,
  samplePart,
  sampleStatus,
  type ToyBehaviour,
} from './toy-gateway';

const slotTooOld = new SlotTooOldError(
  { period: 100, thread: 3 },
  { period: 200, thread: 0 },
  { period: 218, thread: 23 },
  600,
);

describe('error contract over a real grpc-js server', () => {
  let server: StartedServer;
  let client: BootstrapGatewayClient;
  const logged: { obj: object; msg: string }[] = [];
  const logger: ErrorLogger = { error: (obj, msg) => logged.push({ obj, msg }) };
  const behaviour: ToyBehaviour = { status: sampleStatus(), parts: [], slots: [] };

  beforeAll(async () => {
    server = await startGrpcServer((s) => addToyGateway(s, behaviour, logger));
    client = new BootstrapGatewayClient(server.address, credentials.createInsecure());
  });
  afterAll(async () => {
    closeClient(client);
    await server.close();
  });
  beforeEach(() => {
    behaviour.error = undefined;
    behaviour.parts = [];
    behaviour.slots = [];
    logged.length = 0;
  });

  function expectSlotTooOld(decoded: DecodedBootstrapError | undefined): void {
    expect(decoded).toMatchObject({
      code: status.FAILED_PRECONDITION,
      reason: 'SLOT_TOO_OLD',
      domain: 'massa.bootstrap.v1',
      message: slotTooOld.message,
      metadata: {
        requested_slot: '100:3',
        oldest_available_slot: '200:0',
        newest_slot: '218:23',
        final_history_length: '600',
      },
      slotTooOld: {
        requestedSlot: { period: 100, thread: 3 },
        oldestAvailableSlot: { period: 200, thread: 0 },
        newestSlot: { period: 218, thread: 23 },
        finalHistoryLength: 600,
      },
    });
    expect(decoded?.preconditionFailure).toEqual([
      expect.objectContaining({
        type: 'SLOT_TOO_OLD',
        subject: 'slot',
        description: slotTooOld.message,
      }),
    ]);
  }

  it('SlotTooOld thrown in a unary handler reaches the generated client as FAILED_PRECONDITION', async () => {
    behaviour.error = slotTooOld;
    const { error } = await getStatus(client);
    expect(error?.code).toBe(9);
    expect(error?.details).toBe(slotTooOld.message);
    expectSlotTooOld(decodeBootstrapError(error));
    expect(logged).toEqual([]); // an expected outcome, not a server error
  });

  it('SlotTooOld after exactly 3 BootstrapParts: 3 messages, then the decoded error', async () => {
    behaviour.parts = [samplePart(1), samplePart(2), samplePart(3)];
    behaviour.error = slotTooOld;
    const { messages, error } = await collectStream(
      client.bootstrap({ maxPartBytes: 0, follow: false }),
    );
    expect(messages).toEqual(behaviour.parts);
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    expectSlotTooOld(decodeBootstrapError(error));
  });

  it('sendStreamError on a raw handler also delivers the 3 messages before the status', async () => {
    behaviour.slots = [1, 2, 3].map((i) => samplePart(i).changes[0]!);
    behaviour.error = slotTooOld;
    const { messages, error } = await collectStream(client.streamFinalChanges({ follow: false }));
    expect(messages).toHaveLength(3);
    expectSlotTooOld(decodeBootstrapError(error));
  });

  it('SlotInFuture maps to OUT_OF_RANGE with the SlotInFuture detail', async () => {
    behaviour.error = new SlotInFutureError(
      { period: 900, thread: 1 },
      { period: 800, thread: 31 },
    );
    const decoded = decodeBootstrapError((await getStatus(client)).error);
    expect(decoded).toMatchObject({
      code: status.OUT_OF_RANGE,
      reason: 'SLOT_IN_FUTURE',
      slotInFuture: {
        requestedSlot: { period: 900, thread: 1 },
        newestSlot: { period: 800, thread: 31 },
      },
    });
  });

  it('InvalidArgumentError maps to INVALID_ARGUMENT with BadRequest field violations', async () => {
    behaviour.error = new InvalidArgumentError(
      [
        { field: 'resume.slot.thread', description: 'must be < 32' },
        { field: 'max_part_bytes', description: 'must be within [65536, 16777216]' },
      ],
      'INVALID_CURSOR',
    );
    const { messages, error } = await collectStream(
      client.bootstrap({ maxPartBytes: 1, follow: false }),
    );
    expect(messages).toEqual([]);
    expect(decodeBootstrapError(error)).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: 'INVALID_CURSOR',
      badRequest: [
        { field: 'resume.slot.thread', description: 'must be < 32' },
        { field: 'max_part_bytes', description: 'must be within [65536, 16777216]' },
      ],
    });
  });

  it('ResourceExhaustedError maps to RESOURCE_EXHAUSTED with RetryInfo (ms) and QuotaFailure', async () => {
    behaviour.error = new ResourceExhaustedError(
      'TOO_MANY_BOOTSTRAPS',
      1_500,
      '64 bootstraps running',
      'sessions',
    );
    const decoded = decodeBootstrapError((await getStatus(client)).error);
    expect(decoded).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      reason: 'TOO_MANY_BOOTSTRAPS',
      message: '64 bootstraps running',
      retryDelayMs: 1_500,
      quotaFailure: [
        expect.objectContaining({ subject: 'sessions', description: '64 bootstraps running' }),
      ],
    });
  });

  it('an unexpected error becomes INTERNAL without leaking its message; the cause is logged with the trace id', async () => {
    const bug = new Error('secret db path /x');
    behaviour.error = bug;
    const { error } = await getStatus(client);
    expect(error?.code).toBe(status.INTERNAL);
    expect(error?.details).not.toContain('secret');
    const traceId = /trace id ([0-9a-f-]{36})/.exec(error?.details ?? '')?.[1];
    expect(traceId).toBeDefined();
    expect(logged).toEqual([{ obj: { err: bug, traceId }, msg: expect.any(String) }]);
    const trailer = error?.metadata.get(STATUS_DETAILS_KEY)[0];
    expect(String(trailer)).not.toContain('secret');
    expect(decodeBootstrapError(error)).toBeUndefined();
  });

  it('an unexpected error mid-stream is INTERNAL too, after the messages', async () => {
    behaviour.parts = [samplePart(1)];
    behaviour.error = new TypeError('cannot read properties of undefined (reading secret)');
    const { messages, error } = await collectStream(
      client.bootstrap({ maxPartBytes: 0, follow: false }),
    );
    expect(messages).toHaveLength(1);
    expect(error?.code).toBe(status.INTERNAL);
    expect(error?.details).not.toContain('secret');
    expect(logged).toHaveLength(1);
  });

  it('toDomainError rebuilds SlotTooOld from what the client received', async () => {
    behaviour.error = slotTooOld;
    const decoded = decodeBootstrapError((await getStatus(client)).error);
    const rebuilt = toDomainError(decoded!);
    expect(rebuilt).toBeInstanceOf(SlotTooOldError);
    expect(rebuilt).toEqual(slotTooOld);
    expect(rebuilt?.message).toBe(slotTooOld.message);
  });
});

describe('error contract, without a server', () => {
  /** What a grpc-js client would hold: the status plus the trailers. */
  function asReceived(err: BootstrapError): { code: number; details: string; metadata: Metadata } {
    const sent = toStatus(err);
    return { code: sent.code, details: sent.details, metadata: sent.metadata };
  }

  const everyError: BootstrapError[] = [
    slotTooOld,
    new SlotInFutureError({ period: 9, thread: 0 }, undefined),
    invalidArgument('after_slot', 'required'),
    new InvalidArgumentError(
      [{ field: 'resume.last_key', description: 'too long' }],
      'INVALID_CURSOR',
    ),
    new SlotRejectedError(
      'SLOT_NOT_NEXT',
      { period: 5, thread: 1 },
      { period: 6, thread: 0 },
      { period: 1, thread: 0 },
      'not after the newest slot',
    ),
    new SlotRejectedError(
      'SLOT_CONFLICT',
      { period: 5, thread: 1 },
      undefined,
      undefined,
      'different content',
    ),
    new ResourceExhaustedError('TOO_MANY_BOOTSTRAPS', 2_000, 'busy', 'sessions'),
    new ResourceExhaustedError('MEMORY_PRESSURE', 250, 'memory high'),
    new ResourceExhaustedError('RATE_LIMITED', 180_000, 'too soon', 'ip:10.0.0.1'),
    new ResourceExhaustedError('SUBSCRIBER_TOO_SLOW', 0, 'lagging follower'),
    new AccessDeniedError('10.1.2.3:4567'),
    new UnavailableError('UPSTREAM_UNAVAILABLE', 1_000, 'history-store unreachable'),
    new UnavailableError('SHUTTING_DOWN', 5_000, 'gateway stopping'),
    new BootstrapTimeoutError(1_200_000),
  ];

  it.each(everyError.map((e) => [e.reason, e] as const))(
    '%s survives toStatus → decode → toDomainError',
    (_r, err) => {
      const received = asReceived(err);
      expect(received.code).toBe(ERROR_CONTRACT[err.reason].code);
      const decoded = decodeBootstrapError(received)!;
      expect(decoded.reason).toBe(err.reason);
      const rebuilt = toDomainError(decoded);
      expect(rebuilt).toBeInstanceOf(err.constructor);
      expect(rebuilt).toEqual(err);
      expect({ ...rebuilt }).toEqual({ ...err });
      expect(rebuilt?.message).toBe(err.message);
      // Forwarding the rebuilt error sends the very same bytes again.
      expect(asReceived(rebuilt!).metadata.get(STATUS_DETAILS_KEY)).toEqual(
        received.metadata.get(STATUS_DETAILS_KEY),
      );
    },
  );

  it('every reason is covered by the test list above', () => {
    expect(new Set(everyError.map((e) => e.reason))).toEqual(new Set(Object.keys(ERROR_CONTRACT)));
  });

  it('ERROR_CONTRACT matches the table in errors.proto row by row', () => {
    const proto = readFileSync(join(protoRoot, 'massa/bootstrap/v1/errors.proto'), 'utf8');
    const rows = [...proto.matchAll(/^\/\/ \| ([A-Z_]+)\s+\| ([A-Z_]+)\s+\| (.*?)\s*\|$/gm)];
    const table = Object.fromEntries(
      rows.map(([, reason, code, details]) => [
        reason,
        {
          code: status[code as keyof typeof status],
          details: details!.startsWith('(')
            ? []
            : details!.split(', ').map((d) => d.replace(/^google\.rpc\./, '')),
        },
      ]),
    );
    expect(table).toEqual(JSON.parse(JSON.stringify(ERROR_CONTRACT)));
  });

  it('decodeBootstrapError ignores what is not a contract error', () => {
    expect(decodeBootstrapError(new Error('x'))).toBeUndefined();
    expect(
      decodeBootstrapError({
        code: status.UNAVAILABLE,
        details: 'conn refused',
        metadata: new Metadata(),
      }),
    ).toBeUndefined();
    const garbage = new Metadata();
    garbage.set(STATUS_DETAILS_KEY, Buffer.from([0xff, 0xff, 0xff]));
    expect(
      decodeBootstrapError({ code: status.INTERNAL, details: '', metadata: garbage }),
    ).toBeUndefined();
  });
});

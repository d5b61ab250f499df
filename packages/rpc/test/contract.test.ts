import { dirname } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  status,
  type Client,
  type ClientReadableStream,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { SlotTooOldError } from '@massa-bootstrap/core';
import { protoRoot } from '@massa-bootstrap/proto';
import {
  closeClient,
  collectStream,
  startGrpcServer,
  type StartedServer,
} from '@massa-bootstrap/test-support';
import { decodeBootstrapError } from '../src';
import { addToyGateway, samplePart, sampleStatus, type ToyBehaviour } from './toy-gateway';

/** A client as a service without the generated code builds it: from the .proto files. */
interface DynamicGatewayClient extends Client {
  GetStatus(
    request: object,
    callback: (err: ServiceError | null, response: Record<string, unknown>) => void,
  ): void;
  Bootstrap(request: object): ClientReadableStream<Record<string, unknown>>;
}

function loadGatewayConstructor(): ServiceClientConstructor {
  const googleProtos = dirname(require.resolve('google-proto-files/package.json'));
  const definition = loadSync('massa/bootstrap/v1/gateway.proto', {
    includeDirs: [protoRoot, googleProtos],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const massa = loadPackageDefinition(definition)['massa'] as GrpcObject;
  const v1 = (massa['bootstrap'] as GrpcObject)['v1'] as GrpcObject;
  return v1['BootstrapGateway'] as ServiceClientConstructor;
}

describe('wire contract without ts-proto (proto-loader client against the generated server)', () => {
  let server: StartedServer;
  let client: DynamicGatewayClient;
  const behaviour: ToyBehaviour = { status: sampleStatus(), parts: [], slots: [] };

  beforeAll(async () => {
    server = await startGrpcServer((s) => addToyGateway(s, behaviour));
    const Gateway = loadGatewayConstructor();
    client = new Gateway(
      server.address,
      credentials.createInsecure(),
    ) as unknown as DynamicGatewayClient;
  });
  afterAll(async () => {
    closeClient(client);
    await server.close();
  });
  beforeEach(() => {
    behaviour.error = undefined;
    behaviour.parts = [];
  });

  it('proto files load from protos/ plus google-proto-files, with the same method paths', () => {
    const { service } = loadGatewayConstructor();
    expect(
      Object.values(service)
        .map((m) => m.path)
        .sort(),
    ).toEqual([
      '/massa.bootstrap.v1.BootstrapGateway/Bootstrap',
      '/massa.bootstrap.v1.BootstrapGateway/GetStatus',
      '/massa.bootstrap.v1.BootstrapGateway/StreamFinalChanges',
    ]);
  });

  it('GetStatus decodes field by field with the .proto names (uint64 beyond 2^32 intact)', async () => {
    const response = await new Promise<Record<string, unknown>>((resolve, reject) =>
      client.GetStatus({}, (err, res) => (err ? reject(err) : resolve(res))),
    );
    expect(response).toEqual({
      oldest_slot: { period: '100', thread: 0 },
      newest_slot: { period: '5000000000', thread: 31 },
      final_history_length: '600',
      entry_count: '6000000000',
      state_bytes: '123456789012',
      active_bootstraps: 2,
      max_concurrent_bootstraps: 64,
      default_part_bytes: 1 << 20,
      min_part_bytes: 1 << 16,
      max_part_bytes: 1 << 24,
      memory_pressure: true,
      rss_bytes: '300000000',
      memory_high_watermark_bytes: '1000000000',
      active_followers: 1,
      thread_count: 32,
      version: 'toy-1.0',
    });
  });

  it('Bootstrap streams parts whose nested fields, bytes and oneofs decode', async () => {
    behaviour.parts = [samplePart(1), samplePart(2)];
    const { messages, error } = await collectStream(
      client.Bootstrap({
        resume: { slot: { period: '7', thread: 1 }, last_key: Buffer.from('a') },
        max_part_bytes: 65536,
      }),
    );
    expect(error).toBeUndefined();
    expect(behaviour.lastBootstrapRequest).toEqual({
      resume: { slot: { period: 7, thread: 1 }, lastKey: Buffer.from('a'), stateComplete: false },
      maxPartBytes: 65536,
      follow: false,
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({
      slot: { period: '1001', thread: 1 },
      changes: [
        {
          slot: { period: '1001', thread: 1 },
          changes: [
            { key: Buffer.from('k1'), set_value: Buffer.from('v1'), change: 'set_value' },
            { key: Buffer.from('old1'), delete: {}, change: 'delete' },
          ],
          state_digest: Buffer.alloc(32, 1),
        },
      ],
      entries: [{ key: Buffer.from('k1'), value: Buffer.from('value-1') }],
      cursor: {
        slot: { period: '1001', thread: 1 },
        last_key: Buffer.from('k1'),
        state_complete: false,
      },
      state_digest: Buffer.alloc(0),
    });
  });

  it('errors and their details reach a proto-loader client mid-stream as well', async () => {
    behaviour.parts = [samplePart(1), samplePart(2), samplePart(3)];
    behaviour.error = new SlotTooOldError(
      { period: 1, thread: 0 },
      { period: 2, thread: 0 },
      { period: 3, thread: 0 },
      600,
    );
    const { messages, error } = await collectStream(client.Bootstrap({}));
    expect(messages).toHaveLength(3);
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    expect(decodeBootstrapError(error)).toMatchObject({
      reason: 'SLOT_TOO_OLD',
      slotTooOld: { finalHistoryLength: 600 },
    });
  });
});

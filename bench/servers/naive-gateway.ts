/**
 * The memory baseline: a naive Bootstrap handler, the failure mode of the seed's original
 * server. For each call it reads the WHOLE state from the history-store (ReadStatePart until
 * complete), materialises every BootstrapPart, then writes them all without waiting for
 * 'drain'. The parts are the same bytes the gateway sends (entry records copied verbatim with
 * the gateway's own `scanStatePart`), so the only difference measured is materialise-then-write
 * versus streaming with backpressure. It sends no changes: it exists only to be measured.
 *
 * Environment: BENCH_LISTEN (host:port), HISTORY_STORE_URL. Prints {"ready":true} once serving.
 */
import {
  Client,
  Metadata,
  Server,
  ServerCredentials,
  credentials,
  status,
  type ServerWritableStream,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { scanStatePart } from '@massa-bootstrap/bootstrap-gateway';
import { BootstrapPart, ReadStatePartRequest } from '@massa-bootstrap/proto';

const PART_BYTES = 1024 * 1024;
const identity = (bytes: Buffer): Buffer => bytes;

function readPart(store: Client, afterKey: Buffer): Promise<Buffer> {
  const request = Buffer.from(
    ReadStatePartRequest.encode({ afterKey, maxBytes: PART_BYTES, maxEntries: 0 }).finish(),
  );
  return new Promise((resolve, reject) => {
    store.makeUnaryRequest(
      '/massa.bootstrap.v1.HistoryStore/ReadStatePart',
      identity,
      identity,
      request,
      new Metadata(),
      (err: ServiceError | null, response?: Buffer) =>
        err || response === undefined ? reject(err) : resolve(response),
    );
  });
}

/** Every part of the state, materialised. */
async function wholeState(store: Client): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  let afterKey: Buffer = Buffer.alloc(0);
  for (;;) {
    const read = scanStatePart(await readPart(store, afterKey));
    if (read.slot === undefined) throw new Error('the history-store holds no state');
    const head = BootstrapPart.encode({
      slot: read.slot,
      changes: [],
      entries: [],
      cursor: {
        slot: read.slot,
        lastKey: read.complete ? Buffer.alloc(0) : read.lastKey,
        stateComplete: read.complete,
      },
      stateDigest: read.complete ? read.stateDigest : Buffer.alloc(0),
    }).finish();
    parts.push(Buffer.concat([head, ...read.entryRecords]));
    if (read.complete) return parts;
    afterKey = Buffer.from(read.lastKey);
  }
}

async function main(): Promise<void> {
  const listen = process.env['BENCH_LISTEN'] ?? '127.0.0.1:0';
  const store = new Client(
    process.env['HISTORY_STORE_URL'] ?? '127.0.0.1:50051',
    credentials.createInsecure(),
    {
      'grpc-node.flow_control_window': 8 * 1024 * 1024,
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
    },
  );
  const server = new Server();
  const implementation: UntypedServiceImplementation = {
    bootstrap: async (call: ServerWritableStream<Buffer, Buffer>) => {
      try {
        const parts = await wholeState(store);
        // The naive part: everything is queued at once, write()'s return value ignored.
        for (const part of parts) call.write(part);
        call.end();
      } catch (err) {
        call.emit('error', {
          code: status.INTERNAL,
          details: `naive gateway: ${(err as Error).message}`,
        });
      }
    },
  };
  server.addService(
    {
      bootstrap: {
        path: '/massa.bootstrap.v1.BootstrapGateway/Bootstrap',
        requestStream: false,
        responseStream: true,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    implementation,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(listen, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
  const stop = (): void => {
    server.forceShutdown();
    store.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`naive-gateway: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

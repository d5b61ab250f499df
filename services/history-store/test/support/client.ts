/** Promise wrappers over the generated HistoryStoreClient, for tests. */
import { credentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  HistoryStoreClient,
  type AppendFinalSlotResponse,
  type HistoryStoreStatus,
  type IngestFinalSlotsResponse,
  type ReadStatePartRequest,
  type ReadStatePartResponse,
  type SlotChanges,
  type StateEntry,
  type StreamChangesRequest,
} from '@massa-bootstrap/proto';
import { collectStream, type CollectedStream } from '@massa-bootstrap/test-support';

const MIB = 1024 * 1024;

/** A generated client with message limits raised to the server's (64 MiB). */
export function connect(address: string): HistoryStoreClient {
  return new HistoryStoreClient(address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * MIB,
    'grpc.max_send_message_length': 64 * MIB,
  });
}

function unaryCall<Res>(
  start: (done: (err: ServiceError | null, res?: Res) => void) => unknown,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    start((err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

export function append(
  client: HistoryStoreClient,
  message: SlotChanges,
): Promise<AppendFinalSlotResponse> {
  return unaryCall((done) => client.appendFinalSlot(message, done));
}

export function getStatus(client: HistoryStoreClient): Promise<HistoryStoreStatus> {
  return unaryCall((done) => client.getStatus({}, done));
}

export function readPart(
  client: HistoryStoreClient,
  request: Partial<ReadStatePartRequest>,
): Promise<ReadStatePartResponse> {
  return unaryCall((done) =>
    client.readStatePart(
      { afterKey: Buffer.alloc(0), maxBytes: 0, maxEntries: 0, ...request },
      done,
    ),
  );
}

/** Sends `messages` on one IngestFinalSlots stream, honouring backpressure, then half-closes. */
export function ingest(
  client: HistoryStoreClient,
  messages: Iterable<SlotChanges>,
): Promise<IngestFinalSlotsResponse> {
  return new Promise<IngestFinalSlotsResponse>((resolve, reject) => {
    let failed = false;
    const call = client.ingestFinalSlots((err, res) => (err ? reject(err) : resolve(res!)));
    call.on('error', () => {
      failed = true;
    });
    const iterator = messages[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        if (failed) return;
        const next = iterator.next();
        if (next.done) {
          call.end();
          return;
        }
        if (!call.write(next.value)) {
          call.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

export function streamChanges(
  client: HistoryStoreClient,
  request: StreamChangesRequest,
): Promise<CollectedStream<SlotChanges>> {
  return collectStream(client.streamChanges(request));
}

export type SlotStream = ClientReadableStream<SlotChanges>;

/** Reads the whole state with ReadStatePart, `maxBytes` per part. */
export async function readAllState(
  client: HistoryStoreClient,
  maxBytes = 64 * 1024,
): Promise<{ entries: StateEntry[]; parts: ReadStatePartResponse[] }> {
  const entries: StateEntry[] = [];
  const parts: ReadStatePartResponse[] = [];
  let afterKey: Buffer = Buffer.alloc(0);
  for (;;) {
    const part = await readPart(client, { afterKey, maxBytes });
    parts.push(part);
    entries.push(...part.entries);
    if (part.complete) return { entries, parts };
    afterKey = part.lastKey;
  }
}

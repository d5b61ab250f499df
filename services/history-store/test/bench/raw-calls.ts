/**
 * Ingest calls whose requests are already-encoded bytes, so the benchmark's loader does no
 * protobuf work and the store process's CPU is what a run measures.
 */
import { Client, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';

const INGEST = '/massa.bootstrap.v1.HistoryStore/IngestFinalSlots';
const APPEND = '/massa.bootstrap.v1.HistoryStore/AppendFinalSlot';
const identity = (bytes: Buffer): Buffer => bytes;

/** A client with its own connection and large message limits. */
export function rawClient(address: string): Client {
  return new Client(address, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
}

/** Streams `messages` through IngestFinalSlots (honouring 'drain'); resolves on the answer. */
export function ingestRaw(client: Client, messages: readonly Buffer[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const call = client.makeClientStreamRequest(
      INGEST,
      identity,
      identity,
      new Metadata(),
      (err: ServiceError | null) => (err ? reject(err) : resolve()),
    );
    let i = 0;
    const pump = (): void => {
      while (i < messages.length) {
        if (!call.write(messages[i++])) {
          call.once('drain', pump);
          return;
        }
      }
      call.end();
    };
    pump();
  });
}

/** One AppendFinalSlot; resolves once the store acknowledged it (durable). */
export function appendRaw(client: Client, message: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client.makeUnaryRequest(APPEND, identity, identity, message, (err: ServiceError | null) =>
      err ? reject(err) : resolve(),
    );
  });
}

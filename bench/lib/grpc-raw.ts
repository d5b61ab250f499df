/**
 * grpc-js calls with identity (de)serializers: benchmark clients that must not pay for
 * protobuf decoding (transport baselines, throttled readers that only count bytes) and the
 * ingest loader that sends pre-encoded slots.
 */
import {
  Client,
  Metadata,
  credentials,
  type ChannelOptions,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus,
  HealthClient,
  IngestFinalSlotsResponse,
} from '@massa-bootstrap/proto';

const identity = (bytes: Buffer): Buffer => bytes;

/** The HTTP/2 window every bulk receiver in the benchmarks sets (DESIGN §7). */
export const BULK_WINDOW_OPTIONS: ChannelOptions = {
  'grpc-node.flow_control_window': 8 * 1024 * 1024,
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

/** Method paths used raw. */
export const PATHS = {
  bootstrap: '/massa.bootstrap.v1.BootstrapGateway/Bootstrap',
  streamFinalChanges: '/massa.bootstrap.v1.BootstrapGateway/StreamFinalChanges',
  streamChanges: '/massa.bootstrap.v1.HistoryStore/StreamChanges',
  ingestFinalSlots: '/massa.bootstrap.v1.HistoryStore/IngestFinalSlots',
  transportStream: '/massa.bench.Transport/Stream',
} as const;

/** A generic grpc-js client with its own connection (no shared subchannel). */
export function rawClient(address: string, options: ChannelOptions = {}): Client {
  return new Client(address, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    ...options,
  });
}

/** A server-streaming call whose request and responses stay bytes. */
export function rawServerStream(
  client: Client,
  path: string,
  request: Buffer,
): ClientReadableStream<Buffer> {
  return client.makeServerStreamRequest(path, identity, identity, request, new Metadata());
}

/** What a drained stream delivered. */
export interface DrainResult {
  readonly messages: number;
  readonly bytes: number;
  /** Time from the call to its end, ms. */
  readonly durationMs: number;
  /** The call's error, when it did not end with OK. */
  readonly error?: ServiceError;
}

/**
 * Reads `call` to its end as fast as it comes, counting messages and bytes (`onMessage` sees
 * each one). Slow links are modelled by a ThrottleProxy in front of the server, not here:
 * pausing a grpc-js call still lets it buffer 16 messages.
 */
export function drainStream(
  call: ClientReadableStream<Buffer>,
  onMessage?: (message: Buffer) => void,
): Promise<DrainResult> {
  const started = performance.now();
  let messages = 0;
  let bytes = 0;
  return new Promise<DrainResult>((resolve) => {
    let settled = false;
    const finish = (error?: ServiceError): void => {
      if (settled) return;
      settled = true;
      resolve({
        messages,
        bytes,
        durationMs: performance.now() - started,
        ...(error ? { error } : {}),
      });
    };
    call.on('data', (message: Buffer) => {
      messages += 1;
      bytes += message.length;
      onMessage?.(message);
    });
    call.on('error', (err: ServiceError) => finish(err));
    call.on('end', () => finish());
  });
}

/**
 * Streams pre-encoded SlotChanges into IngestFinalSlots (waiting for 'drain' whenever write()
 * says so) and resolves with the response once every slot is durable.
 */
export function ingestEncoded(
  address: string,
  messages: Iterable<Buffer>,
): Promise<IngestFinalSlotsResponse> {
  const client = rawClient(address, BULK_WINDOW_OPTIONS);
  return new Promise<IngestFinalSlotsResponse>((resolve, reject) => {
    const call = client.makeClientStreamRequest(
      PATHS.ingestFinalSlots,
      identity,
      (bytes: Buffer) => IngestFinalSlotsResponse.decode(bytes),
      new Metadata(),
      (err: ServiceError | null, response?: IngestFinalSlotsResponse) => {
        client.close();
        if (err !== null || response === undefined)
          reject(err ?? new Error('IngestFinalSlots: no response'));
        else resolve(response);
      },
    );
    const iterator = messages[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        const next = iterator.next();
        if (next.done === true) {
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

/** Polls grpc.health.v1 Check until the server answers SERVING; rejects after `timeoutMs`. */
export async function waitForServing(
  address: string,
  timeoutMs: number,
  gone?: () => string | undefined,
): Promise<void> {
  const client = new HealthClient(address, credentials.createInsecure());
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const why = gone?.();
      if (why !== undefined) throw new Error(why);
      const serving = await new Promise<boolean>((resolve) => {
        client.check(
          { service: '' },
          new Metadata(),
          { deadline: Date.now() + 1000 },
          (err, response) => {
            resolve(err === null && response.status === HealthCheckResponse_ServingStatus.SERVING);
          },
        );
      });
      if (serving) return;
      if (Date.now() > deadline) throw new Error(`${address} not SERVING after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
}

import {
  Server,
  ServerCredentials,
  type Client,
  type ClientReadableStream,
  type ServerOptions,
  type ServiceError,
} from '@grpc/grpc-js';

/** A started test server. */
export interface StartedServer {
  /** The grpc-js server. */
  readonly server: Server;
  /** The port the OS picked. */
  readonly port: number;
  /** '127.0.0.1:<port>', ready for a client constructor. */
  readonly address: string;
  /**
   * Graceful shutdown. Rejects (after forcing the shutdown) when calls are still open after
   * `timeoutMs` (default 5000): a test that leaves a stream open fails its teardown.
   */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Starts a real grpc-js server on 127.0.0.1:0 after `addServices` registered its services,
 * with grpc-js `options` (e.g. 'grpc-node.flow_control_window') and `credentials` (insecure
 * by default).
 */
export async function startGrpcServer(
  addServices: (server: Server) => void,
  options?: ServerOptions,
  credentials: ServerCredentials = ServerCredentials.createInsecure(),
): Promise<StartedServer> {
  const server = new Server(options);
  addServices(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  const close = (timeoutMs = 5000): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        reject(new Error(`server still had open calls ${timeoutMs} ms after tryShutdown`));
      }, timeoutMs);
      server.tryShutdown((err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  return { server, port, address: `127.0.0.1:${port}`, close };
}

/** Closes a grpc-js client's channel (pending calls fail with CANCELLED/UNAVAILABLE). */
export function closeClient(client: Client): void {
  client.close();
}

/** Everything a server stream produced. */
export interface CollectedStream<T> {
  /** Messages in arrival order. */
  readonly messages: T[];
  /** The error that ended the stream; undefined when it ended with OK. */
  readonly error?: ServiceError;
}

/**
 * Reads a server stream to its end; never rejects: a failed stream resolves with `error`.
 * Resolves once both the status arrived and the readable side ended, so that every message
 * delivered before the status is in `messages` whatever order grpc-js emits events in.
 */
export function collectStream<T>(call: ClientReadableStream<T>): Promise<CollectedStream<T>> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    let error: ServiceError | undefined;
    let statusReceived = false;
    let ended = false;
    const finish = (): void => {
      if (statusReceived && ended) resolve(error ? { messages, error } : { messages });
    };
    call.on('data', (message: T) => messages.push(message));
    call.on('error', (err: ServiceError) => {
      error = err;
    });
    call.on('status', () => {
      statusReceived = true;
      finish();
    });
    const onEnd = (): void => {
      ended = true;
      finish();
    };
    call.on('end', onEnd);
    call.on('close', onEnd);
  });
}

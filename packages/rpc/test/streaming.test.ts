import { Server, ServerCredentials, credentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  BootstrapGatewayClient,
  BootstrapGatewayService,
  type BootstrapGatewayServer,
  type BootstrapPart,
  type GatewayStatus,
} from '@massa-bootstrap/proto';
import { closeClient, startGrpcServer, type StartedServer } from '@massa-bootstrap/test-support';
import {
  bindServer,
  callAbortSignal,
  unaryHandler,
  writeWithBackpressure,
  type ErrorLogger,
} from '../src';

/** A promise with its resolvers outside. */
interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const PAYLOAD = Buffer.alloc(64 * 1024, 7);
const part = (i: number): BootstrapPart => ({
  changes: [],
  entries: [{ key: Buffer.from(String(i)), value: PAYLOAD }],
  stateDigest: Buffer.alloc(0),
});

describe('streaming helpers', () => {
  let server: StartedServer;
  let client: BootstrapGatewayClient;
  const logged: object[] = [];
  const logger: ErrorLogger = { error: (obj) => logged.push(obj) };
  let run: {
    total: number;
    maxQueued: number;
    blocked: Deferred<void>;
    done: Deferred<string>;
    unaryStarted: Deferred<void>;
    unaryAborted: Deferred<unknown>;
  };

  beforeEach(async () => {
    logged.length = 0;
    run = {
      total: 200,
      maxQueued: 0,
      blocked: deferred(),
      done: deferred<string>(),
      unaryStarted: deferred(),
      unaryAborted: deferred<unknown>(),
    };
    const gateway: BootstrapGatewayServer = {
      bootstrap: (call) => {
        const signal = callAbortSignal(call);
        void (async () => {
          for (let i = 0; i < run.total; i++) {
            const written = writeWithBackpressure(call, part(i), signal);
            run.maxQueued = Math.max(run.maxQueued, call.writableLength);
            if (call.writableNeedDrain) run.blocked.resolve();
            await written;
          }
          call.end();
        })().then(
          () => run.done.resolve('completed'),
          (err: Error) => run.done.resolve(`${err.name}: ${err.message}`),
        );
      },
      streamFinalChanges: (call) => call.end(),
      getStatus: unaryHandler<object, GatewayStatus>(
        (_request, { signal }) =>
          new Promise((_resolve, reject) => {
            run.unaryStarted.resolve();
            signal.addEventListener('abort', () => {
              run.unaryAborted.resolve(signal.reason);
              reject(new Error('aborted work'));
            });
          }),
        logger,
      ),
    };
    server = await startGrpcServer((s) => s.addService(BootstrapGatewayService, gateway));
    client = new BootstrapGatewayClient(server.address, credentials.createInsecure());
  });
  afterEach(async () => {
    closeClient(client);
    await server.close();
  });

  it('writeWithBackpressure keeps at most 16 messages queued while the client does not read', async () => {
    const call = client.bootstrap({ maxPartBytes: 0, follow: false });
    call.on('error', (err) => run.done.reject(err));
    let received = 0;
    call.on('data', () => {
      received += 1;
    });
    call.pause(); // a reader that does not read until the server is blocked
    const ended = new Promise<void>((resolve) => call.on('end', resolve));
    await run.blocked.promise; // the server filled its queue and waits for 'drain'
    expect(run.maxQueued).toBeLessThanOrEqual(16);
    call.resume();
    await ended;
    expect(received).toBe(run.total);
    expect(await run.done.promise).toBe('completed');
    expect(run.maxQueued).toBeLessThanOrEqual(16);
  });

  it('a cancelled call rejects the pending write (no drain ever comes)', async () => {
    const call = client.bootstrap({ maxPartBytes: 0, follow: false });
    call.on('data', () => undefined);
    call.pause();
    const cancelled = new Promise<ServiceError>((resolve) => call.on('error', resolve));
    await run.blocked.promise;
    call.cancel();
    expect((await cancelled).code).toBe(status.CANCELLED);
    expect(await run.done.promise).toBe('AbortError: call cancelled');
  });

  it('callAbortSignal aborts a unary handler on cancel, and nothing is logged as INTERNAL', async () => {
    const answered = new Promise<ServiceError | null>((resolve) => {
      const call = client.getStatus({}, (err) => resolve(err));
      void run.unaryStarted.promise.then(() => call.cancel());
    });
    expect((await answered)?.code).toBe(status.CANCELLED);
    const reason = await run.unaryAborted.promise;
    expect(reason).toMatchObject({ name: 'AbortError' });
    expect(logged).toEqual([]);
  });
});

describe('bindServer', () => {
  it('resolves with the port the OS picked; rejects on a bad address', async () => {
    const server = new Server();
    const other = new Server();
    const grpcLog = jest.spyOn(console, 'error').mockImplementation(() => undefined); // grpc-js logs the failed bind
    try {
      const port = await bindServer(server, '127.0.0.1:0', ServerCredentials.createInsecure());
      expect(port).toBeGreaterThan(0);
      await expect(
        bindServer(other, `127.0.0.1:${port}`, ServerCredentials.createInsecure()),
      ).rejects.toThrow(/cannot bind gRPC server to 127\.0\.0\.1:\d+/);
    } finally {
      grpcLog.mockRestore();
      server.forceShutdown();
      other.forceShutdown();
    }
  });
});

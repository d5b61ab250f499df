/**
 * Transport baseline of bootstrap-throughput: one grpc-js server stream that sends the same
 * BootstrapPart bytes a gateway would send for the state (same message sizes), encoded once at
 * start-up, with no storage, changes, digest or forwarding work per call: the ceiling a
 * bootstrap can reach on this transport. Respects write() backpressure ('drain').
 *
 * Environment: BENCH_LISTEN (host:port), BENCH_ENTRIES, BENCH_VALUE_BYTES, BENCH_PART_BYTES.
 * Prints {"ready":true,...} on stdout once serving.
 */
import {
  Server,
  ServerCredentials,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { bootstrapPartMessages } from '../lib/workload';

function intEnv(name: string): number {
  const value = Number(process.env[name]);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer`);
  return value;
}

const identity = (bytes: Buffer): Buffer => bytes;

async function main(): Promise<void> {
  const listen = process.env['BENCH_LISTEN'] ?? '127.0.0.1:0';
  const parts = bootstrapPartMessages(
    { entries: intEnv('BENCH_ENTRIES'), valueBytes: intEnv('BENCH_VALUE_BYTES') },
    intEnv('BENCH_PART_BYTES'),
  );
  const server = new Server();
  const implementation: UntypedServiceImplementation = {
    stream: (call: ServerWritableStream<Buffer, Buffer>) => {
      let index = 0;
      let cancelled = false;
      call.on('cancelled', () => {
        cancelled = true;
      });
      const pump = (): void => {
        while (!cancelled && index < parts.length) {
          if (!call.write(parts[index++] as Buffer)) {
            call.once('drain', pump);
            return;
          }
        }
        if (!cancelled) call.end();
      };
      pump();
    },
  };
  server.addService(
    {
      stream: {
        path: '/massa.bench.Transport/Stream',
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
  const bytes = parts.reduce((n, p) => n + p.length, 0);
  process.stdout.write(`${JSON.stringify({ ready: true, port, parts: parts.length, bytes })}\n`);
  const stop = (): void => server.tryShutdown(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`transport-baseline: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

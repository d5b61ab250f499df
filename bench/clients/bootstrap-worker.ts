/**
 * Client side of the benchmarks, in its own process so that its CPU time, profile and memory
 * are its own. Runs the jobs given as a JSON array in argv[2], one after the other, and prints
 * one JSON line per finished run on stdout:
 *
 * - `verified`: a real bootstrap with the client library (`Bootstrapper` + a sink), digest
 *   checked, timed with the wall clock and process.cpuUsage();
 * - `transport`: the raw transport baseline stream, bytes counted and dropped;
 * - `slow`: slow-network clients, all at once or one after the other, each reporting success
 *   or why it gave up (their links are throttled by proxies in the bench process).
 *
 * SIGTERM aborts whatever runs (clients report BootstrapAbortedError) and exits.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Bootstrapper,
  LmdbSink,
  MemorySink,
  type BootstrapOptions,
  type StateSink,
} from '@massa-bootstrap/bootstrap-client';
import {
  BULK_WINDOW_OPTIONS,
  PATHS,
  drainStream,
  rawClient,
  rawServerStream,
} from '../lib/grpc-raw';
import type { SinkKind, SlowClientResult, WorkerJob, WorkerResult } from './worker-protocol';

function emit(result: WorkerResult | SlowClientResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface OpenSink {
  readonly sink: StateSink;
  dispose(): Promise<void>;
}

function openSink(kind: SinkKind, dir: string | undefined): OpenSink {
  if (kind === 'memory') {
    const sink = new MemorySink();
    return { sink, dispose: () => sink.close() };
  }
  if (dir === undefined) throw new Error('an lmdb sink needs a directory');
  const sink = LmdbSink.open(dir);
  return {
    sink,
    dispose: async () => {
      await sink.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function verified(job: Extract<WorkerJob, { kind: 'verified' }>): Promise<WorkerResult> {
  const { sink, dispose } = openSink(job.sink, job.sinkDir);
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await new Bootstrapper({ targets: [job.target], sink }).run();
    const durationMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return {
      kind: 'verified',
      ok: true,
      durationMs,
      cpuUs: used.user + used.system,
      entries: result.entries,
      bytes: result.totalBytes,
      resets: result.resets,
      retries: result.retries,
      ...(job.tag ? { tag: job.tag } : {}),
    };
  } finally {
    await dispose();
  }
}

async function transport(job: Extract<WorkerJob, { kind: 'transport' }>): Promise<WorkerResult> {
  const client = rawClient(job.target, BULK_WINDOW_OPTIONS);
  try {
    const cpu = process.cpuUsage();
    const drained = await drainStream(
      rawServerStream(client, PATHS.transportStream, Buffer.alloc(0)),
    );
    const used = process.cpuUsage(cpu);
    if (drained.error) throw drained.error;
    return {
      kind: 'transport',
      ok: true,
      durationMs: drained.durationMs,
      cpuUs: used.user + used.system,
      entries: 0,
      bytes: drained.bytes,
      resets: 0,
      retries: 0,
      ...(job.tag ? { tag: job.tag } : {}),
    };
  } finally {
    client.close();
  }
}

async function slowClient(
  job: Extract<WorkerJob, { kind: 'slow' }>,
  client: { name: string; target: string },
  signal: AbortSignal,
): Promise<void> {
  const { sink, dispose } = openSink(
    job.sink,
    join(job.sinkRoot, client.name.replace(/[^\w.-]/g, '_')),
  );
  const options: BootstrapOptions = {
    targets: [client.target],
    sink,
    signal,
    maxResets: job.maxResets,
    maxRetries: job.maxRetries,
    backoff: { initialMs: 100, maxMs: job.maxBackoffMs },
    // A slow node reconnects quickly once its link is back (grpc-js waits up to 120 s otherwise).
    channelOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': job.maxBackoffMs,
    },
  };
  const bootstrapper = new Bootstrapper(options);
  let resets = 0;
  let retries = 0;
  bootstrapper.on('reset', () => {
    resets += 1;
  });
  bootstrapper.on('retry', () => {
    retries += 1;
  });
  const started = performance.now();
  try {
    await bootstrapper.run();
    emit({
      kind: 'slow',
      name: client.name,
      ok: true,
      durationMs: performance.now() - started,
      resets,
      retries,
    });
  } catch (err) {
    const error = `${(err as Error).name}: ${(err as Error).message}`;
    emit({
      kind: 'slow',
      name: client.name,
      ok: false,
      durationMs: performance.now() - started,
      resets,
      retries,
      error,
    });
  } finally {
    await dispose();
    collectGarbage();
  }
}

async function run(job: WorkerJob, signal: AbortSignal): Promise<void> {
  switch (job.kind) {
    case 'verified':
      emit(await verified(job));
      break;
    case 'transport':
      emit(await transport(job));
      break;
    case 'slow':
      if (job.sequential) {
        for (const client of job.clients)
          if (!signal.aborted) await slowClient(job, client, signal);
      } else {
        await Promise.all(job.clients.map((client) => slowClient(job, client, signal)));
      }
      break;
  }
  collectGarbage();
}

async function main(): Promise<void> {
  const jobs = JSON.parse(process.argv[2] ?? '[]') as WorkerJob[];
  const abort = new AbortController();
  process.once('SIGTERM', () => abort.abort(new Error('SIGTERM')));
  for (const job of jobs) {
    if (abort.signal.aborted) break;
    await run(job, abort.signal);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bootstrap-worker: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

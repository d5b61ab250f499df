/**
 * The client's CPU per entry without the network: decodes recorded BootstrapPart messages (as
 * the gRPC deserializer does) and applies them to a sink the way the Bootstrapper does, digest
 * checked on the completing part. Prints the median of `--runs` runs (process.cpuUsage).
 *
 *   node --conditions=massa-src --expose-gc --import tsx \
 *     packages/bootstrap-client/test/bench/apply-bench.ts [--entries=N] [--value=B] \
 *     [--changes=N] [--runs=N] [--sink=memory|lmdb] [--decoder=views|generated] [--impl=MODULE]
 *
 * `--decoder=generated` decodes as the generated client would (copies); `--impl` takes the
 * sinks from another module exporting MemorySink and LmdbSink (e.g. a saved copy of an older
 * src/index.ts, for A/B runs in one setting).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapPart } from '@massa-bootstrap/proto';
import {
  LmdbSink,
  MemorySink,
  type SinkPart,
  type StateSink,
} from '@massa-bootstrap/bootstrap-client';
import { decodeBootstrapPart } from '../../src/part-decoder';
import { encodeParts } from './bench-parts';

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix));
  return arg === undefined ? fallback : arg.slice(prefix.length);
}

type Decode = (message: Buffer) => BootstrapPart;

/** The generated decoder (copies every bytes field) or the client's (views). */
function decoder(kind: string): Decode {
  if (kind === 'generated') return (message) => BootstrapPart.decode(message);
  if (kind === 'views') return decodeBootstrapPart;
  throw new Error(`--decoder must be generated or views, got ${kind}`);
}

async function once(
  messages: readonly Buffer[],
  decode: Decode,
  sink: StateSink,
): Promise<{ cpuUs: number; wallMs: number; entries: number }> {
  await sink.load();
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const message of messages) {
    const part = decode(message);
    const cursor = part.cursor;
    if (cursor === undefined) throw new Error('part without a cursor');
    const sinkPart: SinkPart = {
      changes: part.changes,
      entries: part.entries,
      cursor,
      ...(cursor.stateComplete ? { expectedDigest: part.stateDigest } : {}),
    };
    await sink.applyPart(sinkPart);
  }
  const used = process.cpuUsage(cpu);
  return {
    cpuUs: used.user + used.system,
    wallMs: performance.now() - started,
    entries: sink.entryCount(),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const entries = Number(option('entries', '200000'));
  const runs = Number(option('runs', '5'));
  const sinkKind = option('sink', 'memory');
  const decoderKind = option('decoder', 'views');
  const decode = decoder(decoderKind);
  const { messages, entries: held } = await encodeParts({
    entries,
    valueBytes: Number(option('value', '100')),
    partBytes: 1024 * 1024,
    changesPerPart: Number(option('changes', '0')),
  });
  const impl = option('impl', 'current');
  const sinks =
    impl === 'current'
      ? { MemorySink, LmdbSink }
      : ((await import(impl)) as { MemorySink: typeof MemorySink; LmdbSink: typeof LmdbSink });
  const perEntry: number[] = [];
  for (let r = 0; r < runs; r++) {
    const dir = sinkKind === 'lmdb' ? mkdtempSync(join(tmpdir(), 'apply-bench-')) : undefined;
    const sink: StateSink = dir === undefined ? new sinks.MemorySink() : sinks.LmdbSink.open(dir);
    try {
      const result = await once(messages, decode, sink);
      if (result.entries !== held)
        throw new Error(`sink holds ${result.entries}, expected ${held}`);
      perEntry.push(result.cpuUs / entries);
      console.log(
        `run ${r + 1}: ${(result.cpuUs / entries).toFixed(3)} us/entry CPU, ` +
          `${result.wallMs.toFixed(0)} ms wall`,
      );
    } finally {
      await sink.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `median ${median(perEntry).toFixed(3)} us/entry CPU over ${runs} runs ` +
      `(${entries} entries, ${messages.length} parts, sink ${sinkKind}, ${impl}, decoder ${decoderKind})`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

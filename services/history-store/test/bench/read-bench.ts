/**
 * Local measurement of ReadStatePart cost (not a test; the project's `npm run bench` is the
 * reference):
 *   node --conditions=massa-src --import tsx services/history-store/test/bench/read-bench.ts \
 *     [entries=50000] [valueBytes=1000,100] [rounds=5] [--part=1048576] [--threads]
 *     [--profile[=dir]] [--keep]
 * For each value size, a store runs in a child process (store-entry.ts) on a genesis of
 * `entries` keys of 71 bytes; the whole state is then read `rounds` times in parts of
 * `--part` bytes (one ReadStatePart at a time, like a bootstrap session), and the store
 * process's CPU time per entry (all threads, and the JS main thread alone, from /proc) is
 * printed for each round, with the median (`--threads`: the mean per thread). The client, like
 * the gateway's, has an 8 MiB HTTP/2 window and decodes nothing (identity deserializer). `--profile` takes a V8 CPU profile of the store's main thread during the
 * rounds and prints its top functions by self time.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials } from '@grpc/grpc-js';
import { ReadStatePartRequest } from '@massa-bootstrap/proto';
import { THREAD_COUNT, genesisChunks } from './bench-workload';
import { flag, positional } from './bench-args';
import { profileTop } from './profile-top';
import { ingestRaw, rawClient } from './raw-calls';
import { startStoreProcess } from './store-process';

const READ = '/massa.bootstrap.v1.HistoryStore/ReadStatePart';
const identity = (bytes: Buffer): Buffer => bytes;

const entries = Number(positional[0] ?? 50_000);
const valueSizes = (positional[1] ?? '1000,100').split(',').map(Number);
const rounds = Number(positional[2] ?? 5);
const partBytes = Number(flag('part') ?? 1024 * 1024);

/** The fields of an encoded ReadStatePartResponse a reader needs to go on. */
interface PartSummary {
  readonly entries: number;
  readonly lastKey: Buffer;
  readonly complete: boolean;
}

/** Scans an encoded response for last_key (2), complete (4) and the entries count (3). */
function summarize(bytes: Buffer): PartSummary {
  let at = 0;
  let count = 0;
  let lastKey: Buffer = Buffer.alloc(0);
  let complete = false;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  while (at < bytes.length) {
    const tag = varint();
    if ((tag & 7) === 0) {
      const v = varint();
      if (tag >>> 3 === 4) complete = v !== 0;
      continue;
    }
    const length = varint();
    if (tag >>> 3 === 3) count += 1;
    else if (tag >>> 3 === 2) lastKey = bytes.subarray(at, at + length);
    at += length;
  }
  return { entries: count, lastKey, complete };
}

function readPart(client: Client, afterKey: Buffer): Promise<PartSummary> {
  const request = Buffer.from(
    ReadStatePartRequest.encode({ afterKey, maxBytes: partBytes, maxEntries: 0 }).finish(),
  );
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(READ, identity, identity, request, (err, response) =>
      err ? reject(err) : resolve(summarize(response!)),
    );
  });
}

async function readAll(client: Client): Promise<number> {
  let afterKey = Buffer.alloc(0);
  let count = 0;
  for (;;) {
    const part = await readPart(client, afterKey);
    count += part.entries;
    if (part.complete) return count;
    afterKey = Buffer.from(part.lastKey);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'history-store-read-bench-'));
  const profileFlag = flag('profile');
  const profileDir = profileFlag === undefined ? undefined : profileFlag || join(root, 'profile');
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  console.log(
    `state ${entries} x (71 + ${valueSizes.join('|')}) B, parts of ${partBytes} B, ` +
      `${rounds} rounds, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  for (const valueBytes of valueSizes) {
    const store = await startStoreProcess(join(root, `store-${valueBytes}`), 600, THREAD_COUNT);
    const loader = rawClient(store.address);
    await ingestRaw(loader, genesisChunks({ entries, valueBytes }));
    loader.close();
    // Like the gateway's upstream client: an 8 MiB HTTP/2 receive window (DESIGN §7).
    const client = new Client(store.address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc-node.flow_control_window': 8 * 1024 * 1024,
    });
    await readAll(client); // warm-up: JIT and page cache
    if (profileDir !== undefined) await store.startProfile();
    const total: number[] = [];
    const main: number[] = [];
    const wall: number[] = [];
    const byThread = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      const before = store.cpu();
      const t0 = performance.now();
      const count = await readAll(client);
      const wallMs = performance.now() - t0;
      const after = store.cpu();
      if (count !== entries) throw new Error(`read ${count} entries, expected ${entries}`);
      total.push(((after.total - before.total) * 1000) / count);
      main.push(((after.main - before.main) * 1000) / count);
      wall.push((wallMs * 1000) / count);
      for (const [name, ms] of after.byName) {
        const spent = ms - (before.byName.get(name) ?? 0);
        byThread.set(name, (byThread.get(name) ?? 0) + (spent * 1000) / count / rounds);
      }
    }
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' ');
    console.log(
      `value ${String(valueBytes).padStart(5)} B: store CPU µs/entry median ` +
        `${median(total).toFixed(2)} (main thread ${median(main).toFixed(2)}), ` +
        `wall µs/entry ${median(wall).toFixed(2)}; rounds: ${fmt(total)}`,
    );
    if (flag('threads') !== undefined) {
      const rows = [...byThread].filter(([, us]) => us >= 0.005);
      console.log(
        `  µs/entry by thread (mean): ${rows.map(([n, us]) => `${n} ${us.toFixed(2)}`).join(', ')}`,
      );
    }
    if (profileDir !== undefined) {
      const path = join(profileDir, `read-v${valueBytes}.cpuprofile`);
      await store.stopProfile(path);
      console.log(`\n${path}: store main thread during the reads`);
      for (const row of profileTop(path, 25)) console.log(row);
    }
    client.close();
    await store.stop();
  }
  if (flag('keep') === undefined) rmSync(root, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

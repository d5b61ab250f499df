/**
 * Measurement (not a test): gateway CPU per MB of state with raw forwarding (what the gateway
 * does) versus decode + re-encode (what it would do with the generated codecs).
 *
 *   node --conditions=massa-src --import tsx services/bootstrap-gateway/test/bench-raw-forwarding.ts
 *
 * 1. Transform only: one ReadStatePartResponse of ~1 MiB turned into a BootstrapPart, both ways.
 * 2. End to end: a history-store in this process, the gateway in a child process (the real
 *    main.ts for "raw"; a minimal decode/re-encode gateway for "decode", role `naive`), one
 *    client bootstrapping the whole state repeatedly; the child's CPU time comes from
 *    /proc/<pid>/stat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, credentials, type ServerWritableStream } from '@grpc/grpc-js';
import pino from 'pino';
import {
  BootstrapGatewayClient,
  BootstrapGatewayService,
  BootstrapPart,
  HistoryStoreClient,
  ReadStatePartResponse,
  type BootstrapRequest,
  type SlotChanges,
} from '@massa-bootstrap/proto';
import { callAbortSignal, writeWithBackpressure } from '@massa-bootstrap/rpc';
import { startHistoryStore } from '@massa-bootstrap/history-store';
import {
  UPSTREAM_CHANNEL_OPTIONS,
  PartSerializer,
  encodeBootstrapPart,
  scanStatePart,
} from '@massa-bootstrap/bootstrap-gateway';

const MIB = 1024 * 1024;

function entries(count: number, valueBytes: number): { key: Buffer; value: Buffer }[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`ledger/bulk/${String(i).padStart(8, '0')}`),
    value: Buffer.alloc(valueBytes, i % 251),
  }));
}

function transformBench(valueBytes: number): void {
  const count = Math.floor(MIB / (20 + valueBytes));
  const list = entries(count, valueBytes);
  const lastKey = list[count - 1]!.key;
  const response = Buffer.from(
    ReadStatePartResponse.encode({
      slot: { period: 1000, thread: 3 },
      lastKey,
      entries: list,
      complete: false,
      stateDigest: Buffer.alloc(0),
    }).finish(),
  );
  const mb = response.length / 1e6;
  const cursor = { slot: { period: 1000, thread: 3 }, lastKey, stateComplete: false };
  const run = (name: string, fn: () => Buffer): number => {
    for (let i = 0; i < 20; i++) fn(); // warm-up
    const rounds = 200;
    const start = process.cpuUsage();
    for (let i = 0; i < rounds; i++) fn();
    const used = process.cpuUsage(start);
    const msPerMb = (used.user + used.system) / 1000 / (rounds * mb);
    console.log(
      `  ${name.padEnd(20)} ${msPerMb.toFixed(2)} ms CPU per MB (${(1000 / msPerMb).toFixed(0)} MB/s)`,
    );
    return msPerMb;
  };
  console.log(
    `transform of one ${(response.length / MIB).toFixed(2)} MiB part, ${count} entries, ${valueBytes} B values:`,
  );
  const decode = run('decode + re-encode', () => {
    const decoded = ReadStatePartResponse.decode(response);
    const part = {
      slot: decoded.slot,
      changes: [],
      entries: decoded.entries,
      cursor,
      stateDigest: Buffer.alloc(0),
    };
    return Buffer.from(BootstrapPart.encode(part).finish());
  });
  const serializer = new PartSerializer();
  const raw = run('raw forwarding', () => {
    const scanned = scanStatePart(response);
    const part = encodeBootstrapPart({
      slot: scanned.slot!,
      changes: [],
      entryRecords: scanned.entryRecords,
      cursor,
      stateDigest: Buffer.alloc(0),
    });
    // What the gateway's response serializer does (grpc-js then frames it, as for the other path).
    return serializer.serialize(part);
  });
  console.log(
    `  -> raw forwarding costs ${((raw / decode) * 100).toFixed(0)} % of decode + re-encode`,
  );
}

/** Role `naive`: a gateway that decodes every store answer and re-encodes every part. */
async function naiveGateway(storeAddress: string): Promise<void> {
  const store = new HistoryStoreClient(
    storeAddress,
    credentials.createInsecure(),
    UPSTREAM_CHANNEL_OPTIONS,
  );
  const read = (afterKey: Buffer, maxBytes: number): Promise<ReadStatePartResponse> =>
    new Promise((resolve, reject) =>
      store.readStatePart({ afterKey, maxBytes, maxEntries: 0 }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  const server = new Server();
  server.addService(BootstrapGatewayService, {
    bootstrap: (call: ServerWritableStream<BootstrapRequest, BootstrapPart>) => {
      const signal = callAbortSignal(call);
      void (async () => {
        let after: Buffer = Buffer.alloc(0);
        for (;;) {
          const part = await read(after, call.request.maxPartBytes || MIB);
          after = part.lastKey;
          const cursor = {
            slot: part.slot,
            lastKey: part.complete ? Buffer.alloc(0) : part.lastKey,
            stateComplete: part.complete,
          };
          const digest = part.complete ? part.stateDigest : Buffer.alloc(0);
          await writeWithBackpressure(
            call,
            { slot: part.slot, changes: [], entries: part.entries, cursor, stateDigest: digest },
            signal,
          );
          if (part.complete) break;
        }
        call.end();
      })().catch((err: unknown) => call.destroy(err as Error));
    },
    streamFinalChanges: () => undefined,
    getStatus: () => undefined,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  console.log(JSON.stringify({ msg: 'bootstrap-gateway listening', port }));
}

/** utime + stime of a process in ms (Linux, 100 clock ticks per second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function spawnGateway(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; address: string }> {
  const profile = process.env['BENCH_CPU_PROF']
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, '--conditions=massa-src', '--import', 'tsx', ...args],
    {
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve) => {
    child.stdout!.setEncoding('utf8');
    let buffered = '';
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'bootstrap-gateway listening')
            resolve({ child, address: `127.0.0.1:${entry.port}` });
        } catch {
          // partial line
        }
      }
    });
  });
}

async function endToEnd(valueBytes: number, totalMb: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
  const store = await startHistoryStore(
    { listen: '127.0.0.1:0', dataDir: dir },
    pino({ level: 'warn' }),
  );
  const storeClient = new HistoryStoreClient(store.address, credentials.createInsecure());
  const count = Math.floor((totalMb * 1e6) / (20 + valueBytes));
  const list = entries(count, valueBytes);
  // One IngestFinalSlots call: consecutive chunks of the genesis slot are merged by the store.
  await new Promise<void>((resolve, reject) => {
    const call = storeClient.ingestFinalSlots((err) => (err ? reject(err) : resolve()));
    for (let i = 0; i < list.length; i += 20_000) {
      const changes = list
        .slice(i, i + 20_000)
        .map((e) => ({ key: e.key, change: { $case: 'setValue' as const, value: e.value } }));
      const chunk: SlotChanges = {
        slot: { period: 1, thread: 0 },
        changes,
        stateDigest: Buffer.alloc(0),
      };
      call.write(chunk);
    }
    call.end();
  });
  console.log(
    `end to end: ${count} entries, ${valueBytes} B values (${totalMb} MB of state), 1 MiB parts:`,
  );
  const figures: Record<string, number> = {};
  for (const [name, args] of [
    ['decode + re-encode', [join(__dirname, 'bench-raw-forwarding.ts'), 'naive', store.address]],
    ['raw forwarding', [join(__dirname, '..', 'src', 'main.ts')]],
  ] as const) {
    const { child, address } = await spawnGateway([...args], {
      HISTORY_STORE_URL: store.address,
      GATEWAY_LISTEN: '127.0.0.1:0',
    });
    const client = new BootstrapGatewayClient(address, credentials.createInsecure(), {
      'grpc-node.flow_control_window': 8 * MIB,
      'grpc.max_receive_message_length': 64 * MIB,
    });
    const once = (): Promise<number> =>
      new Promise<number>((resolve, reject) => {
        let received = 0;
        const call = client.bootstrap({ resume: undefined, maxPartBytes: MIB, follow: false });
        call.on('data', (p: BootstrapPart) => (received += p.entries.length));
        call.on('error', reject);
        call.on('end', () => resolve(received));
      });
    const got = await once(); // warm-up (JIT, connections)
    if (got !== count) throw new Error(`${name}: ${got} entries instead of ${count}`);
    const rounds = 3;
    const cpu0 = cpuMs(child.pid!);
    const t0 = Date.now();
    for (let i = 0; i < rounds; i++) await once();
    const cpu = (cpuMs(child.pid!) - cpu0) / (rounds * totalMb);
    const wall = (Date.now() - t0) / rounds;
    figures[name] = cpu;
    console.log(
      `  ${name.padEnd(20)} gateway CPU ${cpu.toFixed(1)} ms per MB; ${wall.toFixed(0)} ms per bootstrap (store and client included)`,
    );
    client.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  const raw = figures['raw forwarding']!;
  const decode = figures['decode + re-encode']!;
  console.log(
    `  -> gateway CPU per MB with raw forwarding: ${((raw / decode) * 100).toFixed(0)} % of decode + re-encode`,
  );
  storeClient.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}

/** VmRSS of a process, bytes. */
function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/**
 * Gateway RSS with `sessions` stalled readers: each client reads one part and stops, so every
 * session holds what it may (part in flight + prefetched part) while its socket is full.
 */
async function memoryPerSession(
  sessions: number,
  partBytes: number,
  stateMb: number,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
  const store = await startHistoryStore(
    { listen: '127.0.0.1:0', dataDir: dir },
    pino({ level: 'warn' }),
  );
  const storeClient = new HistoryStoreClient(store.address, credentials.createInsecure());
  const list = entries(Math.floor((stateMb * 1e6) / 1044), 1024);
  await new Promise<void>((resolve, reject) => {
    const call = storeClient.ingestFinalSlots((err) => (err ? reject(err) : resolve()));
    for (let i = 0; i < list.length; i += 5_000) {
      const changes = list
        .slice(i, i + 5_000)
        .map((e) => ({ key: e.key, change: { $case: 'setValue' as const, value: e.value } }));
      call.write({ slot: { period: 1, thread: 0 }, changes, stateDigest: Buffer.alloc(0) });
    }
    call.end();
  });
  const { child, address } = await spawnGateway([join(__dirname, '..', 'src', 'main.ts')], {
    HISTORY_STORE_URL: store.address,
    GATEWAY_LISTEN: '127.0.0.1:0',
  });
  const client = (): BootstrapGatewayClient =>
    new BootstrapGatewayClient(address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
  // Warm-up: one full bootstrap, so that code and pools are in place before the baseline.
  const warm = client();
  await new Promise<void>((resolve, reject) => {
    const call = warm.bootstrap({ resume: undefined, maxPartBytes: partBytes, follow: false });
    call.on('data', () => undefined);
    call.on('error', reject);
    call.on('end', resolve);
  });
  warm.close();
  const baseline = rssOf(child.pid!);
  const clients = Array.from({ length: sessions }, client);
  const calls = clients.map((c) =>
    c.bootstrap({ resume: undefined, maxPartBytes: partBytes, follow: false }),
  );
  await Promise.all(
    calls.map(
      (call) =>
        new Promise<void>((resolve) => {
          call.once('data', () => {
            call.pause();
            resolve();
          });
          call.on('error', () => undefined);
        }),
    ),
  );
  // Let every session fill its socket and stall (the figure only grows while they do).
  let peak = rssOf(child.pid!);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    peak = Math.max(peak, rssOf(child.pid!));
  }
  console.log(
    `memory: ${sessions} stalled sessions of ${partBytes / 1024} KiB parts: gateway RSS ${(baseline / MIB).toFixed(0)} MiB idle -> ` +
      `${(peak / MIB).toFixed(0)} MiB (${((peak - baseline) / sessions / 1024).toFixed(0)} KiB per session; ` +
      `accounting bound 3 x part = ${(3 * partBytes) / 1024} KiB)`,
  );
  for (const call of calls) call.cancel();
  for (const c of clients) c.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  storeClient.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  if (process.argv[2] === 'naive') {
    await naiveGateway(process.argv[3]!);
    return;
  }
  if (process.env['BENCH_MEMORY']) {
    await memoryPerSession(32, 256 * 1024, 12);
    await memoryPerSession(32, 1024 * 1024, 40);
    return;
  }
  // BENCH_VALUE_BYTES=1024 runs one end-to-end case only (e.g. with BENCH_CPU_PROF=<dir>).
  const only = Number(process.env['BENCH_VALUE_BYTES'] ?? 0);
  if (only > 0) {
    await endToEnd(only, only >= 1024 ? 40 : 20);
    return;
  }
  for (const valueBytes of [100, 1024]) transformBench(valueBytes);
  await endToEnd(100, 20);
  await endToEnd(1024, 40);
}

void main();

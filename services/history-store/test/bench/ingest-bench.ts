/**
 * Quick local measurement of ingest throughput (not a test):
 *   node --conditions=massa-src --import tsx services/history-store/test/bench/ingest-bench.ts [slots] [changesPerSlot] [valueBytes]
 * Starts a store in a temp dir, streams slots through IngestFinalSlots, then appends some with
 * AppendFinalSlot one at a time, and prints slots/s and MB/s for each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { HistoryStoreClient, type SlotChanges } from '@massa-bootstrap/proto';
import pino from 'pino';
import { startHistoryStore } from '../../src/server';

const slots = Number(process.argv[2] ?? 300);
const changesPerSlot = Number(process.argv[3] ?? 1000);
const valueBytes = Number(process.argv[4] ?? 64);
const threadCount = 32;

function message(index: number): SlotChanges {
  const slot = { period: 1 + Math.floor(index / threadCount), thread: index % threadCount };
  const changes = [];
  for (let i = 0; i < changesPerSlot; i++) {
    const key = Buffer.from(
      `ledger/${String((index * 7919 + i * 104729) % 1_000_000).padStart(7, '0')}/balance`,
    );
    const value = Buffer.alloc(valueBytes, (index + i) & 0xff);
    changes.push({ key, change: { $case: 'setValue' as const, value } });
  }
  // Keys must be unique in a slot: drop accidental repeats.
  const seen = new Set<string>();
  return {
    slot,
    changes: changes.filter((c) => !seen.has(c.key.toString()) && seen.add(c.key.toString())),
    stateDigest: Buffer.alloc(0),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'history-store-bench-'));
  const handle = await startHistoryStore(
    { listen: '127.0.0.1:0', dataDir: dir, threadCount, finalHistoryLength: 600 },
    pino({ level: 'warn' }),
  );
  const client = new HistoryStoreClient(handle.address, credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const messages = Array.from({ length: slots + 1 }, (_, i) => message(i));
  const bytes = (from: number, to: number): number =>
    messages
      .slice(from, to)
      .reduce((n, m) => n + m.changes.reduce((k, c) => k + c.key.length + valueBytes, 0), 0);

  // Genesis first (one message), then the timed stream.
  await new Promise<void>((resolve, reject) =>
    client.appendFinalSlot(messages[0]!, (err) => (err ? reject(err) : resolve())),
  );
  const streamed = Math.floor(slots * 0.8);
  let start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const call = client.ingestFinalSlots((err: ServiceError | null) =>
      err ? reject(err) : resolve(),
    );
    let i = 1;
    const pump = (): void => {
      while (i <= streamed) {
        if (!call.write(messages[i++]!)) {
          call.once('drain', pump);
          return;
        }
      }
      call.end();
    };
    pump();
  });
  let seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `IngestFinalSlots: ${streamed} slots x ${changesPerSlot} changes in ${seconds.toFixed(2)} s = ` +
      `${(streamed / seconds).toFixed(0)} slots/s, ${(bytes(1, streamed + 1) / seconds / 1e6).toFixed(1)} MB/s of changes`,
  );
  start = process.hrtime.bigint();
  for (let i = streamed + 1; i <= slots; i++) {
    await new Promise<void>((resolve, reject) =>
      client.appendFinalSlot(messages[i]!, (err) => (err ? reject(err) : resolve())),
    );
  }
  seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `AppendFinalSlot (one at a time): ${slots - streamed} slots in ${seconds.toFixed(2)} s = ${((slots - streamed) / seconds).toFixed(0)} slots/s`,
  );
  client.close();
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();

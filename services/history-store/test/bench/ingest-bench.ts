/**
 * Local measurement of ingest cost (not a test; the project's `npm run bench` is the reference):
 *   node --conditions=massa-src --import tsx services/history-store/test/bench/ingest-bench.ts \
 *     [slots=300] [changesPerSlot=1000,100] [valueBytes=100] [--entries=N] [--append=N] \
 *     [--profile[=dir]] [--threads] [--keep]
 * The store runs in a child process (store-entry.ts: startHistoryStore as main.ts runs it) on a
 * genesis of `entries` keys (default 100,000) with a history length of 600 that is filled
 * first, so that every measured slot also trims one. Every change overwrites an existing key
 * (71-byte keys). For each changes-per-slot figure it prints the store process's CPU ms per
 * slot (from /proc: all threads, and the JS main thread alone) and wall-clock slots/s, for
 * IngestFinalSlots, then AppendFinalSlot one call at a time (default 100 slots). The plain-LMDB
 * baseline is the bench's (`npm run bench -- --scenario ingest`, bench/lib/plain-lmdb-ingest.ts).
 * On a shared machine CPU ms per
 * slot is the stable figure. `--profile` takes a V8 CPU profile of the store's main thread
 * during each IngestFinalSlots case and prints its top functions by self time.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { THREAD_COUNT, genesisChunks, updateSlots, type BenchShape } from './bench-workload';
import { flag, positional } from './bench-args';
import { profileTop } from './profile-top';
import { appendRaw, ingestRaw, rawClient } from './raw-calls';
import { startStoreProcess, type CpuSplit } from './store-process';

const HISTORY_LENGTH = 600;

const slots = Number(positional[0] ?? 300);
const changeCounts = (positional[1] ?? '1000,100').split(',').map(Number);
const shape: BenchShape = {
  entries: Number(flag('entries') ?? 100_000),
  valueBytes: Number(positional[2] ?? 100),
};
const appendSlots = Number(flag('append') ?? 100);

async function measure(
  label: string,
  count: number,
  cpu: () => CpuSplit,
  run: () => Promise<void>,
  commits?: () => Promise<number>,
): Promise<void> {
  const commits0 = await commits?.();
  const before = cpu();
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  const after = cpu();
  const commits1 = await commits?.();
  const perCommit =
    commits0 === undefined || commits1 === undefined
      ? ''
      : ` ${(count / Math.max(1, commits1 - commits0)).toFixed(1)} slots/commit`;
  console.log(
    `${label.padEnd(38)} ${String(count).padStart(5)} slots ` +
      `${((after.total - before.total) / count).toFixed(2).padStart(7)} CPU ms/slot ` +
      `(main thread ${((after.main - before.main) / count).toFixed(2).padStart(6)}) ` +
      `${((count * 1000) / wallMs).toFixed(0).padStart(6)} slots/s${perCommit}`,
  );
  if (flag('threads') !== undefined) {
    const rows = [...after.byName].map(
      ([name, ms]) => `${name} ${((ms - (before.byName.get(name) ?? 0)) / count).toFixed(2)}`,
    );
    console.log(`  CPU ms/slot by thread: ${rows.filter((r) => !r.endsWith(' 0.00')).join(', ')}`);
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'history-store-bench-'));
  const profileFlag = flag('profile');
  const profileDir = profileFlag === undefined ? undefined : profileFlag || join(root, 'profile');
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const genesis = genesisChunks(shape);
  console.log(
    `state ${shape.entries} x (71 + ${shape.valueBytes}) B, history ${HISTORY_LENGTH}, ` +
      `cases ${changeCounts.join(', ')} changes/slot, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  let next = 1;
  const fill = updateSlots(shape, next, HISTORY_LENGTH, 10);
  next += HISTORY_LENGTH;
  const cases = changeCounts.map((changes) => {
    const batch = updateSlots(shape, next, slots, changes);
    next += slots;
    const appends = updateSlots(shape, next, appendSlots, changes);
    next += appendSlots;
    return { changes, batch, appends };
  });

  const store = await startStoreProcess(join(root, 'store'), HISTORY_LENGTH, THREAD_COUNT);
  const client = rawClient(store.address);
  await ingestRaw(client, genesis);
  await ingestRaw(
    client,
    fill.map((s) => s.encoded),
  ); // history full: every later slot trims one
  const profiles: string[] = [];
  for (const c of cases) {
    if (profileDir !== undefined) await store.startProfile();
    await measure(
      `IngestFinalSlots c${c.changes}`,
      slots,
      store.cpu,
      () =>
        ingestRaw(
          client,
          c.batch.map((s) => s.encoded),
        ),
      store.commits,
    );
    if (profileDir !== undefined) {
      const path = join(profileDir, `ingest-c${c.changes}.cpuprofile`);
      await store.stopProfile(path);
      profiles.push(path);
    }
    if (appendSlots === 0) continue;
    // One call at a time, like a node appending each slot as it finalizes. (Concurrent calls
    // are not measured: HTTP/2 may deliver them out of order, and a store refuses those.)
    await measure(
      `AppendFinalSlot c${c.changes} (one at a time)`,
      appendSlots,
      store.cpu,
      async () => {
        for (const s of c.appends) await appendRaw(client, s.encoded);
      },
      store.commits,
    );
  }
  client.close();
  await store.stop();

  for (const path of profiles) {
    console.log(`\n${path}: store main thread during the IngestFinalSlots run`);
    for (const row of profileTop(path, 25)) console.log(row);
  }
  if (flag('keep') === undefined) rmSync(root, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

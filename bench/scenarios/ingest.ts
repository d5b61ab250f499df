/**
 * ingest: durable slots/s through IngestFinalSlots into a history-store process (1,000 and 100
 * changes per slot, each change an overwrite of an existing 71-byte key with a 100-byte value),
 * while a node bootstraps from a gateway on the same store over a 20 MB/s link (a raw reader
 * behind a throttling proxy, restarted whenever it completes: the store and gateway do all
 * their work, the reader decodes nothing). Baseline: the same LMDB writes from a plain loop on
 * the store's own storage engine, no gRPC (plain-lmdb-ingest.ts), with nothing else running.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context';
import { profileLines, summariseProfile } from '../lib/cpu-profile';
import { ingestEncoded } from '../lib/grpc-raw';
import { PlainLmdbIngest } from '../lib/plain-lmdb-ingest';
import { measurement, type Measurement } from '../lib/report';
import { startHistoryStore } from '../lib/services';
import { gatewayOf, startStack } from '../lib/stack';
import { MB, median } from '../lib/stats';
import {
  encodeSlotChanges,
  genesisMessages,
  seededRandom,
  updateSlot,
  type StateShape,
} from '../lib/workload';
import { LoopingReader } from '../lib/slow-readers';
import type { SlotChanges } from '@massa-bootstrap/proto';
import type { Scenario, ScenarioOutcome } from './scenario';

const SCENARIO = 'ingest';
const TARGET_SLOTS_PER_S = 200;
const BOOTSTRAP_LINK_BYTES_PER_S = 20 * MB;

interface Case {
  readonly changes: number;
  readonly slots: number;
}

interface Batch {
  readonly slots: { readonly message: SlotChanges; readonly encoded: Buffer }[];
  readonly bytes: number;
}

/** Slots `first`..`first+count-1` after genesis, generated before any timing. */
function batch(shape: StateShape, first: number, count: number, changes: number): Batch {
  const random = seededRandom(first * 31 + changes);
  const slots = [];
  let bytes = 0;
  for (let offset = first; offset < first + count; offset++) {
    const message = updateSlot(shape, offset, changes, random);
    const encoded = encodeSlotChanges(message);
    bytes += encoded.length;
    slots.push({ message, encoded });
  }
  return { slots, bytes };
}

/**
 * Where a history-store's CPU goes while it ingests: a separate store process run with
 * `--cpu-prof` (small genesis, then `slots` x `changes` through IngestFinalSlots, nothing else
 * running), summarised. Not timed.
 */
async function profileStore(ctx: BenchContext, slots: number, changes: number): Promise<string[]> {
  const dir = await ctx.tempDir('ingest-profile');
  const shape: StateShape = { entries: 20_000, valueBytes: 100 };
  const store = await startHistoryStore(ctx, {
    dataDir: join(dir, 'data'),
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'profile')}`],
  });
  await ingestEncoded(store.address, genesisMessages(shape));
  await ingestEncoded(
    store.address,
    batch(shape, 1, slots, changes).slots.map((s) => s.encoded),
  );
  await store.stop();
  const file = readdirSync(join(dir, 'profile')).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return ['no history-store CPU profile written'];
  return profileLines(
    `history-store CPU profile (whole process: start-up, 20,000-entry genesis, then ${slots} slots x ${changes} changes)`,
    summariseProfile(join(dir, 'profile', file)),
  );
}

/** See the module comment. */
export const ingest: Scenario = {
  name: SCENARIO,
  summary: 'durable IngestFinalSlots slots/s during a concurrent bootstrap vs a plain LMDB loop',
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const shape: StateShape = { entries: ctx.quick ? 20_000 : 100_000, valueBytes: 100 };
    const cases: Case[] = ctx.quick
      ? [
          { changes: 1000, slots: 40 },
          { changes: 100, slots: 200 },
        ]
      : [
          { changes: 1000, slots: 150 },
          { changes: 100, slots: 500 },
        ];
    const [stack, plain] = await Promise.all([
      startStack(ctx, { shape, label: 'ingest', gateway: {} }),
      ctx.tempDir('ingest-plain').then((dir) => PlainLmdbIngest.open(dir, shape)),
    ]);
    ctx.defer(() => plain.close());
    const { store } = stack;
    const gateway = gatewayOf(stack);
    const ours = new Map<number, number[]>();
    const base = new Map<number, number[]>();
    const mbPerS = new Map<number, number[]>();
    let next = 1;
    let bootstraps = 0;
    for (let r = 0; r < ctx.repetitions; r++) {
      const batches = cases.map((c) => {
        const b = batch(shape, next, c.slots, c.changes);
        next += c.slots;
        return b;
      });
      // Our side, with a bootstrap streaming from the same store the whole time.
      const reader = new LoopingReader(gateway.port, BOOTSTRAP_LINK_BYTES_PER_S);
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const [i, c] of cases.entries()) {
        const b = batches[i] as Batch;
        const started = performance.now();
        const response = await ingestEncoded(
          store.address,
          b.slots.map((s) => s.encoded),
        );
        const seconds = (performance.now() - started) / 1000;
        if (response.slotsCommitted !== c.slots)
          throw new Error(`store committed ${response.slotsCommitted} of ${c.slots} slots`);
        ours.set(c.changes, [...(ours.get(c.changes) ?? []), c.slots / seconds]);
        mbPerS.set(c.changes, [...(mbPerS.get(c.changes) ?? []), b.bytes / MB / seconds]);
        ctx.log(
          `${SCENARIO} c${c.changes}: ${c.slots} slots in ${seconds.toFixed(2)} s through IngestFinalSlots`,
        );
      }
      await reader.stop();
      bootstraps += reader.completedStreams;
      // The plain loop, with nothing else running.
      for (const [i, c] of cases.entries()) {
        const ms = await plain.ingest((batches[i] as Batch).slots);
        base.set(c.changes, [...(base.get(c.changes) ?? []), c.slots / (ms / 1000)]);
        ctx.log(
          `${SCENARIO} c${c.changes}: ${c.slots} slots in ${(ms / 1000).toFixed(2)} s through the plain LMDB loop`,
        );
      }
    }
    const profile = ctx.quick ? [] : await profileStore(ctx, 100, 1000);
    const rows: Measurement[] = [];
    for (const c of cases) {
      rows.push(
        measurement(
          SCENARIO,
          `c${c.changes}.slots_per_s`,
          median(ours.get(c.changes) ?? []),
          'slots/s',
          median(base.get(c.changes) ?? []),
          c.changes === 1000 ? { of: 'value', op: '>=', bound: TARGET_SLOTS_PER_S } : undefined,
        ),
      );
    }
    return {
      rows,
      notes: [
        `state ${shape.entries.toLocaleString('en-US')} x (71 + ${shape.valueBytes}) B; every change overwrites an existing key with a new 100-byte value; ` +
          `slots per run: ${cases.map((c) => `${c.slots} x ${c.changes} changes`).join(', ')}; history length 600`,
        `encoded slot throughput (ours): ${cases.map((c) => `c${c.changes} ${median(mbPerS.get(c.changes) ?? []).toFixed(1)} MB/s`).join(', ')}`,
        `concurrent bootstrap during our runs: 20 MB/s link, ${bootstraps} complete state streams (the baseline ran alone)`,
        ...profile,
      ],
    };
  },
};

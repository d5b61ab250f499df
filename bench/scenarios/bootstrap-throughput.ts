/**
 * bootstrap-throughput: a verified bootstrap (client library with an in-memory sink, digest
 * checked) through gateway and history-store processes, against the transport ceiling: one
 * grpc-js server stream sending the same BootstrapPart bytes in the same message sizes, one
 * hop, no work. Both receiving channels use an 8 MiB HTTP/2 window. Also the client's CPU per
 * entry, and (full run) a CPU profile of the client summarised by component and function.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context';
import { profileLines, summariseProfile } from '../lib/cpu-profile';
import { readProcCpuMs } from '../lib/proc-memory';
import { measurement, type Measurement } from '../lib/report';
import { startBenchServer, type ServerProcess } from '../lib/services';
import { gatewayOf, startStack } from '../lib/stack';
import { MB, MIB, median } from '../lib/stats';
import { runWorker } from '../lib/workers';
import { stateBytes, type StateShape } from '../lib/workload';
import type { WorkerJob, WorkerResult } from '../clients/worker-protocol';
import type { Scenario, ScenarioOutcome } from './scenario';

const PART_BYTES = MIB;
const SCENARIO = 'bootstrap-throughput';

interface Case {
  readonly label: string;
  readonly shape: StateShape;
  /** Target on entries/s ÷ transport entries/s. */
  readonly targetRatio: number;
}

interface CaseStack {
  readonly c: Case;
  readonly store: ServerProcess;
  readonly gateway: ServerProcess;
  readonly transport: ServerProcess;
}

function cases(quick: boolean): Case[] {
  return [
    {
      label: 'v100',
      shape: { entries: quick ? 50_000 : 1_000_000, valueBytes: 100 },
      targetRatio: 0.25,
    },
    {
      label: 'v1000',
      shape: { entries: quick ? 10_000 : 200_000, valueBytes: 1000 },
      targetRatio: 0.5,
    },
  ];
}

async function startCase(ctx: BenchContext, c: Case): Promise<CaseStack> {
  const [stack, transport] = await Promise.all([
    startStack(ctx, { shape: c.shape, label: `throughput-${c.label}`, gateway: {} }),
    startBenchServer(ctx, 'transport-baseline', 'bench/servers/transport-baseline.ts', {
      BENCH_ENTRIES: String(c.shape.entries),
      BENCH_VALUE_BYTES: String(c.shape.valueBytes),
      BENCH_PART_BYTES: String(PART_BYTES),
    }),
  ]);
  return { c, store: stack.store, gateway: gatewayOf(stack), transport };
}

function caseRows(
  stack: CaseStack,
  results: readonly WorkerResult[],
  notes: string[],
): Measurement[] {
  const { c } = stack;
  const ours = results.filter((r) => r.kind === 'verified' && r.tag === c.label);
  const base = results.filter((r) => r.kind === 'transport' && r.tag === c.label);
  for (const r of ours) {
    if (r.entries !== c.shape.entries)
      throw new Error(`verified bootstrap holds ${r.entries} entries, expected ${c.shape.entries}`);
  }
  const seconds = (r: WorkerResult): number => r.durationMs / 1000;
  const payload = stateBytes(c.shape) / MB;
  const wire = median(base.map((r) => r.bytes / MB / seconds(r)));
  notes.push(
    `${c.label}: ${c.shape.entries.toLocaleString('en-US')} entries x (71 + ${c.shape.valueBytes}) B = ${payload.toFixed(1)} MB of keys and values ` +
      `in ${(PART_BYTES / MIB).toFixed(0)} MiB parts; transport baseline ${wire.toFixed(1)} MB/s of wire bytes; ` +
      `verified runs ${ours.map((r) => seconds(r).toFixed(2)).join(', ')} s; baseline runs ${base.map((r) => seconds(r).toFixed(2)).join(', ')} s`,
  );
  return [
    measurement(
      SCENARIO,
      `${c.label}.entries_per_s`,
      median(ours.map((r) => c.shape.entries / seconds(r))),
      'entries/s',
      median(base.map((r) => c.shape.entries / seconds(r))),
      {
        of: 'ratio',
        op: '>=',
        bound: c.targetRatio,
      },
    ),
    measurement(
      SCENARIO,
      `${c.label}.mb_per_s`,
      median(ours.map((r) => payload / seconds(r))),
      'MB/s',
      median(base.map((r) => payload / seconds(r))),
    ),
    measurement(
      SCENARIO,
      `${c.label}.client_cpu_us_per_entry`,
      median(ours.map((r) => r.cpuUs / c.shape.entries)),
      'us/entry',
      median(base.map((r) => r.cpuUs / c.shape.entries)),
    ),
  ];
}

async function profile(ctx: BenchContext, stack: CaseStack): Promise<string[]> {
  const dir = await ctx.tempDir(`profile-${stack.c.label}`);
  ctx.log(`${SCENARIO} ${stack.c.label}: profiled verified bootstrap (--cpu-prof; not timed)`);
  await runWorker(
    ctx,
    [{ kind: 'verified', target: stack.gateway.address, sink: 'memory' }],
    ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  );
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return [`${stack.c.label}: no CPU profile written`];
  return profileLines(
    `client CPU profile, ${stack.c.label} (one verified bootstrap; whole worker process)`,
    summariseProfile(join(dir, file)),
  );
}

/** See the module comment. */
export const bootstrapThroughput: Scenario = {
  name: SCENARIO,
  summary: 'verified bootstrap through gateway + store vs one raw grpc-js stream of the same bytes',
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const stacks = await Promise.all(cases(ctx.quick).map((c) => startCase(ctx, c)));
    const jobs: WorkerJob[] = [];
    for (let r = 0; r < ctx.repetitions; r++) {
      for (const s of stacks) {
        // Interleaved, so that a slow phase of a shared machine hits both sides.
        jobs.push(
          { kind: 'transport', target: s.transport.address, tag: s.c.label },
          { kind: 'verified', target: s.gateway.address, sink: 'memory', tag: s.c.label },
        );
      }
    }
    ctx.log(
      `${SCENARIO}: ${ctx.repetitions} x (transport baseline, verified bootstrap) per case, one worker process`,
    );
    const cpuBefore = stacks.map((s) => ({
      gateway: readProcCpuMs(s.gateway.pid),
      store: readProcCpuMs(s.store.pid),
    }));
    const results = await runWorker(ctx, jobs);
    const serverCpu = stacks.map((s, i) => ({
      gateway: readProcCpuMs(s.gateway.pid) - (cpuBefore[i]?.gateway ?? 0),
      store: readProcCpuMs(s.store.pid) - (cpuBefore[i]?.store ?? 0),
    }));
    const rows: Measurement[] = [];
    const notes: string[] = [];
    stacks.forEach((s, i) => {
      rows.push(...caseRows(s, results, notes));
      const cpu = serverCpu[i] as { gateway: number; store: number };
      const entries = s.c.shape.entries * ctx.repetitions;
      notes.push(
        `${s.c.label}: server CPU during the verified runs: gateway ${((cpu.gateway * 1000) / entries).toFixed(2)} us/entry, ` +
          `history-store ${((cpu.store * 1000) / entries).toFixed(2)} us/entry (the transport runs touch neither)`,
      );
    });
    if (!ctx.quick) for (const s of stacks) notes.push(...(await profile(ctx, s)));
    return { rows, notes };
  },
};

/**
 * gateway-memory: peak RSS of the gateway process with 1, 16, 64 and 200 concurrent bootstraps
 * of the same state by readers on 1 MB/s links, and the RSS growth per added session in units
 * of max_part_bytes (least-squares slope over the levels). Baseline: the naive server of
 * bench/servers/naive-gateway.ts (whole response materialised, written without waiting for
 * 'drain') serving the same readers. Levels run in increasing order in one process per server
 * and repetition; the peak of a level is the largest VmRSS sampled during it.
 */
import type { BenchContext } from '../lib/context';
import { PeakRssSampler } from '../lib/proc-memory';
import { measurement, type Measurement } from '../lib/report';
import { startBenchServer, startGateway, type ServerProcess } from '../lib/services';
import { SlowReaders } from '../lib/slow-readers';
import { startStack } from '../lib/stack';
import { MB, MIB, median, slope } from '../lib/stats';
import { stateBytes, type StateShape } from '../lib/workload';
import type { Scenario, ScenarioOutcome } from './scenario';

const SCENARIO = 'gateway-memory';
const PART_BYTES = MIB;
const LINK_BYTES_PER_S = 1 * MB;
const TARGET_PARTS_PER_SESSION = 3;
/** A conservative rate at which the naive server materialises sessions (store reads, loaded machine). */
const NAIVE_READ_BYTES_PER_S = 30 * MB;

interface Plan {
  readonly levels: readonly number[];
  readonly shape: StateShape;
  /** How long every level keeps all its sessions streaming after the last one started, ms. */
  readonly holdMs: number;
  /**
   * How long a level waits for every session to stream, plus, for the naive server, the time
   * to read the whole state of every session from the store at {@link NAIVE_READ_BYTES_PER_S}
   * (it streams nothing before). Past it, the peak so far is recorded (a lower bound) and the
   * level ends.
   */
  readonly rampTimeoutMs: number;
}

function plan(quick: boolean): Plan {
  // The state must outlast a level at 1 MB/s (ramp-up + hold), or sessions finish early.
  return quick
    ? {
        levels: [1, 16, 64],
        shape: { entries: 3000, valueBytes: 1000 },
        holdMs: 500,
        rampTimeoutMs: 10_000,
      }
    : {
        levels: [1, 16, 64, 200],
        shape: { entries: 8000, valueBytes: 1000 },
        holdMs: 1500,
        rampTimeoutMs: 20_000,
      };
}

type Kind = 'ours' | 'naive';

async function startServer(
  ctx: BenchContext,
  kind: Kind,
  storeAddress: string,
): Promise<ServerProcess> {
  if (kind === 'ours') {
    return startGateway(ctx, {
      historyStoreUrl: storeAddress,
      maxPartBytes: PART_BYTES,
      maxConcurrentBootstraps: 1000,
    });
  }
  return startBenchServer(ctx, 'naive-gateway', 'bench/servers/naive-gateway.ts', {
    HISTORY_STORE_URL: storeAddress,
  });
}

/** Peak RSS (bytes) of `server` at each level. */
async function measureLevels(
  ctx: BenchContext,
  kind: Kind,
  server: ServerProcess,
  p: Plan,
  notes: string[],
): Promise<number[]> {
  const peaks: number[] = [];
  for (const level of p.levels) {
    const sampler = new PeakRssSampler(server.pid).start();
    const readers = await SlowReaders.start(
      server.port,
      new Array<number>(level).fill(LINK_BYTES_PER_S),
    );
    const rampTimeoutMs =
      p.rampTimeoutMs +
      (kind === 'naive' ? ((level * stateBytes(p.shape)) / NAIVE_READ_BYTES_PER_S) * 1000 : 0);
    const streaming = await readers.waitStreaming(rampTimeoutMs);
    await new Promise((r) => setTimeout(r, p.holdMs));
    const peak = sampler.stop();
    if (streaming < level || readers.ended > 0) {
      notes.push(
        `${kind} n=${level}: only ${streaming}/${level} sessions were streaming after ${(rampTimeoutMs / 1000).toFixed(0)} s` +
          (readers.ended > 0 ? ` and ${readers.ended} had already ended` : '') +
          (kind === 'naive' ? ' (still materialising: the peak recorded is a lower bound)' : ''),
      );
    }
    await readers.close();
    peaks.push(peak);
    ctx.log(`${SCENARIO} ${kind} n=${level}: peak RSS ${(peak / MIB).toFixed(1)} MiB`);
    await new Promise((r) => setTimeout(r, 300)); // let cancelled sessions unwind
  }
  return peaks;
}

/** See the module comment. */
export const gatewayMemory: Scenario = {
  name: SCENARIO,
  summary:
    'gateway peak RSS vs concurrent 1 MB/s bootstraps, against a naive materialise-then-write server',
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const p = plan(ctx.quick);
    const notes: string[] = [
      `state ${(stateBytes(p.shape) / MIB).toFixed(1)} MiB (${p.shape.entries} x (71 + ${p.shape.valueBytes}) B), max_part_bytes ${PART_BYTES / MIB} MiB, ` +
        `readers on 1 MB/s links (throttling proxies, default 64 KiB HTTP/2 window), levels ${p.levels.join('/')} in one process per server and repetition`,
    ];
    const { store } = await startStack(ctx, { shape: p.shape, label: 'memory' });
    const peaks: Record<Kind, number[][]> = { ours: [], naive: [] };
    for (let r = 0; r < ctx.repetitions; r++) {
      // Both servers start together (they idle until measured), then run one after the other.
      const servers = await Promise.all(
        (['ours', 'naive'] as const).map((kind) => startServer(ctx, kind, store.address)),
      );
      for (const [i, kind] of (['ours', 'naive'] as const).entries()) {
        const server = servers[i] as ServerProcess;
        peaks[kind].push(await measureLevels(ctx, kind, server, p, notes));
        await server.stop();
      }
    }
    const rows: Measurement[] = [];
    const medianAt = (kind: Kind, i: number): number =>
      median(peaks[kind].map((run) => run[i] as number));
    p.levels.forEach((level, i) => {
      rows.push(
        measurement(
          SCENARIO,
          `peak_rss_mib.n${level}`,
          medianAt('ours', i) / MIB,
          'MiB',
          medianAt('naive', i) / MIB,
        ),
      );
    });
    const growth = (kind: Kind): number =>
      median(
        peaks[kind].map((run) =>
          slope(p.levels.map((level, i) => ({ x: level, y: run[i] as number }))),
        ),
      ) / PART_BYTES;
    const ours = growth('ours');
    const naive = growth('naive');
    rows.push(
      measurement(SCENARIO, 'rss_growth_per_session', ours, 'parts', naive, {
        of: 'value',
        op: '<=',
        bound: TARGET_PARTS_PER_SESSION,
      }),
    );
    notes.push(
      `growth per added session: ours ${ours.toFixed(2)} x max_part_bytes, naive ${naive.toFixed(2)} x max_part_bytes; naive/ours = ${(naive / ours).toFixed(1)}`,
      `naive/ours peak RSS: ${p.levels.map((level, i) => `n=${level} ${(medianAt('naive', i) / medianAt('ours', i)).toFixed(2)}`).join(', ')}`,
    );
    return { rows, notes: [...new Set(notes)] };
  },
};

/**
 * slow-network: the seed's headline claims. Clients of the real client library (in-memory sinks,
 * digest verified) bootstrap a state over links throttled to 1, 5 and 20 MB/s while slots
 * finalize every 500 ms, against two stacks that differ only in final_history_length: 100 and
 * 600 slots. A fourth group of 1 MB/s clients has a flaky link: it goes down once mid-way for
 * longer than 100 slots but much less than 600 (the case a history window exists for: a
 * client resumes from its cursor, which must still be inside the window). Reported per group:
 * success rate (verified without giving up), time to verified state, resets per client; and
 * peak gateway RSS, streaming vs the naive server, for the same readers on the same links.
 * The quick run scales time down (20 ms slots) so that the same effects show in seconds.
 */
import type { BenchContext } from '../lib/context';
import { measurement, type Measurement } from '../lib/report';
import { startBenchServer } from '../lib/services';
import { SlotProducer } from '../lib/slot-producer';
import { gatewayOf, startStack } from '../lib/stack';
import { MB, MIB, mean, median } from '../lib/stats';
import { stateBytes } from '../lib/workload';
import type { SlowClientResult } from '../clients/worker-protocol';
import type { Scenario, ScenarioOutcome } from './scenario';
import { clientsPhase, memoryPhase } from './slow-network-phases';
import {
  GROUPS,
  WINDOWS,
  clientName,
  plan,
  type Group,
  type Plan,
  type WindowStack,
} from './slow-network-plan';

const SCENARIO = 'slow-network';

function groupFigures(
  results: Map<string, SlowClientResult>,
  group: Group,
  p: Plan,
): { success: number; timeS: number; resets: number } {
  const outcomes: (SlowClientResult | undefined)[] = [];
  for (let i = 0; i < p.clientsPerGroup; i++) outcomes.push(results.get(clientName(group, i)));
  const ok = outcomes.filter((o): o is SlowClientResult => o?.ok === true);
  return {
    success: (100 * ok.length) / outcomes.length,
    timeS: ok.length === 0 ? Number.NaN : median(ok.map((o) => o.durationMs / 1000)),
    resets: mean(outcomes.map((o) => o?.resets ?? 0)),
  };
}

/** See the module comment. */
export const slowNetwork: Scenario = {
  name: SCENARIO,
  summary:
    'throttled clients while slots finalize: final_history_length 600 vs 100, streaming vs naive memory',
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const p = plan(ctx.quick);
    const stacks: WindowStack[] = await Promise.all(
      WINDOWS.map(async (window) => {
        const stack = await startStack(ctx, {
          shape: p.shape,
          label: `slow-w${window}`,
          finalHistoryLength: window,
          gateway: {},
        });
        const { store } = stack;
        const gateway = gatewayOf(stack);
        const producer = new SlotProducer(store.address, p.shape, p.changesPerSlot, p.slotMs);
        return { window, store, gateway, producer };
      }),
    );
    for (const s of stacks) {
      s.producer.start();
      ctx.defer(() => s.producer.stop());
    }
    // Memory: the same readers on the same links, naive server vs our gateway (window 600 store).
    const wide = stacks[1] as WindowStack;
    const naive = await startBenchServer(ctx, 'naive-gateway', 'bench/servers/naive-gateway.ts', {
      HISTORY_STORE_URL: wide.store.address,
    });
    const naivePeak = await memoryPhase(naive, p);
    await naive.stop();
    const oursPeak = await memoryPhase(wide.gateway, p);
    ctx.log(
      `${SCENARIO}: peak RSS with ${GROUPS.length * p.clientsPerGroup} readers: gateway ${(oursPeak / MIB).toFixed(0)} MiB, naive ${(naivePeak / MIB).toFixed(0)} MiB`,
    );

    ctx.log(
      `${SCENARIO}: ${GROUPS.length * p.clientsPerGroup} verified clients per window (${WINDOWS.join(' and ')} slots), deadline ${p.deadlineMs / 1000} s`,
    );
    const byWindow = await clientsPhase(ctx, stacks, p);
    const narrow = byWindow.get(100) as Map<string, SlowClientResult>;
    const wider = byWindow.get(600) as Map<string, SlowClientResult>;

    const rows: Measurement[] = [];
    const notes: string[] = [
      `state ${(stateBytes(p.shape) / MB).toFixed(1)} MB (${p.shape.entries.toLocaleString('en-US')} x (71 + ${p.shape.valueBytes}) B); one slot every ${p.slotMs} ms with ${p.changesPerSlot} changes; ` +
        `window 100 = ${(100 * p.slotMs) / 1000} s, 600 = ${(600 * p.slotMs) / 1000} s; ${p.clientsPerGroup} client(s) per group per window, in-memory sinks, max 5 resets`,
      `flaky links go down after ${(p.dropAfterBytes / MB).toFixed(1)} MB until ${p.outageSlots} more slots are final (${(p.outageSlots * p.slotMs) / 1000} s at the nominal pace; connections cut, reconnects refused); clients retry with backoff capped at ${p.maxBackoffMs} ms, max 1000 retries`,
      `value = final_history_length 600, baseline = 100 (except peak_gateway_rss_mib: value = streaming gateway, baseline = naive server)`,
    ];
    for (const group of GROUPS) {
      const a = groupFigures(wider, group, p);
      const b = groupFigures(narrow, group, p);
      rows.push(
        measurement(SCENARIO, `${group.name}.success_rate`, a.success, '%', b.success),
        measurement(
          SCENARIO,
          `${group.name}.time_to_verified_s`,
          a.timeS,
          's',
          Number.isNaN(b.timeS) ? null : b.timeS,
        ),
        measurement(SCENARIO, `${group.name}.resets_per_client`, a.resets, 'resets', b.resets),
      );
    }
    const all = (results: Map<string, SlowClientResult>): number =>
      (100 * [...results.values()].filter((r) => r.ok).length) /
      (GROUPS.length * p.clientsPerGroup);
    const slowTimes = (results: Map<string, SlowClientResult>): number[] =>
      [...results.values()]
        .filter((r) => r.ok && /_1MBps-/.test(r.name))
        .map((r) => r.durationMs / 1000);
    const successAll = measurement(SCENARIO, 'all.success_rate', all(wider), '%', all(narrow));
    const slowA = slowTimes(wider);
    const slowB = slowTimes(narrow);
    const slowNode = measurement(
      SCENARIO,
      'slow_nodes.time_to_verified_s',
      slowA.length > 0 ? median(slowA) : Number.NaN,
      's',
      slowB.length > 0 ? median(slowB) : null,
    );
    const memory = measurement(
      SCENARIO,
      'peak_gateway_rss_mib',
      oursPeak / MIB,
      'MiB',
      naivePeak / MIB,
    );
    rows.push(successAll, slowNode, memory);
    const change = (ratio: number | null): string =>
      ratio === null ? 'n/a' : `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)} %`;
    notes.push(
      'seed claims vs this run:',
      `  success rate 600 vs 100:          seed +40 %, here ${change(successAll.ratio)} (${successAll.baseline?.toFixed(0)} % -> ${successAll.value.toFixed(0)} %)`,
      `  slow-node (1 MB/s) time 600 vs 100: seed -50 %, here ${change(slowNode.ratio)}`,
      `  peak gateway memory streaming vs naive: seed -30 %, here ${change(memory.ratio)}`,
    );
    for (const [window, results] of byWindow) {
      const failures = [...results.values()]
        .filter((r) => !r.ok)
        .map((r) => `${r.name}: ${r.error ?? 'failed'}`);
      const missing = GROUPS.length * p.clientsPerGroup - results.size;
      if (failures.length > 0 || missing > 0) {
        notes.push(
          `window ${window}: ${failures.length} gave up, ${missing} unfinished at the deadline${failures.length ? `; ${failures.join('; ')}` : ''}`,
        );
      }
    }
    for (const s of stacks)
      notes.push(
        `window ${s.window}: ${s.producer.appendedSlots} slots finalized during the run, ${s.producer.skippedTicks} ticks skipped ` +
          `(previous append not acknowledged yet); AppendFinalSlot latency median ${s.producer.latency().medianMs.toFixed(0)} ms, ` +
          `p95 ${s.producer.latency().p95Ms.toFixed(0)} ms`,
      );
    return { rows, notes };
  },
};

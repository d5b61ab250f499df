/** The two phases of the slow-network scenario: gateway memory, then verified clients. */
import type { RunningProcess } from '../../test-support/src/index';
import type { SlowClientResult } from '../clients/worker-protocol';
import type { BenchContext } from '../lib/context';
import { PeakRssSampler } from '../lib/proc-memory';
import type { ServerProcess } from '../lib/services';
import { SlowReaders } from '../lib/slow-readers';
import { MB } from '../lib/stats';
import { ThrottleProxy } from '../lib/throttle-proxy';
import { startWorker, workerResults } from '../lib/workers';
import { GROUPS, clientName, type Plan, type WindowStack } from './slow-network-plan';

/** Peak RSS of `server` while readers on every group's links stream from it. */
export async function memoryPhase(server: ServerProcess, p: Plan): Promise<number> {
  const rates = GROUPS.flatMap((g) => new Array<number>(p.clientsPerGroup).fill(g.bytesPerSecond));
  const sampler = new PeakRssSampler(server.pid).start();
  const readers = await SlowReaders.start(server.port, rates);
  await readers.waitStreaming(30_000);
  await new Promise((r) => setTimeout(r, p.memoryHoldMs));
  const peak = sampler.stop();
  await readers.close();
  return peak;
}

/**
 * Runs every group's clients against every stack; resolves with the outcomes per window (a
 * missing name = not finished by the deadline). In the full run, per window, the 1 MB/s
 * clients (steady and flaky) run all at once in one worker process and the 5 and 20 MB/s
 * clients one after the other in another: verifying clients cost CPU, and this bounds what a
 * 2-core machine must host next to the services while the slow clients overlap with
 * everything (the quick run puts all its clients in one worker). A flaky link goes down
 * once it delivered `dropAfterBytes` and comes back once its stack finalized `outageSlots`
 * more slots: an outage counted in slots, so the effect does not depend on how fast a loaded
 * machine finalizes them.
 */
export async function clientsPhase(
  ctx: BenchContext,
  stacks: readonly WindowStack[],
  p: Plan,
): Promise<Map<number, Map<string, SlowClientResult>>> {
  const flaky: { proxy: ThrottleProxy; stack: WindowStack }[] = [];
  const proxies: ThrottleProxy[] = [];
  ctx.defer(async () => {
    await Promise.all(proxies.map((x) => x.close()));
  });
  const workers: RunningProcess[] = [];
  const shared: { name: string; target: string }[] = [];
  let total = 0;
  const common = {
    kind: 'slow',
    sink: 'memory',
    sinkRoot: '',
    maxResets: 5,
    maxRetries: 1000,
    maxBackoffMs: p.maxBackoffMs,
  } as const;
  for (const stack of stacks) {
    const slow: { name: string; target: string }[] = [];
    const fast: { name: string; target: string }[] = [];
    for (let i = 0; i < p.clientsPerGroup; i++) {
      for (const group of GROUPS) {
        const proxy = await ThrottleProxy.start(stack.gateway.port, group.bytesPerSecond);
        proxies.push(proxy);
        if (group.flaky) flaky.push({ proxy, stack });
        const client = { name: `w${stack.window}/${clientName(group, i)}`, target: proxy.address };
        if (!p.separateFastClients) shared.push(client);
        else (group.bytesPerSecond > 1 * MB ? fast : slow).push(client);
        total += 1;
      }
    }
    if (p.separateFastClients) {
      workers.push(
        startWorker(ctx, [{ ...common, clients: slow, sequential: false }]),
        startWorker(ctx, [{ ...common, clients: fast, sequential: true }]),
      );
    }
  }
  if (shared.length > 0)
    workers.push(startWorker(ctx, [{ ...common, clients: shared, sequential: false }]));
  const outages = new Map<ThrottleProxy, { upAtSlots: number } | 'over'>();
  const collect = (): Map<string, SlowClientResult> => {
    const results = new Map<string, SlowClientResult>();
    for (const worker of workers)
      for (const r of workerResults(worker)) if (r.kind === 'slow') results.set(r.name, r);
    return results;
  };
  const started = Date.now();
  while (Date.now() - started < p.deadlineMs) {
    for (const { proxy, stack } of flaky) {
      const state = outages.get(proxy);
      if (state === undefined && proxy.bytesDelivered >= p.dropAfterBytes) {
        proxy.goDown();
        outages.set(proxy, { upAtSlots: stack.producer.appendedSlots + p.outageSlots });
      } else if (typeof state === 'object' && stack.producer.appendedSlots >= state.upAtSlots) {
        proxy.goUp();
        outages.set(proxy, 'over');
      }
    }
    if (collect().size === total || workers.every((w) => w.child.exitCode !== null)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(workers.map((w) => w.stop('SIGTERM', 10_000)));
  const results = collect();
  const byWindow = new Map<number, Map<string, SlowClientResult>>();
  for (const stack of stacks) {
    const prefix = `w${stack.window}/`;
    const mine = [...results.values()].filter((r) => r.name.startsWith(prefix));
    byWindow.set(
      stack.window,
      new Map(
        mine.map((r) => [r.name.slice(prefix.length), { ...r, name: r.name.slice(prefix.length) }]),
      ),
    );
  }
  return byWindow;
}

/** Starting bench/clients/bootstrap-worker.ts and collecting what it prints. */
import type { RunningProcess } from '../../test-support/src/index';
import {
  parseWorkerLine,
  type SlowClientResult,
  type WorkerJob,
  type WorkerResult,
} from '../clients/worker-protocol';
import type { BenchContext } from './context';

const WORKER_ENTRY = 'bench/clients/bootstrap-worker.ts';

/** Starts a worker on `jobs` (with --expose-gc and any extra Node flags). */
export function startWorker(
  ctx: BenchContext,
  jobs: readonly WorkerJob[],
  nodeFlags: readonly string[] = [],
): RunningProcess {
  return ctx.spawnNode({
    entry: WORKER_ENTRY,
    args: [JSON.stringify(jobs)],
    nodeFlags: ['--expose-gc', ...nodeFlags],
  });
}

/** Every result line the worker printed so far. */
export function workerResults(worker: RunningProcess): (WorkerResult | SlowClientResult)[] {
  const results: (WorkerResult | SlowClientResult)[] = [];
  for (const line of worker.lines) {
    if (line.stream !== 'stdout') continue;
    const result = parseWorkerLine(line.text);
    if (result !== undefined) results.push(result);
  }
  return results;
}

/** Runs a worker to its end; rejects (with its last output) when it fails. */
export async function runWorker(
  ctx: BenchContext,
  jobs: readonly WorkerJob[],
  nodeFlags: readonly string[] = [],
): Promise<WorkerResult[]> {
  const worker = startWorker(ctx, jobs, nodeFlags);
  const exit = await worker.exited;
  if (exit.code !== 0)
    throw new Error(`bootstrap-worker failed (${exit.code ?? exit.signal}):\n${worker.tail(30)}`);
  return workerResults(worker).filter((r): r is WorkerResult => r.kind !== 'slow');
}

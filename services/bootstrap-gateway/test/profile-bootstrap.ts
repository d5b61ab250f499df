/**
 * Measurement (not a test): CPU of the gateway PROCESS per state entry while one client
 * bootstraps through it, on the benchmark's stack (history-store and gateway processes started
 * as bench/lib/stack.ts does, client = the client library in a bench worker).
 *
 *   node --conditions=massa-src --import tsx services/bootstrap-gateway/test/profile-bootstrap.ts \
 *     [entries=200000] [valueBytes=1000] [runs=3] [cpuProfileDir]
 *
 * GATEWAY_NODE_FLAGS adds Node/V8 flags to the gateway process (e.g. `--trace-gc`, whose
 * collections are then counted, or a heap setting to compare). With a cpuProfileDir the gateway
 * runs with --cpu-prof and its profile is summarised when it exits.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BenchContext } from '../../../bench/lib/context';
import { profileLines, summariseProfile } from '../../../bench/lib/cpu-profile';
import { gatewayOf, startStack } from '../../../bench/lib/stack';
import { median } from '../../../bench/lib/stats';
import { runWorker } from '../../../bench/lib/workers';

/** User and system CPU time of `pid` so far, ms (/proc/<pid>/stat, 100 ticks per second). */
function cpuMs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

async function main(): Promise<void> {
  const entries = Number(process.argv[2] ?? 200_000);
  const valueBytes = Number(process.argv[3] ?? 1000);
  const runs = Number(process.argv[4] ?? 3);
  const profileDir = process.argv[5];
  const extraFlags = (process.env['GATEWAY_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const ctx = new BenchContext(false, runs);
  try {
    const stack = await startStack(ctx, {
      shape: { entries, valueBytes },
      label: 'gateway-profile',
      gateway: {
        nodeFlags: [
          ...extraFlags,
          ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        ],
      },
    });
    const gateway = gatewayOf(stack);
    const megabytes = (entries * (71 + valueBytes)) / 1e6;
    const perEntry: number[] = [];
    for (let r = 0; r < runs; r++) {
      const before = cpuMs(gateway.pid);
      const [result] = await runWorker(ctx, [
        { kind: 'verified', target: gateway.address, sink: 'memory' },
      ]);
      const after = cpuMs(gateway.pid);
      const user = after.user - before.user;
      const system = after.system - before.system;
      perEntry.push(((user + system) * 1000) / entries);
      console.log(
        `run ${r}: ${result?.durationMs.toFixed(0)} ms wall; gateway ${(((user + system) * 1000) / entries).toFixed(2)} us/entry, ` +
          `${((user + system) / megabytes).toFixed(2)} ms/MB (user ${user} ms, system ${system} ms)`,
      );
    }
    console.log(`median: gateway ${median(perEntry).toFixed(2)} us/entry`);
    const gcLines = gateway.process.lines.filter((l) => /: (Scavenge|Mark-Compact)/.test(l.text));
    if (gcLines.length > 0) {
      const majors = gcLines.filter((l) => l.text.includes('Mark-Compact')).length;
      console.log(
        `gateway GCs since start: ${majors} mark-compact, ${gcLines.length - majors} scavenge`,
      );
    }
    await gateway.stop();
    const file = profileDir && readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (profileDir && file) {
      const summary = summariseProfile(join(profileDir, file), 25);
      for (const line of profileLines('gateway process (whole life)', summary)) console.log(line);
    }
  } finally {
    await ctx.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * Measurement (not a test): peak RSS of a gateway process with 1, 16, 64 and 200 readers on
 * 1 MB/s links (the gateway-memory benchmark, bench/scenarios/gateway-memory.ts, without its
 * naive baseline), and the RSS growth per added session in units of max_part_bytes.
 *
 *   node --conditions=massa-src --import tsx services/bootstrap-gateway/test/measure-gateway-memory.ts [repetitions=3]
 *
 * GATEWAY_NODE_FLAGS adds Node/V8 flags to the gateway process.
 */
import { BenchContext } from '../../../bench/lib/context';
import { PeakRssSampler } from '../../../bench/lib/proc-memory';
import { startGateway } from '../../../bench/lib/services';
import { SlowReaders } from '../../../bench/lib/slow-readers';
import { startStack } from '../../../bench/lib/stack';
import { MB, MIB, median, slope } from '../../../bench/lib/stats';

const LEVELS = [1, 16, 64, 200];

async function main(): Promise<void> {
  const repetitions = Number(process.argv[2] ?? 3);
  const ctx = new BenchContext(false, repetitions);
  try {
    const { store } = await startStack(ctx, {
      shape: { entries: 8000, valueBytes: 1000 },
      label: 'memory',
    });
    const growths: number[] = [];
    for (let r = 0; r < repetitions; r++) {
      const gateway = await startGateway(ctx, {
        historyStoreUrl: store.address,
        maxPartBytes: MIB,
        maxConcurrentBootstraps: 1000,
        nodeFlags: (process.env['GATEWAY_NODE_FLAGS'] ?? '').split(' ').filter(Boolean),
      });
      const peaks: number[] = [];
      for (const level of LEVELS) {
        const sampler = new PeakRssSampler(gateway.pid).start();
        const readers = await SlowReaders.start(gateway.port, new Array<number>(level).fill(MB));
        const streaming = await readers.waitStreaming(20_000);
        await new Promise((res) => setTimeout(res, 1500));
        const peak = sampler.stop();
        const ended = readers.ended;
        await readers.close();
        peaks.push(peak);
        console.log(
          `rep ${r} n=${level}: peak RSS ${(peak / MIB).toFixed(1)} MiB (${streaming}/${level} streaming, ${ended} ended early)`,
        );
        await new Promise((res) => setTimeout(res, 300));
      }
      await gateway.stop();
      const growth = slope(LEVELS.map((x, i) => ({ x, y: peaks[i] as number }))) / MIB;
      growths.push(growth);
      console.log(`rep ${r}: growth per session ${growth.toFixed(2)} x max_part_bytes`);
    }
    console.log(`median growth per session: ${median(growths).toFixed(2)} x max_part_bytes`);
  } finally {
    await ctx.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * Measures the state digest's CPU cost per entry, for entries of a 71-byte key and a value that
 * makes the encoded entry (4 + key + value) the requested size: by default 171 bytes (Massa-like
 * entries, one BLAKE3 chunk), 1075 bytes (two chunks) and 4171 bytes (a 4 KiB value, five
 * chunks). Each figure is process CPU time (user + system) per entry, median of several runs, for
 * add() one by one and for addMany().
 * Run: npx tsx packages/core/test/digest-throughput.bench.ts [size ...] [--runs=5] [--bytes=N]
 * where --bytes is roughly how many entry bytes each run hashes (the entry count follows).
 */
import { createStateDigest, type KeyValueEntry } from '../src/index';

const KEY_BYTES = 71;

function entriesOf(size: number, count: number): KeyValueEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const key = Buffer.alloc(KEY_BYTES, 0x61);
    key.writeUInt32BE(i, KEY_BYTES - 4);
    const value = Buffer.alloc(size - 4 - KEY_BYTES, i & 0xff);
    return { key, value };
  });
}

/** CPU microseconds (user + system) spent by this process in `run`. */
function cpuMicros(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number): number =>
    Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const runs = option('runs', 5);
  const bytesPerRun = option('bytes', 40_000_000);
  const sizes = args.filter((a) => !a.startsWith('--')).map(Number);
  const digest = await createStateDigest();
  for (const size of sizes.length > 0 ? sizes : [171, 1075, 4171]) {
    if (!(size >= 4 + KEY_BYTES)) throw new RangeError(`entry size must be >= ${4 + KEY_BYTES}`);
    const count = Math.max(100, Math.round(bytesPerRun / size));
    const entries = entriesOf(size, count);
    // Warm-up: lets the engine compile and the JIT settle before anything is timed.
    digest.addMany(entries.slice(0, Math.min(count, 2000)));
    const perEntry = { add: [] as number[], addMany: [] as number[] };
    for (let run = 0; run < runs; run++) {
      perEntry.add.push(
        cpuMicros(() => {
          for (const e of entries) digest.add(e.key, e.value);
        }) / count,
      );
      perEntry.addMany.push(cpuMicros(() => digest.addMany(entries)) / count);
    }
    const show = (xs: readonly number[]): string =>
      `${median(xs).toFixed(2)} µs (runs ${xs.map((x) => x.toFixed(2)).join(' ')})`;
    console.log(
      `${size} B x ${count}: add() ${show(perEntry.add)}; addMany() ${show(perEntry.addMany)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

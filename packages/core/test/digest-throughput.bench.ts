/**
 * Measures the state digest's cost per entry: 1e5 entries of a 71-byte key and a 100-byte value
 * (Massa-like 171-byte entries), through add() one by one and through addMany().
 * Run: npx tsx packages/core/test/digest-throughput.bench.ts [entries]
 */
import { createStateDigest, type KeyValueEntry } from '../src/index';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const entries: KeyValueEntry[] = Array.from({ length: count }, (_, i) => {
    const key = Buffer.alloc(71, 0x61);
    key.writeUInt32BE(i, 67);
    const value = Buffer.alloc(100, i & 0xff);
    return { key, value };
  });
  const digest = await createStateDigest();
  const measure = (label: string, run: () => void): void => {
    const start = process.hrtime.bigint();
    run();
    const micros = Number(process.hrtime.bigint() - start) / 1000;
    console.log(`${label}: ${(micros / count).toFixed(2)} µs/entry (${count} entries)`);
  };
  for (let round = 1; round <= 3; round++) {
    measure(`round ${round} add()`, () => {
      for (const e of entries) digest.add(e.key, e.value);
    });
    measure(`round ${round} addMany()`, () => digest.addMany(entries));
    measure(`round ${round} remove()`, () => {
      for (const e of entries) digest.remove(e.key, e.value);
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

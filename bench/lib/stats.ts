/** Small statistics used to summarise repeated runs. */

/** The median of `values` (mean of the two middle ones for an even count). Throws when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Least-squares slope of y over x (at least two distinct x). */
export function slope(points: readonly { readonly x: number; readonly y: number }[]): number {
  if (points.length < 2) throw new RangeError('slope needs at least two points');
  const n = points.length;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const p of points) {
    numerator += (p.x - meanX) * (p.y - meanY);
    denominator += (p.x - meanX) ** 2;
  }
  if (denominator === 0) throw new RangeError('slope needs two distinct x values');
  return numerator / denominator;
}

/** Mean of `values`, 0 when empty. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Units used throughout: MB is 10^6 bytes (throughput), MiB 2^20 (memory and part sizes). */
export const MB = 1_000_000;
export const MIB = 1024 * 1024;

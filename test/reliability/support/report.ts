/**
 * One line of figures per suite, e.g.
 * `reliability crash: scale=full kills=50 acked=... lost=0 ...`, written straight to stdout
 * (not through console.log, which Jest decorates) so docs/reliability.md can quote it. When
 * `RELIABILITY_REPORT_FILE` is set, the same figures are appended to it as one JSON object per
 * line.
 */
import { appendFileSync } from 'node:fs';
import { SCALE } from './scale';

/** A figure: a count, a measurement, or a short text such as a status distribution. */
export type Figure = string | number | boolean;

/** Formats a tally as `KEY:count,KEY:count` (sorted by key), `-` when empty. */
export function formatTally(
  tally: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
): string {
  const entries = tally instanceof Map ? [...tally.entries()] : Object.entries(tally);
  if (entries.length === 0) return '-';
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, count]) => `${key}:${count}`)
    .join(',');
}

/** Prints the figures of `suite` as one line and returns it. */
export function reportFigures(suite: string, figures: Readonly<Record<string, Figure>>): string {
  const fields = Object.entries(figures).map(([key, value]) => `${key}=${String(value)}`);
  const line = `reliability ${suite}: scale=${SCALE} ${fields.join(' ')}`;
  process.stdout.write(`\n${line}\n`);
  const file = process.env['RELIABILITY_REPORT_FILE'];
  if (file !== undefined && file !== '') {
    appendFileSync(
      file,
      `${JSON.stringify({ suite, scale: SCALE, at: new Date().toISOString(), ...figures })}\n`,
    );
  }
  return line;
}

/** Increments `key` in `tally`. */
export function count(tally: Map<string, number>, key: string, by = 1): void {
  tally.set(key, (tally.get(key) ?? 0) + by);
}

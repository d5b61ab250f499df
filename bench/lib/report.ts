/**
 * What a benchmark reports: one row per metric, each measured against a baseline from the same
 * run, and the two renderings (a table for people, JSON lines for machines).
 */

/** The scenario names, exactly as the issue spells them. */
export const SCENARIO_NAMES = [
  'bootstrap-throughput',
  'gateway-memory',
  'ingest',
  'slow-network',
  'catch-up',
] as const;

/** One scenario name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** A target a metric's value (or ratio) is held to. */
export interface Target {
  /** What is compared: the value itself or value ÷ baseline. */
  readonly of: 'value' | 'ratio';
  readonly op: '>=' | '<=';
  readonly bound: number;
}

/** One measured figure. `ratio` is value ÷ baseline (null when the baseline is 0 or absent). */
export interface Measurement {
  readonly scenario: ScenarioName;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number | null;
  readonly ratio: number | null;
  /** What the value is held to, if anything (table only; not part of the JSON line). */
  readonly target?: Target;
}

/** Builds a measurement, computing the ratio. */
export function measurement(
  scenario: ScenarioName,
  metric: string,
  value: number,
  unit: string,
  baseline: number | null,
  target?: Target,
): Measurement {
  const ratio =
    baseline === null || baseline === 0 || !Number.isFinite(baseline) ? null : value / baseline;
  return { scenario, metric, value, unit, baseline, ratio, ...(target ? { target } : {}) };
}

/** True, false, or undefined when the measurement has no target. */
export function targetMet(m: Measurement): boolean | undefined {
  if (m.target === undefined) return undefined;
  const subject = m.target.of === 'value' ? m.value : m.ratio;
  if (subject === null) return false;
  return m.target.op === '>=' ? subject >= m.target.bound : subject <= m.target.bound;
}

function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 1 : magnitude >= 1 ? 3 : 4;
  return Number(value.toFixed(digits));
}

/** The JSON line of a measurement: exactly scenario, metric, value, unit, baseline, ratio. */
export function jsonLine(m: Measurement): string {
  return JSON.stringify({
    scenario: m.scenario,
    metric: m.metric,
    value: round(m.value),
    unit: m.unit,
    baseline: m.baseline === null ? null : round(m.baseline),
    ratio: m.ratio === null ? null : round(m.ratio),
  });
}

function formatNumber(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude === 0) return '0';
  return value.toPrecision(3);
}

function formatTarget(m: Measurement): string {
  if (m.target === undefined) return '';
  const met = targetMet(m);
  const subject = m.target.of === 'ratio' ? 'ratio' : 'value';
  return `${subject} ${m.target.op} ${m.target.bound} ${met ? 'met' : 'MISSED'}`;
}

/** A plain-text table of `rows` (one scenario or several), aligned in columns. */
export function renderTable(rows: readonly Measurement[]): string {
  const header = ['scenario', 'metric', 'value', 'unit', 'baseline', 'ratio', 'target'];
  const body = rows.map((m) => [
    m.scenario,
    m.metric,
    formatNumber(m.value),
    m.unit,
    formatNumber(m.baseline),
    m.ratio === null ? '-' : m.ratio.toFixed(3),
    formatTarget(m),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const numeric = new Set([2, 4, 5]);
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The shape every scenario has: a name from the issue and a run that returns its figures. */
import type { BenchContext } from '../lib/context';
import type { Measurement, ScenarioName } from '../lib/report';

/** What a scenario reports: rows for the table and JSON, and notes (explanations, profiles). */
export interface ScenarioOutcome {
  readonly rows: readonly Measurement[];
  readonly notes: readonly string[];
}

/** A benchmark scenario. */
export interface Scenario {
  readonly name: ScenarioName;
  /** One line: what it measures and against what. */
  readonly summary: string;
  run(ctx: BenchContext): Promise<ScenarioOutcome>;
}

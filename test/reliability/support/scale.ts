/**
 * The size of a reliability run. `RELIABILITY_SCALE=full` runs the figures of issue 7 (50
 * SIGKILLs, 200 concurrent bootstraps, 10,000 malformed requests, ...); `ci` runs reduced
 * figures so that the whole run stays under 3 minutes on 2 cores. Unset: `ci` when `CI` is set
 * (any value but '' / 'false' / '0'), else `full`.
 */

/** The two sizes. */
export type ReliabilityScale = 'ci' | 'full';

/** The environment variable that selects the size. */
export const SCALE_VARIABLE = 'RELIABILITY_SCALE';

/** Reads the scale from `env`; throws naming the variable when its value is not ci or full. */
export function reliabilityScale(env: NodeJS.ProcessEnv = process.env): ReliabilityScale {
  const raw = env[SCALE_VARIABLE]?.trim();
  if (raw !== undefined && raw !== '') {
    if (raw === 'ci' || raw === 'full') return raw;
    throw new Error(`${SCALE_VARIABLE} must be "ci" or "full", got ${JSON.stringify(raw)}`);
  }
  const ci = env['CI']?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0' ? 'ci' : 'full';
}

/** The scale of this run (read once per test file). */
export const SCALE: ReliabilityScale = reliabilityScale();

/** Picks the figure of the current scale. */
export function atScale<T>(figures: Readonly<Record<ReliabilityScale, T>>): T {
  return figures[SCALE];
}

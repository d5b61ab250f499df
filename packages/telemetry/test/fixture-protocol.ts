/** Marks the stdout line that carries a fixture's JSON result (fixtures/harness.ts prints it). */
export const RESULT_PREFIX = 'FIXTURE_RESULT ';

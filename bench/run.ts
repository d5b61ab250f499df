/**
 * `npm run bench` — the benchmark suite of issue 7. Every scenario starts the services as
 * separate processes on 127.0.0.1, measures its baseline in the same run and reports
 * value ÷ baseline.
 *
 *   npm run bench                         full run, table on stdout (10-15 min)
 *   npm run bench -- --quick              small sizes, one repetition (about a minute)
 *   npm run bench -- --json               one JSON line per metric on stdout, table on stderr
 *   npm run bench -- --scenario ingest    one scenario (repeatable)
 *
 * Progress goes to stderr. Workspace packages must resolve to their TypeScript sources (the
 * `massa-src` export condition, no build step): when Node was started without
 * `--conditions=massa-src`, this entry starts itself again with it.
 */
import { spawnSync } from 'node:child_process';

const CONDITION = 'massa-src';

function hasSourceCondition(execArgv: readonly string[]): boolean {
  return execArgv.some(
    (arg, i) =>
      arg === `--conditions=${CONDITION}` ||
      arg === `-C=${CONDITION}` ||
      ((arg === '--conditions' || arg === '-C') && execArgv[i + 1] === CONDITION),
  );
}

async function start(): Promise<void> {
  if (!hasSourceCondition(process.execArgv)) {
    // The child gets the terminal's signals too and cleans up its own processes.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => undefined);
    const child = spawnSync(
      process.execPath,
      [
        `--conditions=${CONDITION}`,
        ...process.execArgv,
        process.argv[1] as string,
        ...process.argv.slice(2),
      ],
      { stdio: 'inherit' },
    );
    process.exit(child.status ?? 1);
  }
  const { main } = await import('./cli.js');
  await main(process.argv.slice(2));
}

start().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

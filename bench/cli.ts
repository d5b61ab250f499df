/**
 * The benchmark command line (started by bench/run.ts): argument parsing, the scenario
 * registry, the runs, and the table and JSON output.
 */
import { cpus, loadavg } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BenchContext } from './lib/context';
import {
  SCENARIO_NAMES,
  jsonLine,
  renderTable,
  targetMet,
  type Measurement,
  type ScenarioName,
} from './lib/report';
import { bootstrapThroughput } from './scenarios/bootstrap-throughput';
import { gatewayMemory } from './scenarios/gateway-memory';
import { catchUp } from './scenarios/catch-up';
import { ingest } from './scenarios/ingest';
import { slowNetwork } from './scenarios/slow-network';
import type { Scenario } from './scenarios/scenario';

/** Every scenario, in the order they run. */
const SCENARIOS: readonly Scenario[] = [
  bootstrapThroughput,
  gatewayMemory,
  ingest,
  slowNetwork,
  catchUp,
];

interface CommandLine {
  readonly quick: boolean;
  readonly json: boolean;
  readonly scenario?: ScenarioName[];
  readonly repetitions?: number;
}

function parseCommandLine(argv: readonly string[]): CommandLine {
  const program = new Command('bench')
    .description('Benchmarks of the bootstrap services (issue 7). Progress on stderr.')
    .option('--quick', 'small sizes and one repetition: finishes in under a minute', false)
    .option(
      '--json',
      'print one JSON object per metric on stdout (the table goes to stderr)',
      false,
    )
    .addOption(
      new Option('--scenario <name>', 'run only this scenario (repeatable)')
        .choices(SCENARIO_NAMES)
        .argParser((value: string, previous: ScenarioName[] | undefined) => {
          if (!(SCENARIO_NAMES as readonly string[]).includes(value)) {
            throw new InvalidArgumentError(`must be one of ${SCENARIO_NAMES.join(', ')}`);
          }
          return [...(previous ?? []), value as ScenarioName];
        }),
    )
    .option(
      '--repetitions <n>',
      'runs per measurement; medians are reported (default 3, quick 1)',
      (value: string) => {
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 1 || n > 20)
          throw new InvalidArgumentError('must be an integer in [1, 20]');
        return n;
      },
    )
    .allowExcessArguments(false);
  program.parse([...argv], { from: 'user' });
  return program.opts<CommandLine>();
}

/** The 1, 5 and 15-minute load averages: other work on a shared machine moves every figure. */
function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

function printNotes(write: (text: string) => void, name: string, notes: readonly string[]): void {
  if (notes.length === 0) return;
  write(`\n${name}:\n${notes.map((n) => `  ${n}`).join('\n')}\n`);
}

/** Runs the benchmarks `argv` asks for (arguments after the script name). */
export async function main(argv: readonly string[]): Promise<void> {
  const options = parseCommandLine(argv);
  const ctx = new BenchContext(options.quick, options.repetitions ?? (options.quick ? 1 : 3));
  const interrupted = (signal: NodeJS.Signals): void => {
    ctx.killAll();
    process.stderr.write(`bench: interrupted by ${signal}\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('exit', () => ctx.killAll());

  const selected = SCENARIOS.filter(
    (s) => options.scenario === undefined || options.scenario.includes(s.name),
  );
  const started = Date.now();
  const loadAtStart = loadAverage();
  const rows: Measurement[] = [];
  const notes = new Map<string, readonly string[]>();
  const failures: string[] = [];
  ctx.log(
    `${options.quick ? 'quick' : 'full'} run, ${ctx.repetitions} repetition(s): ${selected.map((s) => s.name).join(', ')}`,
  );
  for (const scenario of selected) {
    const scenarioStarted = Date.now();
    ctx.log(`${scenario.name}: ${scenario.summary}`);
    try {
      const outcome = await scenario.run(ctx);
      rows.push(...outcome.rows);
      notes.set(scenario.name, outcome.notes);
      if (options.json) for (const row of outcome.rows) process.stdout.write(`${jsonLine(row)}\n`);
    } catch (err) {
      failures.push(`${scenario.name}: ${(err as Error).stack ?? String(err)}`);
      ctx.log(`${scenario.name} FAILED: ${(err as Error).message}`);
    } finally {
      await ctx.cleanup();
    }
    ctx.log(`${scenario.name} done in ${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s`);
  }

  const human = (text: string): void => {
    if (options.json) process.stderr.write(text);
    else process.stdout.write(text);
  };
  human(`\n${renderTable(rows)}\n`);
  for (const [name, lines] of notes) printNotes(human, name, lines);
  const missed = rows.filter((r) => targetMet(r) === false);
  human(
    `\n${rows.length} metrics, ${missed.length} target(s) missed, total ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `load average at start ${loadAtStart}, at end ${loadAverage()} (${cpus().length} CPUs)\n`,
  );
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.length} scenario(s) failed:\n${failures.join('\n')}\n`);
    process.exitCode = 1;
  }
}

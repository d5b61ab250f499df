/**
 * Command-line parsing for main.ts (commander). Kept out of index.ts: commander is only needed
 * by the executable.
 */
import { Command, CommanderError } from 'commander';
import {
  ConfigError,
  SETTINGS,
  loadProducerConfig,
  type ProducerConfig,
  type ProducerOptions,
  type Setting,
} from './config';

/** What the command line asks for: run with a config, or exit (help was printed). */
export type CommandLine =
  | { readonly kind: 'run'; readonly config: ProducerConfig }
  | { readonly kind: 'exit'; readonly code: number };

/**
 * Parses `argv` (without node and script) over `env` (a flag wins over its variable) and
 * validates the result. Throws a {@link ConfigError} naming the bad setting.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  const program = new Command('devnet-producer')
    .description(
      'Massa devnet producer: seeds a genesis state and finalizes slots into the history-store',
    )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .allowExcessArguments(false);
  for (const setting of Object.values(SETTINGS)) {
    program.option(`--${setting.flag} <value>`, `${setting.description} [env ${setting.env}]`);
  }
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed') return { kind: 'exit', code: 0 };
      throw new ConfigError('command line', err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  const parsed = program.opts<Record<string, string | undefined>>();
  const flags: Partial<Record<keyof ProducerOptions, string>> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [keyof ProducerOptions, Setting][]) {
    const value = parsed[setting.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())];
    if (value !== undefined) flags[key] = value;
  }
  return { kind: 'run', config: loadProducerConfig(env, flags) };
}

/**
 * Command-line parsing for main.ts (commander). Kept out of index.ts: commander is only needed
 * by the executable.
 */
import { Command } from 'commander';
import { parseSettingFlags } from '@massa-bootstrap/rpc/settings';
import { SETTINGS, loadProducerConfig, type ProducerConfig } from './config';

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
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  const commandLine = parseSettingFlags(program, SETTINGS, argv);
  if (commandLine.kind === 'exit') return commandLine;
  return { kind: 'run', config: loadProducerConfig(env, commandLine.flags) };
}

/**
 * Command-line parsing for main.ts (commander). Kept out of index.ts: commander is only needed
 * by the executable.
 */
import { Command } from 'commander';
import { parseSettingFlags } from '@massa-bootstrap/rpc/settings';
import {
  SETTING_TABLE,
  optionsFromEnv,
  optionsFromStrings,
  type HistoryStoreOptions,
} from './config';
import { historyStoreVersion } from './version';

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: 'run'; readonly options: HistoryStoreOptions }
  | { readonly kind: 'exit'; readonly code: number };

/**
 * Parses `argv` (without the node and script entries) on top of `env`: a flag overrides its
 * environment variable. Returns the options to validate, or an exit code when --help or
 * --version was asked (commander printed it). Throws a {@link ConfigError} on an unknown flag,
 * a missing flag value or a malformed number.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  const program = new Command('history-store')
    .description('history-store: durable final state and bounded per-slot change history (gRPC)')
    .version(historyStoreVersion())
    .configureOutput({ outputError: () => undefined }); // main.ts reports errors itself
  const outcome = parseSettingFlags(program, SETTING_TABLE, argv, { errorSetting: null });
  if (outcome.kind === 'exit') return outcome;
  // Not SETTING_TABLE.read(env, flags): the environment is parsed on its own first, so a bad
  // variable is reported even when its flag is given, and an empty flag leaves the variable.
  return { kind: 'run', options: { ...optionsFromEnv(env), ...optionsFromStrings(outcome.flags) } };
}

/**
 * Command-line parsing for main.ts (commander). Kept out of index.ts: commander is only needed
 * by the executable.
 */
import { Command, CommanderError } from 'commander';
import {
  ConfigError,
  SETTINGS,
  optionsFromEnv,
  optionsFromStrings,
  type HistoryStoreOptions,
  type SettingName,
  type SettingSpec,
} from './config';
import { historyStoreVersion } from './version';

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: 'run'; readonly options: HistoryStoreOptions }
  | { readonly kind: 'exit'; readonly code: number };

function camelFromFlag(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

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
    .exitOverride()
    .configureOutput({ outputError: () => undefined }) // main.ts reports errors itself
    .allowExcessArguments(false);
  for (const spec of Object.values(SETTINGS) as SettingSpec[]) {
    program.option(`${spec.flag} ${spec.placeholder}`, `${spec.description} [env ${spec.env}]`);
  }
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
        return { kind: 'exit', code: 0 };
      }
      throw new ConfigError(undefined, err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  const parsed = program.opts<Record<string, string | undefined>>();
  const fromFlags: Partial<Record<SettingName, string>> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
    const value = parsed[camelFromFlag(spec.flag)];
    if (value !== undefined) fromFlags[name] = value;
  }
  return { kind: 'run', options: { ...optionsFromEnv(env), ...optionsFromStrings(fromFlags) } };
}

/**
 * Command-line parsing for main.ts (commander). Kept out of index.ts: commander 15 is an ES
 * module, and only the process entry point needs it.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, type GatewayConfig } from './config';
import { loadGatewayConfig, type RawSettings } from './env';
import { gatewaySettings } from './settings';

/** What the command line asks for. */
export type CliOutcome =
  | { readonly kind: 'run'; readonly config: GatewayConfig }
  | { readonly kind: 'exit'; readonly code: number };

/**
 * Parses flags (user arguments only) over the environment. `--help` and `--version` print and
 * return an exit outcome; an unknown flag or a bad value throws a {@link ConfigError}.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  version: string,
): CliOutcome {
  const settings = gatewaySettings();
  const program = new Command('bootstrap-gateway')
    .description('Massa final-state bootstrap gateway (settings: flag or environment variable)')
    .version(version)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .allowExcessArguments(false);
  for (const s of settings)
    program.option(`--${s.flag} <value>`, `${s.description} [env ${s.env}]`);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version')
        return { kind: 'exit', code: 0 };
      throw new ConfigError('command line', err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  const values = program.opts<Record<string, string | undefined>>();
  const flags: RawSettings = {};
  for (const s of settings) {
    const camel = s.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const value = values[camel];
    if (value !== undefined) flags[s.key] = value;
  }
  return { kind: 'run', config: loadGatewayConfig(env, flags) };
}

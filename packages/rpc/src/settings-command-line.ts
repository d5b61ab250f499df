/**
 * The command line of a service from its {@link SettingTable}: one `--flag <value>` option per
 * setting (its help line names the environment variable), parsed with commander into raw flag
 * texts that {@link SettingTable.read} lays over the environment.
 */
import { ConfigError, type SettingSpecs, type SettingTable, type SettingTexts } from './settings';

/**
 * The part of a commander `Command` that {@link parseSettingFlags} drives; a commander 14
 * `Command` is one. Taken structurally so that commander stays out of this package's
 * dependencies: only the executables load it.
 */
export interface CommandLineProgram {
  option(flags: string, description: string): unknown;
  exitOverride(): unknown;
  allowExcessArguments(allow: boolean): unknown;
  parse(argv: readonly string[], options: { from: 'user' }): unknown;
  opts(): Record<string, unknown>;
}

/** What the command line asks for: run with these flag texts, or exit (help or version printed). */
export type SettingFlagsOutcome<T extends SettingSpecs> =
  | { readonly kind: 'run'; readonly flags: SettingTexts<T> }
  | { readonly kind: 'exit'; readonly code: number };

/** How {@link parseSettingFlags} reports a bad command line. */
export interface SettingFlagsOptions {
  /**
   * The setting a {@link ConfigError} for an unknown flag, a missing value or a stray argument
   * names: `command line` by default; null for none (the message is commander's alone).
   */
  readonly errorSetting?: string | null;
}

/** The option name commander stores a flag's value under: `thread-count` → `threadCount`. */
function attributeName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The code of a commander error (`commander.unknownOption`, …), else undefined. */
function commanderCode(err: unknown): string | undefined {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('commander.') ? code : undefined;
}

/**
 * Adds one `--flag <placeholder>` option per setting to `program` (after whatever the caller
 * configured: name, description, version, output), then parses `argv` (user arguments only).
 * The program never exits the process and refuses positional arguments. Returns the texts of
 * the flags given, or an exit code 0 when help or the version was printed; throws a
 * {@link ConfigError} on an unknown flag, a missing value or a stray argument.
 */
export function parseSettingFlags<T extends SettingSpecs>(
  program: CommandLineProgram,
  table: SettingTable<T>,
  argv: readonly string[],
  options: SettingFlagsOptions = {},
): SettingFlagsOutcome<T> {
  program.exitOverride();
  program.allowExcessArguments(false);
  for (const key of table.keys()) {
    const spec = table.specs[key];
    program.option(
      `--${spec.flag} ${spec.placeholder ?? '<value>'}`,
      `${spec.description} [env ${spec.env}]`,
    );
  }
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    const code = commanderCode(err);
    if (code === undefined) throw err;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') {
      return { kind: 'exit', code: 0 };
    }
    const setting = options.errorSetting === undefined ? 'command line' : options.errorSetting;
    throw new ConfigError(setting ?? undefined, (err as Error).message.replace(/^error: /, ''));
  }
  const values = program.opts();
  const flags: SettingTexts<T> = {};
  for (const key of table.keys()) {
    const value = values[attributeName(table.specs[key].flag)];
    if (typeof value === 'string') flags[key] = value;
  }
  return { kind: 'run', flags };
}

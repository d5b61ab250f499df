// The command line from a settings table, with a real commander program: one option per
// setting, help naming the variables, flags returned as text, errors as ConfigError.
import { Command } from 'commander';
import { ConfigError, SettingTable, parseSettingFlags, type SettingSpec } from '../src';

const TABLE = new SettingTable({
  listen: {
    env: 'DEMO_LISTEN',
    flag: 'listen',
    kind: 'string',
    placeholder: '<host:port>',
    description: 'address to listen on (0.0.0.0:1)',
  },
  historyStoreTlsCaFile: {
    env: 'DEMO_TLS_CA_FILE',
    flag: 'history-store-tls-ca-file',
    kind: 'file',
    description: 'PEM CA',
  },
  slots: { env: 'DEMO_SLOTS', flag: 'slots', kind: 'int', min: 1, max: 9, description: 'slots' },
} satisfies Record<string, SettingSpec>);

/** A program as a service makes one, its output captured. */
function program(version?: string): { command: Command; out: () => string } {
  let out = '';
  const command = new Command('demo').description('demo service').configureOutput({
    writeOut: (text) => (out += text),
    writeErr: (text) => (out += text),
    getOutHelpWidth: () => 200, // one help line per option, whatever the terminal
  });
  if (version !== undefined) command.version(version);
  return { command, out: () => out };
}

function commandLineError(argv: string[], errorSetting?: string | null): ConfigError {
  try {
    parseSettingFlags(program().command, TABLE, argv, { errorSetting });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('did not throw');
}

describe('parseSettingFlags', () => {
  it('returns the text of the flags given, keyed by option name', () => {
    const outcome = parseSettingFlags(program().command, TABLE, [
      '--listen',
      '127.0.0.1:0',
      '--history-store-tls-ca-file=/ca.pem',
      '--slots',
      '',
    ]);
    expect(outcome).toEqual({
      kind: 'run',
      flags: { listen: '127.0.0.1:0', historyStoreTlsCaFile: '/ca.pem', slots: '' },
    });
    expect(parseSettingFlags(program().command, TABLE, [])).toEqual({ kind: 'run', flags: {} });
  });

  it('lists every flag with its placeholder and variable in --help, then asks to exit 0', () => {
    const { command, out } = program();
    expect(parseSettingFlags(command, TABLE, ['--help'])).toEqual({ kind: 'exit', code: 0 });
    expect(out()).toMatch(/^Usage: demo \[options\]/);
    expect(out()).toMatch(
      /--listen <host:port> +address to listen on \(0\.0\.0\.0:1\) \[env DEMO_LISTEN\]/,
    );
    expect(out()).toMatch(/--history-store-tls-ca-file <value> +PEM CA \[env DEMO_TLS_CA_FILE\]/);
    expect(out()).toMatch(/--slots <value> +slots \[env DEMO_SLOTS\]/);
  });

  it('prints the version the caller configured, then asks to exit 0', () => {
    const { command, out } = program('1.2.3');
    expect(parseSettingFlags(command, TABLE, ['--version'])).toEqual({ kind: 'exit', code: 0 });
    expect(out()).toBe('1.2.3\n');
  });

  it('refuses unknown flags, missing values and positional arguments, naming the command line', () => {
    expect(commandLineError(['--nope']).message).toBe("command line: unknown option '--nope'");
    expect(commandLineError(['--version']).message).toBe(
      "command line: unknown option '--version'",
    );
    expect(commandLineError(['--slots']).message).toBe(
      "command line: option '--slots <value>' argument missing",
    );
    expect(commandLineError(['extra']).setting).toBe('command line');
    expect(commandLineError(['extra']).message).toMatch(/^command line: too many arguments/);
  });

  it('names another setting, or none, when asked to', () => {
    expect(commandLineError(['--nope'], 'flags').message).toBe("flags: unknown option '--nope'");
    const bare = commandLineError(['--nope'], null);
    expect(bare.setting).toBeUndefined();
    expect(bare.message).toBe("unknown option '--nope'");
  });

  it('lets any other error through', () => {
    const { command } = program();
    command.action(() => {
      throw new RangeError('from an action');
    });
    expect(() => parseSettingFlags(command, TABLE, [])).toThrow(RangeError);
  });
});

// The producer's command line is a public contract: flag names, the variable each one shows in
// --help, flags over variables, and the executable's exit codes and messages.
import { join } from 'node:path';
import { ConfigError } from '@massa-bootstrap/devnet-producer';
import { runProcess } from '@massa-bootstrap/test-support';
import { parseCommandLine } from '../src/cli';

const REPO_ROOT = join(__dirname, '..', '..', '..');

describe('parseCommandLine', () => {
  it('lays flags over the environment', () => {
    const commandLine = parseCommandLine(['--slot-ms', '20', '--seed', ' s '], {
      DEVNET_SLOT_MS: 'fast',
      DEVNET_INITIAL_ENTRIES: '10',
    });
    expect(commandLine).toMatchObject({
      kind: 'run',
      config: { slotMs: 20, seed: ' s ', initialEntries: 10 },
    });
  });

  it('prints every flag with its variable for --help, then asks to exit 0', () => {
    let out = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((text) => {
      out += String(text);
      return true;
    });
    try {
      expect(parseCommandLine(['--help'], {})).toEqual({ kind: 'exit', code: 0 });
    } finally {
      write.mockRestore();
    }
    expect(out).toMatch(/^Usage: devnet-producer \[options\]/);
    for (const [flag, env] of [
      ['history-store-url', 'HISTORY_STORE_URL'],
      ['slot-ms', 'DEVNET_SLOT_MS'],
      ['changes-per-slot', 'DEVNET_CHANGES_PER_SLOT'],
      ['initial-entries', 'DEVNET_INITIAL_ENTRIES'],
      ['seed', 'DEVNET_SEED'],
      ['genesis-chunk-entries', 'DEVNET_GENESIS_CHUNK_ENTRIES'],
      ['heartbeat-file', 'DEVNET_HEARTBEAT_FILE'],
      ['thread-count', 'THREAD_COUNT'],
      ['log-level', 'LOG_LEVEL'],
      ['history-store-tls-ca-file', 'HISTORY_STORE_TLS_CA_FILE'],
      ['history-store-tls-cert-file', 'HISTORY_STORE_TLS_CERT_FILE'],
      ['history-store-tls-key-file', 'HISTORY_STORE_TLS_KEY_FILE'],
    ]) {
      expect(out).toMatch(new RegExp(`--${flag} <value> [^]*?\\[env\\s+${env}\\]`));
    }
  });

  it.each([
    [['--no-such-flag'], "command line: unknown option '--no-such-flag'"],
    [['--slot-ms'], "command line: option '--slot-ms <value>' argument missing"],
    [['extra'], 'command line: too many arguments. Expected 0 arguments but got 1.'],
    [['--slot-ms', '0'], 'DEVNET_SLOT_MS (--slot-ms): must be an integer in [1, 3600000], got 0'],
  ])('refuses %j with "%s"', (argv, message) => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => parseCommandLine(argv, {})).toThrow(ConfigError);
      expect(() => parseCommandLine(argv, {})).toThrow(message);
    } finally {
      write.mockRestore();
    }
  });
});

describe('the executable', () => {
  /** Runs main.ts from sources; resolves with its exit code and what it wrote to stderr. */
  async function runMain(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; stderr: string }> {
    const main = runProcess(
      process.execPath,
      [
        '--conditions=massa-src',
        '--import',
        'tsx',
        'services/devnet-producer/src/main.ts',
        ...args,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...env } },
    );
    const { code } = await main.exited;
    const stderr = main.lines.filter((line) => line.stream === 'stderr').map((line) => line.text);
    return { code, stderr: stderr.join('\n') };
  }

  it('exits 2 naming the bad setting, 0 after --help', async () => {
    const [env, flag, help] = await Promise.all([
      runMain([], { DEVNET_CHANGES_PER_SLOT: 'many' }),
      runMain(['--no-such-flag'], {}),
      runMain(['--help'], {}),
    ]);
    expect(env).toEqual({
      code: 2,
      stderr:
        'devnet-producer: invalid configuration: DEVNET_CHANGES_PER_SLOT (--changes-per-slot): ' +
        'must be a non-negative integer, got "many"',
    });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(
      /devnet-producer: invalid configuration: command line: unknown option '--no-such-flag'$/,
    );
    expect(help).toEqual({ code: 0, stderr: '' });
  }, 60_000);
});

// The settings table: names in messages, the checks and their exact wording (a public contract
// of every service), and reading the environment under flags.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import { ConfigError, LOG_LEVELS, SettingTable, type SettingSpec } from '../src';

const SPECS = {
  listen: { env: 'DEMO_LISTEN', flag: 'listen', kind: 'string', description: 'host:port' },
  target: { env: 'DEMO_TARGET', flag: 'target', kind: 'string', description: 'gRPC target' },
  seed: {
    env: 'DEMO_SEED',
    flag: 'seed',
    kind: 'string',
    verbatim: true,
    description: 'any text',
  },
  slots: {
    env: 'DEMO_SLOTS',
    flag: 'slots',
    kind: 'int',
    min: 1,
    max: 1000,
    description: 'slots kept',
  },
  cidrs: { env: 'DEMO_CIDRS', flag: 'cidrs', kind: 'list', description: 'comma list' },
  logLevel: { env: 'LOG_LEVEL', flag: 'log-level', kind: 'level', description: 'pino level' },
  caFile: { env: 'DEMO_CA_FILE', flag: 'ca-file', kind: 'file', description: 'PEM CA' },
} satisfies Record<string, SettingSpec>;

const plain = new SettingTable(SPECS);
const json = new SettingTable(SPECS, { quote: 'json', malformedInt: 'range' });

/** The message of what `fn` throws, which must be a ConfigError. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('did not throw');
}

describe('ConfigError', () => {
  it('prefixes the message with the setting it names, or not when there is none', () => {
    const named = new ConfigError('THREAD_COUNT (--thread-count)', 'must be …');
    expect(named).toBeInstanceOf(Error);
    expect(named.name).toBe('ConfigError');
    expect(named.setting).toBe('THREAD_COUNT (--thread-count)');
    expect(named.message).toBe('THREAD_COUNT (--thread-count): must be …');
    expect(new ConfigError(undefined, "unknown option '--x'").message).toBe("unknown option '--x'");
  });
});

describe('SettingTable naming', () => {
  it('names a setting by its variable and flag, and keeps table order', () => {
    expect(plain.label('logLevel')).toBe('LOG_LEVEL (--log-level)');
    expect(plain.error('slots', 'is wrong').message).toBe('DEMO_SLOTS (--slots): is wrong');
    expect(plain.error('slots', 'is wrong').setting).toBe('DEMO_SLOTS (--slots)');
    expect(plain.keys()).toEqual(Object.keys(SPECS));
  });
});

describe('SettingTable checks', () => {
  it('int: the fallback when unset, a safe integer in the range of the table', () => {
    expect(plain.int('slots', undefined, 600)).toBe(600);
    expect(plain.int('slots', 1, 600)).toBe(1);
    expect(plain.int('slots', 1000, 600)).toBe(1000);
    expect(failure(() => plain.int('slots', 0, 600))).toBe(
      'DEMO_SLOTS (--slots): must be an integer in [1, 1000], got 0',
    );
    expect(failure(() => plain.int('slots', 1.5, 600))).toMatch(/got 1\.5$/);
    // The fallback is checked too: a default outside the range is a bug worth a loud error.
    expect(failure(() => plain.int('slots', undefined, 5000))).toMatch(/got 5000$/);
    expect(failure(() => plain.int('slots', NaN, 600))).toMatch(/got NaN$/);
    expect(failure(() => json.int('slots', NaN, 600))).toMatch(/got null$/);
  });

  it('token: non-empty, no white space, in the words of the caller', () => {
    expect(plain.token('target', 'store:50051')).toBe('store:50051');
    expect(failure(() => plain.token('target', 'a b'))).toBe(
      'DEMO_TARGET (--target): must be a non-empty string without spaces, got "a b"',
    );
    expect(failure(() => plain.token('target', '', 'a gRPC target such as host:port'))).toBe(
      'DEMO_TARGET (--target): must be a gRPC target such as host:port, got ""',
    );
  });

  it.each(['0.0.0.0:50051', 'localhost:0', '[::]:7000', '[2001:db8::1]:65535', 'a.b-c:1'])(
    'hostPort accepts %s',
    (value) => expect(plain.hostPort('listen', value)).toBe(value),
  );

  it.each(['nowhere', '0.0.0.0:70000', ':50051', 'a b:1', '::1:5', 'h:123456', 'h:'])(
    'hostPort refuses %s',
    (value) => {
      expect(failure(() => plain.hostPort('listen', value))).toBe(
        `DEMO_LISTEN (--listen): must look like host:port (IPv6 in brackets), got "${value}"`,
      );
    },
  );

  it('hostPort in the words and quoting of the caller', () => {
    expect(
      failure(() => json.hostPort('listen', 'a"b', 'host:port with a port in [0, 65535]')),
    ).toBe(
      'DEMO_LISTEN (--listen): must look like host:port with a port in [0, 65535], got "a\\"b"',
    );
  });

  it('oneOf: one of the allowed values, typed', () => {
    const level: (typeof LOG_LEVELS)[number] = plain.oneOf('logLevel', 'debug', LOG_LEVELS);
    expect(level).toBe('debug');
    expect(failure(() => plain.oneOf('logLevel', 'loud', LOG_LEVELS))).toBe(
      'LOG_LEVEL (--log-level): must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
    expect(failure(() => plain.oneOf('logLevel', 'a"b', LOG_LEVELS))).toMatch(/got "a"b"$/);
    expect(failure(() => json.oneOf('logLevel', 'a"b', LOG_LEVELS))).toMatch(/got "a\\"b"$/);
  });

  describe('readableFile', () => {
    let dir: TempDir;
    let pem: string;
    beforeAll(async () => {
      dir = await makeTempDir('rpc-settings-');
      pem = join(dir.path, 'ca.pem');
      writeFileSync(pem, 'not parsed here');
    });
    afterAll(() => dir.cleanup());

    it('is undefined when unset, else a file this process can read', () => {
      expect(plain.readableFile('caFile', undefined)).toBeUndefined();
      expect(plain.readableFile('caFile', '')).toBeUndefined();
      expect(plain.readableFile('caFile', pem)).toBe(pem);
      const missing = join(dir.path, 'missing.pem');
      expect(failure(() => plain.readableFile('caFile', missing))).toBe(
        `DEMO_CA_FILE (--ca-file): cannot read file ${missing}`,
      );
    });
  });
});

describe('SettingTable reading', () => {
  it('parses by kind: integers, lists, trimmed or verbatim text; empty text is unset', () => {
    expect(
      plain.parse({
        listen: ' 127.0.0.1:1 ',
        seed: '  two words ',
        slots: ' 42 ',
        cidrs: '10.0.0.0/8, ::1',
        logLevel: '',
        caFile: '',
      }),
    ).toEqual({
      listen: '127.0.0.1:1',
      seed: '  two words ',
      slots: 42,
      cidrs: ['10.0.0.0/8', ' ::1'],
    });
    // An empty list text is a list (of one empty item), not unset.
    expect(plain.parse({ cidrs: '' })).toEqual({ cidrs: [''] });
  });

  it.each(['many', '-5', '1.5', '1e3', '0x10', '  x'])('refuses the integer text %j', (text) => {
    expect(failure(() => plain.parse({ slots: text }))).toBe(
      `DEMO_SLOTS (--slots): must be a non-negative integer, got "${text}"`,
    );
    expect(failure(() => json.parse({ slots: text }))).toBe(
      `DEMO_SLOTS (--slots): must be an integer in [1, 1000], got ${JSON.stringify(text)}`,
    );
  });

  it('leaves ranges to int(); with range wording, more than 16 digits is malformed', () => {
    expect(plain.parse({ slots: '0' })).toEqual({ slots: 0 });
    expect(json.parse({ slots: '0' })).toEqual({ slots: 0 });
    expect(json.parse({ slots: '9999999999999999' })).toEqual({ slots: 1e16 });
    expect(failure(() => json.parse({ slots: '12345678901234567' }))).toMatch(
      /got "12345678901234567"$/,
    );
    expect(plain.parse({ slots: '12345678901234567' })).toEqual({ slots: 12345678901234568 });
  });

  it('reads the environment, a flag winning over its variable', () => {
    const env = { DEMO_SLOTS: '5', DEMO_SEED: 'env seed', LOG_LEVEL: 'debug', OTHER: 'x' };
    expect(plain.read(env)).toEqual({ slots: 5, seed: 'env seed', logLevel: 'debug' });
    expect(plain.read(env, { slots: '7', target: 't:1' })).toEqual({
      slots: 7,
      seed: 'env seed',
      logLevel: 'debug',
      target: 't:1',
    });
  });

  it('does not read a variable hidden by a flag, even an empty one or a malformed one', () => {
    expect(plain.read({ DEMO_SLOTS: 'many' }, { slots: '7' })).toEqual({ slots: 7 });
    expect(plain.read({ DEMO_SLOTS: '5' }, { slots: '' })).toEqual({});
    expect(failure(() => plain.read({ DEMO_SLOTS: 'many', LOG_LEVEL: '?' }))).toMatch(
      /^DEMO_SLOTS/,
    );
  });

  it('reports the first bad setting in table order', () => {
    const table = new SettingTable({
      b: { env: 'B', flag: 'b', kind: 'int', min: 0, max: 1, description: '' },
      a: { env: 'A', flag: 'a', kind: 'int', min: 0, max: 1, description: '' },
    });
    expect(failure(() => table.read({ A: 'x', B: 'y' }))).toMatch(/^B \(--b\)/);
  });
});

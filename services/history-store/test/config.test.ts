/**
 * Configuration: defaults, validation naming the environment variable and flag, flags over
 * environment, and the executable's exit codes (2 for a bad setting, 0 after SIGTERM).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import {
  ConfigError,
  DEFAULTS,
  optionsFromEnv,
  resolveConfig,
} from '@massa-bootstrap/history-store';
import { startMain, waitForListening } from './support/child';

describe('resolveConfig', () => {
  it('fills in the documented defaults', () => {
    const config = resolveConfig({});
    expect(config).toMatchObject({
      listen: '0.0.0.0:50051',
      finalHistoryLength: 600,
      threadCount: 32,
      logLevel: 'info',
      subscriberBufferBytes: 16 * 1024 * 1024,
      maxMessageBytes: 64 * 1024 * 1024,
      tlsCertFile: undefined,
    });
    expect(config.dataDir).toBe(join(process.cwd(), 'data', 'history-store'));
    expect(DEFAULTS.finalHistoryLength).toBe(600);
    expect(resolveConfig(config)).toEqual(config);
  });

  it.each([
    [
      { finalHistoryLength: 0 },
      /^FINAL_HISTORY_LENGTH \(--final-history-length\): must be an integer/,
    ],
    [{ finalHistoryLength: 1.5 }, /FINAL_HISTORY_LENGTH/],
    [{ threadCount: 0 }, /^THREAD_COUNT \(--thread-count\)/],
    [{ listen: 'localhost' }, /^HISTORY_STORE_LISTEN \(--listen\): must look like host:port/],
    [{ listen: '0.0.0.0:70000' }, /HISTORY_STORE_LISTEN/],
    [{ dataDir: ' ' }, /^HISTORY_STORE_DATA_DIR \(--data-dir\)/],
    [{ logLevel: 'loud' as never }, /^LOG_LEVEL \(--log-level\)/],
    [{ subscriberBufferBytes: 10 }, /^HISTORY_STORE_SUBSCRIBER_BUFFER_BYTES/],
    [{ maxMessageBytes: 1024 }, /^HISTORY_STORE_MAX_MESSAGE_BYTES/],
    [{ tlsCertFile: '/nonexistent/cert.pem' }, /^TLS_CERT_FILE \(--tls-cert-file\): cannot read/],
  ])('rejects %j', (options, message) => {
    expect(() => resolveConfig(options)).toThrow(ConfigError);
    expect(() => resolveConfig(options)).toThrow(message);
  });

  describe('TLS pairs', () => {
    let dir: TempDir;
    let pem: string;
    beforeAll(async () => {
      dir = await makeTempDir('history-store-config-');
      pem = join(dir.path, 'x.pem');
      writeFileSync(pem, 'not checked here');
    });
    afterAll(() => dir.cleanup());

    it('needs the key with the certificate, and the certificate with a client CA', () => {
      expect(() => resolveConfig({ tlsCertFile: pem })).toThrow(
        /^TLS_KEY_FILE \(--tls-key-file\): is required when TLS_CERT_FILE/,
      );
      expect(() => resolveConfig({ tlsKeyFile: pem })).toThrow(/^TLS_CERT_FILE/);
      expect(() => resolveConfig({ tlsClientCaFile: pem })).toThrow(/^TLS_CERT_FILE/);
      expect(
        resolveConfig({ tlsCertFile: pem, tlsKeyFile: pem, tlsClientCaFile: pem }).tlsClientCaFile,
      ).toBe(pem);
    });
  });
});

describe('optionsFromEnv', () => {
  it('reads every variable and parses numbers strictly', () => {
    expect(
      optionsFromEnv({
        HISTORY_STORE_LISTEN: '127.0.0.1:1',
        HISTORY_STORE_DATA_DIR: '/tmp/x',
        FINAL_HISTORY_LENGTH: '100',
        THREAD_COUNT: '16',
        LOG_LEVEL: 'debug',
        TLS_CERT_FILE: '',
      }),
    ).toEqual({
      listen: '127.0.0.1:1',
      dataDir: '/tmp/x',
      finalHistoryLength: 100,
      threadCount: 16,
      logLevel: 'debug',
    });
    expect(() => optionsFromEnv({ FINAL_HISTORY_LENGTH: '10x' })).toThrow(
      /^FINAL_HISTORY_LENGTH .*"10x"/,
    );
    expect(() => optionsFromEnv({ THREAD_COUNT: '-1' })).toThrow(/^THREAD_COUNT/);
  });
});

describe('the executable', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('history-store-main-');
  });
  afterAll(() => dir.cleanup());

  it('exits 2 naming the bad setting (environment or flag), 0 after SIGTERM', async () => {
    const badEnv = startMain(['--data-dir', dir.path], { FINAL_HISTORY_LENGTH: '0' });
    const badFlag = startMain(['--data-dir', dir.path, '--final-history-length', 'many']);
    const unknown = startMain(['--data-dir', dir.path, '--no-such-flag']);
    // A flag wins over its environment variable: THREAD_COUNT=0 is overridden.
    const good = startMain(
      ['--listen', '127.0.0.1:0', '--data-dir', dir.path, '--thread-count', '4'],
      { THREAD_COUNT: '0' },
    );

    const [envExit, flagExit, unknownExit] = await Promise.all([
      badEnv.exited,
      badFlag.exited,
      unknown.exited,
    ]);
    expect(envExit.code).toBe(2);
    expect(badEnv.tail()).toMatch(
      /FINAL_HISTORY_LENGTH \(--final-history-length\): must be an integer in \[1, 10000000\], got 0/,
    );
    expect(flagExit.code).toBe(2);
    expect(badFlag.tail()).toMatch(/FINAL_HISTORY_LENGTH \(--final-history-length\).*"many"/);
    expect(unknownExit.code).toBe(2);
    expect(unknown.tail()).toMatch(/no-such-flag/);

    await waitForListening(good);
    const exit = await good.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(good.tail()).toMatch(/history-store stopped/);
  }, 120_000);
});

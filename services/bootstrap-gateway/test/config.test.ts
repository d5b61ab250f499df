// Configuration: documented defaults, environment variables, flags over variables, validation
// that names the variable, and the process exiting with status 2 on a bad value.
import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import {
  ConfigError,
  DEFAULT_PART_BYTES,
  loadGatewayConfig,
  resolveGatewayConfig,
} from '@massa-bootstrap/bootstrap-gateway';
import { REPO_ROOT } from './harness';

describe('gateway configuration', () => {
  test('defaults', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({
      listen: '0.0.0.0:50052',
      historyStoreUrl: '127.0.0.1:50051',
      maxPartBytes: DEFAULT_PART_BYTES,
      maxConcurrentBootstraps: 64,
      perIpMinIntervalMs: 0,
      allowCidrs: [],
      denyCidrs: [],
      bootstrapTimeoutMs: 20 * 60 * 1000,
      threadCount: 32,
      logLevel: 'info',
    });
    // 75 % of the V8 heap limit.
    const expected = Math.floor((getHeapStatistics().heap_size_limit * 0.75) / 1048576);
    expect(config.memoryHighWatermarkMb).toBe(expected);
    expect(config.tlsCertFile).toBeUndefined();
  });

  test('environment variables, and flags over them', () => {
    const env = {
      GATEWAY_LISTEN: '127.0.0.1:6000',
      HISTORY_STORE_URL: 'store.internal:50051',
      MAX_PART_BYTES: '65536',
      MAX_CONCURRENT_BOOTSTRAPS: '8',
      MEMORY_HIGH_WATERMARK_MB: '512',
      PER_IP_MIN_INTERVAL_MS: '1000',
      ALLOW_CIDRS: '10.0.0.0/8, 2001:db8::/32,192.0.2.7',
      DENY_CIDRS: '10.1.0.0/16,::1',
      BOOTSTRAP_TIMEOUT_MS: '60000',
      THREAD_COUNT: '16',
      LOG_LEVEL: 'debug',
    };
    const config = loadGatewayConfig(env, { listen: '[::]:7000', maxConcurrentBootstraps: '9' });
    expect(config).toMatchObject({
      listen: '[::]:7000',
      historyStoreUrl: 'store.internal:50051',
      maxPartBytes: 65536,
      maxConcurrentBootstraps: 9,
      memoryHighWatermarkMb: 512,
      perIpMinIntervalMs: 1000,
      allowCidrs: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'],
      denyCidrs: ['10.1.0.0/16', '::1'],
      bootstrapTimeoutMs: 60000,
      threadCount: 16,
      logLevel: 'debug',
    });
  });

  test.each([
    [{ MAX_PART_BYTES: '1000' }, 'MAX_PART_BYTES'],
    [{ MAX_PART_BYTES: '33554432' }, 'MAX_PART_BYTES'],
    [{ MAX_CONCURRENT_BOOTSTRAPS: '0' }, 'MAX_CONCURRENT_BOOTSTRAPS'],
    [{ MAX_CONCURRENT_BOOTSTRAPS: 'lots' }, 'MAX_CONCURRENT_BOOTSTRAPS'],
    [{ MEMORY_HIGH_WATERMARK_MB: '-5' }, 'MEMORY_HIGH_WATERMARK_MB'],
    [{ GATEWAY_LISTEN: 'nowhere' }, 'GATEWAY_LISTEN'],
    [{ GATEWAY_LISTEN: '0.0.0.0:70000' }, 'GATEWAY_LISTEN'],
    [{ HISTORY_STORE_URL: 'a b' }, 'HISTORY_STORE_URL'],
    [{ ALLOW_CIDRS: '10.0.0.0/33' }, 'ALLOW_CIDRS'],
    [{ DENY_CIDRS: 'not-an-ip' }, 'DENY_CIDRS'],
    [{ THREAD_COUNT: '0' }, 'THREAD_COUNT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ TLS_CERT_FILE: '/nonexistent/cert.pem' }, 'TLS_CERT_FILE'],
    [{ TLS_CLIENT_CA_FILE: __filename }, 'TLS_CERT_FILE'],
    [
      { HISTORY_STORE_TLS_CERT_FILE: __filename, HISTORY_STORE_TLS_KEY_FILE: __filename },
      'HISTORY_STORE_TLS_CA_FILE',
    ],
    [
      { HISTORY_STORE_TLS_CA_FILE: __filename, HISTORY_STORE_TLS_CERT_FILE: __filename },
      'HISTORY_STORE_TLS_KEY_FILE',
    ],
  ])('%o is refused naming %s', (env, variable) => {
    expect(() => loadGatewayConfig(env)).toThrow(ConfigError);
    expect(() => loadGatewayConfig(env)).toThrow(new RegExp(`^${variable}`));
  });

  test('programmatic options are validated the same way', () => {
    expect(() => resolveGatewayConfig({ maxPartBytes: 1 })).toThrow(/MAX_PART_BYTES/);
    expect(resolveGatewayConfig({ listen: '127.0.0.1:0' }).listen).toBe('127.0.0.1:0');
  });

  function runMain(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; stderr: string; stdout: string }> {
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--conditions=massa-src',
          '--import',
          'tsx',
          'services/bootstrap-gateway/src/main.ts',
          ...args,
        ],
        { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('exit', (code) => resolve({ code, stderr, stdout }));
    });
  }

  test('the process exits with status 2 and names the variable (or flag) on a bad value', async () => {
    const [env, flag, help] = await Promise.all([
      runMain([], { MAX_CONCURRENT_BOOTSTRAPS: 'many' }),
      runMain(['--max-part-bytes', '12'], {}),
      runMain(['--help'], {}),
    ]);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/MAX_CONCURRENT_BOOTSTRAPS/);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/MAX_PART_BYTES \(--max-part-bytes\)/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--history-store-url/);
  }, 60_000);
});

/**
 * The two services as child processes, run from their TypeScript sources the way an operator
 * runs them (`node --conditions=massa-src --import tsx services/<name>/src/main.ts`), configured
 * through their environment variables only. For tests that kill processes (SIGKILL), restart
 * them on the same port, or measure their memory.
 */
import { join } from 'node:path';
import { parseJsonLine, runProcess, type ProcessExit, type RunningProcess } from './processes';

/** The repository root (the children run from there so that workspace packages resolve). */
export const REPO_ROOT = join(__dirname, '..', '..');

/**
 * Settings of either service that a child must not inherit from the test's environment: it
 * sees only what the test gives it.
 */
const SERVICE_ENV_VARIABLES = [
  'HISTORY_STORE_LISTEN',
  'HISTORY_STORE_DATA_DIR',
  'HISTORY_STORE_SUBSCRIBER_BUFFER_BYTES',
  'HISTORY_STORE_MAX_MESSAGE_BYTES',
  'HISTORY_STORE_SHUTDOWN_TIMEOUT_MS',
  'HISTORY_STORE_URL',
  'HISTORY_STORE_TLS_CA_FILE',
  'HISTORY_STORE_TLS_CERT_FILE',
  'HISTORY_STORE_TLS_KEY_FILE',
  'FINAL_HISTORY_LENGTH',
  'THREAD_COUNT',
  'LOG_LEVEL',
  'TLS_CERT_FILE',
  'TLS_KEY_FILE',
  'TLS_CLIENT_CA_FILE',
  'GATEWAY_LISTEN',
  'MAX_PART_BYTES',
  'MAX_CONCURRENT_BOOTSTRAPS',
  'MEMORY_HIGH_WATERMARK_MB',
  'PER_IP_MIN_INTERVAL_MS',
  'ALLOW_CIDRS',
  'DENY_CIDRS',
  'BOOTSTRAP_TIMEOUT_MS',
  'RETRY_DELAY_MS',
  'FOLLOW_BUFFER_BYTES',
  'SHUTDOWN_TIMEOUT_MS',
  'UPSTREAM_CHECK_INTERVAL_MS',
  'MEMORY_CHECK_INTERVAL_MS',
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
] as const;

/** A service running as a child process, listening on 127.0.0.1. */
export interface ServiceProcess {
  /** The child and its output lines. */
  readonly process: RunningProcess;
  /** The child's process id (for /proc/<pid>/status and liveness probes). */
  readonly pid: number;
  /** The bound port. */
  readonly port: number;
  /** '127.0.0.1:<port>'. */
  readonly address: string;
  /** True until the process exited. */
  alive(): boolean;
  /** SIGKILL (a crash: nothing is flushed, no shutdown runs); resolves once it is gone. */
  kill(): Promise<ProcessExit>;
  /** SIGTERM (graceful shutdown), SIGKILL after `timeoutMs`; resolves with the exit. */
  stop(timeoutMs?: number): Promise<ProcessExit>;
}

/** What every service child accepts. */
export interface ServiceProcessOptions {
  /** Port on 127.0.0.1; 0 (default) lets the OS pick. Give a fixed one to restart in place. */
  readonly port?: number;
  /** More environment variables (settings of the service). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long start-up may take, ms. Default 60 000 (tsx compiles the sources on start). */
  readonly startTimeoutMs?: number;
}

/** Options of {@link startHistoryStoreProcess}. */
export interface HistoryStoreProcessOptions extends ServiceProcessOptions {
  /** HISTORY_STORE_DATA_DIR: the LMDB directory (reuse it to restart on the same data). */
  readonly dataDir: string;
  /** THREAD_COUNT. Default: the service's default (32). */
  readonly threadCount?: number;
  /** FINAL_HISTORY_LENGTH. Default: the service's default (600). */
  readonly finalHistoryLength?: number;
}

/** Options of {@link startGatewayProcess}. */
export interface GatewayProcessOptions extends ServiceProcessOptions {
  /** HISTORY_STORE_URL: the store's 'host:port'. */
  readonly historyStoreUrl: string;
}

function childEnv(settings: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SERVICE_ENV_VARIABLES) delete env[name];
  return { ...env, ...settings };
}

async function startService(
  main: string,
  settings: Readonly<Record<string, string>>,
  listeningMessage: string,
  timeoutMs: number,
): Promise<ServiceProcess> {
  const child = runProcess(process.execPath, ['--conditions=massa-src', '--import', 'tsx', main], {
    cwd: REPO_ROOT,
    env: childEnv(settings),
  });
  let port: number;
  try {
    port = await child.waitFor((line) => {
      const json = parseJsonLine(line.text);
      return json?.['msg'] === listeningMessage && typeof json['port'] === 'number'
        ? json['port']
        : undefined;
    }, timeoutMs);
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const pid = child.child.pid as number;
  return {
    process: child,
    pid,
    port,
    address: `127.0.0.1:${port}`,
    alive: () => !exited,
    kill: () => child.stop('SIGKILL'),
    stop: (stopTimeoutMs = 15_000) => child.stop('SIGTERM', stopTimeoutMs),
  };
}

/**
 * Starts services/history-store/src/main.ts; resolves once it logged `listening` (storage open,
 * serving). LOG_LEVEL is `info` unless `env` says otherwise (the listening line is needed).
 */
export function startHistoryStoreProcess(
  options: HistoryStoreProcessOptions,
): Promise<ServiceProcess> {
  const settings: Record<string, string> = {
    LOG_LEVEL: 'info',
    HISTORY_STORE_LISTEN: `127.0.0.1:${options.port ?? 0}`,
    HISTORY_STORE_DATA_DIR: options.dataDir,
    ...(options.threadCount === undefined ? {} : { THREAD_COUNT: String(options.threadCount) }),
    ...(options.finalHistoryLength === undefined
      ? {}
      : { FINAL_HISTORY_LENGTH: String(options.finalHistoryLength) }),
    ...options.env,
  };
  return startService(
    join('services', 'history-store', 'src', 'main.ts'),
    settings,
    'listening',
    options.startTimeoutMs ?? 60_000,
  );
}

/**
 * Starts services/bootstrap-gateway/src/main.ts; resolves once it logged
 * `bootstrap-gateway listening`. LOG_LEVEL is `info` unless `env` says otherwise.
 */
export function startGatewayProcess(options: GatewayProcessOptions): Promise<ServiceProcess> {
  const settings: Record<string, string> = {
    LOG_LEVEL: 'info',
    GATEWAY_LISTEN: `127.0.0.1:${options.port ?? 0}`,
    HISTORY_STORE_URL: options.historyStoreUrl,
    ...options.env,
  };
  return startService(
    join('services', 'bootstrap-gateway', 'src', 'main.ts'),
    settings,
    'bootstrap-gateway listening',
    options.startTimeoutMs ?? 60_000,
  );
}

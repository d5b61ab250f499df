/**
 * The services under test, each started as its own Node process on 127.0.0.1 exactly as in
 * production (their `src/main.ts` entries, configured through the environment), plus the
 * benchmark's own baseline servers. Every server binds port 0 and reports the port it got (a
 * service in its `listening` log line, a bench server in its `ready` line): no port can be
 * taken by another process between choosing and binding it, which matters on a shared machine
 * where other suites start and kill servers. Every process is stopped when its scenario ends.
 */
import { gatewaySettings } from '@massa-bootstrap/bootstrap-gateway';
import { SETTINGS as HISTORY_STORE_SETTINGS } from '@massa-bootstrap/history-store';
import { parseJsonLine, type RunningProcess } from '../../test-support/src/index';
import type { BenchContext, NodeProcessSpec } from './context';
import { waitForServing } from './grpc-raw';
import { readProcMemory, type ProcMemory } from './proc-memory';
import { THREAD_COUNT } from './workload';

/** A started server process. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  readonly process: RunningProcess;
  /** VmRSS / VmHWM now (zeros once the process is gone). */
  memory(): ProcMemory;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;

/**
 * Every setting either service reads from its environment, plus OpenTelemetry's: a service
 * sees only what the benchmark sets, whatever the shell running the benchmark exports.
 */
function inheritedSettings(): string[] {
  const names = new Set<string>([
    ...Object.values(HISTORY_STORE_SETTINGS).map((s) => s.env),
    ...gatewaySettings().map((s) => s.env),
  ]);
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) names.add(name);
  return [...names];
}

/**
 * Spawns `spec` and waits for the first JSON line whose `msg` is `listeningMessage` (or whose
 * `ready` is true) and that carries the bound `port`; fails with the process's last lines when
 * it exits first.
 */
async function startServer(
  ctx: BenchContext,
  name: string,
  spec: NodeProcessSpec,
  listeningMessage: string,
): Promise<ServerProcess> {
  const child = ctx.spawnNode({ ...spec, unsetEnv: inheritedSettings() });
  const port = await child.waitFor((line) => {
    const json = parseJsonLine(line.text);
    const announced = json?.['msg'] === listeningMessage || json?.['ready'] === true;
    return announced && typeof json?.['port'] === 'number' ? json['port'] : undefined;
  }, START_TIMEOUT_MS);
  const pid = child.child.pid;
  if (pid === undefined) throw new Error(`${name} did not start:\n${child.tail(20)}`);
  return {
    name,
    pid,
    port,
    address: `127.0.0.1:${port}`,
    process: child,
    memory: () => readProcMemory(pid) ?? { rssBytes: 0, hwmBytes: 0 },
    stop: async () => {
      await child.stop('SIGTERM', 10_000);
    },
  };
}

/** Options of {@link startHistoryStore}. */
export interface HistoryStoreProcessOptions {
  readonly dataDir: string;
  /** FINAL_HISTORY_LENGTH; default 600. */
  readonly finalHistoryLength?: number;
  /** Node flags for the store process (e.g. `--cpu-prof`). */
  readonly nodeFlags?: readonly string[];
}

/**
 * Starts `services/history-store/src/main.ts` (LOG_LEVEL info: its `listening` line gives the
 * port; the store logs nothing per call at that level).
 */
export function startHistoryStore(
  ctx: BenchContext,
  options: HistoryStoreProcessOptions,
): Promise<ServerProcess> {
  return startServer(
    ctx,
    'history-store',
    {
      entry: 'services/history-store/src/main.ts',
      nodeFlags: options.nodeFlags ?? [],
      env: {
        HISTORY_STORE_LISTEN: '127.0.0.1:0',
        HISTORY_STORE_DATA_DIR: options.dataDir,
        FINAL_HISTORY_LENGTH: String(options.finalHistoryLength ?? 600),
        THREAD_COUNT: String(THREAD_COUNT),
        LOG_LEVEL: 'info',
      },
    },
    'listening',
  );
}

/** Options of {@link startGateway}. */
export interface GatewayProcessOptions {
  readonly historyStoreUrl: string;
  /** MAX_PART_BYTES; default the gateway's (1 MiB). */
  readonly maxPartBytes?: number;
  /** MAX_CONCURRENT_BOOTSTRAPS; default the gateway's (64). */
  readonly maxConcurrentBootstraps?: number;
  /** Node flags for the gateway process. */
  readonly nodeFlags?: readonly string[];
}

/**
 * Starts `services/bootstrap-gateway/src/main.ts` and waits until it is SERVING (it is once
 * the history-store answers). LOG_LEVEL info: the `listening` line gives the port; per call
 * the gateway logs only expected refusals (SlotTooOld, busy) at that level.
 */
export async function startGateway(
  ctx: BenchContext,
  options: GatewayProcessOptions,
): Promise<ServerProcess> {
  const env: Record<string, string> = {
    GATEWAY_LISTEN: '127.0.0.1:0',
    HISTORY_STORE_URL: options.historyStoreUrl,
    THREAD_COUNT: String(THREAD_COUNT),
    LOG_LEVEL: 'info',
    UPSTREAM_CHECK_INTERVAL_MS: '200',
  };
  if (options.maxPartBytes !== undefined) env['MAX_PART_BYTES'] = String(options.maxPartBytes);
  if (options.maxConcurrentBootstraps !== undefined) {
    env['MAX_CONCURRENT_BOOTSTRAPS'] = String(options.maxConcurrentBootstraps);
  }
  const gateway = await startServer(
    ctx,
    'bootstrap-gateway',
    { entry: 'services/bootstrap-gateway/src/main.ts', env, nodeFlags: options.nodeFlags ?? [] },
    'bootstrap-gateway listening',
  );
  await waitForServing(gateway.address, START_TIMEOUT_MS, () =>
    gateway.process.child.exitCode === null
      ? undefined
      : `bootstrap-gateway exited:\n${gateway.process.tail(20)}`,
  );
  return gateway;
}

/**
 * Starts one of the benchmark's own servers (`bench/servers/*.ts`): it binds BENCH_LISTEN
 * (`127.0.0.1:0`) and prints `{"ready":true,"port":<port>}` once it serves.
 */
export function startBenchServer(
  ctx: BenchContext,
  name: string,
  entry: string,
  env: Readonly<Record<string, string>>,
  nodeFlags: readonly string[] = [],
): Promise<ServerProcess> {
  return startServer(
    ctx,
    name,
    { entry, env: { ...env, BENCH_LISTEN: '127.0.0.1:0' }, nodeFlags },
    '',
  );
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, type ServerOptions } from '@grpc/grpc-js';
import pino, { type Logger } from 'pino';
import { UnavailableError } from '@massa-bootstrap/core';
import {
  addHealthService,
  addReflectionService,
  bindServer,
  channelCredentials,
  serverCredentials,
  type ServingStatus,
} from '@massa-bootstrap/rpc';
import { Admission } from './admission';
import { resolveGatewayConfig, type GatewayConfig, type GatewayOptions } from './config';
import { FollowHub, type FollowHubStats } from './follow-hub';
import { MemoryMonitor, type MemorySampler } from './memory';
import {
  gatewayServiceDefinition,
  GatewayService,
  type GatewayCounters,
  type GatewayTelemetry,
  type SessionInfo,
} from './service';
import { HistoryStoreUpstream } from './upstream';
import { UpstreamHealth } from './upstream-health';

/** Fully-qualified name of the public service (health and reflection use it). */
export const GATEWAY_SERVICE_NAME = 'massa.bootstrap.v1.BootstrapGateway';

/**
 * Server options of the gateway.
 *
 * - keepalive pings every 30 s (10 s timeout): a client that vanished without closing its
 *   connection releases its bootstrap slot within about 40 s instead of a TCP timeout.
 * - `grpc.max_receive_message_length` 1 MiB: requests are small (a cursor key is at most 4 KiB).
 * - Sends are unlimited (grpc-js default): a part is the budget plus at most one large entry
 *   plus its changes. For bulk bootstraps, clients should set `grpc-node.flow_control_window`
 *   (8 MiB) on their channel: the receiving side's HTTP/2 window bounds the throughput.
 */
export const GATEWAY_SERVER_OPTIONS: ServerOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.max_receive_message_length': 1024 * 1024,
};

/** Test and embedding hooks of {@link startGateway}. */
export interface GatewayHooks {
  /** Replaces the RSS sampler of the memory watermark. */
  readonly memorySampler?: MemorySampler;
  /** Where to report metrics and expected outcomes (main.ts: its telemetry); default: nowhere. */
  readonly telemetry?: GatewayTelemetry;
}

/** A running gateway. */
export interface RunningGateway {
  /** The bound port. */
  readonly port: number;
  /** host:port actually bound (e.g. '127.0.0.1:50052'). */
  readonly address: string;
  /** The validated configuration. */
  readonly config: GatewayConfig;
  /** The memory watermark monitor. */
  readonly memory: MemoryMonitor;
  /** Snapshots of the running Bootstrap sessions (per-session buffered-byte accounting). */
  sessions(): SessionInfo[];
  /** Follow fan-out counters (followers, upstream subscriptions). */
  followStats(): FollowHubStats;
  /** Service counters (started, completed, refusals, SlotTooOld, failures). */
  counters(): GatewayCounters;
  /** grpc.health.v1 status of the gateway service. */
  health(): ServingStatus | undefined;
  /**
   * Graceful shutdown: health goes NOT_SERVING, running bootstraps and followers end with
   * UNAVAILABLE SHUTTING_DOWN (+ RetryInfo) so clients resume elsewhere, then the server shuts
   * down; after `shutdownTimeoutMs` it is forced. Idempotent.
   */
  close(): Promise<void>;
}

let cachedVersion: string | undefined;

/** The gateway's version (package.json), reported by GetStatus. */
export function gatewayVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}

function hostOf(listen: string): string {
  return listen.slice(0, listen.lastIndexOf(':'));
}

/**
 * Starts the gateway: validates `options`, connects (lazily) to the history-store, binds the
 * server and registers BootstrapGateway, grpc.health.v1 (NOT_SERVING until the store answers,
 * and whenever it becomes unreachable) and reflection. Logs JSON through `logger` (a pino
 * logger at the configured level when omitted).
 */
export async function startGateway(
  options: GatewayOptions,
  logger?: Logger,
  hooks: GatewayHooks = {},
): Promise<RunningGateway> {
  const config = resolveGatewayConfig(options);
  const log = logger ?? pino({ level: config.logLevel, base: { service: 'bootstrap-gateway' } });
  const upstream = new HistoryStoreUpstream(
    config.historyStoreUrl,
    channelCredentials({
      tlsCaFile: config.historyStoreTlsCaFile,
      tlsCertFile: config.historyStoreTlsCertFile,
      tlsKeyFile: config.historyStoreTlsKeyFile,
    }),
    config.retryDelayMs,
  );
  const memory = new MemoryMonitor({
    highWatermarkBytes: config.memoryHighWatermarkMb * 1024 * 1024,
    intervalMs: config.memoryCheckIntervalMs,
    ...(hooks.memorySampler ? { sample: hooks.memorySampler } : {}),
  });
  memory.on('change', (pressure) => {
    if (pressure)
      log.warn(
        { rss: memory.lastSampleBytes, watermark: memory.highWatermarkBytes },
        'memory pressure: refusing new sessions, shrinking parts',
      );
    else log.info({ rss: memory.lastSampleBytes }, 'memory pressure over');
  });
  const hub = new FollowHub(upstream, config.followBufferBytes, log);
  const admission = new Admission({
    maxConcurrentBootstraps: config.maxConcurrentBootstraps,
    perIpMinIntervalMs: config.perIpMinIntervalMs,
    allowCidrs: config.allowCidrs,
    denyCidrs: config.denyCidrs,
    retryDelayMs: config.retryDelayMs,
    memory,
  });
  const shutdown = new AbortController();
  const service = new GatewayService({
    config,
    upstream,
    hub,
    admission,
    memory,
    logger: log,
    shutdownSignal: shutdown.signal,
    version: gatewayVersion(),
    telemetry: hooks.telemetry,
  });

  const server = new Server(GATEWAY_SERVER_OPTIONS);
  server.addService(gatewayServiceDefinition(), service.implementation());
  const health = addHealthService(server, {
    '': 'NOT_SERVING',
    [GATEWAY_SERVICE_NAME]: 'NOT_SERVING',
  });
  addReflectionService(server, { services: [GATEWAY_SERVICE_NAME, 'grpc.health.v1.Health'] });
  const upstreamHealth = new UpstreamHealth(
    upstream,
    config.upstreamCheckIntervalMs,
    log,
    config.threadCount,
  );
  upstreamHealth.on('change', (reachable) => {
    const servingStatus: ServingStatus = reachable ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', servingStatus);
    health.setStatus(GATEWAY_SERVICE_NAME, servingStatus);
  });

  let port: number;
  try {
    port = await bindServer(
      server,
      config.listen,
      serverCredentials({
        tlsCertFile: config.tlsCertFile,
        tlsKeyFile: config.tlsKeyFile,
        tlsClientCaFile: config.tlsClientCaFile,
      }),
    );
  } catch (err) {
    upstream.close();
    throw err;
  }
  memory.start();
  upstreamHealth.start();
  const address = `${hostOf(config.listen)}:${port}`;
  log.info(
    {
      address,
      port,
      historyStore: config.historyStoreUrl,
      tls: config.tlsCertFile !== undefined,
      mtls: config.tlsClientCaFile !== undefined,
    },
    'bootstrap-gateway listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      log.info({ sessions: service.sessions().length }, 'bootstrap-gateway shutting down');
      upstreamHealth.stop();
      memory.stop();
      health.shutdown();
      const reason = new UnavailableError(
        'SHUTTING_DOWN',
        config.retryDelayMs,
        'the gateway is shutting down; resume from the last cursor (another instance may serve it)',
      );
      shutdown.abort(reason);
      hub.close(reason);
      const forced = setTimeout(() => {
        log.warn('graceful shutdown timed out; forcing');
        server.forceShutdown();
      }, config.shutdownTimeoutMs);
      forced.unref();
      server.tryShutdown(() => {
        clearTimeout(forced);
        upstream.close();
        log.info('bootstrap-gateway stopped');
        resolve();
      });
    });
    return closing;
  };

  return {
    port,
    address,
    config,
    memory,
    sessions: () => service.sessions(),
    followStats: () => hub.stats(),
    counters: () => ({ ...service.counters }),
    health: () => health.getStatus(GATEWAY_SERVICE_NAME),
    close,
  };
}

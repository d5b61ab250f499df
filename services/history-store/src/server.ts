/**
 * Starting and stopping a history-store: gRPC server (HistoryStore, health, reflection),
 * storage, writer and watch hub. Used by main.ts and by tests.
 */
import { Server } from '@grpc/grpc-js';
import { BootstrapError, UnavailableError } from '@massa-bootstrap/core';
import {
  addHealthService,
  addReflectionService,
  bindServer,
  serverCredentials,
} from '@massa-bootstrap/rpc';
// Types only: the telemetry package (and its SDK) is loaded by main.ts, never by the service.
import type { BootstrapMetrics, HistorySnapshot } from '@massa-bootstrap/telemetry';
import {
  SETTING_TABLE,
  resolveConfig,
  type HistoryStoreConfig,
  type HistoryStoreOptions,
} from './config';
import type { CallTelemetry } from './ingest-call';
import { SlotWriter } from './ingest/slot-writer';
import { createLogger, type Logger } from './logger';
import { readStatus } from './reads/status';
import { FixedLengthRetention, type RetentionPolicy } from './retention';
import { historyStoreHandlers } from './service';
import { emptyStoreMeta, type HistoryStorage, type StoreMeta } from './storage/history-storage';
import { openLmdbStorage } from './storage/lmdb-storage';
import type { ShutdownParticipant, StoreCore, StoreRuntime } from './store-core';
import { WatchHub, type WatchHubStats } from './watch-hub';
import { HISTORY_STORE_SERVICE_NAME, HistoryStoreWireService } from './wire-service';

/** A running history-store. */
export interface HistoryStoreHandle {
  /** The bound port (the OS's pick when the configured port is 0). */
  readonly port: number;
  /** `host:port` to connect to (`127.0.0.1` when listening on every interface). */
  readonly address: string;
  /** The configuration in effect. */
  readonly config: HistoryStoreConfig;
  /** Live-subscriber figures (buffered bytes, overflows), for tests and metrics. */
  watchStats(): WatchHubStats;
  /**
   * Graceful shutdown, idempotent: health NOT_SERVING, streams ended with UNAVAILABLE /
   * SHUTTING_DOWN, queued slots committed, server drained (forced after shutdownTimeoutMs),
   * storage closed.
   */
  close(): Promise<void>;
}

/**
 * What a history-store reports to OpenTelemetry (see @massa-bootstrap/telemetry: main.ts
 * passes `telemetry.metrics` and `markExpectedOutcome`). Every member is optional; without
 * them nothing is recorded and no span is annotated.
 */
export interface HistoryStoreTelemetry {
  /**
   * Instruments to record into: `ingestedSlots` and `ingestCommitDuration` per acknowledged
   * slot, `slotTooOldAnswers`, and the history gauges (`observeHistory`, read from the store's
   * metadata at each collection, the values GetStatus reports).
   */
  readonly metrics?: BootstrapMetrics;
  /**
   * Called with the ErrorInfo reason of every BootstrapError a call answers with, in the call's
   * context, before the status is sent: the telemetry package's `markExpectedOutcome`, which
   * keeps the server span of an expected answer (SlotTooOld...) from being an error.
   */
  readonly markExpectedOutcome?: (reason: string) => unknown;
}

/** The handlers' view of `telemetry`: no-ops for what is not given. */
function callTelemetry(telemetry: HistoryStoreTelemetry): CallTelemetry {
  const { metrics, markExpectedOutcome } = telemetry;
  return {
    onError(err) {
      if (!(err instanceof BootstrapError)) return;
      markExpectedOutcome?.(err.reason);
      if (err.reason === 'SLOT_TOO_OLD') metrics?.slotTooOldAnswers.add(1);
    },
    onCommitted(durationMs) {
      metrics?.ingestedSlots.add(1);
      metrics?.ingestCommitDuration.record(durationMs);
    },
  };
}

/** What the history gauges report: the figures of GetStatus, from one read snapshot. */
function historySnapshot(core: StoreCore): HistorySnapshot {
  const status = readStatus(core.storage);
  return {
    oldestSlot: status.oldestSlot,
    newestSlot: status.newestSlot,
    lengthSlots: status.effectiveHistoryLength,
    configuredLengthSlots: core.retention.finalHistoryLength,
  };
}

/** Seams for tests and other engines. */
export interface HistoryStoreHooks {
  /**
   * Opens the storage; the default is LMDB in `config.dataDir`. `initialMeta` is what a new
   * store starts with. Another engine plugs in here without touching the RPC layer.
   */
  readonly openStorage?: (
    config: HistoryStoreConfig,
    initialMeta: StoreMeta,
  ) => Promise<HistoryStorage>;
  /** Called once the port is bound and before the storage opens (health is NOT_SERVING). */
  readonly onListening?: (port: number) => void;
  /** History retention; the default keeps the last `config.finalHistoryLength` slots. */
  readonly retention?: RetentionPolicy;
  /** Where to report metrics and expected outcomes; default: nowhere. */
  readonly telemetry?: HistoryStoreTelemetry;
}

function starting(): UnavailableError {
  return new UnavailableError(
    'UPSTREAM_UNAVAILABLE',
    1000,
    'history-store is starting: storage not open yet',
  );
}
const SHUTTING_DOWN_RETRY_MS = 1000;

function initialMeta(config: HistoryStoreConfig): StoreMeta {
  return emptyStoreMeta(config.threadCount, config.finalHistoryLength);
}

function connectAddress(listen: string, port: number): string {
  const host = listen.slice(0, listen.lastIndexOf(':'));
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return `${reachable}:${port}`;
}

/**
 * Starts a history-store: binds the port (health NOT_SERVING), opens the storage, then serves
 * (SERVING). `options` are validated with resolveConfig (a ConfigError names a bad setting;
 * a data dir created with another thread count is refused the same way). The logger defaults
 * to pino JSON at `config.logLevel`.
 */
export async function startHistoryStore(
  options: HistoryStoreOptions,
  logger?: Logger,
  hooks: HistoryStoreHooks = {},
): Promise<HistoryStoreHandle> {
  const config = resolveConfig(options);
  const log = logger ?? createLogger(config.logLevel);
  const retention = hooks.retention ?? new FixedLengthRetention(config.finalHistoryLength);
  const hub = new WatchHub(config.subscriberBufferBytes);
  const shutdown = new AbortController();
  let core: StoreCore | undefined;
  const runtime: StoreRuntime = {
    core() {
      if (shutdown.signal.aborted) throw shutdown.signal.reason;
      if (core === undefined) throw starting();
      return core;
    },
    shutdownSignal: shutdown.signal,
    logger: log,
    ingestCalls: new Set<ShutdownParticipant>(),
  };

  const server = new Server({
    'grpc.max_receive_message_length': config.maxMessageBytes,
    'grpc.max_send_message_length': config.maxMessageBytes,
  });
  const health = addHealthService(server, {
    '': 'NOT_SERVING',
    [HISTORY_STORE_SERVICE_NAME]: 'NOT_SERVING',
  });
  addReflectionService(server, { services: [HISTORY_STORE_SERVICE_NAME, 'grpc.health.v1.Health'] });
  server.addService(
    HistoryStoreWireService,
    historyStoreHandlers(runtime, callTelemetry(hooks.telemetry ?? {})),
  );
  const credentials = serverCredentials(config);
  const port = await bindServer(server, config.listen, credentials);
  hooks.onListening?.(port);

  let storage: HistoryStorage | undefined;
  try {
    const open =
      hooks.openStorage ??
      ((c: HistoryStoreConfig, meta: StoreMeta) =>
        openLmdbStorage({ path: c.dataDir, initialMeta: meta }));
    storage = await open(config, initialMeta(config));
    const stored = storage.read((reader) => reader.meta()).threadCount;
    if (stored !== config.threadCount) {
      throw SETTING_TABLE.error(
        'threadCount',
        `${config.dataDir} was created with thread count ${stored}, refusing to open it with ${config.threadCount}`,
      );
    }
    const writer = await SlotWriter.open({
      storage,
      retention,
      threadCount: config.threadCount,
      publish: (item) => hub.publish(item),
      onBroken: (err) => {
        log.fatal({ err }, 'storage lost a commit; refusing writes until restarted');
        health.setStatus('', 'NOT_SERVING');
        health.setStatus(HISTORY_STORE_SERVICE_NAME, 'NOT_SERVING');
      },
    });
    core = { config, storage, writer, hub, retention };
  } catch (err) {
    server.forceShutdown();
    await storage?.close();
    throw err;
  }
  health.setStatus('', 'SERVING');
  health.setStatus(HISTORY_STORE_SERVICE_NAME, 'SERVING');
  log.info(
    {
      port,
      dataDir: config.dataDir,
      threadCount: config.threadCount,
      finalHistoryLength: config.finalHistoryLength,
    },
    'history-store serving',
  );

  const openCore = core;
  let closing: Promise<void> | undefined;
  // Read at each metric collection; nothing once closing starts (the storage goes away).
  hooks.telemetry?.metrics?.observeHistory(() =>
    closing === undefined ? historySnapshot(openCore) : undefined,
  );
  const close = async (): Promise<void> => {
    log.info('history-store shutting down');
    const reason = new UnavailableError(
      'SHUTTING_DOWN',
      SHUTTING_DOWN_RETRY_MS,
      'history-store is shutting down',
    );
    health.shutdown(); // NOT_SERVING to watchers, health streams ended
    shutdown.abort(reason); // server streams end with UNAVAILABLE
    hub.closeAll(reason);
    for (const participant of [...runtime.ingestCalls]) participant.shutdown(reason);
    await openCore.writer.close(); // the in-flight commits finish
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'calls still open: forcing shutdown');
        server.forceShutdown();
        resolve();
      }, config.shutdownTimeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await openCore.storage.close();
    log.info('history-store stopped');
  };

  return {
    port,
    address: connectAddress(config.listen, port),
    config,
    watchStats: () => hub.stats(),
    close: () => (closing ??= close()),
  };
}

import type { ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  BootstrapError,
  BootstrapTimeoutError,
  SlotInFutureError,
  SlotTooOldError,
  compareSlots,
  formatSlot,
} from '@massa-bootstrap/core';
import {
  BootstrapGatewayService,
  type BootstrapRequest,
  type GatewayStatus,
  type GetStatusRequest,
  type StreamFinalChangesRequest,
} from '@massa-bootstrap/proto';
import { CallEndedError, serverStreamHandler, unaryHandler } from '@massa-bootstrap/rpc';
// Types only: the telemetry package (and its SDK) is loaded by main.ts, never by the service.
import type { BootstrapMetrics, SessionAttributes } from '@massa-bootstrap/telemetry';
import type { Admission } from './admission';
import {
  BootstrapSession,
  type BootstrapSessionStats,
  type SentPartContent,
} from './bootstrap-session';
import { MAX_PART_BYTES_LIMIT, MIN_PART_BYTES, type GatewayConfig } from './config';
import type { FollowHub } from './follow-hub';
import type { MemoryMonitor } from './memory';
import {
  decodeBootstrapRequest,
  decodeGetStatusRequest,
  decodeStreamFinalChangesRequest,
  validateBootstrapRequest,
  validateGetStatusRequest,
  validateStreamFinalChangesRequest,
  type Decoded,
} from './requests';
import type { HistoryStoreUpstream } from './upstream';
import { PartSerializer, WIRE_LEN, scanFields, type EncodedPart } from './wire';

/**
 * The BootstrapGateway service definition the server registers: the generated one, except
 * that requests are decoded tolerantly (so malformed ones get INVALID_ARGUMENT, not the
 * INTERNAL grpc-js sends when a deserializer throws), that Bootstrap parts are EncodedParts
 * joined by `serializer` (raw forwarding, see wire.ts), and that StreamFinalChanges messages
 * are encoded SlotChanges passed through untouched. One serializer per server.
 */
export function gatewayServiceDefinition(serializer: PartSerializer = new PartSerializer()) {
  return {
    bootstrap: {
      ...BootstrapGatewayService.bootstrap,
      requestDeserialize: decodeBootstrapRequest,
      responseSerialize: serializer.serialize,
    },
    streamFinalChanges: {
      ...BootstrapGatewayService.streamFinalChanges,
      requestDeserialize: decodeStreamFinalChangesRequest,
      responseSerialize: (bytes: Buffer): Buffer => bytes,
    },
    getStatus: {
      ...BootstrapGatewayService.getStatus,
      requestDeserialize: decodeGetStatusRequest,
    },
  } as const;
}

/** Counters the service keeps (exposed by the gateway handle). */
export interface GatewayCounters {
  /** Bootstrap calls admitted. */
  bootstrapsStarted: number;
  /** Bootstrap calls that delivered the complete state. */
  bootstrapsCompleted: number;
  /** Calls refused by admission control (any reason). */
  admissionRefusals: number;
  /** SlotTooOld answers (an expected protocol outcome, not a server error). */
  slotTooOld: number;
  /** Calls that ended with an error status other than SlotTooOld. */
  failures: number;
}

/** A live session as reported by {@link GatewayService.sessions}. */
export interface SessionInfo extends BootstrapSessionStats {
  /** Session id (increasing). */
  readonly id: number;
  /** The caller's address. */
  readonly peer: string;
}

/**
 * What a gateway reports to OpenTelemetry (see @massa-bootstrap/telemetry: main.ts passes
 * `telemetry.metrics` and `markExpectedOutcome`). Every member is optional; without them
 * nothing is recorded and no span is annotated.
 */
export interface GatewayTelemetry {
  /**
   * Instruments to record into: `sessionsActive` (Bootstrap and StreamFinalChanges sessions in
   * progress), `sessionsRejected` (admission and access-list refusals, by reason),
   * `streamedEntries`/`streamedBytes` (state entries and key changes written, counted from the
   * forwarded bytes), `slotTooOldAnswers`.
   */
  readonly metrics?: BootstrapMetrics;
  /**
   * Called with the ErrorInfo reason of every BootstrapError a call answers with, in the call's
   * context, before the status is sent: the telemetry package's `markExpectedOutcome`, which
   * keeps the server span of an expected answer (SlotTooOld, admission refusals) from being an
   * error.
   */
  readonly markExpectedOutcome?: (reason: string) => unknown;
}

const BOOTSTRAP_SESSION: SessionAttributes = { 'massa.bootstrap.rpc': 'Bootstrap' };
const CHANGES_SESSION: SessionAttributes = { 'massa.bootstrap.rpc': 'StreamFinalChanges' };

/** Records the state entries and the key changes a client was sent. */
function recordStreamed(metrics: BootstrapMetrics, content: SentPartContent): void {
  if (content.entries > 0) {
    const state = { 'massa.bootstrap.content': 'state' } as const;
    metrics.streamedEntries.add(content.entries, state);
    metrics.streamedBytes.add(content.entryBytes, state);
  }
  let keyChanges = 0;
  let changeBytes = 0;
  for (const slotChanges of content.changes) {
    // SlotChanges.changes is field 2: count its records without decoding them.
    scanFields(slotChanges, (field) => {
      if (field.number !== 2 || field.wireType !== WIRE_LEN) return;
      keyChanges += 1;
      changeBytes += field.end - field.start;
    });
  }
  if (keyChanges > 0) {
    const changes = { 'massa.bootstrap.content': 'changes' } as const;
    metrics.streamedEntries.add(keyChanges, changes);
    metrics.streamedBytes.add(changeBytes, changes);
  }
}

/** What the service needs. */
export interface GatewayServiceDeps {
  readonly config: GatewayConfig;
  readonly upstream: HistoryStoreUpstream;
  readonly hub: FollowHub;
  readonly admission: Admission;
  readonly memory: MemoryMonitor;
  readonly logger: Logger;
  /** Aborted (with UNAVAILABLE SHUTTING_DOWN) when the gateway shuts down. */
  readonly shutdownSignal: AbortSignal;
  readonly version: string;
  /** Where to report metrics and expected outcomes; default: nowhere. */
  readonly telemetry?: GatewayTelemetry;
}

/**
 * Writes one message and resolves when the transport took it (the write callback: HTTP/2 flow
 * control let it out), so at most one message per call waits in grpc-js; rejects on abort.
 */
function writeFlushed<T>(
  call: ServerWritableStream<unknown, T>,
  message: T,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    call.write(message, (err: Error | null | undefined) => {
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    });
  });
}

/**
 * The BootstrapGateway handlers: admission, validation, sessions, follow and status. Every
 * failure goes through the rpc error contract; the reason of an aborted call (timeout,
 * shutdown) takes precedence over the error it caused.
 */
export class GatewayService {
  /** Counters since start. */
  readonly counters: GatewayCounters = {
    bootstrapsStarted: 0,
    bootstrapsCompleted: 0,
    admissionRefusals: 0,
    slotTooOld: 0,
    failures: 0,
  };
  private readonly live = new Map<number, { peer: string; session: BootstrapSession }>();
  private nextId = 1;

  constructor(private readonly deps: GatewayServiceDeps) {}

  /** Snapshots of the running Bootstrap sessions. */
  sessions(): SessionInfo[] {
    return [...this.live].map(([id, { peer, session }]) => ({ id, peer, ...session.stats() }));
  }

  /** The grpc-js implementation for {@link gatewayServiceDefinition}. */
  implementation(): UntypedServiceImplementation {
    const logger = this.deps.logger;
    const hooks = { onError: (err: unknown) => this.reportErrorAnswer(err) };
    return {
      bootstrap: serverStreamHandler<Decoded<BootstrapRequest>, EncodedPart>(
        (request, { call, signal }) => this.bootstrap(request, call, signal),
        logger,
        hooks,
      ),
      streamFinalChanges: serverStreamHandler<Decoded<StreamFinalChangesRequest>, Buffer>(
        (request, { call, signal }) => this.streamFinalChanges(request, call, signal),
        logger,
        hooks,
      ),
      getStatus: unaryHandler<Decoded<GetStatusRequest>, GatewayStatus>(
        (request, { call, signal }) => {
          validateGetStatusRequest(request);
          this.deps.admission.checkAccess(call.getPeer());
          return this.status(signal);
        },
        logger,
        hooks,
      ),
    };
  }

  /** Telemetry of an error about to be sent (runs in the call's context, see HandlerHooks). */
  private reportErrorAnswer(err: unknown): void {
    if (!(err instanceof BootstrapError)) return;
    const telemetry = this.deps.telemetry;
    telemetry?.markExpectedOutcome?.(err.reason);
    if (err.reason === 'SLOT_TOO_OLD') telemetry?.metrics?.slotTooOldAnswers.add(1);
  }

  private async bootstrap(
    decoded: Decoded<BootstrapRequest>,
    call: ServerWritableStream<Decoded<BootstrapRequest>, EncodedPart>,
    callSignal: AbortSignal,
  ): Promise<void> {
    const { config, admission } = this.deps;
    const metrics = this.deps.telemetry?.metrics;
    const peer = call.getPeer();
    const log = this.deps.logger.child({ rpc: 'Bootstrap', peer });
    let request;
    let lease;
    try {
      request = validateBootstrapRequest(decoded, {
        threadCount: config.threadCount,
        defaultPartBytes: config.maxPartBytes,
      });
      lease = admission.admitBootstrap(peer);
    } catch (err) {
      if (
        err instanceof BootstrapError &&
        err.reason !== 'INVALID_CURSOR' &&
        err.reason !== 'INVALID_ARGUMENT'
      ) {
        this.counters.admissionRefusals += 1;
        metrics?.sessionsRejected.add(1, { 'massa.bootstrap.reason': err.reason });
      }
      this.countFailure(err, log);
      throw err;
    }
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new BootstrapTimeoutError(config.bootstrapTimeoutMs)),
      config.bootstrapTimeoutMs,
    );
    timer.unref();
    const signal = AbortSignal.any([callSignal, timeout.signal, this.deps.shutdownSignal]);
    const id = this.nextId++;
    this.counters.bootstrapsStarted += 1;
    const session = new BootstrapSession(request, {
      upstream: this.deps.upstream,
      hub: this.deps.hub,
      memory: this.deps.memory,
      minPartBytes: MIN_PART_BYTES,
      retryDelayMs: config.retryDelayMs,
      sink: (part) => writeFlushed(call, part, signal),
      signal,
      onPartSent: metrics && ((content) => recordStreamed(metrics, content)),
      onStateComplete: () => {
        clearTimeout(timer);
        lease.release();
        this.counters.bootstrapsCompleted += 1;
        log.debug({ id, ...session.stats() }, 'bootstrap state complete');
      },
    });
    this.live.set(id, { peer, session });
    log.debug(
      {
        id,
        resume: request.resume && formatSlot(request.resume.slot),
        partBytes: request.partBytes,
        follow: request.follow,
      },
      'bootstrap started',
    );
    metrics?.sessionsActive.add(1, BOOTSTRAP_SESSION);
    try {
      await session.run();
    } catch (err) {
      const reason: unknown = signal.aborted ? signal.reason : err;
      if (reason instanceof CallEndedError) {
        log.debug({ id }, 'bootstrap cancelled by the client');
        return;
      }
      this.countFailure(reason, log);
      throw reason;
    } finally {
      clearTimeout(timer);
      lease.release();
      this.live.delete(id);
      metrics?.sessionsActive.add(-1, BOOTSTRAP_SESSION);
    }
  }

  private async streamFinalChanges(
    decoded: Decoded<StreamFinalChangesRequest>,
    call: ServerWritableStream<Decoded<StreamFinalChangesRequest>, Buffer>,
    callSignal: AbortSignal,
  ): Promise<void> {
    const { upstream, hub, admission, config } = this.deps;
    const metrics = this.deps.telemetry?.metrics;
    const log = this.deps.logger.child({ rpc: 'StreamFinalChanges', peer: call.getPeer() });
    const signal = AbortSignal.any([callSignal, this.deps.shutdownSignal]);
    let active = false;
    const write = async (bytes: Buffer): Promise<void> => {
      await writeFlushed(call, bytes, signal);
      if (metrics) recordStreamed(metrics, { entries: 0, entryBytes: 0, changes: [bytes] });
    };
    try {
      try {
        admission.checkAccess(call.getPeer());
      } catch (err) {
        if (err instanceof BootstrapError)
          metrics?.sessionsRejected.add(1, { 'massa.bootstrap.reason': err.reason });
        throw err;
      }
      const request = validateStreamFinalChangesRequest(decoded, config.threadCount);
      metrics?.sessionsActive.add(1, CHANGES_SESSION);
      active = true;
      if (!request.follow) {
        for await (const item of upstream.streamChanges({ afterSlot: request.afterSlot }, signal)) {
          await write(item.bytes);
        }
        return;
      }
      const status = await upstream.getStatus(signal);
      const newest = status.newestSlot;
      if (newest === undefined || compareSlots(request.afterSlot, newest) > 0) {
        throw new SlotInFutureError(
          request.afterSlot,
          newest && { period: newest.period, thread: newest.thread },
        );
      }
      for await (const item of hub.subscribe().slots(request.afterSlot, signal)) {
        await write(item.bytes);
      }
    } catch (err) {
      const reason: unknown = signal.aborted ? signal.reason : err;
      if (reason instanceof CallEndedError) return;
      this.countFailure(reason, log);
      throw reason;
    } finally {
      if (active) metrics?.sessionsActive.add(-1, CHANGES_SESSION);
    }
  }

  private countFailure(err: unknown, log: Logger): void {
    if (err instanceof SlotTooOldError) {
      // An expected protocol outcome (the client resets): counted, not an error.
      this.counters.slotTooOld += 1;
      log.info({ reason: err.reason, ...err.metadata() }, 'slot too old; the client must reset');
      return;
    }
    this.counters.failures += 1;
    if (err instanceof BootstrapError)
      log.info({ reason: err.reason, ...err.metadata() }, err.message);
    // Anything else is logged with a trace id by the error contract (INTERNAL).
  }

  private async status(signal: AbortSignal): Promise<GatewayStatus> {
    const { upstream, admission, memory, hub, config, version } = this.deps;
    const store = await upstream.getStatus(signal);
    return {
      oldestSlot: store.oldestSlot,
      newestSlot: store.newestSlot,
      finalHistoryLength: store.finalHistoryLength,
      entryCount: store.entryCount,
      stateBytes: store.stateBytes,
      activeBootstraps: admission.activeBootstraps,
      maxConcurrentBootstraps: config.maxConcurrentBootstraps,
      defaultPartBytes: config.maxPartBytes,
      minPartBytes: MIN_PART_BYTES,
      maxPartBytes: MAX_PART_BYTES_LIMIT,
      memoryPressure: memory.underPressure,
      rssBytes: process.memoryUsage.rss(),
      memoryHighWatermarkBytes: memory.highWatermarkBytes,
      activeFollowers: hub.stats().followers,
      threadCount: config.threadCount,
      version,
    };
  }
}

import { EventEmitter } from 'node:events';
import {
  Metadata,
  status as grpcStatus,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { UnavailableError, type BootstrapError, type Slot } from '@massa-bootstrap/core';
import {
  HistoryStoreClient,
  HistoryStoreService,
  ReadStatePartRequest,
  StreamChangesRequest,
  WatchFinalSlotsRequest,
  type HistoryStoreStatus,
} from '@massa-bootstrap/proto';
import { decodeBootstrapError, toDomainError } from '@massa-bootstrap/rpc';
import { ReadPermits, type ReadUrgency } from './read-permits';
import { scanSlotChanges, scanStatePart, type RawSlotChanges, type RawStatePart } from './wire';

/**
 * Channel options of the gateway → history-store channel.
 *
 * - `grpc-node.flow_control_window` 8 MiB: the HTTP/2 window of the receiving side. With the
 *   default 64 KiB window a bulk stream stalls on WINDOW_UPDATE round trips; 8 MiB measured
 *   about 4× the throughput here (≈ 280 vs 70 MB/s on loopback).
 * - `grpc.max_receive_message_length` 256 MiB: a ReadStatePart answer is up to the part budget
 *   (16 MiB) plus one entry (values up to 16 MiB); a single slot's SlotChanges can be large too.
 * - reconnect backoff 100 ms .. 5 s: a restarted store is picked up within seconds (the default
 *   maximum is 120 s), which keeps health and UNAVAILABLE windows short.
 */
export const UPSTREAM_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc-node.flow_control_window': 8 * 1024 * 1024,
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 16 * 1024 * 1024,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 5000,
};

/**
 * Default limit on ReadStatePart calls in flight at once, all sessions together. An answer
 * arrives as HTTP/2 chunks that grpc-js joins once it is complete. When hundreds of sessions
 * read at once (a burst of new sessions, or many slow clients), every answer streams in slowly
 * beside all the others: its chunks and the joined copy outlive young-generation GCs and end
 * up as old-generation garbage that only a full GC frees, about two parts of resident memory
 * per session (gateway-memory benchmark: RSS growth 3.0 x max_part_bytes per 1 MB/s session
 * without the limit, 1.0 with 16 and 1.2-1.35 with 32). With a bounded number of reads each
 * answer arrives quickly and dies young; a session waiting for a permit holds nothing, and
 * urgent reads (the client's link is idle) go before read-aheads.
 *
 * Not lower: 200 sessions on 1 MB/s links finished as fast as without the limit with 32 (16:
 * within noise, 4 % slower), and a limit that binds for fast clients costs CPU (12 fast
 * readers, limit 4: same throughput, +40 % gateway CPU per MB, because young-generation
 * garbage is what makes V8 run its full GCs here; see the README).
 */
export const DEFAULT_CONCURRENT_STATE_READS = 32;

/** A ReadStatePart answer: the scanned fields plus the raw bytes they point into. */
export interface StatePartRead extends RawStatePart {
  /** The response bytes (entry records are views into them). */
  readonly raw: Buffer;
}

const identity = (b: Buffer): Buffer => b;
const encodeWith =
  <T>(fns: { encode(message: T): { finish(): Uint8Array } }) =>
  (message: T): Buffer => {
    const bytes = fns.encode(message).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };

/** Events of {@link HistoryStoreUpstream}: whether the last call reached the store. */
export interface UpstreamEvents {
  /** A call failed because the store could not be reached. */
  unreachable: [err: ServiceError];
  /** A call reached the store (it answered, successfully or with a contract error). */
  reachable: [];
}

/**
 * The gateway's client of the history-store. ReadStatePart, StreamChanges and WatchFinalSlots
 * are called with identity response deserializers: answers stay bytes and only their small
 * top-level fields are scanned (see wire.ts). Every call takes an AbortSignal that cancels the
 * upstream call. Failures come back as core errors: the store's contract errors (SlotTooOld,
 * SlotInFuture, ...) unchanged, anything else (unreachable, INTERNAL, shutting down) as
 * UPSTREAM_UNAVAILABLE with the configured retry delay, so no upstream internals leak.
 */
export class HistoryStoreUpstream extends EventEmitter<UpstreamEvents> {
  /** The generated client (its channel carries {@link UPSTREAM_CHANNEL_OPTIONS}). */
  readonly client: HistoryStoreClient;
  /** Limits ReadStatePart calls in flight (see {@link DEFAULT_CONCURRENT_STATE_READS}). */
  readonly statePartReads: ReadPermits;

  constructor(
    readonly target: string,
    credentials: ChannelCredentials,
    private readonly retryDelayMs: number,
    concurrentStateReads: number = DEFAULT_CONCURRENT_STATE_READS,
  ) {
    super();
    this.client = new HistoryStoreClient(target, credentials, UPSTREAM_CHANNEL_OPTIONS);
    this.statePartReads = new ReadPermits(concurrentStateReads);
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }

  /**
   * Maps an upstream failure to the error the gateway's client should see: the abort reason
   * when `signal` fired, a forwarded contract error, or UPSTREAM_UNAVAILABLE.
   */
  mapError(err: unknown, signal?: AbortSignal): Error {
    if (signal?.aborted) return signal.reason as Error;
    const serviceError = err as ServiceError;
    const decoded = decodeBootstrapError(err);
    const domain: BootstrapError | undefined = decoded && toDomainError(decoded);
    if (
      domain !== undefined &&
      decoded?.reason !== 'SHUTTING_DOWN' &&
      decoded?.reason !== 'UPSTREAM_UNAVAILABLE'
    ) {
      this.emit('reachable');
      return domain;
    }
    if (typeof serviceError?.code === 'number') {
      if (
        serviceError.code === grpcStatus.UNAVAILABLE ||
        serviceError.code === grpcStatus.DEADLINE_EXCEEDED
      ) {
        this.emit('unreachable', serviceError);
      }
      const name = grpcStatus[serviceError.code] ?? String(serviceError.code);
      return new UnavailableError(
        'UPSTREAM_UNAVAILABLE',
        this.retryDelayMs,
        `history-store unavailable (${name}); resume from the last cursor`,
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  /**
   * ReadStatePart, answer kept raw: entries are never decoded. Waits for one of the
   * {@link statePartReads} permits first (urgent reads before read-aheads; an abort while
   * waiting rejects with its reason).
   */
  async readStatePart(
    request: ReadStatePartRequest,
    signal: AbortSignal,
    urgency?: ReadUrgency,
  ): Promise<StatePartRead> {
    const release = await this.statePartReads.acquire(signal, urgency);
    try {
      return await this.readStatePartNow(request, signal);
    } finally {
      release();
    }
  }

  private readStatePartNow(
    request: ReadStatePartRequest,
    signal: AbortSignal,
  ): Promise<StatePartRead> {
    return new Promise<StatePartRead>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => call.cancel();
      const call = this.client.makeUnaryRequest<ReadStatePartRequest, Buffer>(
        HistoryStoreService.readStatePart.path,
        encodeWith(ReadStatePartRequest),
        identity,
        request,
        new Metadata(),
        {},
        (err, raw) => {
          signal.removeEventListener('abort', onAbort);
          if (err || raw === undefined) {
            reject(this.mapError(err, signal));
            return;
          }
          try {
            this.emit('reachable');
            resolve({ ...scanStatePart(raw), raw });
          } catch (scanErr) {
            reject(scanErr as Error);
          }
        },
      );
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * StreamChanges as raw SlotChanges, oldest first. Consumption applies backpressure to the
   * upstream stream (async iteration pauses it); aborting `signal` cancels the call and makes
   * the iteration throw `signal.reason`.
   */
  async *streamChanges(
    request: { afterSlot: Slot; untilSlot?: Slot | undefined; maxKey?: Buffer | undefined },
    signal: AbortSignal,
  ): AsyncGenerator<RawSlotChanges> {
    if (signal.aborted) throw signal.reason as Error;
    const call = this.client.makeServerStreamRequest<StreamChangesRequest, Buffer>(
      HistoryStoreService.streamChanges.path,
      encodeWith(StreamChangesRequest),
      identity,
      { afterSlot: request.afterSlot, untilSlot: request.untilSlot, maxKey: request.maxKey },
      new Metadata(),
      {},
    );
    const onAbort = (): void => call.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const raw of call as AsyncIterable<Buffer>) {
        yield scanSlotChanges(raw);
      }
      this.emit('reachable');
    } catch (err) {
      throw this.mapError(err, signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Ends the upstream call when the consumer stops early (break/return/throw).
      call.cancel();
    }
  }

  /** Opens WatchFinalSlots after `afterSlot` (unset: from the next slot to commit), raw. */
  watchFinalSlots(afterSlot: Slot | undefined): ClientReadableStream<Buffer> {
    return this.client.makeServerStreamRequest<WatchFinalSlotsRequest, Buffer>(
      HistoryStoreService.watchFinalSlots.path,
      encodeWith(WatchFinalSlotsRequest),
      identity,
      { afterSlot },
      new Metadata(),
      {},
    );
  }

  /** The store's GetStatus; `deadlineMs` bounds the wait (health probes use it). */
  getStatus(signal?: AbortSignal, deadlineMs?: number): Promise<HistoryStoreStatus> {
    return new Promise<HistoryStoreStatus>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => call.cancel();
      const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      const call = this.client.getStatus({}, new Metadata(), options, (err, status) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          reject(this.mapError(err, signal));
          return;
        }
        this.emit('reachable');
        resolve(status);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * IngestFinalSlots: a client stream of slots applied in order. Slots are pipelined into the
 * writer (several may share one durable commit) with a bounded window: past MAX_PENDING_SLOTS
 * or MAX_PENDING_BYTES not yet durable, the call stops reading (HTTP/2 flow control then holds
 * the producer). The first refused slot ends the call with its error once the slots before it
 * are durable; nothing after it is written. Consecutive messages carrying the first slot of an
 * empty store are chunks of one genesis, sealed when another slot arrives or the client
 * half-closes.
 */
import { performance } from 'node:perf_hooks';
import type { ServerReadableStream, sendUnaryData } from '@grpc/grpc-js';
import { UnavailableError, slotEquals, type Slot } from '@massa-bootstrap/core';
import type { IngestFinalSlotsResponse } from '@massa-bootstrap/proto';
import { toStatus } from '@massa-bootstrap/rpc';
import { logOutcome } from './call-kit';
import { decodeSlotRequest, type SlotRequest } from './ingest/slot-request';
import { IngestSession, SkippedAfterFailureError, type Ingested } from './ingest/slot-writer';
import { digestOfLanes } from './reads/lanes-digest';
import { readStatus } from './reads/status';
import type { ShutdownParticipant, StoreCore, StoreRuntime } from './store-core';

/** Slots queued but not yet durable before the call stops reading. */
export const MAX_PENDING_SLOTS = 64;
/** Bytes of changes queued but not yet durable before the call stops reading. */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;

const METHOD = 'IngestFinalSlots';

/**
 * What the HistoryStore handlers report to telemetry (server.ts builds it from the telemetry
 * the store was started with; without any, both members do nothing).
 */
export interface CallTelemetry {
  /**
   * An error a call answers with, just before its status is sent, in the call's async context
   * (where the gRPC instrumentation's server span is active).
   */
  onError(err: unknown): void;
  /**
   * A slot (or a sealed genesis) acknowledged to the client as durable, `durationMs` after it
   * was handed to the writer (queueing behind earlier slots and the shared commit included).
   */
  onCommitted(durationMs: number): void;
}

/** Telemetry that records nothing. */
export const NO_CALL_TELEMETRY: CallTelemetry = {
  onError: () => undefined,
  onCommitted: () => undefined,
};

/**
 * True when `result` is a slot the store now holds that it did not hold before: a new slot or
 * a sealed genesis (not a duplicate, not an unsealed genesis chunk).
 */
export function isCommittedSlot(result: Ingested | undefined): boolean {
  return result?.kind === 'appended' || (result?.kind === 'genesis' && result.sealed);
}

/** One IngestFinalSlots call. */
class IngestCall implements ShutdownParticipant {
  private readonly session = new IngestSession();
  private committed = 0;
  private pendingSlots = 0;
  private pendingBytes = 0;
  private paused = false;
  private firstSlot: Slot | undefined;
  private genesisPhase = true;
  private halfClosed = false;
  private answered = false;

  constructor(
    private readonly runtime: StoreRuntime,
    private readonly core: StoreCore,
    private readonly call: ServerReadableStream<Buffer, IngestFinalSlotsResponse>,
    private readonly callback: sendUnaryData<IngestFinalSlotsResponse>,
    private readonly telemetry: CallTelemetry,
  ) {}

  start(): void {
    this.runtime.ingestCalls.add(this);
    // Requests arrive encoded (wire-service.ts).
    this.call.on('data', (bytes: Buffer) => this.onMessage(bytes));
    this.call.on('end', () => this.onHalfClose());
    this.call.on('cancelled', () => this.abandon());
    this.call.on('error', () => this.abandon());
  }

  shutdown(err: Error): void {
    this.fail(err);
  }

  private onMessage(bytes: Buffer): void {
    if (this.answered || this.session.failure !== undefined) return;
    let request: SlotRequest;
    try {
      request = decodeSlotRequest(bytes);
    } catch (err) {
      // Like a refused slot: the call ends with this error once the slots before are durable.
      this.fail(err);
      return;
    }
    const message = request.message;
    if (this.firstSlot === undefined) {
      this.firstSlot = message.slot;
    } else if (
      this.genesisPhase &&
      (message.slot === undefined || !slotEquals(message.slot, this.firstSlot))
    ) {
      // Leaving the run of same-slot messages: seal the genesis they formed, if they did.
      this.genesisPhase = false;
      this.track(this.core.writer.sealGenesis(this.session), 0);
    }
    // Pending bytes count the request: its keys and values are views into it.
    this.track(this.core.writer.appendRequest(request, this.session), bytes.length);
    if (this.pendingSlots >= MAX_PENDING_SLOTS || this.pendingBytes >= MAX_PENDING_BYTES) {
      this.paused = true;
      this.call.pause();
    }
  }

  private onHalfClose(): void {
    this.halfClosed = true;
    if (this.genesisPhase && this.firstSlot !== undefined && this.session.failure === undefined) {
      this.genesisPhase = false;
      this.track(this.core.writer.sealGenesis(this.session), 0);
    }
    this.maybeAnswer();
  }

  private track(unit: Promise<Ingested | undefined>, bytes: number): void {
    this.pendingSlots += 1;
    this.pendingBytes += bytes;
    const queuedAt = performance.now();
    unit.then(
      (result) => {
        if (isCommittedSlot(result)) {
          this.committed += 1;
          this.telemetry.onCommitted(performance.now() - queuedAt);
        }
        this.settled(bytes);
      },
      (err: unknown) => {
        if (!(err instanceof SkippedAfterFailureError)) this.fail(err);
        this.settled(bytes);
      },
    );
  }

  private settled(bytes: number): void {
    this.pendingSlots -= 1;
    this.pendingBytes -= bytes;
    if (
      this.paused &&
      this.session.failure === undefined &&
      this.pendingSlots < MAX_PENDING_SLOTS / 2 &&
      this.pendingBytes < MAX_PENDING_BYTES / 2
    ) {
      this.paused = false;
      this.call.resume();
    }
    this.maybeAnswer();
  }

  private fail(err: unknown): void {
    this.session.stop(err);
    if (!this.paused) {
      this.paused = true;
      this.call.pause();
    }
    this.maybeAnswer();
  }

  /** Answers once every queued unit settled, after a half-close or a failure. */
  private maybeAnswer(): void {
    if (this.answered || this.pendingSlots > 0) return;
    if (this.session.failure === undefined && !this.halfClosed) return;
    this.answered = true;
    this.session.alive = false;
    this.runtime.ingestCalls.delete(this);
    const failure = this.session.failure;
    if (failure !== undefined) {
      logOutcome(this.runtime.logger, METHOD, failure);
      this.telemetry.onError(failure);
      this.callback(toStatus(failure, this.runtime.logger));
      return;
    }
    void this.respond();
  }

  private async respond(): Promise<void> {
    try {
      const status = readStatus(this.core.storage);
      this.callback(null, {
        slotsCommitted: this.committed,
        newestSlot: status.newestSlot,
        stateDigest: await digestOfLanes(status.lanes),
      });
    } catch (err) {
      this.telemetry.onError(err);
      this.callback(toStatus(err, this.runtime.logger));
    }
  }

  private abandon(): void {
    // The client is gone: queued units still commit; an unsealed genesis stays unsealed and is
    // wiped by the next genesis.
    this.session.alive = false;
    if (this.answered) return;
    this.answered = true;
    this.runtime.ingestCalls.delete(this);
  }
}

/** The IngestFinalSlots handler. */
export function ingestFinalSlots(
  runtime: StoreRuntime,
  telemetry: CallTelemetry = NO_CALL_TELEMETRY,
): (
  call: ServerReadableStream<Buffer, IngestFinalSlotsResponse>,
  callback: sendUnaryData<IngestFinalSlotsResponse>,
) => void {
  return (call, callback) => {
    let core: StoreCore;
    try {
      core = runtime.core();
    } catch (err) {
      logOutcome(runtime.logger, METHOD, err);
      telemetry.onError(err);
      callback(toStatus(err, runtime.logger));
      return;
    }
    if (runtime.shutdownSignal.aborted) {
      const err = new UnavailableError('SHUTTING_DOWN', 1000, 'history-store is shutting down');
      telemetry.onError(err);
      callback(toStatus(err, runtime.logger));
      return;
    }
    new IngestCall(runtime, core, call, callback, telemetry).start();
  };
}

/**
 * The HistoryStore RPC handlers: thin adapters from requests to the writer, the readers and the
 * watch hub. They throw domain errors only; the rpc package maps them (one table).
 */
import { performance } from 'node:perf_hooks';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { compareSlots, type Slot } from '@massa-bootstrap/core';
import type { AppendFinalSlotResponse, HistoryStoreStatus } from '@massa-bootstrap/proto';
import { linkSignals, serverStream, unary, type StreamContext } from './call-kit';
import {
  NO_CALL_TELEMETRY,
  ingestFinalSlots,
  isCommittedSlot,
  type CallTelemetry,
} from './ingest-call';
import { filterEncodedToMaxKey, readChangesChunk } from './reads/changes';
import { digestOfLanes } from './reads/lanes-digest';
import { readStatePart } from './reads/state-part';
import { ResponseBufferPool, type PooledBytes } from './reads/state-part-encoding';
import { readStatus } from './reads/status';
import {
  decodeGetStatusRequest,
  decodeReadStatePartRequest,
  decodeStreamChangesRequest,
  decodeWatchFinalSlotsRequest,
} from './request-decoding';
import { checkStreamChangesRequest, checkWatchRequest } from './requests';
import type { StoreCore, StoreRuntime } from './store-core';
import { historyStoreVersion } from './version';

function wireSlot(slot: Slot | undefined): Slot | undefined {
  return slot && { period: slot.period, thread: slot.thread };
}

/**
 * Streams the history after `after`, chunk by chunk, up to `until`; when `until` is undefined,
 * up to the newest slot of the first chunk's snapshot, or of each chunk's snapshot when
 * `followNewest` (catch-up before live). Returns the last slot written (or `after`).
 */
async function streamHistory(
  core: StoreCore,
  context: StreamContext,
  range: {
    after: Slot;
    until: Slot | undefined;
    maxKey: Buffer | undefined;
    followNewest: boolean;
  },
  signal: AbortSignal,
): Promise<Slot> {
  let last = range.after;
  let limit = range.until;
  for (;;) {
    const chunk = readChangesChunk(core.storage, last, limit, core.retention.finalHistoryLength);
    for (const entry of chunk.entries) {
      await context.write(filterEncodedToMaxKey(entry.encoded, range.maxKey), signal);
      last = entry.slot;
    }
    if (chunk.done) return last;
    if (!range.followNewest) limit = chunk.until;
  }
}

/**
 * `impl` reporting what it throws to `telemetry.onError`. The catch runs in the call's async
 * context and before call-kit sends the status, so a span annotation lands on the server span
 * before the gRPC instrumentation ends it.
 */
function reporting<Req, Res, Ctx>(
  telemetry: CallTelemetry,
  impl: (request: Req, context: Ctx) => Promise<Res>,
): (request: Req, context: Ctx) => Promise<Res> {
  return async (request, context) => {
    try {
      return await impl(request, context);
    } catch (err) {
      telemetry.onError(err);
      throw err;
    }
  };
}

/**
 * The HistoryStore implementation bound to `runtime`, reporting errors and acknowledged
 * commits to `telemetry`.
 */
export function historyStoreHandlers(
  runtime: StoreRuntime,
  telemetry: CallTelemetry = NO_CALL_TELEMETRY,
): UntypedServiceImplementation {
  const buffers = new ResponseBufferPool();
  return {
    appendFinalSlot: unary<Buffer, AppendFinalSlotResponse>(
      runtime,
      'AppendFinalSlot',
      reporting(telemetry, async (request) => {
        const queuedAt = performance.now();
        // Every request arrives encoded (wire-service.ts).
        const result = await runtime.core().writer.appendEncoded(request);
        if (isCommittedSlot(result)) telemetry.onCommitted(performance.now() - queuedAt);
        return {
          slot: wireSlot(result.slot),
          stateDigest: result.digest,
          duplicate: result.kind === 'duplicate',
        };
      }),
    ),

    ingestFinalSlots: ingestFinalSlots(runtime, telemetry),

    readStatePart: unary<Buffer, PooledBytes>(
      runtime,
      'ReadStatePart',
      reporting(telemetry, async (bytes) => {
        const request = decodeReadStatePartRequest(bytes);
        const core = runtime.core();
        // Answered encoded (wire-service.ts): entries go from storage into the response once.
        const part = readStatePart(core.storage, request, core.config.maxMessageBytes, buffers);
        return part.encode(await digestOfLanes(part.lanes));
      }),
    ),

    streamChanges: serverStream<Buffer>(
      runtime,
      'StreamChanges',
      reporting(telemetry, async (bytes, context) => {
        const request = decodeStreamChangesRequest(bytes);
        const core = runtime.core();
        const query = checkStreamChangesRequest(request, core.config.threadCount);
        await streamHistory(core, context, { ...query, followNewest: false }, context.signal);
      }),
    ),

    watchFinalSlots: serverStream<Buffer>(
      runtime,
      'WatchFinalSlots',
      reporting(telemetry, async (bytes, context) => {
        const request = decodeWatchFinalSlotsRequest(bytes);
        const core = runtime.core();
        const after = checkWatchRequest(request, core.config.threadCount);
        // Subscribe before reading the history: a slot committed meanwhile is either in the
        // catch-up or in the live queue (or both: skipped below), never in neither.
        const subscription = core.hub.subscribe();
        const linked = linkSignals([context.signal, subscription.signal]);
        const signal = linked.signal;
        try {
          let last =
            after === undefined
              ? undefined
              : await streamHistory(
                  core,
                  context,
                  { after, until: undefined, maxKey: undefined, followNewest: true },
                  signal,
                );
          for (;;) {
            const item = await subscription.next(signal);
            if (last !== undefined && compareSlots(item.slot, last) <= 0) continue;
            await context.write(item.encoded, signal);
            last = item.slot;
          }
        } finally {
          linked.dispose();
          subscription.close();
        }
      }),
    ),

    getStatus: unary<Buffer, HistoryStoreStatus>(
      runtime,
      'GetStatus',
      reporting(telemetry, async (bytes) => {
        decodeGetStatusRequest(bytes);
        const core = runtime.core();
        const status = readStatus(core.storage);
        return {
          oldestSlot: wireSlot(status.oldestSlot),
          newestSlot: wireSlot(status.newestSlot),
          finalHistoryLength: core.retention.finalHistoryLength,
          effectiveHistoryLength: status.effectiveHistoryLength,
          entryCount: status.entryCount,
          stateBytes: status.stateBytes,
          historyBytes: status.historyBytes,
          stateDigest: await digestOfLanes(status.lanes),
          threadCount: status.threadCount,
          version: historyStoreVersion(),
        };
      }),
    ),
  };
}

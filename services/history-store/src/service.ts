/**
 * The HistoryStore RPC handlers: thin adapters from requests to the writer, the readers and the
 * watch hub. They throw domain errors only; the rpc package maps them (one table).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { compareSlots, type Slot } from '@massa-bootstrap/core';
import type {
  AppendFinalSlotResponse,
  GetStatusRequest,
  HistoryStoreStatus,
  ReadStatePartRequest,
  ReadStatePartResponse,
  SlotChanges,
  StreamChangesRequest,
  WatchFinalSlotsRequest,
} from '@massa-bootstrap/proto';
import { linkSignals, serverStream, unary, type StreamContext } from './call-kit';
import { ingestFinalSlots } from './ingest-call';
import { filterEncodedToMaxKey, readChangesChunk } from './reads/changes';
import { digestOfLanes } from './reads/lanes-digest';
import { readStatePart } from './reads/state-part';
import { readStatus } from './reads/status';
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

/** The HistoryStore implementation bound to `runtime`. */
export function historyStoreHandlers(runtime: StoreRuntime): UntypedServiceImplementation {
  return {
    appendFinalSlot: unary<SlotChanges, AppendFinalSlotResponse>(
      runtime,
      'AppendFinalSlot',
      async (request) => {
        const result = await runtime.core().writer.append(request);
        return {
          slot: wireSlot(result.slot),
          stateDigest: result.digest,
          duplicate: result.kind === 'duplicate',
        };
      },
    ),

    ingestFinalSlots: ingestFinalSlots(runtime),

    readStatePart: unary<ReadStatePartRequest, ReadStatePartResponse>(
      runtime,
      'ReadStatePart',
      async (request) => {
        const core = runtime.core();
        const part = readStatePart(core.storage, request, core.config.maxMessageBytes);
        return {
          slot: wireSlot(part.slot),
          lastKey: part.lastKey,
          entries: part.entries,
          complete: part.complete,
          stateDigest: await digestOfLanes(part.lanes),
        };
      },
    ),

    streamChanges: serverStream<StreamChangesRequest>(
      runtime,
      'StreamChanges',
      async (request, context) => {
        const core = runtime.core();
        const query = checkStreamChangesRequest(request, core.config.threadCount);
        await streamHistory(core, context, { ...query, followNewest: false }, context.signal);
      },
    ),

    watchFinalSlots: serverStream<WatchFinalSlotsRequest>(
      runtime,
      'WatchFinalSlots',
      async (request, context) => {
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
      },
    ),

    getStatus: unary<GetStatusRequest, HistoryStoreStatus>(runtime, 'GetStatus', async () => {
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
  };
}

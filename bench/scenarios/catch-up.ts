/**
 * catch-up: StreamFinalChanges through the gateway from 600 slots back (1,000 changes per slot
 * in the full run), read raw by a client with an 8 MiB window: slots/s and MB/s. Baseline: the
 * same history bytes read from the store directly (StreamChanges, one hop, same client).
 */
import { StreamChangesRequest, StreamFinalChangesRequest } from '@massa-bootstrap/proto';
import type { BenchContext } from '../lib/context';
import {
  BULK_WINDOW_OPTIONS,
  PATHS,
  drainStream,
  ingestEncoded,
  rawClient,
  rawServerStream,
  type DrainResult,
} from '../lib/grpc-raw';
import { measurement } from '../lib/report';
import { gatewayOf, startStack } from '../lib/stack';
import { MB, median } from '../lib/stats';
import {
  encodeSlotChanges,
  seededRandom,
  slotAfterGenesis,
  updateSlot,
  type StateShape,
} from '../lib/workload';
import type { Scenario, ScenarioOutcome } from './scenario';

const SCENARIO = 'catch-up';
const SLOTS_BACK = 600;

async function drain(address: string, path: string, request: Buffer): Promise<DrainResult> {
  const client = rawClient(address, BULK_WINDOW_OPTIONS);
  try {
    const result = await drainStream(rawServerStream(client, path, request));
    if (result.error) throw result.error;
    return result;
  } finally {
    client.close();
  }
}

/** See the module comment. */
export const catchUp: Scenario = {
  name: SCENARIO,
  summary:
    'StreamFinalChanges from 600 slots back through the gateway vs StreamChanges on the store',
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const shape: StateShape = { entries: ctx.quick ? 20_000 : 100_000, valueBytes: 100 };
    const changes = ctx.quick ? 20 : 1000;
    const stack = await startStack(ctx, {
      shape,
      label: 'catch-up',
      finalHistoryLength: SLOTS_BACK,
      gateway: {},
    });
    const { store } = stack;
    const gateway = gatewayOf(stack);
    const total = SLOTS_BACK + 10;
    const random = seededRandom(600);
    const started = performance.now();
    // In batches, so that the encoded slots never all sit in memory at once.
    for (let first = 1; first <= total; first += 100) {
      const encoded: Buffer[] = [];
      for (let offset = first; offset < Math.min(first + 100, total + 1); offset++) {
        encoded.push(encodeSlotChanges(updateSlot(shape, offset, changes, random)));
      }
      await ingestEncoded(store.address, encoded);
    }
    ctx.log(
      `${SCENARIO}: ${total} slots x ${changes} changes ingested in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const after = slotAfterGenesis(total - SLOTS_BACK);
    const newest = slotAfterGenesis(total);
    const oursRequest = Buffer.from(
      StreamFinalChangesRequest.encode({ afterSlot: after, follow: false }).finish(),
    );
    const baseRequest = Buffer.from(
      StreamChangesRequest.encode({ afterSlot: after, untilSlot: newest }).finish(),
    );
    const runs = ctx.quick ? 1 : Math.max(5, ctx.repetitions);
    const ours: DrainResult[] = [];
    const base: DrainResult[] = [];
    for (let r = 0; r < runs; r++) {
      base.push(await drain(store.address, PATHS.streamChanges, baseRequest));
      ours.push(await drain(gateway.address, PATHS.streamFinalChanges, oursRequest));
    }
    for (const result of [...ours, ...base]) {
      if (result.messages !== SLOTS_BACK)
        throw new Error(`catch-up streamed ${result.messages} slots, expected ${SLOTS_BACK}`);
    }
    const perS = (r: DrainResult): number => r.messages / (r.durationMs / 1000);
    const mbPerS = (r: DrainResult): number => r.bytes / MB / (r.durationMs / 1000);
    return {
      rows: [
        measurement(
          SCENARIO,
          'slots_per_s',
          median(ours.map(perS)),
          'slots/s',
          median(base.map(perS)),
        ),
        measurement(
          SCENARIO,
          'mb_per_s',
          median(ours.map(mbPerS)),
          'MB/s',
          median(base.map(mbPerS)),
        ),
      ],
      notes: [
        `${SLOTS_BACK} slots x ${changes} changes (71-byte keys, 100-byte values) = ${((ours[0]?.bytes ?? 0) / MB).toFixed(1)} MB of SlotChanges; ` +
          `medians of ${runs} runs; raw clients (no decoding), 8 MiB window; at 0.5 s per slot these ${SLOTS_BACK} slots are ${SLOTS_BACK / 2} s of chain`,
      ],
    };
  },
};

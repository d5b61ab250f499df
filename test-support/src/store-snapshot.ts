/**
 * Reads everything a history-store holds through its public RPCs (GetStatus, then every
 * ReadStatePart until `complete`) and recomputes the state digest from scratch, so a test can
 * compare the store's incremental digest with a full recomputation and detect any change.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { compareSlots, createStateDigest, formatSlot, type Slot } from '@massa-bootstrap/core';
import type {
  HistoryStoreClient,
  HistoryStoreStatus,
  ReadStatePartResponse,
  StateEntry,
} from '@massa-bootstrap/proto';

/** What {@link readStoreSnapshot} read. */
export interface StoreSnapshot {
  /** GetStatus before the read. */
  readonly status: HistoryStoreStatus;
  /** Every entry, in key order. */
  readonly entries: StateEntry[];
  /** The slot every part was read at (they must all agree: no ingest during the read). */
  readonly slot: Slot | undefined;
  /** The digest of the last part (the store's digest at `slot`). */
  readonly partDigest: Buffer;
  /** The digest recomputed from `entries` alone. */
  readonly recomputedDigest: Buffer;
  /** ReadStatePart calls made. */
  readonly parts: number;
}

function readPart(
  client: HistoryStoreClient,
  afterKey: Buffer,
  maxBytes: number,
): Promise<ReadStatePartResponse> {
  return new Promise((resolve, reject) => {
    client.readStatePart({ afterKey, maxBytes, maxEntries: 0 }, (err: ServiceError | null, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** GetStatus as a promise. */
export function storeStatus(client: HistoryStoreClient): Promise<HistoryStoreStatus> {
  return new Promise((resolve, reject) => {
    client.getStatus({}, (err: ServiceError | null, res) => (err ? reject(err) : resolve(res)));
  });
}

/**
 * Reads the whole state in parts of `maxBytes` and recomputes its digest. Throws when two
 * parts were read at different slots (the caller must pause ingest while reading).
 */
export async function readStoreSnapshot(
  client: HistoryStoreClient,
  maxBytes = 1024 * 1024,
): Promise<StoreSnapshot> {
  const status = await storeStatus(client);
  const entries: StateEntry[] = [];
  let afterKey: Buffer = Buffer.alloc(0);
  let slot: Slot | undefined;
  let partDigest: Buffer = Buffer.alloc(0);
  let parts = 0;
  for (;;) {
    const part = await readPart(client, afterKey, maxBytes);
    parts += 1;
    if (parts === 1) slot = part.slot;
    else if (
      (slot === undefined) !== (part.slot === undefined) ||
      (slot !== undefined && part.slot !== undefined && compareSlots(slot, part.slot) !== 0)
    ) {
      throw new Error(
        `state parts read at different slots (${formatSlot(slot)} then ${formatSlot(part.slot)}): ingest was running`,
      );
    }
    entries.push(...part.entries);
    partDigest = part.stateDigest;
    if (part.complete) break;
    afterKey = part.lastKey;
  }
  const digest = await createStateDigest();
  digest.addMany(entries);
  return { status, entries, slot, partDigest, recomputedDigest: digest.digest(), parts };
}

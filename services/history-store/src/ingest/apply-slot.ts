/**
 * The ingest rules, run inside one storage write unit per slot (or genesis chunk): ordering,
 * idempotent replay, genesis, state + digest update, history entry, retention trim, metadata.
 * Everything here is synchronous and engine-agnostic. A rule that refuses throws a domain
 * error; the unit is then rolled back as a whole by the storage.
 */
import {
  SlotRejectedError,
  changeValue,
  compareSlots,
  formatSlot,
  slotEquals,
  type Slot,
} from '@massa-bootstrap/core';
import { SlotChanges, type KeyChange } from '@massa-bootstrap/proto';
import { oldestAvailableSlot } from '../history-window';
import type { StorageWriter, StoreMeta } from '../storage/history-storage';
import { encodeHistoryEntry, type SlotRequest } from './slot-request';
import {
  applyToState,
  begin,
  checkDigest,
  finish,
  type ApplyContext,
  type GenesisOwner,
  type Ingested,
  type Work,
} from './unit-work';

export { LostCommitError } from './unit-work';
export type { ApplyContext, GenesisOwner, Ingested, WriterTip } from './unit-work';

/** Removes an unsealed genesis left by a stream that is gone: back to an empty store. */
function wipeUnsealedGenesis(writer: StorageWriter, work: Work): void {
  writer.clearState();
  work.digest.clear();
  Object.assign(work.meta, {
    pendingGenesis: undefined,
    newestSlot: undefined,
    baseSlot: undefined,
    entryCount: 0,
    stateBytes: 0,
  });
}

function rejected(
  writer: StorageWriter,
  meta: StoreMeta,
  reason: 'SLOT_NOT_NEXT' | 'SLOT_CONFLICT',
  slot: Slot,
  detail: string,
): SlotRejectedError {
  return new SlotRejectedError(
    reason,
    slot,
    meta.newestSlot,
    oldestAvailableSlot(writer, meta),
    detail,
  );
}

function sameChanges(a: readonly KeyChange[], b: readonly KeyChange[]): boolean {
  if (a.length !== b.length) return false;
  const byKey = new Map<string, KeyChange>();
  for (const change of a) byKey.set(Buffer.from(change.key).toString('latin1'), change);
  return b.every((change) => {
    const other = byKey.get(Buffer.from(change.key).toString('latin1'));
    if (other === undefined) return false;
    const x = changeValue(other);
    const y = changeValue(change);
    return x === undefined || y === undefined ? x === y : Buffer.from(x).equals(y);
  });
}

/** A slot at or below the newest: an identical replay is a duplicate, anything else refused. */
function replay(
  writer: StorageWriter,
  ctx: ApplyContext,
  meta: StoreMeta,
  message: SlotChanges,
  slot: Slot,
): Ingested {
  const newest = meta.newestSlot!;
  const base = meta.baseSlot!;
  if (slotEquals(slot, newest) && slotEquals(slot, base)) {
    // The genesis is the newest slot and has no history entry: compare with the state.
    const holds = message.changes.every((change) => {
      const value = changeValue(change);
      const current = writer.getState(change.key);
      return value === undefined
        ? current === undefined
        : current !== undefined && current.equals(value);
    });
    const digest = ctx.tip.digest.digest();
    if (holds && (message.stateDigest.length === 0 || digest.equals(message.stateDigest))) {
      return { kind: 'duplicate', slot, digest };
    }
    throw rejected(
      writer,
      meta,
      'SLOT_CONFLICT',
      slot,
      'it differs from the genesis state stored for this slot',
    );
  }
  const stored = writer.getHistory(slot);
  if (stored !== undefined) {
    const previous = SlotChanges.decode(stored);
    if (
      sameChanges(previous.changes, message.changes) &&
      (message.stateDigest.length === 0 || previous.stateDigest.equals(message.stateDigest))
    ) {
      return { kind: 'duplicate', slot, digest: previous.stateDigest };
    }
    throw rejected(
      writer,
      meta,
      'SLOT_CONFLICT',
      slot,
      'a slot with different changes is stored for it',
    );
  }
  const why =
    compareSlots(slot, base) <= 0
      ? `it is no longer retained (history holds slots after ${formatSlot(base)})`
      : `slots must be strictly after the newest stored slot ${formatSlot(newest)}`;
  throw rejected(writer, meta, 'SLOT_NOT_NEXT', slot, why);
}

function appendNext(
  writer: StorageWriter,
  ctx: ApplyContext,
  work: Work,
  request: SlotRequest,
  slot: Slot,
): Ingested {
  const message = request.message;
  applyToState(writer, work, message.changes, false);
  const digest = checkDigest(work, message.stateDigest);
  const encoded = encodeHistoryEntry(request, slot, digest);
  writer.putHistory(slot, encoded);
  const meta = work.meta;
  meta.historyCount += 1;
  meta.historyBytes += encoded.length;
  meta.newestSlot = slot;
  const keep = Math.max(
    1,
    ctx.retention.slotsToKeep({
      newestSlot: slot,
      historyCount: meta.historyCount,
      historyBytes: meta.historyBytes,
    }),
  );
  trimHistory(writer, work, keep);
  finish(writer, ctx, work);
  return { kind: 'appended', slot, digest, encoded };
}

/** Drops the oldest entries until `keep` remain; the base moves to the newest dropped slot. */
function trimHistory(writer: StorageWriter, work: Work, keep: number): void {
  const meta = work.meta;
  const excess = meta.historyCount - keep;
  if (excess <= 0) return;
  const doomed: { slot: Slot; bytes: number }[] = [];
  for (const entry of writer.historyBetween(undefined, undefined)) {
    doomed.push({ slot: entry.slot, bytes: entry.encoded.length });
    if (doomed.length === excess) break;
  }
  for (const { slot, bytes } of doomed) {
    writer.deleteHistory(slot);
    meta.historyCount -= 1;
    meta.historyBytes -= bytes;
    meta.baseSlot = slot;
  }
}

function startGenesis(
  writer: StorageWriter,
  ctx: ApplyContext,
  work: Work,
  message: SlotChanges,
  slot: Slot,
  owner: GenesisOwner | undefined,
): Ingested {
  applyToState(writer, work, message.changes, false);
  const digest = checkDigest(work, message.stateDigest);
  if (owner === undefined) {
    work.meta.newestSlot = slot;
    work.meta.baseSlot = slot;
  } else {
    work.meta.pendingGenesis = slot;
  }
  work.owner = owner;
  finish(writer, ctx, work);
  return { kind: 'genesis', slot, digest, sealed: owner === undefined };
}

/**
 * Applies one slot (or genesis chunk) sent by `owner` (an ingest stream; undefined for a unary
 * append, whose genesis is sealed at once). The message must have passed slotChangesProblems().
 */
export function applySlot(
  writer: StorageWriter,
  ctx: ApplyContext,
  request: SlotRequest,
  owner: GenesisOwner | undefined,
): Ingested {
  const message = request.message;
  const work = begin(writer, ctx);
  const slot: Slot = { period: message.slot!.period, thread: message.slot!.thread };
  const pending = work.meta.pendingGenesis;
  if (pending !== undefined) {
    const ours = owner !== undefined && ctx.genesisOwner === owner;
    if (ours && slotEquals(slot, pending)) {
      // One more chunk of our genesis: every key must be new.
      applyToState(writer, work, message.changes, true);
      const digest = checkDigest(work, message.stateDigest);
      finish(writer, ctx, work);
      return { kind: 'genesis', slot, digest, sealed: false };
    }
    if (ours) {
      sealInto(work);
      work.owner = undefined;
    } else if (ctx.genesisOwner?.alive) {
      throw new SlotRejectedError(
        'SLOT_NOT_NEXT',
        slot,
        undefined,
        undefined,
        `another stream is ingesting the genesis of slot ${formatSlot(pending)}`,
      );
    } else {
      // The producer of that genesis is gone (crash, cancel): start over.
      wipeUnsealedGenesis(writer, work);
      work.owner = undefined;
    }
  }
  if (work.meta.newestSlot === undefined)
    return startGenesis(writer, ctx, work, message, slot, owner);
  if (compareSlots(slot, work.meta.newestSlot) > 0)
    return appendNext(writer, ctx, work, request, slot);
  return replay(writer, ctx, work.meta, message, slot);
}

function sealInto(work: Work): void {
  const slot = work.meta.pendingGenesis!;
  work.meta.pendingGenesis = undefined;
  work.meta.newestSlot = slot;
  work.meta.baseSlot = slot;
}

/**
 * Seals the unsealed genesis of `owner`, if any: from now on readers see it as the store's
 * newest slot. Returns undefined (and writes nothing) when `owner` has none.
 */
export function sealGenesis(
  writer: StorageWriter,
  ctx: ApplyContext,
  owner: GenesisOwner,
): Ingested | undefined {
  const work = begin(writer, ctx);
  if (work.meta.pendingGenesis === undefined || ctx.genesisOwner !== owner) return undefined;
  const slot = work.meta.pendingGenesis;
  sealInto(work);
  work.owner = undefined;
  finish(writer, ctx, work);
  return { kind: 'genesis', slot, digest: work.digest.digest(), sealed: true };
}

/** Trims the history to the policy (after the configured length shrank); writes nothing otherwise. */
export function applyRetention(writer: StorageWriter, ctx: ApplyContext): number {
  const work = begin(writer, ctx);
  const newest = work.meta.newestSlot;
  if (newest === undefined) return 0;
  const keep = Math.max(
    1,
    ctx.retention.slotsToKeep({
      newestSlot: newest,
      historyCount: work.meta.historyCount,
      historyBytes: work.meta.historyBytes,
    }),
  );
  const before = work.meta.historyCount;
  if (before <= keep) return 0;
  trimHistory(writer, work, keep);
  finish(writer, ctx, work);
  return before - work.meta.historyCount;
}

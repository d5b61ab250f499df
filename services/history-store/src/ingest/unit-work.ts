/**
 * One write unit's working state: the metadata and digest it changes, committed to the
 * writer's in-memory tip only when the unit completes. Shared by the ingest rules.
 */
import { changeValue, invalidArgument, type Slot, type StateDigest } from '@massa-bootstrap/core';
import type { KeyChange } from '@massa-bootstrap/proto';
import type { RetentionPolicy } from '../retention';
import type { StorageWriter, StoreMeta } from '../storage/history-storage';

/**
 * The writer's view of the last applied unit, kept in memory so the digest need not be
 * rebuilt from the stored lanes for every slot. Replaced only when a unit succeeds.
 */
export interface WriterTip {
  /** Digest of the state after the last applied unit (equals the stored lanes). */
  digest: StateDigest;
  /** commit_seq written by the last applied unit. */
  commitSeq: number;
}

/** Identifies an ingest stream (for chunked genesis ownership). */
export interface GenesisOwner {
  /** False once the stream ended, failed or was cancelled. */
  readonly alive: boolean;
}

/** What the rules need besides the storage. */
export interface ApplyContext {
  readonly retention: RetentionPolicy;
  readonly tip: WriterTip;
  /** The stream whose chunked genesis is on disk unsealed, if it is still ours to continue. */
  genesisOwner: GenesisOwner | undefined;
}

/** The result of one applied unit. */
export type Ingested =
  /** A new slot: committed to state and history; `encoded` is the stored history entry. */
  | {
      readonly kind: 'appended';
      readonly slot: Slot;
      readonly digest: Buffer;
      readonly encoded: Buffer;
    }
  /** A replay of a stored slot with identical content: nothing written. */
  | { readonly kind: 'duplicate'; readonly slot: Slot; readonly digest: Buffer }
  /** Genesis state written; `sealed` false while more chunks may follow. */
  | {
      readonly kind: 'genesis';
      readonly slot: Slot;
      readonly digest: Buffer;
      readonly sealed: boolean;
    };

/**
 * The store's metadata no longer matches the writer's memory: a commit was lost (an I/O
 * failure) or another process wrote. Writing further would corrupt the store.
 */
export class LostCommitError extends Error {
  constructor(expected: number, found: number) {
    super(
      `storage commit sequence is ${found}, the writer expected ${expected}: a commit was lost`,
    );
    this.name = 'LostCommitError';
  }
}

/** Mutable copy of the metadata and digest a unit works on; committed to the tip at the end. */
export interface Work {
  meta: { -readonly [K in keyof StoreMeta]: StoreMeta[K] };
  digest: StateDigest;
  /** The genesis owner once the unit commits. */
  owner: GenesisOwner | undefined;
}

/** Starts a unit: checks that no commit was lost and copies the tip. */
export function begin(writer: StorageWriter, ctx: ApplyContext): Work {
  const meta = writer.meta();
  if (meta.commitSeq !== ctx.tip.commitSeq)
    throw new LostCommitError(ctx.tip.commitSeq, meta.commitSeq);
  return { meta: { ...meta }, digest: ctx.tip.digest.clone(), owner: ctx.genesisOwner };
}

/** Ends a unit that wrote: persists the metadata and moves the in-memory tip. */
export function finish(writer: StorageWriter, ctx: ApplyContext, work: Work): void {
  work.meta.commitSeq += 1;
  work.meta.lanes = work.digest.lanes();
  work.meta.finalHistoryLength = ctx.retention.finalHistoryLength;
  writer.setMeta(work.meta);
  // Last statements: nothing may throw once the in-memory view moved.
  ctx.tip.digest = work.digest;
  ctx.tip.commitSeq = work.meta.commitSeq;
  ctx.genesisOwner = work.owner;
}

/**
 * Applies `changes` to the state, the digest and the counters of `work`; with `rejectExisting`,
 * a key already present is refused (genesis chunks). `changes` must have distinct keys.
 */
export function applyToState(
  writer: StorageWriter,
  work: Work,
  changes: readonly KeyChange[],
  rejectExisting: boolean,
): void {
  const meta = work.meta;
  const existed = new Uint8Array(changes.length);
  // Every old value is read, and hashed out of the digest, before anything is written: a peeked
  // value is valid only until the next read, and a unit that reads before it writes never needs
  // its own writes back (see storage/unit-buffer.ts). Keys are distinct, so the order of reads
  // and writes does not change the result.
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    const value = changeValue(change);
    const old = writer.peekState(change.key);
    if (old === undefined) {
      if (value === undefined) continue; // deleting an absent key changes nothing
      work.digest.add(change.key, value);
      meta.entryCount += 1;
      meta.stateBytes += change.key.length + value.length;
      continue;
    }
    if (rejectExisting) {
      throw invalidArgument(
        `changes[${i}].key`,
        'key already set by an earlier chunk of this genesis',
      );
    }
    existed[i] = 1;
    work.digest.replace(change.key, old, value);
    if (value === undefined) {
      meta.entryCount -= 1;
      meta.stateBytes -= change.key.length + old.length;
    } else {
      meta.stateBytes += value.length - old.length;
    }
  }
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    const value = changeValue(change);
    if (value !== undefined) writer.putState(change.key, value);
    else if (existed[i] === 1) writer.deleteState(change.key);
  }
}

/** The digest after the unit; refuses a non-empty `sent` digest that differs from it. */
export function checkDigest(work: Work, sent: Uint8Array): Buffer {
  const computed = work.digest.digest();
  if (sent.length > 0 && !computed.equals(sent)) {
    throw invalidArgument(
      'state_digest',
      `does not match the digest the store computes after this slot (${computed.toString('hex')})`,
    );
  }
  return computed;
}

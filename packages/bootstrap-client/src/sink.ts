import type { Cursor, SlotChanges, StateEntry } from '@massa-bootstrap/proto';

/** What a sink remembers between runs: where the bootstrap stands and the digest lanes. */
export interface SinkSnapshot {
  /** The last cursor applied; undefined for an empty sink. */
  readonly cursor?: Cursor;
  /** The 2048-byte LtHash lanes of the held state; undefined for an empty sink. */
  readonly digestLanes?: Buffer;
}

/**
 * One unit of work for a sink: what a `BootstrapPart` (or a followed slot) carries. Its buffers
 * belong to the caller: a sink copies (or writes out) what it keeps and never modifies them.
 * The Bootstrapper passes entry keys and values that are views of the received gRPC message
 * (not copies), so keeping one of them keeps the whole message in memory.
 */
export interface SinkPart {
  /** Slots to apply first, oldest first. */
  readonly changes: readonly SlotChanges[];
  /** State entries to apply second: in strictly increasing key order, all after the held cursor. */
  readonly entries: readonly StateEntry[];
  /** The cursor to persist with the data. */
  readonly cursor: Cursor;
  /**
   * When set, the part is committed only if the sink's digest after it equals this value;
   * otherwise `applyPart` throws `DigestMismatchError` and the sink is left exactly as it was.
   * A persisted complete cursor therefore always describes a verified state.
   */
  readonly expectedDigest?: Buffer;
}

/** A key/value pair held by a sink. */
export interface SinkEntry {
  readonly key: Buffer;
  readonly value: Buffer;
}

/**
 * Where a bootstrap writes the state. Implementations guarantee:
 * - `applyPart` is atomic: changes, entries, cursor and digest lanes all become visible (and
 *   durable, for a persistent sink) together before the promise resolves, or none of them do
 *   (the promise then rejects and the sink is unchanged);
 * - `clear` removes everything — entries, cursor, digest — leaving no row behind;
 * - `digest()` is the digest of exactly the entries held.
 * One bootstrap at a time per sink; calls must not overlap.
 */
export interface StateSink {
  /** Opens/reads the persisted position. Must be called once before anything else. */
  load(): Promise<SinkSnapshot>;
  /** Applies `part.changes`, then `part.entries`, updates the digest and persists the cursor. */
  applyPart(part: SinkPart): Promise<void>;
  /** Wipes entries, cursor and digest (durably, for a persistent sink). */
  clear(): Promise<void>;
  /** The 32-byte digest of the held state. */
  digest(): Buffer;
  /** The number of entries held. */
  entryCount(): number;
  /** The cursor of the last applied part, undefined when empty. */
  cursor(): Cursor | undefined;
  /** Every held entry in bytewise key order (for re-verification and inspection). */
  entries(): Iterable<SinkEntry>;
  /** Releases resources; the sink cannot be used afterwards. */
  close(): Promise<void>;
}

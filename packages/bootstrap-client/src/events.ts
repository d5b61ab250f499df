import type { Slot } from '@massa-bootstrap/core';
import type { SlotTooOldInfo } from './errors';

/** A session (one gRPC call) starts. */
export interface SessionEvent {
  /** The gateway address. */
  readonly target: string;
  /** 'bootstrap' streams state parts; 'changes' (StreamFinalChanges) catches a complete state up. */
  readonly mode: 'bootstrap' | 'changes';
  /** The slot of the cursor the session resumes from; undefined for a fresh bootstrap. */
  readonly resumeFrom: Slot | undefined;
  /** Entries already held by the sink. */
  readonly sinkEntries: number;
}

/** A part was applied and is durable in the sink. */
export interface PartEvent {
  readonly target: string;
  /** The slot the sink is now at. */
  readonly slot: Slot;
  /** State entries in this part. */
  readonly entries: number;
  /** Key changes (all slots) in this part. */
  readonly changes: number;
  /** Key + value bytes of the entries and changes of this part. */
  readonly bytes: number;
  /** Entries received since `bootstrap()` was called (all sessions). */
  readonly totalEntries: number;
  /** Bytes received since `bootstrap()` was called (all sessions). */
  readonly totalBytes: number;
  /** Entries the sink holds now. */
  readonly sinkEntries: number;
  /** True on the part that completed the state. */
  readonly complete: boolean;
}

/** Progress towards a complete state (after each part, and when an estimate arrives). */
export interface ProgressEvent {
  /** Entries the sink holds. */
  readonly sinkEntries: number;
  /** Entries / bytes received by this run. */
  readonly totalEntries: number;
  readonly totalBytes: number;
  /** The gateway's entry count and state bytes (GetStatus), when known. */
  readonly estimatedEntries: number | undefined;
  readonly estimatedBytes: number | undefined;
  readonly resets: number;
  readonly retries: number;
  /** Milliseconds since `bootstrap()` was called. */
  readonly elapsedMs: number;
}

/** The sink was wiped and the bootstrap starts over. */
export interface ResetEvent {
  /** 'slot-too-old': the server's history moved past the cursor; 'integrity': digest mismatch. */
  readonly reason: 'slot-too-old' | 'integrity';
  /** Resets of this reason so far, this one included. */
  readonly count: number;
  readonly target: string;
  /** The decoded SlotTooOld detail (reason 'slot-too-old'). */
  readonly slotTooOld?: SlotTooOldInfo;
  /** What went wrong, for logs. */
  readonly message: string;
  /** Entries wiped from the sink. */
  readonly wipedEntries: number;
}

/** A session failed with a retryable status; the next one starts after `delayMs`. */
export interface RetryEvent {
  /** The gRPC code of the failure. */
  readonly code: number | undefined;
  /** ErrorInfo reason, when the status had one (e.g. 'SLOT_IN_FUTURE', 'TOO_MANY_BOOTSTRAPS'). */
  readonly reason: string | undefined;
  readonly message: string;
  readonly delayMs: number;
  /** The gateway that failed. */
  readonly target: string;
  /** The gateway tried next. */
  readonly nextTarget: string;
  /** Consecutive failures without progress, this one included. */
  readonly attempt: number;
}

/** The sink holds the complete state at `slot` and its digest equals the server's. */
export interface VerifiedEvent {
  readonly slot: Slot;
  readonly entries: number;
  /** The 32-byte state digest. */
  readonly digest: Buffer;
  readonly target: string;
  /** Entries / bytes received by this run (fewer than `entries` after a resume). */
  readonly totalEntries: number;
  readonly totalBytes: number;
}

/** A final slot was applied to a complete state and its digest matched. */
export interface FollowedEvent {
  readonly slot: Slot;
  /** Key changes of the slot. */
  readonly changes: number;
  readonly entries: number;
  readonly digest: Buffer;
  readonly target: string;
}

/** Every event of a {@link Bootstrapper} with its argument. */
export interface BootstrapEvents {
  session: [SessionEvent];
  part: [PartEvent];
  progress: [ProgressEvent];
  reset: [ResetEvent];
  retry: [RetryEvent];
  verified: [VerifiedEvent];
  followed: [FollowedEvent];
}

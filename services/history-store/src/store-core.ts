import type { HistoryStoreConfig } from './config';
import type { SlotWriter } from './ingest/slot-writer';
import type { Logger } from './logger';
import type { RetentionPolicy } from './retention';
import type { HistoryStorage } from './storage/history-storage';
import type { WatchHub } from './watch-hub';

/** The parts of an open store the RPC handlers use. */
export interface StoreCore {
  readonly config: HistoryStoreConfig;
  readonly storage: HistoryStorage;
  readonly writer: SlotWriter;
  readonly hub: WatchHub;
  readonly retention: RetentionPolicy;
}

/** Something to end when the server shuts down (an ingest stream). */
export interface ShutdownParticipant {
  /** Ends the call with UNAVAILABLE / SHUTTING_DOWN once its queued slots are durable. */
  shutdown(err: Error): void;
}

/** What the handlers see of the server around them. */
export interface StoreRuntime {
  /** The open store; throws UnavailableError while the storage is opening or the server stops. */
  core(): StoreCore;
  /** Aborted (reason: UnavailableError SHUTTING_DOWN) when the server starts shutting down. */
  readonly shutdownSignal: AbortSignal;
  readonly logger: Logger;
  /** Open ingest streams, ended on shutdown. */
  readonly ingestCalls: Set<ShutdownParticipant>;
}

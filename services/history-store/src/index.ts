/**
 * The history-store service: durable final state and bounded per-slot change history on LMDB,
 * served over gRPC (massa.bootstrap.v1.HistoryStore). Start one with startHistoryStore().
 */
export { startHistoryStore } from './server';
export type { HistoryStoreHandle, HistoryStoreHooks } from './server';
export { ConfigError, DEFAULTS, SETTINGS, optionsFromEnv, resolveConfig } from './config';
export type {
  HistoryStoreConfig,
  HistoryStoreOptions,
  LogLevel,
  SettingName,
  SettingSpec,
} from './config';
export { FixedLengthRetention } from './retention';
export type { RetentionContext, RetentionPolicy } from './retention';
export { openLmdbStorage } from './storage/lmdb-storage';
export type { LmdbStorageOptions } from './storage/lmdb-storage';
export { emptyStoreMeta } from './storage/history-storage';
export type {
  HistoryStorage,
  StorageReader,
  StorageWriter,
  StoreMeta,
  StoredEntry,
  StoredSlot,
} from './storage/history-storage';
export type { WatchHubStats } from './watch-hub';

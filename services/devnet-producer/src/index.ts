/**
 * The devnet producer: a Massa-shaped genesis state and a seeded stream of final slots fed into
 * a history-store, reproducible from a seed.
 */
export { ConfigError, loadProducerConfig, resolveProducerConfig } from './config';
export type { LogLevel, ProducerConfig, ProducerOptions } from './config';
export { createLogger } from './logger';
export { DevnetProducer } from './producer';
export { ProducerFatalError } from './retry-policy';
export type { ProducerDeps, ProducerEvents, ProducerSettings } from './producer';
export { createDevnetPlan, slotAt, slotIndex } from './plan';
export type { ContractAccount, DevnetPlan, DevnetPlanOptions, RollingNamespace } from './plan';
export { chunkEntries, genesisEntries } from './genesis';
export type { ChunkLimits } from './genesis';
export { slotChanges } from './slot-generator';
export type { KeyValue } from './state-model';
export { SeededRandom } from './prng';
export { massaId } from './massa-ids';

/**
 * bootstrap-gateway: the public edge nodes bootstrap from. Runs the bootstrap algorithm
 * against the history-store with raw forwarding of state entries, admission control (access
 * lists, concurrency, per-IP interval, memory watermark), bounded per-session memory, one
 * shared upstream subscription for all followers, health, reflection and TLS.
 */
export {
  startGateway,
  gatewayVersion,
  GATEWAY_SERVICE_NAME,
  GATEWAY_SERVER_OPTIONS,
} from './server';
export type { RunningGateway, GatewayHooks } from './server';
export { loadGatewayConfig } from './env';
export type { RawSettings } from './env';
export { gatewaySettings } from './settings';
export {
  resolveGatewayConfig,
  defaultMemoryHighWatermarkMb,
  ConfigError,
  DEFAULT_PART_BYTES,
  MIN_PART_BYTES,
  MAX_PART_BYTES_LIMIT,
} from './config';
export type { GatewayConfig, GatewayOptions, LogLevel } from './config';
export { UPSTREAM_CHANNEL_OPTIONS } from './upstream';
export { gatewayServiceDefinition } from './service';
export type { GatewayCounters, SessionInfo } from './service';
export type { BootstrapSessionStats } from './bootstrap-session';
export type { FollowHubStats } from './follow-hub';
export type { MemorySampler } from './memory';
export {
  EncodedPart,
  PartSerializer,
  encodeBootstrapPart,
  scanSlotChanges,
  scanStatePart,
} from './wire';
export type { RawStatePart, RawSlotChanges, RawBootstrapPart } from './wire';

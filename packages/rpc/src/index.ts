/**
 * gRPC glue shared by both services and the client library: the error contract (one table,
 * rich details in `grpc-status-details-bin`) and its client-side decoding, server reflection
 * from the exact descriptor set, health, streaming helpers and credentials; and the services'
 * configuration machinery (one settings table: env + flags, checks, ConfigError).
 */
export {
  ERROR_CONTRACT,
  STATUS_DETAILS_KEY,
  StatusError,
  isErrorReason,
  sendStreamError,
  toStatus,
} from './error-contract';
export type { ErrorContractEntry, ErrorEndableCall, ErrorLogger } from './error-contract';
export { DETAIL_TYPE_NAMES, TYPE_URL_PREFIX, anyTypeName, packAny } from './error-details';
export type { DetailKind } from './error-details';
export { decodeBootstrapError, toDomainError } from './error-decode';
export type { DecodedBootstrapError } from './error-decode';
export { serverStreamHandler, unaryHandler } from './handlers';
export type { ServerStreamContext, UnaryContext } from './handlers';
export { CallEndedError, bindServer, callAbortSignal, writeWithBackpressure } from './streaming';
export type { BackpressureWritable, ServerCallLike } from './streaming';
export { DescriptorIndex } from './descriptor-index';
export { REFLECTION_SERVICE_NAMES, addReflectionService } from './reflection';
export type { ReflectionOptions } from './reflection';
export { HealthController, addHealthService } from './health';
export type { ServingStatus } from './health';
export { channelCredentials, serverCredentials } from './credentials';
export type { ChannelTlsOptions, ServerTlsOptions } from './credentials';
// The settings API also has its own entry point, @massa-bootstrap/rpc/settings, which loads no
// gRPC code (a service's command line is read before its telemetry starts).
export * from './settings-entry';
export type {
  CommandLineProgram,
  SettingFlagsOptions,
  SettingFlagsOutcome,
} from './settings-command-line';

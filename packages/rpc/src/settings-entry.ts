/**
 * `@massa-bootstrap/rpc/settings`: the services' settings table (env + flags, checks,
 * ConfigError) without the rest of this package, so that reading a command line loads no gRPC
 * code: a service must start its OpenTelemetry SDK before anything loads @grpc/grpc-js.
 */
export { ConfigError, LOG_LEVELS, SettingTable } from './settings';
export type {
  EnvironmentVariables,
  IntSettingKey,
  IntSettingSpec,
  ListSettingSpec,
  LogLevel,
  SettingKey,
  SettingKind,
  SettingSpec,
  SettingSpecs,
  SettingTableOptions,
  SettingTexts,
  SettingValues,
  TextSettingSpec,
} from './settings';
export { parseSettingFlags } from './settings-command-line';

import { accessSync, constants as fsConstants } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { parseCidrList } from './access-list';
import { SETTINGS, settingName as name } from './settings';

/** Smallest part size a client may ask for (64 KiB), and what sessions shrink to under pressure. */
export const MIN_PART_BYTES = 64 * 1024;
/** Largest part size a client may ask for (16 MiB). */
export const MAX_PART_BYTES_LIMIT = 16 * 1024 * 1024;
/** The part size used when the client asks for 0 and MAX_PART_BYTES is not set (1 MiB). */
export const DEFAULT_PART_BYTES = 1024 * 1024;

const MIB = 1024 * 1024;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A pino log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Everything the gateway can be told. Every field is optional; the documented default applies
 * when it is omitted. {@link resolveGatewayConfig} validates and fills it.
 */
export interface GatewayOptions {
  /** `GATEWAY_LISTEN`: host:port to serve on. Default `0.0.0.0:50052`. */
  listen?: string;
  /** `HISTORY_STORE_URL`: gRPC target of the history-store. Default `127.0.0.1:50051`. */
  historyStoreUrl?: string;
  /** `MAX_PART_BYTES`: part size when the client asks for 0, in [64 KiB, 16 MiB]. Default 1 MiB. */
  maxPartBytes?: number;
  /** `MAX_CONCURRENT_BOOTSTRAPS`: bootstraps served at once. Default 64. */
  maxConcurrentBootstraps?: number;
  /** `MEMORY_HIGH_WATERMARK_MB`: RSS above which new sessions are refused. Default 75 % of the V8 heap limit. */
  memoryHighWatermarkMb?: number;
  /** `PER_IP_MIN_INTERVAL_MS`: minimum time between two bootstraps from one IP; 0 = off. Default 0. */
  perIpMinIntervalMs?: number;
  /** `ALLOW_CIDRS`: when non-empty, only these networks may call. Default empty (everyone). */
  allowCidrs?: readonly string[];
  /** `DENY_CIDRS`: networks refused with PERMISSION_DENIED (checked before the allow list). */
  denyCidrs?: readonly string[];
  /** `BOOTSTRAP_TIMEOUT_MS`: time budget of one Bootstrap call until its state is complete. Default 20 min. */
  bootstrapTimeoutMs?: number;
  /** `THREAD_COUNT`: threads per period of the network. Default 32. */
  threadCount?: number;
  /** `LOG_LEVEL`: pino level. Default `info`. */
  logLevel?: LogLevel;
  /** `TLS_CERT_FILE`: PEM certificate chain; with the key, the gateway serves TLS. */
  tlsCertFile?: string;
  /** `TLS_KEY_FILE`: PEM private key of the gateway. */
  tlsKeyFile?: string;
  /** `TLS_CLIENT_CA_FILE`: PEM CA; when set, clients must present a certificate it signed (mTLS). */
  tlsClientCaFile?: string;
  /** `HISTORY_STORE_TLS_CA_FILE`: PEM CA that signed the history-store's certificate; enables TLS. */
  historyStoreTlsCaFile?: string;
  /** `HISTORY_STORE_TLS_CERT_FILE`: PEM client certificate for mTLS to the history-store. */
  historyStoreTlsCertFile?: string;
  /** `HISTORY_STORE_TLS_KEY_FILE`: PEM client key for mTLS to the history-store. */
  historyStoreTlsKeyFile?: string;
  /** `RETRY_DELAY_MS`: retry delay suggested in RetryInfo when busy or unavailable. Default 5000. */
  retryDelayMs?: number;
  /** `FOLLOW_BUFFER_BYTES`: live slots buffered per follower before it is moved to catch-up. Default 4 MiB. */
  followBufferBytes?: number;
  /** `SHUTDOWN_TIMEOUT_MS`: graceful shutdown budget before the server is forced down. Default 10000. */
  shutdownTimeoutMs?: number;
  /** `UPSTREAM_CHECK_INTERVAL_MS`: how often the history-store is probed for health. Default 2000. */
  upstreamCheckIntervalMs?: number;
  /** `MEMORY_CHECK_INTERVAL_MS`: how often RSS is sampled for the watermark. Default 500. */
  memoryCheckIntervalMs?: number;
}

/** The validated, fully-defaulted configuration passed down to every component. */
export type GatewayConfig = Required<Omit<GatewayOptions, TlsKeys>> & Pick<GatewayOptions, TlsKeys>;

type TlsKeys =
  | 'tlsCertFile'
  | 'tlsKeyFile'
  | 'tlsClientCaFile'
  | 'historyStoreTlsCaFile'
  | 'historyStoreTlsCertFile'
  | 'historyStoreTlsKeyFile';

/** A bad setting: the message names the environment variable (and flag). */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function defaultMemoryHighWatermarkMb(): number {
  return Math.max(1, Math.floor((getHeapStatistics().heap_size_limit * 0.75) / MIB));
}

function int(
  key: keyof GatewayOptions,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new ConfigError(name(key), `must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

function address(key: keyof GatewayOptions, value: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(value);
  if (match === null || Number(match[2]) > 65535) {
    throw new ConfigError(name(key), `must look like host:port (IPv6 in brackets), got "${value}"`);
  }
  return value;
}

function target(key: keyof GatewayOptions, value: string): string {
  if (value.length === 0 || /\s/.test(value)) {
    throw new ConfigError(name(key), `must be a gRPC target such as host:port, got "${value}"`);
  }
  return value;
}

function readable(key: keyof GatewayOptions, file: string | undefined): string | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    accessSync(file, fsConstants.R_OK);
  } catch {
    throw new ConfigError(name(key), `cannot read file ${file}`);
  }
  return file;
}

function pair(
  certKey: keyof GatewayOptions,
  cert: string | undefined,
  keyKey: keyof GatewayOptions,
  key: string | undefined,
): void {
  if (cert !== undefined && key === undefined)
    throw new ConfigError(name(keyKey), `is required when ${SETTINGS[certKey].env} is set`);
  if (key !== undefined && cert === undefined)
    throw new ConfigError(name(certKey), `is required when ${SETTINGS[keyKey].env} is set`);
}

function cidrs(key: keyof GatewayOptions, list: readonly string[] | undefined): readonly string[] {
  const entries = (list ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
  try {
    parseCidrList(entries);
  } catch (err) {
    throw new ConfigError(name(key), (err as Error).message);
  }
  return entries;
}

/**
 * Validates `options` and fills every default. Throws a {@link ConfigError} naming the
 * environment variable of the first bad value (and the conflicting one for half TLS pairs).
 */
export function resolveGatewayConfig(options: GatewayOptions = {}): GatewayConfig {
  const logLevel = options.logLevel ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      name('logLevel'),
      `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`,
    );
  }
  const config: GatewayConfig = {
    listen: address('listen', options.listen ?? '0.0.0.0:50052'),
    historyStoreUrl: target('historyStoreUrl', options.historyStoreUrl ?? '127.0.0.1:50051'),
    maxPartBytes: int(
      'maxPartBytes',
      options.maxPartBytes,
      DEFAULT_PART_BYTES,
      MIN_PART_BYTES,
      MAX_PART_BYTES_LIMIT,
    ),
    maxConcurrentBootstraps: int(
      'maxConcurrentBootstraps',
      options.maxConcurrentBootstraps,
      64,
      1,
      100_000,
    ),
    memoryHighWatermarkMb: int(
      'memoryHighWatermarkMb',
      options.memoryHighWatermarkMb,
      defaultMemoryHighWatermarkMb(),
      1,
      1_048_576,
    ),
    perIpMinIntervalMs: int('perIpMinIntervalMs', options.perIpMinIntervalMs, 0, 0, 86_400_000),
    allowCidrs: cidrs('allowCidrs', options.allowCidrs),
    denyCidrs: cidrs('denyCidrs', options.denyCidrs),
    bootstrapTimeoutMs: int(
      'bootstrapTimeoutMs',
      options.bootstrapTimeoutMs,
      20 * 60_000,
      1,
      7 * 86_400_000,
    ),
    threadCount: int('threadCount', options.threadCount, 32, 1, 256),
    logLevel,
    tlsCertFile: readable('tlsCertFile', options.tlsCertFile),
    tlsKeyFile: readable('tlsKeyFile', options.tlsKeyFile),
    tlsClientCaFile: readable('tlsClientCaFile', options.tlsClientCaFile),
    historyStoreTlsCaFile: readable('historyStoreTlsCaFile', options.historyStoreTlsCaFile),
    historyStoreTlsCertFile: readable('historyStoreTlsCertFile', options.historyStoreTlsCertFile),
    historyStoreTlsKeyFile: readable('historyStoreTlsKeyFile', options.historyStoreTlsKeyFile),
    retryDelayMs: int('retryDelayMs', options.retryDelayMs, 5000, 0, 3_600_000),
    followBufferBytes: int(
      'followBufferBytes',
      options.followBufferBytes,
      4 * MIB,
      64 * 1024,
      1024 * MIB,
    ),
    shutdownTimeoutMs: int('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, 0, 600_000),
    upstreamCheckIntervalMs: int(
      'upstreamCheckIntervalMs',
      options.upstreamCheckIntervalMs,
      2000,
      50,
      3_600_000,
    ),
    memoryCheckIntervalMs: int(
      'memoryCheckIntervalMs',
      options.memoryCheckIntervalMs,
      500,
      10,
      3_600_000,
    ),
  };
  pair('tlsCertFile', config.tlsCertFile, 'tlsKeyFile', config.tlsKeyFile);
  if (config.tlsClientCaFile !== undefined && config.tlsCertFile === undefined) {
    throw new ConfigError(
      name('tlsCertFile'),
      `is required when ${SETTINGS.tlsClientCaFile.env} is set`,
    );
  }
  pair(
    'historyStoreTlsCertFile',
    config.historyStoreTlsCertFile,
    'historyStoreTlsKeyFile',
    config.historyStoreTlsKeyFile,
  );
  if (config.historyStoreTlsCertFile !== undefined && config.historyStoreTlsCaFile === undefined) {
    throw new ConfigError(
      name('historyStoreTlsCaFile'),
      `is required when ${SETTINGS.historyStoreTlsCertFile.env} is set`,
    );
  }
  return config;
}

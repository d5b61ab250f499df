/**
 * The settings table: each gateway option's environment variable, flag and parser kind. One
 * table drives the environment, the command line, --help and the names in error messages.
 */
import type { GatewayOptions } from './config';

/** How a setting's text is parsed. */
export type SettingKind = 'string' | 'int' | 'list' | 'file' | 'level';

/** How one setting is spelled outside the code. */
export interface Setting {
  /** Environment variable. */
  readonly env: string;
  /** Long flag without `--`. */
  readonly flag: string;
  /** Parser of its text. */
  readonly kind: SettingKind;
  /** One line for --help (with the default). */
  readonly description: string;
}

/** Every setting: its environment variable, flag and parser. The table drives env, flags and errors. */
export const SETTINGS: Readonly<Record<keyof GatewayOptions, Setting>> = {
  listen: {
    env: 'GATEWAY_LISTEN',
    flag: 'listen',
    kind: 'string',
    description: 'host:port to serve on (0.0.0.0:50052)',
  },
  historyStoreUrl: {
    env: 'HISTORY_STORE_URL',
    flag: 'history-store-url',
    kind: 'string',
    description: 'history-store target (127.0.0.1:50051)',
  },
  maxPartBytes: {
    env: 'MAX_PART_BYTES',
    flag: 'max-part-bytes',
    kind: 'int',
    description: 'default part size in bytes (1048576)',
  },
  maxConcurrentBootstraps: {
    env: 'MAX_CONCURRENT_BOOTSTRAPS',
    flag: 'max-concurrent-bootstraps',
    kind: 'int',
    description: 'bootstraps served at once (64)',
  },
  memoryHighWatermarkMb: {
    env: 'MEMORY_HIGH_WATERMARK_MB',
    flag: 'memory-high-watermark-mb',
    kind: 'int',
    description: 'RSS watermark in MiB (75% of the heap limit)',
  },
  perIpMinIntervalMs: {
    env: 'PER_IP_MIN_INTERVAL_MS',
    flag: 'per-ip-min-interval-ms',
    kind: 'int',
    description: 'minimum ms between bootstraps per IP (0 = off)',
  },
  allowCidrs: {
    env: 'ALLOW_CIDRS',
    flag: 'allow-cidrs',
    kind: 'list',
    description: 'comma list of allowed CIDRs (empty = all)',
  },
  denyCidrs: {
    env: 'DENY_CIDRS',
    flag: 'deny-cidrs',
    kind: 'list',
    description: 'comma list of denied CIDRs',
  },
  bootstrapTimeoutMs: {
    env: 'BOOTSTRAP_TIMEOUT_MS',
    flag: 'bootstrap-timeout-ms',
    kind: 'int',
    description: 'per-session time budget (1200000)',
  },
  threadCount: {
    env: 'THREAD_COUNT',
    flag: 'thread-count',
    kind: 'int',
    description: 'threads per period (32)',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    kind: 'level',
    description: 'pino log level (info)',
  },
  tlsCertFile: {
    env: 'TLS_CERT_FILE',
    flag: 'tls-cert-file',
    kind: 'file',
    description: 'server certificate (PEM)',
  },
  tlsKeyFile: {
    env: 'TLS_KEY_FILE',
    flag: 'tls-key-file',
    kind: 'file',
    description: 'server private key (PEM)',
  },
  tlsClientCaFile: {
    env: 'TLS_CLIENT_CA_FILE',
    flag: 'tls-client-ca-file',
    kind: 'file',
    description: 'CA for client certificates (mTLS)',
  },
  historyStoreTlsCaFile: {
    env: 'HISTORY_STORE_TLS_CA_FILE',
    flag: 'history-store-tls-ca-file',
    kind: 'file',
    description: 'CA of the history-store certificate',
  },
  historyStoreTlsCertFile: {
    env: 'HISTORY_STORE_TLS_CERT_FILE',
    flag: 'history-store-tls-cert-file',
    kind: 'file',
    description: 'client certificate for the history-store (mTLS)',
  },
  historyStoreTlsKeyFile: {
    env: 'HISTORY_STORE_TLS_KEY_FILE',
    flag: 'history-store-tls-key-file',
    kind: 'file',
    description: 'client key for the history-store (mTLS)',
  },
  retryDelayMs: {
    env: 'RETRY_DELAY_MS',
    flag: 'retry-delay-ms',
    kind: 'int',
    description: 'RetryInfo delay when busy (5000)',
  },
  followBufferBytes: {
    env: 'FOLLOW_BUFFER_BYTES',
    flag: 'follow-buffer-bytes',
    kind: 'int',
    description: 'live bytes buffered per follower (4194304)',
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    kind: 'int',
    description: 'graceful shutdown budget (10000)',
  },
  upstreamCheckIntervalMs: {
    env: 'UPSTREAM_CHECK_INTERVAL_MS',
    flag: 'upstream-check-interval-ms',
    kind: 'int',
    description: 'history-store health probe period (2000)',
  },
  memoryCheckIntervalMs: {
    env: 'MEMORY_CHECK_INTERVAL_MS',
    flag: 'memory-check-interval-ms',
    kind: 'int',
    description: 'RSS sampling period (500)',
  },
};

/** "ENV_VAR (--flag)": how error messages name a setting. */
export function settingName(key: keyof GatewayOptions): string {
  const s = SETTINGS[key];
  return `${s.env} (--${s.flag})`;
}

/** Every setting's environment variable, flag (without `--`) and help line. */
export function gatewaySettings(): readonly {
  key: keyof GatewayOptions;
  env: string;
  flag: string;
  description: string;
}[] {
  return (Object.entries(SETTINGS) as [keyof GatewayOptions, Setting][]).map(([key, s]) => ({
    key,
    env: s.env,
    flag: s.flag,
    description: s.description,
  }));
}

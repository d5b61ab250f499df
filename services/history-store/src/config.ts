/**
 * Configuration of the history-store: the options type with documented defaults, the
 * environment variable and flag of every setting, and one validation step that turns options
 * into a fully-defaulted {@link HistoryStoreConfig}. A bad value throws a {@link ConfigError}
 * whose message names the environment variable and the flag. No module-level mutable state.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import {
  LOG_LEVELS,
  SettingTable,
  type LogLevel,
  type SettingSpec,
} from '@massa-bootstrap/rpc/settings';

export { ConfigError } from '@massa-bootstrap/rpc/settings';
export type { LogLevel, SettingSpec } from '@massa-bootstrap/rpc/settings';

/** What a caller may set; every field is optional and has a documented default. */
export interface HistoryStoreOptions {
  /** `host:port` to listen on. Default `0.0.0.0:50051` (use `127.0.0.1:0` in tests). */
  readonly listen?: string;
  /** Directory of the LMDB environment (created when missing). Default `./data/history-store`. */
  readonly dataDir?: string;
  /** How many stored slots the change history keeps. Default 600 (300 s at 0.5 s per slot). */
  readonly finalHistoryLength?: number;
  /** Threads per period; fixed for a data dir (stored at creation). Default 32. */
  readonly threadCount?: number;
  /** pino level of the JSON logs. Default `info`. */
  readonly logLevel?: LogLevel;
  /** PEM certificate chain: enables TLS together with `tlsKeyFile`. */
  readonly tlsCertFile?: string | undefined;
  /** PEM private key of `tlsCertFile`. */
  readonly tlsKeyFile?: string | undefined;
  /** PEM CA bundle: when set, clients must present a certificate it signed (mutual TLS). */
  readonly tlsClientCaFile?: string | undefined;
  /**
   * Bytes of live slots buffered for one WatchFinalSlots subscriber that does not keep up;
   * past it the call ends with RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW. Default 16 MiB.
   */
  readonly subscriberBufferBytes?: number;
  /**
   * Largest gRPC message received or sent, in bytes. A non-genesis slot must fit in one
   * message, so this bounds the size of a slot. Default 64 MiB (grpc-js defaults to 4 MiB).
   */
  readonly maxMessageBytes?: number;
  /** Graceful shutdown budget before open calls are cut. Default 10000 ms. */
  readonly shutdownTimeoutMs?: number;
}

/**
 * Options after validation: every setting present (meanings and defaults as documented on
 * {@link HistoryStoreOptions}); `dataDir` is absolute; TLS files are undefined when unset.
 */
export interface HistoryStoreConfig {
  readonly listen: string;
  readonly dataDir: string;
  readonly finalHistoryLength: number;
  readonly threadCount: number;
  readonly logLevel: LogLevel;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsClientCaFile: string | undefined;
  readonly subscriberBufferBytes: number;
  readonly maxMessageBytes: number;
  readonly shutdownTimeoutMs: number;
}

/** Names of the settings (keys of {@link HistoryStoreOptions}). */
export type SettingName = keyof HistoryStoreOptions;

const MIB = 1024 * 1024;

/**
 * Every setting's environment variable, flag (without its dashes), kind and, for a number, its
 * range; flags win over the environment. Text is never trimmed (`verbatim`).
 */
export const SETTINGS = {
  listen: {
    env: 'HISTORY_STORE_LISTEN',
    flag: 'listen',
    kind: 'string',
    verbatim: true,
    placeholder: '<host:port>',
    description: 'address to listen on (default 0.0.0.0:50051)',
  },
  dataDir: {
    env: 'HISTORY_STORE_DATA_DIR',
    flag: 'data-dir',
    kind: 'string',
    verbatim: true,
    placeholder: '<dir>',
    description: 'LMDB directory (default ./data/history-store)',
  },
  finalHistoryLength: {
    env: 'FINAL_HISTORY_LENGTH',
    flag: 'final-history-length',
    kind: 'int',
    min: 1,
    max: 10_000_000,
    placeholder: '<slots>',
    description: 'slots of change history kept (default 600)',
  },
  threadCount: {
    env: 'THREAD_COUNT',
    flag: 'thread-count',
    kind: 'int',
    min: 1,
    max: 1024,
    placeholder: '<n>',
    description: 'threads per period, fixed per data dir (default 32)',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    kind: 'level',
    verbatim: true,
    placeholder: '<level>',
    description: `log level: ${LOG_LEVELS.join(', ')} (default info)`,
  },
  tlsCertFile: {
    env: 'TLS_CERT_FILE',
    flag: 'tls-cert-file',
    kind: 'file',
    verbatim: true,
    placeholder: '<file>',
    description: 'PEM certificate chain (TLS with --tls-key-file)',
  },
  tlsKeyFile: {
    env: 'TLS_KEY_FILE',
    flag: 'tls-key-file',
    kind: 'file',
    verbatim: true,
    placeholder: '<file>',
    description: 'PEM private key',
  },
  tlsClientCaFile: {
    env: 'TLS_CLIENT_CA_FILE',
    flag: 'tls-client-ca-file',
    kind: 'file',
    verbatim: true,
    placeholder: '<file>',
    description: 'PEM CA bundle; requires client certificates (mutual TLS)',
  },
  subscriberBufferBytes: {
    env: 'HISTORY_STORE_SUBSCRIBER_BUFFER_BYTES',
    flag: 'subscriber-buffer-bytes',
    kind: 'int',
    // 64 KiB keeps one typical slot; 1 GiB is far past any sane per-subscriber budget.
    min: 64 * 1024,
    max: 1024 * MIB,
    placeholder: '<bytes>',
    description: 'live bytes buffered per slow WatchFinalSlots subscriber (default 16 MiB)',
  },
  maxMessageBytes: {
    env: 'HISTORY_STORE_MAX_MESSAGE_BYTES',
    flag: 'max-message-bytes',
    kind: 'int',
    // A single 16 MiB value plus its key and framing must fit in one message.
    min: 17 * MIB,
    max: 1024 * MIB,
    placeholder: '<bytes>',
    description: 'largest gRPC message, hence largest slot (default 64 MiB)',
  },
  shutdownTimeoutMs: {
    env: 'HISTORY_STORE_SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    kind: 'int',
    min: 0,
    max: 600_000,
    placeholder: '<ms>',
    description: 'graceful shutdown budget (default 10000)',
  },
} as const satisfies Readonly<Record<SettingName, SettingSpec>>;

/**
 * The checks and the reader built on {@link SETTINGS}. Messages show values as JSON and tell a
 * malformed number its range, as the store always has.
 */
export const SETTING_TABLE = new SettingTable(SETTINGS, { quote: 'json', malformedInt: 'range' });

/** The defaults, as documented on {@link HistoryStoreOptions}. */
export const DEFAULTS = {
  listen: '0.0.0.0:50051',
  dataDir: './data/history-store',
  finalHistoryLength: 600,
  threadCount: 32,
  logLevel: 'info',
  subscriberBufferBytes: 16 * MIB,
  maxMessageBytes: 64 * MIB,
  shutdownTimeoutMs: 10_000,
} as const satisfies Partial<Record<SettingName, unknown>>;

// Not SettingTable.readableFile: the store has always said "cannot read <file>" (no "file"),
// and refused a non-string path.
function checkFile(
  setting: 'tlsCertFile' | 'tlsKeyFile' | 'tlsClientCaFile',
  value: unknown,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw SETTING_TABLE.error(setting, `must be a file path, got ${JSON.stringify(value)}`);
  try {
    accessSync(value, constants.R_OK);
  } catch {
    throw SETTING_TABLE.error(setting, `cannot read ${value}`);
  }
  return value;
}

/**
 * Validates `options` and fills in the defaults. Throws a {@link ConfigError} naming the first
 * bad setting (its environment variable and flag). Idempotent: a config passes unchanged.
 */
export function resolveConfig(options: HistoryStoreOptions = {}): HistoryStoreConfig {
  const listen = SETTING_TABLE.hostPort(
    'listen',
    options.listen ?? DEFAULTS.listen,
    'host:port with a port in [0, 65535]',
  );
  const dataDirRaw = options.dataDir ?? DEFAULTS.dataDir;
  if (typeof dataDirRaw !== 'string' || dataDirRaw.trim() === '') {
    throw SETTING_TABLE.error(
      'dataDir',
      `must be a directory path, got ${JSON.stringify(dataDirRaw)}`,
    );
  }
  const logLevel = SETTING_TABLE.oneOf(
    'logLevel',
    options.logLevel ?? DEFAULTS.logLevel,
    LOG_LEVELS,
  );
  const tlsCertFile = checkFile('tlsCertFile', options.tlsCertFile);
  const tlsKeyFile = checkFile('tlsKeyFile', options.tlsKeyFile);
  const tlsClientCaFile = checkFile('tlsClientCaFile', options.tlsClientCaFile);
  if (tlsCertFile !== undefined && tlsKeyFile === undefined) {
    throw SETTING_TABLE.error(
      'tlsKeyFile',
      `is required when ${SETTING_TABLE.label('tlsCertFile')} is set`,
    );
  }
  if (tlsKeyFile !== undefined && tlsCertFile === undefined) {
    throw SETTING_TABLE.error(
      'tlsCertFile',
      `is required when ${SETTING_TABLE.label('tlsKeyFile')} is set`,
    );
  }
  if (tlsClientCaFile !== undefined && tlsCertFile === undefined) {
    throw SETTING_TABLE.error(
      'tlsCertFile',
      `is required when ${SETTING_TABLE.label('tlsClientCaFile')} is set`,
    );
  }
  return {
    listen,
    dataDir: resolve(dataDirRaw),
    finalHistoryLength: SETTING_TABLE.int(
      'finalHistoryLength',
      options.finalHistoryLength,
      DEFAULTS.finalHistoryLength,
    ),
    threadCount: SETTING_TABLE.int('threadCount', options.threadCount, DEFAULTS.threadCount),
    logLevel,
    tlsCertFile,
    tlsKeyFile,
    tlsClientCaFile,
    subscriberBufferBytes: SETTING_TABLE.int(
      'subscriberBufferBytes',
      options.subscriberBufferBytes,
      DEFAULTS.subscriberBufferBytes,
    ),
    maxMessageBytes: SETTING_TABLE.int(
      'maxMessageBytes',
      options.maxMessageBytes,
      DEFAULTS.maxMessageBytes,
    ),
    shutdownTimeoutMs: SETTING_TABLE.int(
      'shutdownTimeoutMs',
      options.shutdownTimeoutMs,
      DEFAULTS.shutdownTimeoutMs,
    ),
  };
}

/**
 * Options from raw strings (environment values or flag values), keyed by setting. Numbers are
 * parsed strictly (digits only); a malformed one throws a {@link ConfigError}. Range checks are
 * left to {@link resolveConfig}. Empty strings count as unset; text is kept as given.
 */
export function optionsFromStrings(
  values: Partial<Record<SettingName, string | undefined>>,
): HistoryStoreOptions {
  // The log level is only text here; resolveConfig checks it.
  return SETTING_TABLE.parse(values) as HistoryStoreOptions;
}

/** Options from the environment variables listed in {@link SETTINGS}. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): HistoryStoreOptions {
  return SETTING_TABLE.read(env) as HistoryStoreOptions;
}

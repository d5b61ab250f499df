/**
 * Configuration of the history-store: the options type with documented defaults, the
 * environment variable and flag of every setting, and one validation step that turns options
 * into a fully-defaulted {@link HistoryStoreConfig}. A bad value throws a {@link ConfigError}
 * whose message names the environment variable and the flag. No module-level mutable state.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';

/** pino log levels. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

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

/** How one setting is spelled outside the code. */
export interface SettingSpec {
  /** Environment variable. */
  readonly env: string;
  /** Long command-line flag, without its value. */
  readonly flag: string;
  /** Placeholder of the flag's value in --help. */
  readonly placeholder: string;
  /** One line for --help. */
  readonly description: string;
}

const MIB = 1024 * 1024;

/** Every setting's environment variable and flag (flags win over the environment). */
export const SETTINGS: Readonly<Record<SettingName, SettingSpec>> = {
  listen: {
    env: 'HISTORY_STORE_LISTEN',
    flag: '--listen',
    placeholder: '<host:port>',
    description: 'address to listen on (default 0.0.0.0:50051)',
  },
  dataDir: {
    env: 'HISTORY_STORE_DATA_DIR',
    flag: '--data-dir',
    placeholder: '<dir>',
    description: 'LMDB directory (default ./data/history-store)',
  },
  finalHistoryLength: {
    env: 'FINAL_HISTORY_LENGTH',
    flag: '--final-history-length',
    placeholder: '<slots>',
    description: 'slots of change history kept (default 600)',
  },
  threadCount: {
    env: 'THREAD_COUNT',
    flag: '--thread-count',
    placeholder: '<n>',
    description: 'threads per period, fixed per data dir (default 32)',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: '--log-level',
    placeholder: '<level>',
    description: `log level: ${LOG_LEVELS.join(', ')} (default info)`,
  },
  tlsCertFile: {
    env: 'TLS_CERT_FILE',
    flag: '--tls-cert-file',
    placeholder: '<file>',
    description: 'PEM certificate chain (TLS with --tls-key-file)',
  },
  tlsKeyFile: {
    env: 'TLS_KEY_FILE',
    flag: '--tls-key-file',
    placeholder: '<file>',
    description: 'PEM private key',
  },
  tlsClientCaFile: {
    env: 'TLS_CLIENT_CA_FILE',
    flag: '--tls-client-ca-file',
    placeholder: '<file>',
    description: 'PEM CA bundle; requires client certificates (mutual TLS)',
  },
  subscriberBufferBytes: {
    env: 'HISTORY_STORE_SUBSCRIBER_BUFFER_BYTES',
    flag: '--subscriber-buffer-bytes',
    placeholder: '<bytes>',
    description: 'live bytes buffered per slow WatchFinalSlots subscriber (default 16 MiB)',
  },
  maxMessageBytes: {
    env: 'HISTORY_STORE_MAX_MESSAGE_BYTES',
    flag: '--max-message-bytes',
    placeholder: '<bytes>',
    description: 'largest gRPC message, hence largest slot (default 64 MiB)',
  },
  shutdownTimeoutMs: {
    env: 'HISTORY_STORE_SHUTDOWN_TIMEOUT_MS',
    flag: '--shutdown-timeout-ms',
    placeholder: '<ms>',
    description: 'graceful shutdown budget (default 10000)',
  },
};

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

const INTEGER_RANGES = {
  finalHistoryLength: [1, 10_000_000],
  threadCount: [1, 1024],
  // 64 KiB keeps one typical slot; 1 GiB is far past any sane per-subscriber budget.
  subscriberBufferBytes: [64 * 1024, 1024 * MIB],
  // A single 16 MiB value plus its key and framing must fit in one message.
  maxMessageBytes: [17 * MIB, 1024 * MIB],
  shutdownTimeoutMs: [0, 600_000],
} as const satisfies Partial<Record<SettingName, readonly [number, number]>>;

type IntegerSetting = keyof typeof INTEGER_RANGES;

/** A setting has a bad value; `message` names its environment variable and flag. */
export class ConfigError extends Error {
  constructor(
    readonly setting: SettingName | undefined,
    detail: string,
  ) {
    super(setting === undefined ? detail : `${settingLabel(setting)}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** "FINAL_HISTORY_LENGTH (--final-history-length)". */
export function settingLabel(setting: SettingName): string {
  return `${SETTINGS[setting].env} (${SETTINGS[setting].flag})`;
}

function checkInteger(setting: IntegerSetting, value: unknown): number {
  const [min, max] = INTEGER_RANGES[setting];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      setting,
      `must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkListen(value: unknown): string {
  // host:port, host being a name, an IPv4 address or a bracketed IPv6 address.
  const match =
    typeof value === 'string' ? /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(value) : null;
  if (match === null || Number(match[2]) > 65535) {
    throw new ConfigError(
      'listen',
      `must look like host:port with a port in [0, 65535], got ${JSON.stringify(value)}`,
    );
  }
  return value as string;
}

function checkFile(
  setting: 'tlsCertFile' | 'tlsKeyFile' | 'tlsClientCaFile',
  value: unknown,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new ConfigError(setting, `must be a file path, got ${JSON.stringify(value)}`);
  try {
    accessSync(value, constants.R_OK);
  } catch {
    throw new ConfigError(setting, `cannot read ${value}`);
  }
  return value;
}

/**
 * Validates `options` and fills in the defaults. Throws a {@link ConfigError} naming the first
 * bad setting (its environment variable and flag). Idempotent: a config passes unchanged.
 */
export function resolveConfig(options: HistoryStoreOptions = {}): HistoryStoreConfig {
  const listen = checkListen(options.listen ?? DEFAULTS.listen);
  const dataDirRaw = options.dataDir ?? DEFAULTS.dataDir;
  if (typeof dataDirRaw !== 'string' || dataDirRaw.trim() === '') {
    throw new ConfigError('dataDir', `must be a directory path, got ${JSON.stringify(dataDirRaw)}`);
  }
  const logLevel = options.logLevel ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      'logLevel',
      `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`,
    );
  }
  const tlsCertFile = checkFile('tlsCertFile', options.tlsCertFile);
  const tlsKeyFile = checkFile('tlsKeyFile', options.tlsKeyFile);
  const tlsClientCaFile = checkFile('tlsClientCaFile', options.tlsClientCaFile);
  if (tlsCertFile !== undefined && tlsKeyFile === undefined) {
    throw new ConfigError('tlsKeyFile', `is required when ${settingLabel('tlsCertFile')} is set`);
  }
  if (tlsKeyFile !== undefined && tlsCertFile === undefined) {
    throw new ConfigError('tlsCertFile', `is required when ${settingLabel('tlsKeyFile')} is set`);
  }
  if (tlsClientCaFile !== undefined && tlsCertFile === undefined) {
    throw new ConfigError(
      'tlsCertFile',
      `is required when ${settingLabel('tlsClientCaFile')} is set`,
    );
  }
  return {
    listen,
    dataDir: resolve(dataDirRaw),
    finalHistoryLength: checkInteger(
      'finalHistoryLength',
      options.finalHistoryLength ?? DEFAULTS.finalHistoryLength,
    ),
    threadCount: checkInteger('threadCount', options.threadCount ?? DEFAULTS.threadCount),
    logLevel,
    tlsCertFile,
    tlsKeyFile,
    tlsClientCaFile,
    subscriberBufferBytes: checkInteger(
      'subscriberBufferBytes',
      options.subscriberBufferBytes ?? DEFAULTS.subscriberBufferBytes,
    ),
    maxMessageBytes: checkInteger(
      'maxMessageBytes',
      options.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
    ),
    shutdownTimeoutMs: checkInteger(
      'shutdownTimeoutMs',
      options.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs,
    ),
  };
}

function parseIntegerText(setting: IntegerSetting, text: string): number {
  if (!/^\d{1,16}$/.test(text.trim())) {
    const [min, max] = INTEGER_RANGES[setting];
    throw new ConfigError(
      setting,
      `must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`,
    );
  }
  return Number(text.trim());
}

/**
 * Options from raw strings (environment values or flag values), keyed by setting. Numbers are
 * parsed strictly (digits only); a malformed one throws a {@link ConfigError}. Range checks are
 * left to {@link resolveConfig}. Empty strings count as unset.
 */
export function optionsFromStrings(
  values: Partial<Record<SettingName, string | undefined>>,
): HistoryStoreOptions {
  const options: { -readonly [K in SettingName]?: HistoryStoreOptions[K] } = {};
  for (const [name, raw] of Object.entries(values) as [SettingName, string | undefined][]) {
    if (raw === undefined || raw === '') continue;
    switch (name) {
      case 'finalHistoryLength':
      case 'threadCount':
      case 'subscriberBufferBytes':
      case 'maxMessageBytes':
      case 'shutdownTimeoutMs':
        options[name] = parseIntegerText(name, raw);
        break;
      case 'logLevel':
        options.logLevel = raw as LogLevel; // checked by resolveConfig
        break;
      default:
        options[name] = raw;
    }
  }
  return options;
}

/** Options from the environment variables listed in {@link SETTINGS}. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): HistoryStoreOptions {
  const values: Partial<Record<SettingName, string>> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
    const raw = env[spec.env];
    if (raw !== undefined) values[name] = raw;
  }
  return optionsFromStrings(values);
}

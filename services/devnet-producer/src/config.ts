import { accessSync, constants as fsConstants } from 'node:fs';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A pino log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Everything the devnet producer can be told. Every field is optional; the documented default
 * applies when it is omitted. {@link resolveProducerConfig} validates and fills it.
 */
export interface ProducerOptions {
  /** `HISTORY_STORE_URL`: gRPC target of the history-store. Default `127.0.0.1:50051`. */
  historyStoreUrl?: string;
  /** `DEVNET_SLOT_MS`: one slot is finalized every this many ms. Default 500 (Massa). */
  slotMs?: number;
  /** `DEVNET_CHANGES_PER_SLOT`: key changes per slot, >= 1. Default 100. */
  changesPerSlot?: number;
  /** `DEVNET_INITIAL_ENTRIES`: state entries of the genesis, >= 1. Default 100000. */
  initialEntries?: number;
  /** `DEVNET_SEED`: seed of every random choice. Default `massa-devnet`. */
  seed?: string;
  /** `DEVNET_GENESIS_CHUNK_ENTRIES`: genesis entries per IngestFinalSlots message. Default 2000. */
  genesisChunkEntries?: number;
  /** `DEVNET_HEARTBEAT_FILE`: file touched (at most once a second) after committed slots; for health checks. Default none. */
  heartbeatFile?: string;
  /** `THREAD_COUNT`: threads per period; must equal the store's. Default 32. */
  threadCount?: number;
  /** `LOG_LEVEL`: pino level. Default `info`. */
  logLevel?: LogLevel;
  /** `HISTORY_STORE_TLS_CA_FILE`: PEM CA that signed the history-store's certificate; enables TLS. */
  historyStoreTlsCaFile?: string;
  /** `HISTORY_STORE_TLS_CERT_FILE`: PEM client certificate for mTLS to the history-store. */
  historyStoreTlsCertFile?: string;
  /** `HISTORY_STORE_TLS_KEY_FILE`: PEM client key for mTLS to the history-store. */
  historyStoreTlsKeyFile?: string;
}

type OptionalKeys =
  'heartbeatFile' | 'historyStoreTlsCaFile' | 'historyStoreTlsCertFile' | 'historyStoreTlsKeyFile';

/** The validated, fully-defaulted configuration. */
export type ProducerConfig = Required<Omit<ProducerOptions, OptionalKeys>> &
  Pick<ProducerOptions, OptionalKeys>;

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

/** How one setting is spelled outside the code. */
export interface Setting {
  readonly env: string;
  readonly flag: string;
  readonly kind: 'string' | 'int' | 'file';
  readonly description: string;
}

/** Every setting: environment variable, flag, parser. Drives env, flags and error messages. */
export const SETTINGS: Readonly<Record<keyof ProducerOptions, Setting>> = {
  historyStoreUrl: {
    env: 'HISTORY_STORE_URL',
    flag: 'history-store-url',
    kind: 'string',
    description: 'history-store target (127.0.0.1:50051)',
  },
  slotMs: {
    env: 'DEVNET_SLOT_MS',
    flag: 'slot-ms',
    kind: 'int',
    description: 'ms between final slots (500)',
  },
  changesPerSlot: {
    env: 'DEVNET_CHANGES_PER_SLOT',
    flag: 'changes-per-slot',
    kind: 'int',
    description: 'key changes per slot (100)',
  },
  initialEntries: {
    env: 'DEVNET_INITIAL_ENTRIES',
    flag: 'initial-entries',
    kind: 'int',
    description: 'genesis state entries (100000)',
  },
  seed: {
    env: 'DEVNET_SEED',
    flag: 'seed',
    kind: 'string',
    description: 'random seed (massa-devnet)',
  },
  genesisChunkEntries: {
    env: 'DEVNET_GENESIS_CHUNK_ENTRIES',
    flag: 'genesis-chunk-entries',
    kind: 'int',
    description: 'genesis entries per message (2000)',
  },
  heartbeatFile: {
    env: 'DEVNET_HEARTBEAT_FILE',
    flag: 'heartbeat-file',
    kind: 'string',
    description: 'file touched after committed slots (none)',
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
    kind: 'string',
    description: 'pino log level (info)',
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
};

function name(key: keyof ProducerOptions): string {
  return `${SETTINGS[key].env} (--${SETTINGS[key].flag})`;
}

function int(
  key: keyof ProducerOptions,
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

function nonEmpty(key: keyof ProducerOptions, value: string): string {
  if (value.length === 0 || /\s/.test(value)) {
    throw new ConfigError(name(key), `must be a non-empty string without spaces, got "${value}"`);
  }
  return value;
}

function readable(key: keyof ProducerOptions, file: string | undefined): string | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    accessSync(file, fsConstants.R_OK);
  } catch {
    throw new ConfigError(name(key), `cannot read file ${file}`);
  }
  return file;
}

/**
 * Validates `options` and fills every default. Throws a {@link ConfigError} naming the
 * environment variable of the first bad value.
 */
export function resolveProducerConfig(options: ProducerOptions = {}): ProducerConfig {
  const logLevel = options.logLevel ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      name('logLevel'),
      `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`,
    );
  }
  const config: ProducerConfig = {
    historyStoreUrl: nonEmpty('historyStoreUrl', options.historyStoreUrl ?? '127.0.0.1:50051'),
    slotMs: int('slotMs', options.slotMs, 500, 1, 3_600_000),
    changesPerSlot: int('changesPerSlot', options.changesPerSlot, 100, 1, 100_000),
    initialEntries: int('initialEntries', options.initialEntries, 100_000, 1, 100_000_000),
    seed: options.seed ?? 'massa-devnet',
    genesisChunkEntries: int('genesisChunkEntries', options.genesisChunkEntries, 2000, 1, 100_000),
    heartbeatFile: options.heartbeatFile === '' ? undefined : options.heartbeatFile,
    threadCount: int('threadCount', options.threadCount, 32, 1, 256),
    logLevel,
    historyStoreTlsCaFile: readable('historyStoreTlsCaFile', options.historyStoreTlsCaFile),
    historyStoreTlsCertFile: readable('historyStoreTlsCertFile', options.historyStoreTlsCertFile),
    historyStoreTlsKeyFile: readable('historyStoreTlsKeyFile', options.historyStoreTlsKeyFile),
  };
  if (config.seed.length === 0) throw new ConfigError(name('seed'), 'must not be empty');
  if (
    (config.historyStoreTlsCertFile === undefined) !==
    (config.historyStoreTlsKeyFile === undefined)
  ) {
    throw new ConfigError(
      name(
        config.historyStoreTlsCertFile === undefined
          ? 'historyStoreTlsCertFile'
          : 'historyStoreTlsKeyFile',
      ),
      'HISTORY_STORE_TLS_CERT_FILE and HISTORY_STORE_TLS_KEY_FILE must be set together',
    );
  }
  return config;
}

/**
 * Reads the configuration from raw strings: environment variables, overridden by `flags`
 * (values by option name, e.g. from the command line), then validates it. An empty string
 * counts as unset. Throws a {@link ConfigError} naming the setting.
 */
export function loadProducerConfig(
  env: NodeJS.ProcessEnv,
  flags: Partial<Record<keyof ProducerOptions, string>> = {},
): ProducerConfig {
  const options: Record<string, string | number> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [keyof ProducerOptions, Setting][]) {
    const raw = flags[key] ?? env[setting.env];
    if (raw === undefined || raw === '') continue;
    if (setting.kind === 'int') {
      if (!/^\s*\d+\s*$/.test(raw))
        throw new ConfigError(name(key), `must be a non-negative integer, got "${raw}"`);
      options[key] = Number(raw);
    } else {
      options[key] = key === 'seed' ? raw : raw.trim();
    }
  }
  return resolveProducerConfig(options as ProducerOptions);
}

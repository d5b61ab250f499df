import {
  LOG_LEVELS,
  SettingTable,
  type LogLevel,
  type SettingSpec,
} from '@massa-bootstrap/rpc/settings';

export { ConfigError } from '@massa-bootstrap/rpc/settings';
export type { LogLevel } from '@massa-bootstrap/rpc/settings';

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

/**
 * Every setting: environment variable, flag, kind (and range). Drives env, flags, --help and
 * the names in error messages.
 */
export const SETTINGS = new SettingTable({
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
    min: 1,
    max: 3_600_000,
    description: 'ms between final slots (500)',
  },
  changesPerSlot: {
    env: 'DEVNET_CHANGES_PER_SLOT',
    flag: 'changes-per-slot',
    kind: 'int',
    min: 1,
    max: 100_000,
    description: 'key changes per slot (100)',
  },
  initialEntries: {
    env: 'DEVNET_INITIAL_ENTRIES',
    flag: 'initial-entries',
    kind: 'int',
    min: 1,
    max: 100_000_000,
    description: 'genesis state entries (100000)',
  },
  seed: {
    env: 'DEVNET_SEED',
    flag: 'seed',
    kind: 'string',
    // Any text seeds the devnet, spaces included.
    verbatim: true,
    description: 'random seed (massa-devnet)',
  },
  genesisChunkEntries: {
    env: 'DEVNET_GENESIS_CHUNK_ENTRIES',
    flag: 'genesis-chunk-entries',
    kind: 'int',
    min: 1,
    max: 100_000,
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
    min: 1,
    max: 256,
    description: 'threads per period (32)',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    kind: 'level',
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
} satisfies Record<keyof ProducerOptions, SettingSpec>);

/**
 * Validates `options` and fills every default. Throws a {@link ConfigError} naming the
 * environment variable of the first bad value.
 */
export function resolveProducerConfig(options: ProducerOptions = {}): ProducerConfig {
  const logLevel = SETTINGS.oneOf('logLevel', options.logLevel ?? 'info', LOG_LEVELS);
  const config: ProducerConfig = {
    historyStoreUrl: SETTINGS.token(
      'historyStoreUrl',
      options.historyStoreUrl ?? '127.0.0.1:50051',
    ),
    slotMs: SETTINGS.int('slotMs', options.slotMs, 500),
    changesPerSlot: SETTINGS.int('changesPerSlot', options.changesPerSlot, 100),
    initialEntries: SETTINGS.int('initialEntries', options.initialEntries, 100_000),
    seed: options.seed ?? 'massa-devnet',
    genesisChunkEntries: SETTINGS.int('genesisChunkEntries', options.genesisChunkEntries, 2000),
    heartbeatFile: options.heartbeatFile === '' ? undefined : options.heartbeatFile,
    threadCount: SETTINGS.int('threadCount', options.threadCount, 32),
    logLevel,
    historyStoreTlsCaFile: SETTINGS.readableFile(
      'historyStoreTlsCaFile',
      options.historyStoreTlsCaFile,
    ),
    historyStoreTlsCertFile: SETTINGS.readableFile(
      'historyStoreTlsCertFile',
      options.historyStoreTlsCertFile,
    ),
    historyStoreTlsKeyFile: SETTINGS.readableFile(
      'historyStoreTlsKeyFile',
      options.historyStoreTlsKeyFile,
    ),
  };
  if (config.seed.length === 0) throw SETTINGS.error('seed', 'must not be empty');
  if (
    (config.historyStoreTlsCertFile === undefined) !==
    (config.historyStoreTlsKeyFile === undefined)
  ) {
    throw SETTINGS.error(
      config.historyStoreTlsCertFile === undefined
        ? 'historyStoreTlsCertFile'
        : 'historyStoreTlsKeyFile',
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
  // The log level is only text here; resolveProducerConfig checks it.
  return resolveProducerConfig(SETTINGS.read(env, flags) as ProducerOptions);
}

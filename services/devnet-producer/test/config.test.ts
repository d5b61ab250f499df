import { ConfigError, loadProducerConfig } from '@massa-bootstrap/devnet-producer';

describe('producer configuration', () => {
  it('has the documented defaults', () => {
    expect(loadProducerConfig({})).toEqual({
      historyStoreUrl: '127.0.0.1:50051',
      slotMs: 500,
      changesPerSlot: 100,
      initialEntries: 100_000,
      seed: 'massa-devnet',
      genesisChunkEntries: 2000,
      heartbeatFile: undefined,
      threadCount: 32,
      logLevel: 'info',
      historyStoreTlsCaFile: undefined,
      historyStoreTlsCertFile: undefined,
      historyStoreTlsKeyFile: undefined,
    });
  });

  it('reads the environment, flags winning, empty values counting as unset', () => {
    const config = loadProducerConfig(
      {
        HISTORY_STORE_URL: 'history-store:50051',
        DEVNET_SLOT_MS: '50',
        DEVNET_SEED: '',
        DEVNET_INITIAL_ENTRIES: '10',
      },
      { slotMs: '20' },
    );
    expect(config).toMatchObject({
      historyStoreUrl: 'history-store:50051',
      slotMs: 20,
      seed: 'massa-devnet',
      initialEntries: 10,
    });
  });

  it.each([
    [{ DEVNET_SLOT_MS: '0' }, 'DEVNET_SLOT_MS'],
    [{ DEVNET_SLOT_MS: 'fast' }, 'DEVNET_SLOT_MS'],
    [{ DEVNET_CHANGES_PER_SLOT: '0' }, 'DEVNET_CHANGES_PER_SLOT'],
    [{ DEVNET_INITIAL_ENTRIES: '-5' }, 'DEVNET_INITIAL_ENTRIES'],
    [{ THREAD_COUNT: '300' }, 'THREAD_COUNT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ HISTORY_STORE_URL: 'a b' }, 'HISTORY_STORE_URL'],
    [{ HISTORY_STORE_TLS_CA_FILE: '/nonexistent/ca.pem' }, 'HISTORY_STORE_TLS_CA_FILE'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadProducerConfig(env)).toThrow(ConfigError);
    expect(() => loadProducerConfig(env)).toThrow(name);
  });
});

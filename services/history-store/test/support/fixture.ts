/** A real history-store on 127.0.0.1:0 with LMDB in a temp dir, and a generated client. */
import type { HistoryStoreClient } from '@massa-bootstrap/proto';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import pino from 'pino';
import {
  startHistoryStore,
  type HistoryStoreHandle,
  type HistoryStoreHooks,
  type HistoryStoreOptions,
} from '@massa-bootstrap/history-store';
import { connect } from './client';

export interface StoreFixture {
  readonly handle: HistoryStoreHandle;
  readonly client: HistoryStoreClient;
  readonly dir: TempDir;
  /** Closes the client and the server (keeps the directory unless `cleanup`). */
  stop(): Promise<void>;
  /** stop() then removes the directory. */
  dispose(): Promise<void>;
}

/** Test logger: silent unless TEST_LOG_LEVEL is set. */
export const testLogger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

/** Starts a store (in `dir` when given, else a fresh temp dir). */
export async function startStore(
  options: HistoryStoreOptions = {},
  dir?: TempDir,
  hooks?: HistoryStoreHooks,
): Promise<StoreFixture> {
  const tempDir = dir ?? (await makeTempDir('history-store-test-'));
  const handle = await startHistoryStore(
    {
      listen: '127.0.0.1:0',
      threadCount: 4,
      finalHistoryLength: 50,
      ...options,
      dataDir: tempDir.path,
    },
    testLogger,
    hooks,
  );
  const client = connect(handle.address);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      client.close();
      await handle.close();
    })();
    return stopped;
  };
  return {
    handle,
    client,
    dir: tempDir,
    stop,
    dispose: async () => {
      await stop();
      await tempDir.cleanup();
    },
  };
}

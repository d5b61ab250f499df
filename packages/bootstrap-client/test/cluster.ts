/**
 * A real history-store (LMDB in a temp dir) and one or more real bootstrap-gateways on
 * 127.0.0.1:0, in-process, with a HistoryStore client to ingest slots. For end-to-end tests.
 */
import { credentials } from '@grpc/grpc-js';
import {
  startGateway,
  type GatewayOptions,
  type RunningGateway,
} from '@massa-bootstrap/bootstrap-gateway';
import { startHistoryStore, type HistoryStoreHandle } from '@massa-bootstrap/history-store';
import {
  HistoryStoreClient,
  type HistoryStoreStatus,
  type SlotChanges,
} from '@massa-bootstrap/proto';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';

/** Options of {@link startBootstrapCluster}. */
export interface BootstrapClusterOptions {
  /** History length of the store, in slots. Default 600. */
  readonly finalHistoryLength?: number;
  /** Number of gateways. Default 1. */
  readonly gateways?: number;
  /** Extra gateway settings (listen and historyStoreUrl are set by the helper). */
  readonly gateway?: Omit<GatewayOptions, 'listen' | 'historyStoreUrl'>;
}

/** A running cluster. */
export interface BootstrapCluster {
  readonly store: HistoryStoreHandle;
  readonly gateways: RunningGateway[];
  /** Addresses of the gateways, in order. */
  readonly targets: string[];
  /** Appends slots one by one (each acknowledged once durable). */
  append(slots: Iterable<SlotChanges>): Promise<void>;
  /** The store's status (newest slot, digest...). */
  status(): Promise<HistoryStoreStatus>;
  /** Closes gateways, client, store and removes the data dir. */
  close(): Promise<void>;
}

/** Starts a history-store and `options.gateways` gateways. */
export async function startBootstrapCluster(
  options: BootstrapClusterOptions = {},
): Promise<BootstrapCluster> {
  const dir: TempDir = await makeTempDir('bootstrap-cluster-');
  const store = await startHistoryStore({
    listen: '127.0.0.1:0',
    dataDir: dir.path,
    finalHistoryLength: options.finalHistoryLength ?? 600,
    logLevel: 'silent',
  });
  const gateways: RunningGateway[] = [];
  for (let i = 0; i < (options.gateways ?? 1); i++) {
    gateways.push(
      await startGateway({
        logLevel: 'silent',
        retryDelayMs: 100,
        // Jest workers are big processes; the default watermark (75 % of the V8 heap limit)
        // would make the gateway refuse sessions for reasons unrelated to the test.
        memoryHighWatermarkMb: 16_384,
        ...options.gateway,
        listen: '127.0.0.1:0',
        historyStoreUrl: store.address,
      }),
    );
  }
  const client = new HistoryStoreClient(store.address, credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const appendOne = (slot: SlotChanges): Promise<void> =>
    new Promise((resolve, reject) => {
      client.appendFinalSlot(slot, (err) => (err ? reject(err) : resolve()));
    });
  return {
    store,
    gateways,
    targets: gateways.map((g) => g.address),
    async append(slots) {
      for (const slot of slots) await appendOne(slot);
    },
    status: () =>
      new Promise((resolve, reject) => {
        client.getStatus({}, (err, status) => (err ? reject(err) : resolve(status)));
      }),
    async close() {
      await Promise.all(gateways.map((g) => g.close()));
      client.close();
      await store.close();
      await dir.cleanup();
    },
  };
}

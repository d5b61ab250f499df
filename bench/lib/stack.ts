/**
 * A history-store process holding a benchmark state (loaded through IngestFinalSlots), with
 * optionally a gateway process in front of it, started while the genesis loads.
 */
import type { BenchContext } from './context';
import { ingestEncoded } from './grpc-raw';
import {
  startGateway,
  startHistoryStore,
  type GatewayProcessOptions,
  type ServerProcess,
} from './services';
import { genesisMessages, stateBytes, type StateShape } from './workload';

/** A store with its genesis ingested, and its gateway when one was asked for. */
export interface Stack {
  readonly store: ServerProcess;
  readonly gateway: ServerProcess | undefined;
  /** Time the genesis took to become durable, ms. */
  readonly loadMs: number;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  readonly shape: StateShape;
  /** Temp dir prefix and log label. */
  readonly label: string;
  /** FINAL_HISTORY_LENGTH of the store; default 600. */
  readonly finalHistoryLength?: number;
  /** Start a gateway too (its historyStoreUrl is filled in). */
  readonly gateway?: Omit<GatewayProcessOptions, 'historyStoreUrl'>;
}

/**
 * Starts a history-store in a fresh temp dir, then ingests the genesis of `shape` (several
 * IngestFinalSlots messages with the genesis slot, sealed when the stream half-closes) while
 * the gateway, if any, starts.
 */
export async function startStack(ctx: BenchContext, options: StackOptions): Promise<Stack> {
  const { shape, label } = options;
  const store = await startHistoryStore(ctx, {
    dataDir: await ctx.tempDir(label),
    finalHistoryLength: options.finalHistoryLength ?? 600,
  });
  const started = performance.now();
  const [loadMs, gateway] = await Promise.all([
    ingestEncoded(store.address, genesisMessages(shape)).then(
      () => performance.now() - started,
      (err: Error) => {
        throw new Error(
          `genesis ingest failed: ${err.message}; history-store output:\n${store.process.tail(20)}`,
        );
      },
    ),
    options.gateway === undefined
      ? undefined
      : startGateway(ctx, { ...options.gateway, historyStoreUrl: store.address }),
  ]);
  ctx.log(
    `${label}: genesis of ${shape.entries.toLocaleString('en-US')} entries (${(stateBytes(shape) / 1e6).toFixed(1)} MB) ` +
      `ingested in ${(loadMs / 1000).toFixed(1)} s`,
  );
  return { store, gateway, loadMs };
}

/** The gateway of a stack started with one (throws otherwise). */
export function gatewayOf(stack: Stack): ServerProcess {
  if (stack.gateway === undefined) throw new Error('this stack has no gateway');
  return stack.gateway;
}

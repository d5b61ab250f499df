import type { DevnetPlan, RollingNamespace } from './plan';
import { SeededRandom } from './prng';
import {
  accountAddress,
  asyncMessagesBatch,
  balanceKey,
  balanceValue,
  bytecodeKey,
  bytecodeValue,
  cycleHistoryKey,
  cycleHistoryValue,
  datastoreKey,
  datastoreValue,
  deferredCreditsBatch,
  executedOpsBatch,
  type KeyValue,
} from './state-model';

function* rollingGenesis(
  namespace: RollingNamespace,
  batch: (index: number) => KeyValue[],
): Generator<KeyValue> {
  for (let index = 1 - namespace.lifetime; index <= 0; index++) yield* batch(index);
}

/**
 * The genesis state of the devnet, lazily, in a fixed order (not key order): the async pool,
 * `cycle_history/0`, deferred credits, executed operations, then every genesis account's
 * balance, bytecode and datastore. A pure function of the plan: the same plan always yields
 * the same entries, `plan.initialEntries` of them (fewer only in degenerate plans where
 * deferred credits cannot find enough distinct accounts).
 */
export function* genesisEntries(plan: DevnetPlan): Generator<KeyValue> {
  yield* rollingGenesis(plan.asyncMessages, (i) => asyncMessagesBatch(plan, i));
  if (plan.genesisCycleHistory) {
    yield {
      key: cycleHistoryKey(0),
      value: cycleHistoryValue(new SeededRandom(plan.seed, 'cycle-history', 0)),
    };
  }
  yield* rollingGenesis(plan.deferredCredits, (i) => deferredCreditsBatch(plan, i));
  yield* rollingGenesis(plan.executedOps, (i) => executedOpsBatch(plan, i));
  for (let account = 0; account < plan.genesisAccounts; account++) {
    const random = new SeededRandom(plan.seed, 'genesis-account', account);
    const address = accountAddress(plan, account);
    yield { key: balanceKey(plan, account, address), value: balanceValue(random) };
    const contract = plan.contractByAccount.get(account);
    if (contract === undefined) continue;
    yield { key: bytecodeKey(plan, account, address), value: bytecodeValue(random) };
    for (let i = 0; i < contract.datastoreKeys; i++) {
      yield { key: datastoreKey(plan, account, i, address), value: datastoreValue(random) };
    }
  }
}

/** Bounds of one genesis message. */
export interface ChunkLimits {
  /** At most this many entries per chunk. */
  readonly maxEntries: number;
  /** Stop adding entries once key + value bytes reach this budget (one entry always fits). */
  readonly maxBytes: number;
}

/**
 * Groups entries into chunks bounded by entry count and bytes, for IngestFinalSlots messages
 * that stay far below gRPC's 4 MiB default message limit.
 */
export function* chunkEntries(
  entries: Iterable<KeyValue>,
  limits: ChunkLimits,
): Generator<KeyValue[]> {
  let chunk: KeyValue[] = [];
  let bytes = 0;
  for (const entry of entries) {
    chunk.push(entry);
    bytes += entry.key.length + entry.value.length;
    if (chunk.length >= limits.maxEntries || bytes >= limits.maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}

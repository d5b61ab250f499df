import { addSlots, slotDistance, type Slot } from '@massa-bootstrap/core';
import { SeededRandom } from './prng';

/** Share of genesis accounts that are smart contracts (bytecode + datastore). */
const CONTRACT_SHARE = 0.05;
/** Datastore keys of one genesis contract are log-uniform in [0, MAX_DATASTORE_KEYS). */
const MAX_DATASTORE_KEYS = 256;

/**
 * A namespace whose keys live a fixed number of slots: slot `n` inserts batch `n` and deletes
 * batch `n - lifetime` (executed operations expire, async messages are consumed, deferred
 * credits are paid at their slot). The genesis holds batches `1 - lifetime .. 0`, so every
 * delete hits a key that exists.
 */
export interface RollingNamespace {
  /** Keys inserted (and deleted) per slot; 0 when the namespace is static. */
  readonly perSlot: number;
  /** Slots between the insertion and the deletion of a key; 0 when `perSlot` is 0. */
  readonly lifetime: number;
}

/** A genesis account that is a smart contract. */
export interface ContractAccount {
  /** Account index (see {@link DevnetPlan.genesisAccounts}). */
  readonly account: number;
  /** Datastore keys it holds at genesis (indices 0 .. datastoreKeys - 1). */
  readonly datastoreKeys: number;
}

/** What the plan is derived from. */
export interface DevnetPlanOptions {
  /** Seed of every random choice. */
  readonly seed: string;
  /** Exact number of state entries of the genesis. At least 1. */
  readonly initialEntries: number;
  /** Changes per finalized slot. At least 1. */
  readonly changesPerSlot: number;
  /** Threads per period. */
  readonly threadCount: number;
}

/**
 * The shape of a devnet, a pure function of {@link DevnetPlanOptions}: namespace sizes and
 * rates, the genesis accounts and contracts. The genesis and every slot's changes are pure
 * functions of the plan and the slot, which makes a devnet reproducible and lets a restarted
 * producer continue exactly where the store stands.
 */
export interface DevnetPlan extends DevnetPlanOptions {
  /** The genesis slot: the last thread of period 0 (Massa's genesis blocks), so slot 1 is (1, 0). */
  readonly genesisSlot: Slot;
  /** Accounts 0 .. genesisAccounts - 1 exist at genesis. */
  readonly genesisAccounts: number;
  /** Genesis contracts, by ascending account. */
  readonly contracts: readonly ContractAccount[];
  /** The same contracts by account index. */
  readonly contractByAccount: ReadonlyMap<number, ContractAccount>;
  /** `executed_ops/<id>`: executed operations, deleted when they expire. */
  readonly executedOps: RollingNamespace;
  /** `async_pool/<id>`: asynchronous messages, deleted when executed. */
  readonly asyncMessages: RollingNamespace;
  /** `deferred_credits/<slot>/<address>`: credits paid (deleted) at their slot. */
  readonly deferredCredits: RollingNamespace;
  /** New user accounts (a balance) per slot. */
  readonly newAccountsPerSlot: number;
  /** Whether the genesis holds `cycle_history/0`. */
  readonly genesisCycleHistory: boolean;
  /** Whether each slot updates its cycle's `cycle_history/<n>`. */
  readonly cycleHistoryPerSlot: boolean;
  /** Updates of existing keys (balances, datastore, bytecode) per slot, before cycle deletions. */
  readonly updatesPerSlot: number;
}

function rolling(perSlot: number, genesisBudget: number): RollingNamespace {
  const lifetime = perSlot > 0 ? Math.floor(genesisBudget / perSlot) : 0;
  return lifetime >= 1 ? { perSlot, lifetime } : { perSlot: 0, lifetime: 0 };
}

/** Datastore size of a genesis contract: log-uniform, so a few contracts hold most keys. */
function datastoreSize(random: SeededRandom): number {
  return Math.floor(Math.exp(random.nextFloat() * Math.log(MAX_DATASTORE_KEYS + 1))) - 1;
}

/**
 * Derives the plan. Shares of the genesis: ~10 % executed operations, ~3 % async messages,
 * ~2 % deferred credits, one cycle_history entry, the rest the ledger (balances; 5 % of the
 * accounts are contracts with bytecode and a datastore). Shares of a slot's changes: 15 %
 * executed operations inserted and as many expired, 5 % + 5 % async messages, 5 % + 5 % deferred
 * credits, 2 % new accounts, one cycle_history update, the rest updates of existing keys.
 */
export function createDevnetPlan(options: DevnetPlanOptions): DevnetPlan {
  const { seed, initialEntries: n, changesPerSlot: c, threadCount } = options;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`initialEntries must be >= 1, got ${n}`);
  if (!Number.isSafeInteger(c) || c < 1)
    throw new RangeError(`changesPerSlot must be >= 1, got ${c}`);
  const executedOps = rolling(Math.floor(c * 0.15), Math.floor(n * 0.1));
  const asyncMessages = rolling(Math.floor(c * 0.05), Math.floor(n * 0.03));
  const deferredCredits = rolling(Math.floor(c * 0.05), Math.floor(n * 0.02));
  const genesisCycleHistory = n >= 2;
  const cycleHistoryPerSlot = c >= 10;
  const newAccountsPerSlot = Math.floor(c * 0.02);
  let ledgerBudget = n - (genesisCycleHistory ? 1 : 0);
  for (const ns of [executedOps, asyncMessages, deferredCredits])
    ledgerBudget -= ns.perSlot * ns.lifetime;

  const contracts: ContractAccount[] = [];
  let accounts = 0;
  for (let remaining = ledgerBudget; remaining > 0; accounts++) {
    const random = new SeededRandom(seed, 'account-kind', accounts);
    const isContract = random.nextFloat() < CONTRACT_SHARE;
    if (isContract && remaining >= 2) {
      const datastoreKeys = Math.min(datastoreSize(random), remaining - 2);
      contracts.push({ account: accounts, datastoreKeys });
      remaining -= 2 + datastoreKeys;
    } else {
      remaining -= 1;
    }
  }
  const updatesPerSlot =
    c -
    2 * (executedOps.perSlot + asyncMessages.perSlot + deferredCredits.perSlot) -
    newAccountsPerSlot -
    (cycleHistoryPerSlot ? 1 : 0);
  return {
    ...options,
    genesisSlot: { period: 0, thread: threadCount - 1 },
    genesisAccounts: accounts,
    contracts,
    contractByAccount: new Map(contracts.map((k) => [k.account, k])),
    executedOps,
    asyncMessages,
    deferredCredits,
    newAccountsPerSlot,
    genesisCycleHistory,
    cycleHistoryPerSlot,
    updatesPerSlot,
  };
}

/** The slot of index `index` (0 = genesis, 1 = the first slot after it). */
export function slotAt(plan: DevnetPlan, index: number): Slot {
  const slot = addSlots(plan.genesisSlot, index, plan.threadCount);
  if (slot === undefined) throw new RangeError(`no slot at index ${index}`);
  return slot;
}

/** The index of `slot` (0 = genesis; negative before the genesis). */
export function slotIndex(plan: DevnetPlan, slot: Slot): number {
  return slotDistance(plan.genesisSlot, slot, plan.threadCount);
}

/** Accounts that exist before slot `index` applies its changes (genesis accounts at index <= 1). */
export function accountsBefore(plan: DevnetPlan, index: number): number {
  return plan.genesisAccounts + Math.max(0, index - 1) * plan.newAccountsPerSlot;
}

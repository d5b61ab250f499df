import type { KeyChange } from '@massa-bootstrap/proto';
import { accountsBefore, slotAt, type DevnetPlan } from './plan';
import { SeededRandom } from './prng';
import {
  CYCLES_KEPT,
  PERIODS_PER_CYCLE,
  asyncMessagesBatch,
  balanceKey,
  balanceValue,
  bytecodeKey,
  bytecodeValue,
  cycleHistoryKey,
  cycleHistoryValue,
  cycleOf,
  datastoreKey,
  datastoreValue,
  deferredCreditsBatch,
  executedOpsBatch,
  type KeyValue,
} from './state-model';

/** Extra datastore indices past a contract's genesis size that slots may create. */
const DATASTORE_GROWTH = 8;
/** Draws per update before giving up on finding a key not yet changed by the slot. */
const UPDATE_ATTEMPTS = 8;

/** Collects one slot's changes, at most one per key (the store rejects a key twice). */
class SlotChangeSet {
  readonly changes: KeyChange[] = [];
  private readonly keys = new Set<string>();

  private claim(key: Buffer): boolean {
    const text = key.toString('latin1');
    if (this.keys.has(text)) return false;
    this.keys.add(text);
    return true;
  }

  set(key: Buffer, value: Buffer): boolean {
    if (!this.claim(key)) return false;
    this.changes.push({ key, change: { $case: 'setValue', value } });
    return true;
  }

  delete(key: Buffer): boolean {
    if (!this.claim(key)) return false;
    this.changes.push({ key, change: { $case: 'delete', value: {} } });
    return true;
  }

  setAll(entries: readonly KeyValue[]): void {
    for (const e of entries) this.set(e.key, e.value);
  }

  deleteAll(entries: readonly KeyValue[]): void {
    for (const e of entries) this.delete(e.key);
  }
}

/** One update of an existing key (or of a datastore key next to existing ones). */
function drawUpdate(
  plan: DevnetPlan,
  index: number,
  random: SeededRandom,
  set: SlotChangeSet,
): boolean {
  const kind = random.nextFloat();
  if (plan.contracts.length > 0 && kind < 0.27) {
    const contract = plan.contracts[random.nextInt(plan.contracts.length)];
    if (contract === undefined) return false;
    if (kind < 0.01) return set.set(bytecodeKey(plan, contract.account), bytecodeValue(random));
    const key = datastoreKey(
      plan,
      contract.account,
      random.nextInt(contract.datastoreKeys + DATASTORE_GROWTH),
    );
    // One datastore change in five removes the key (a no-op when it does not exist).
    return random.nextInt(5) === 0 ? set.delete(key) : set.set(key, datastoreValue(random));
  }
  const account = random.nextInt(accountsBefore(plan, index));
  return set.set(balanceKey(plan, account), balanceValue(random));
}

/**
 * The changes finalized by the slot of index `index` (>= 1; see `slotIndex`): executed
 * operations inserted and expired, async messages emitted and consumed, deferred credits
 * created and paid, new accounts, the cycle's history entry, then updates of balances,
 * datastore keys and bytecode. A pure function of (plan, index), so a restarted producer
 * sends exactly what an uninterrupted one would have, and at most one change per key.
 * About `plan.changesPerSlot` changes (fewer only when a tiny devnet runs out of distinct keys).
 */
export function slotChanges(plan: DevnetPlan, index: number): KeyChange[] {
  if (!Number.isSafeInteger(index) || index < 1)
    throw new RangeError(`slot index must be >= 1, got ${index}`);
  const set = new SlotChangeSet();
  const { executedOps, asyncMessages, deferredCredits } = plan;
  if (executedOps.perSlot > 0) {
    set.setAll(executedOpsBatch(plan, index));
    set.deleteAll(executedOpsBatch(plan, index - executedOps.lifetime));
  }
  if (asyncMessages.perSlot > 0) {
    set.setAll(asyncMessagesBatch(plan, index));
    set.deleteAll(asyncMessagesBatch(plan, index - asyncMessages.lifetime));
  }
  if (deferredCredits.perSlot > 0) {
    set.setAll(deferredCreditsBatch(plan, index));
    set.deleteAll(deferredCreditsBatch(plan, index - deferredCredits.lifetime));
  }
  const random = new SeededRandom(plan.seed, 'slot', index);
  const firstNew = accountsBefore(plan, index);
  for (let account = firstNew; account < firstNew + plan.newAccountsPerSlot; account++) {
    set.set(balanceKey(plan, account), balanceValue(random));
  }
  let updates = plan.updatesPerSlot;
  if (plan.cycleHistoryPerSlot) {
    const cycle = cycleOf(plan, index);
    set.set(cycleHistoryKey(cycle), cycleHistoryValue(random));
    const slot = slotAt(plan, index);
    if (slot.thread === 0 && slot.period % PERIODS_PER_CYCLE === 0 && cycle >= CYCLES_KEPT) {
      set.delete(cycleHistoryKey(cycle - CYCLES_KEPT));
      updates--;
    }
  }
  for (let i = 0; i < updates; i++) {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      if (drawUpdate(plan, index, random, set)) break;
    }
  }
  return set.changes;
}

/**
 * Keys and values of a Massa-shaped final state, each a pure function of the plan and an index,
 * so that the genesis and the slot generator agree on every key without sharing memory.
 */
import { createHash } from 'node:crypto';
import { formatSlot } from '@massa-bootstrap/core';
import { massaId } from './massa-ids';
import { accountsBefore, slotAt, type DevnetPlan } from './plan';
import { SeededRandom } from './prng';

/** Periods per cycle (Massa: 128). */
export const PERIODS_PER_CYCLE = 128;
/** Cycles kept in `cycle_history` (older ones are deleted when a cycle starts). */
export const CYCLES_KEPT = 6;

/** One key and its value. */
export interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** The address of account `account`: "AS1…" for a genesis contract, "AU1…" otherwise. */
export function accountAddress(plan: DevnetPlan, account: number): string {
  const hash = new SeededRandom(plan.seed, 'address', account).nextBytes(32);
  return massaId(plan.contractByAccount.has(account) ? 'AS' : 'AU', hash);
}

/** `ledger/<address>/balance` (`address` may be passed when already known). */
export function balanceKey(
  plan: DevnetPlan,
  account: number,
  address = accountAddress(plan, account),
): Buffer {
  return Buffer.from(`ledger/${address}/balance`);
}

/** `ledger/<address>/bytecode` (`address` may be passed when already known). */
export function bytecodeKey(
  plan: DevnetPlan,
  account: number,
  address = accountAddress(plan, account),
): Buffer {
  return Buffer.from(`ledger/${address}/bytecode`);
}

/**
 * `ledger/<address>/datastore/<key>`: the contract's `index`-th datastore key (16 hex digits;
 * `address` may be passed when already known).
 */
export function datastoreKey(
  plan: DevnetPlan,
  account: number,
  index: number,
  address = accountAddress(plan, account),
): Buffer {
  const name = createHash('sha256')
    .update(`${plan.seed}\u0000datastore\u0000${account}\u0000${index}`)
    .digest('hex')
    .slice(0, 16);
  return Buffer.from(`ledger/${address}/datastore/${name}`);
}

/** A balance: an amount of 8 to 16 bytes. */
export function balanceValue(random: SeededRandom): Buffer {
  return random.nextBytes(random.nextIntBetween(8, 16));
}

/** Contract bytecode: a WebAssembly header and 1 to 8 KiB of code. */
export function bytecodeValue(random: SeededRandom): Buffer {
  const code = random.nextBytes(random.nextIntBetween(1024, 8192));
  code.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  return code;
}

/** A datastore value: 4 to 256 bytes. */
export function datastoreValue(random: SeededRandom): Buffer {
  return random.nextBytes(random.nextIntBetween(4, 256));
}

/** `cycle_history/<cycle>`. */
export function cycleHistoryKey(cycle: number): Buffer {
  return Buffer.from(`cycle_history/${cycle}`);
}

/** A cycle's roll counts, seed bits and production stats: 512 bytes to 2 KiB. */
export function cycleHistoryValue(random: SeededRandom): Buffer {
  return random.nextBytes(random.nextIntBetween(512, 2048));
}

/** The cycle of slot `index`. */
export function cycleOf(plan: DevnetPlan, index: number): number {
  return Math.floor(slotAt(plan, Math.max(0, index)).period / PERIODS_PER_CYCLE);
}

/** Executed operations inserted by slot `batch` (genesis batches are <= 0). */
export function executedOpsBatch(plan: DevnetPlan, batch: number): KeyValue[] {
  const random = new SeededRandom(plan.seed, 'executed-ops', batch);
  const expiry = Math.max(0, slotAt(plan, Math.max(0, batch)).period) + 10;
  const out: KeyValue[] = [];
  for (let i = 0; i < plan.executedOps.perSlot; i++) {
    const key = Buffer.from(`executed_ops/${massaId('O', random.nextBytes(32))}`);
    // Expiry period (u64 LE) and the execution outcome (1 = success).
    const value = Buffer.alloc(9);
    value.writeBigUInt64LE(BigInt(expiry));
    value[8] = random.nextInt(10) === 0 ? 0 : 1;
    out.push({ key, value });
  }
  return out;
}

/** Asynchronous messages emitted by slot `batch`: 160 to 640 bytes each. */
export function asyncMessagesBatch(plan: DevnetPlan, batch: number): KeyValue[] {
  const random = new SeededRandom(plan.seed, 'async-pool', batch);
  const out: KeyValue[] = [];
  for (let i = 0; i < plan.asyncMessages.perSlot; i++) {
    const key = Buffer.from(`async_pool/${random.nextBytes(12).toString('hex')}`);
    out.push({ key, value: random.nextBytes(random.nextIntBetween(160, 640)) });
  }
  return out;
}

/**
 * Deferred credits created by slot `batch`, payable at slot `batch + lifetime` (the slot in the
 * key), one 8-byte amount per (slot, address). Unique keys: a repeated address is redrawn.
 */
export function deferredCreditsBatch(plan: DevnetPlan, batch: number): KeyValue[] {
  const { perSlot, lifetime } = plan.deferredCredits;
  const random = new SeededRandom(plan.seed, 'deferred-credits', batch);
  const target = formatSlot(slotAt(plan, batch + lifetime));
  const accounts = accountsBefore(plan, batch);
  const seen = new Set<number>();
  const out: KeyValue[] = [];
  for (let attempt = 0; out.length < perSlot && attempt < perSlot * 4; attempt++) {
    const account = random.nextInt(accounts);
    const amount = random.nextBytes(8);
    if (seen.has(account)) continue;
    seen.add(account);
    const key = Buffer.from(`deferred_credits/${target}/${accountAddress(plan, account)}`);
    out.push({ key, value: amount });
  }
  return out;
}

/**
 * The shared vocabulary of the bad-input generators: what a generated request is, what it may
 * be answered with, how an answer becomes one outcome name, and the odd slots and keys the
 * requests are made of.
 */
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { Slot } from '@massa-bootstrap/core';
import type { BootstrapGatewayClient, HistoryStoreClient } from '@massa-bootstrap/proto';
import {
  collectStream,
  pick,
  randomBytes,
  randomInt,
  type RawGrpcConnection,
} from '@massa-bootstrap/test-support';

/** What the generators know about the store under test (read before the run). */
export interface StoreFacts {
  readonly threadCount: number;
  /** The oldest slot whose changes are retained. */
  readonly oldest: Slot;
  readonly newest: Slot;
  /** Every retained slot, oldest first. */
  readonly retained: readonly Slot[];
}

/** Connections a generated request may use. */
export interface BadInputTargets {
  readonly store: HistoryStoreClient;
  readonly gateway: BootstrapGatewayClient;
  readonly storeRaw: RawGrpcConnection;
  readonly gatewayRaw: RawGrpcConnection;
}

/**
 * One generated malformed request. `kind` groups requests for the report; `allowed` lists the
 * documented outcomes for that kind (status names, 'OK' when the request is odd but valid, e.g.
 * random bytes that are a legal key). `send` never rejects: it resolves with the outcome.
 */
export interface BadRequest {
  readonly service: 'history-store' | 'gateway';
  readonly kind: string;
  readonly allowed: readonly string[];
  send(targets: BadInputTargets): Promise<string>;
}

/** The name of a status code ('OK', 'INVALID_ARGUMENT', ...). */
export function statusName(code: number): string {
  return status[code] ?? `CODE_${code}`;
}

/** The outcome of a unary call. */
export function unaryOutcome<T>(
  start: (done: (err: ServiceError | null, res?: T) => void) => void,
): Promise<string> {
  return new Promise((resolve) => {
    start((err) => resolve(err ? statusName(err.code) : 'OK'));
  });
}

/** The outcome of a server stream, read to its end. */
export async function streamOutcome<T>(call: ClientReadableStream<T>): Promise<string> {
  const { error } = await collectStream(call);
  return error === undefined ? 'OK' : statusName(error.code);
}

/** A slot with a random period in [from, to] and a valid thread. */
export function slotBetween(
  random: () => number,
  facts: StoreFacts,
  from: number,
  to: number,
): Slot {
  return {
    period: randomInt(random, from, to),
    thread: randomInt(random, 0, facts.threadCount - 1),
  };
}

/** A slot strictly before the retained history (its changes are gone). */
export function slotBeforeHistory(random: () => number, facts: StoreFacts): Slot {
  return slotBetween(random, facts, 0, Math.max(0, facts.oldest.period - 2));
}

/** A slot after the newest one (valid, never stored). */
export function slotInFuture(random: () => number, facts: StoreFacts): Slot {
  return random() < 0.5
    ? slotBetween(random, facts, facts.newest.period + 1, facts.newest.period + 1000)
    : slotBetween(random, facts, 2 ** 40, Number.MAX_SAFE_INTEGER);
}

/** A retained slot (a valid, stored slot). */
export function retainedSlot(random: () => number, facts: StoreFacts): Slot {
  return pick(random, facts.retained);
}

/** A slot whose thread is >= thread_count. */
export function slotWithBadThread(random: () => number, facts: StoreFacts): Slot {
  return {
    period: randomInt(random, 0, facts.newest.period + 10),
    thread:
      random() < 0.5
        ? facts.threadCount + randomInt(random, 0, 3)
        : randomInt(random, facts.threadCount, 2 ** 32 - 1),
  };
}

/** What kind of slot a generated request names. */
export type SlotKind = 'past' | 'future' | 'bad-thread' | 'retained' | 'missing';

/** A random slot of `kind`: before the history, after the newest, thread out of range, stored, or none. */
export function slotOfKind(
  random: () => number,
  facts: StoreFacts,
  kind: SlotKind,
): Slot | undefined {
  switch (kind) {
    case 'past':
      return slotBeforeHistory(random, facts);
    case 'future':
      return slotInFuture(random, facts);
    case 'bad-thread':
      return slotWithBadThread(random, facts);
    case 'retained':
      return retainedSlot(random, facts);
    case 'missing':
      return undefined;
  }
}

/** Random key bytes, mostly legal (1..64 bytes), sometimes empty or over MAX_KEY_BYTES. */
export function randomKey(random: () => number): Buffer {
  const roll = random();
  if (roll < 0.05) return Buffer.alloc(0);
  if (roll < 0.1) return randomBytes(random, randomInt(random, 4097, 6000));
  return randomBytes(random, randomInt(random, 1, 64));
}

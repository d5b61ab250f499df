import { createStateDigest, SlotTooOldError } from '@massa-bootstrap/core';
import type { BootstrapPart, Cursor, StateEntry } from '@massa-bootstrap/proto';
import type {
  SinkEntry,
  SinkPart,
  SinkSnapshot,
  StateSink,
} from '@massa-bootstrap/bootstrap-client';

/** `count` entries "key/000001" → 32 pseudo-random bytes, in key order. */
export function makeEntries(count: number, prefix = 'key/'): StateEntry[] {
  const entries: StateEntry[] = [];
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(32);
    for (let j = 0; j < 32; j++) value[j] = (i * 31 + j * 7) & 0xff;
    entries.push({ key: Buffer.from(`${prefix}${String(i).padStart(6, '0')}`), value });
  }
  return entries;
}

/** The state digest of `entries`. */
export async function digestOf(
  entries: Iterable<{ key: Uint8Array; value: Uint8Array }>,
): Promise<Buffer> {
  const digest = await createStateDigest();
  digest.addMany(entries);
  return digest.digest();
}

/** One part carrying the whole state, completing it at `slot`. */
export async function completePart(entries: StateEntry[], period = 10): Promise<BootstrapPart> {
  return {
    slot: { period, thread: 0 },
    changes: [],
    entries,
    cursor: { slot: { period, thread: 0 }, lastKey: Buffer.alloc(0), stateComplete: true },
    stateDigest: await digestOf(entries),
  };
}

/** A SlotTooOld as the gateway would throw it. */
export function slotTooOld(requested = { period: 1, thread: 2 }): SlotTooOldError {
  return new SlotTooOldError(requested, { period: 50, thread: 0 }, { period: 60, thread: 3 }, 100);
}

/** Resolves when `predicate` holds after one of `emitter`'s `event`s. */
export function waitForEvent<T>(
  emitter: {
    on(event: string, listener: (arg: T) => void): unknown;
    off(event: string, listener: (arg: T) => void): unknown;
  },
  event: string,
  predicate: (arg: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const listener = (arg: T): void => {
      if (!predicate(arg)) return;
      emitter.off(event, listener);
      resolve(arg);
    };
    emitter.on(event, listener);
  });
}

/** A gate a test opens when it is ready. */
export interface Gate {
  /** Resolves when the sink reached the gate (the part is held, not yet applied). */
  readonly reached: Promise<void>;
  /** Lets the held part through. */
  release(): void;
}

/**
 * A StateSink decorator that can hold one `applyPart` call (by number, from 1) until the test
 * releases it: a deterministic way to pause a client in the middle of a bootstrap.
 */
export class GatedSink implements StateSink {
  private calls = 0;
  private readonly gates = new Map<
    number,
    { gate: Gate; reachedNow: () => void; released: Promise<void> }
  >();

  constructor(readonly inner: StateSink) {}

  /** Holds the `call`-th applyPart (1-based) until released. */
  gateAt(call: number): Gate {
    let reachedNow!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (reachedNow = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const gate = { reached, release };
    this.gates.set(call, { gate, reachedNow, released });
    return gate;
  }

  /** applyPart calls so far. */
  applyCalls(): number {
    return this.calls;
  }

  load(): Promise<SinkSnapshot> {
    return this.inner.load();
  }
  async applyPart(part: SinkPart): Promise<void> {
    const gate = this.gates.get(++this.calls);
    if (gate !== undefined) {
      gate.reachedNow();
      await gate.released;
    }
    await this.inner.applyPart(part);
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
  digest(): Buffer {
    return this.inner.digest();
  }
  entryCount(): number {
    return this.inner.entryCount();
  }
  cursor(): Cursor | undefined {
    return this.inner.cursor();
  }
  entries(): Iterable<SinkEntry> {
    return this.inner.entries();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Every entry of a sink as "hexkey=hexvalue" strings, in key order. */
export function dumpEntries(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): string[] {
  const out: string[] = [];
  for (const { key, value } of entries)
    out.push(`${Buffer.from(key).toString('hex')}=${Buffer.from(value).toString('hex')}`);
  return out;
}

/**
 * `promise`, or a rejection naming `step` (and `context()`) after `ms`: a deadline that turns a
 * hang into a diagnosable failure, never a substitute for waiting on an event.
 */
export async function within<T>(
  step: string,
  promise: Promise<T>,
  ms = 30_000,
  context: () => unknown = () => '',
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${step}: nothing after ${ms} ms ${JSON.stringify(context())}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A bootstrap-client run whose events are counted (parts, retries by status, resets), over a
 * MemorySink that can be slowed down per part — a node with a slow disk — so that bootstraps
 * are still running when a suite kills a process.
 */
import { status } from '@grpc/grpc-js';
import {
  Bootstrapper,
  MemorySink,
  type BootstrapOptions,
  type BootstrapResult,
  type SinkPart,
  type SinkSnapshot,
  type StateSink,
} from '@massa-bootstrap/bootstrap-client';
import { count } from './report';
import { sleep } from '@massa-bootstrap/test-support';

/** A MemorySink whose `applyPart` first waits `delayMs` (a slow disk). */
export class SlowMemorySink implements StateSink {
  private readonly inner = new MemorySink();

  constructor(private readonly delayMs: number) {}

  load(): Promise<SinkSnapshot> {
    return this.inner.load();
  }
  async applyPart(part: SinkPart): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
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
  cursor(): ReturnType<StateSink['cursor']> {
    return this.inner.cursor();
  }
  entries(): ReturnType<StateSink['entries']> {
    return this.inner.entries();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** How a tracked client ended. */
export interface TrackedOutcome {
  readonly result?: BootstrapResult;
  readonly error?: unknown;
  readonly elapsedMs: number;
}

/** Name of a gRPC code, e.g. 'UNAVAILABLE'. */
export function codeName(code: number | undefined): string {
  return code === undefined ? 'NONE' : (status[code] ?? String(code));
}

/** One running client. */
export class TrackedClient {
  readonly sink: SlowMemorySink;
  /** Parts applied (all sessions). */
  parts = 0;
  /** Sessions (gRPC calls) started. */
  sessions = 0;
  /** Retries by `CODE` or `CODE/REASON`. */
  readonly retries = new Map<string, number>();
  /** Retry delays (ms) after RESOURCE_EXHAUSTED refusals. */
  readonly refusalDelaysMs: number[] = [];
  /** SlotTooOld and integrity resets. */
  resets = 0;
  /** Settles when the run ends; never rejects. */
  readonly done: Promise<TrackedOutcome>;
  private finished = false;

  constructor(
    readonly id: number,
    options: Omit<BootstrapOptions, 'sink'> & { readonly partDelayMs?: number },
  ) {
    const { partDelayMs, ...rest } = options;
    this.sink = new SlowMemorySink(partDelayMs ?? 0);
    const bootstrapper = new Bootstrapper({ ...rest, sink: this.sink });
    bootstrapper.on('session', () => {
      this.sessions += 1;
    });
    bootstrapper.on('part', () => {
      this.parts += 1;
    });
    bootstrapper.on('reset', () => {
      this.resets += 1;
    });
    bootstrapper.on('retry', (event) => {
      count(
        this.retries,
        event.reason ? `${codeName(event.code)}/${event.reason}` : codeName(event.code),
      );
      if (event.code === status.RESOURCE_EXHAUSTED) this.refusalDelaysMs.push(event.delayMs);
    });
    const started = Date.now();
    this.done = bootstrapper.run().then(
      (result) => {
        this.finished = true;
        return { result, elapsedMs: Date.now() - started };
      },
      (error: unknown) => {
        this.finished = true;
        return { error, elapsedMs: Date.now() - started };
      },
    );
  }

  /** True once the run ended. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Retries of every kind. */
  get retryCount(): number {
    let total = 0;
    for (const n of this.retries.values()) total += n;
    return total;
  }
}

/** Adds every client's retry tally into one. */
export function retryTally(clients: readonly TrackedClient[]): Map<string, number> {
  const tally = new Map<string, number>();
  for (const client of clients) for (const [key, n] of client.retries) count(tally, key, n);
  return tally;
}

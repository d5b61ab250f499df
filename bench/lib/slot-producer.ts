/**
 * Finalizes one slot every `slotMs` into a history-store (AppendFinalSlot, each acknowledged
 * once durable), like a node's execution: `changesPerSlot` overwrites of existing keys per slot.
 * A tick that comes while the previous slot is still being appended is skipped (and counted),
 * so the chain never runs ahead of wall-clock time.
 */
import { credentials } from '@grpc/grpc-js';
import { HistoryStoreClient } from '@massa-bootstrap/proto';
import { seededRandom, updateSlot, type StateShape } from './workload';

/** See the module comment. */
export class SlotProducer {
  private readonly client: HistoryStoreClient;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private offset: number;
  private appended = 0;
  private skipped = 0;
  private readonly latenciesMs: number[] = [];
  private failure: Error | undefined;

  constructor(
    storeAddress: string,
    private readonly shape: StateShape,
    private readonly changesPerSlot: number,
    private readonly slotMs: number,
    /** Offset (after genesis) of the first slot produced. */
    firstOffset = 1,
    seed = 42,
  ) {
    this.client = new HistoryStoreClient(storeAddress, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
    this.random = seededRandom(seed);
    this.offset = firstOffset;
  }

  /** Slots appended so far. */
  get appendedSlots(): number {
    return this.appended;
  }

  /** Ticks skipped because the store was still busy with the previous slot. */
  get skippedTicks(): number {
    return this.skipped;
  }

  /** AppendFinalSlot latency (call to durable acknowledgement, as seen here), ms: median and 95th percentile. */
  latency(): { readonly medianMs: number; readonly p95Ms: number } {
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    const at = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    return { medianMs: at(0.5), p95Ms: at(0.95) };
  }

  /** Starts producing. */
  start(): void {
    this.timer = setInterval(() => this.tick(), this.slotMs);
  }

  /** Stops producing; rejects if an append failed. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    this.client.close();
    if (this.failure) throw this.failure;
  }

  private tick(): void {
    if (this.inFlight !== undefined) {
      this.skipped += 1;
      return;
    }
    const message = updateSlot(this.shape, this.offset, this.changesPerSlot, this.random);
    this.offset += 1;
    const started = performance.now();
    this.inFlight = new Promise<void>((resolve) => {
      this.client.appendFinalSlot(message, (err) => {
        if (err) this.failure ??= err;
        else this.appended += 1;
        this.latenciesMs.push(performance.now() - started);
        this.inFlight = undefined;
        resolve();
      });
    });
  }
}

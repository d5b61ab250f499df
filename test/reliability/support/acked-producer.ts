/**
 * A producer that feeds a history-store from a {@link SlotFeed} and records what the store
 * acknowledged: unary appends, short IngestFinalSlots streams and, now and then, an idempotent
 * re-send of the last acknowledged slot (a producer retry). It runs until stopped or until a
 * call fails (the store was killed): an unacknowledged call may or may not have committed, an
 * acknowledged one must survive any crash.
 */
import type { HistoryStoreClient } from '@massa-bootstrap/proto';
import { appendSlot, ingestSlots, randomInt, sleep } from '@massa-bootstrap/test-support';
import type { SlotFeed } from './slot-feed';

/** See the module comment. */
export class AckedProducer {
  /** Highest slot index acknowledged by the store (-1: none). */
  acked = -1;
  /** Slots acknowledged over all runs. */
  ackedSlots = 0;
  /** Duplicate re-sends answered `duplicate: true`. */
  duplicates = 0;
  /** Duplicate re-sends NOT answered as duplicates (must stay 0). */
  duplicateMismatches = 0;
  /** Acknowledged AppendFinalSlot calls and IngestFinalSlots streams. */
  appends = 0;
  streams = 0;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly feed: SlotFeed,
    private readonly random: () => number,
    /** Pause between two calls, ms (leaves CPU to the clients on small machines). */
    private readonly paceMs: number,
  ) {}

  /** Starts producing from slot index `next` through `client`. */
  start(client: HistoryStoreClient, next: number): void {
    if (this.running !== undefined) throw new Error('producer already running');
    this.stopped = false;
    this.running = this.loop(client, next).catch((err: unknown) => err);
  }

  /** Stops and waits for the call in flight; resolves with the error that ended it, if any. */
  async stop(): Promise<unknown> {
    this.stopped = true;
    const running = this.running;
    this.running = undefined;
    return running;
  }

  /** Records that the store acknowledged `slots` slots up to index `index` (also: the genesis). */
  recordAcknowledged(index: number, slots: number): void {
    this.ackedSlots += slots;
    if (index > this.acked) this.acked = index;
  }

  private async loop(client: HistoryStoreClient, from: number): Promise<void> {
    let next = from;
    while (!this.stopped) {
      const roll = this.random();
      if (roll < 0.1 && next > this.feed.genesisSlots) {
        const reply = await appendSlot(client, this.feed.at(next - 1));
        if (reply.duplicate) this.duplicates += 1;
        else this.duplicateMismatches += 1;
      } else if (roll < 0.55) {
        await appendSlot(client, this.feed.at(next));
        this.appends += 1;
        this.recordAcknowledged(next, 1);
        next += 1;
      } else {
        const n = randomInt(this.random, 2, 8);
        const batch = Array.from({ length: n }, (_, i) => this.feed.at(next + i));
        const reply = await ingestSlots(client, batch);
        if (reply.slotsCommitted !== n) {
          throw new Error(`IngestFinalSlots committed ${reply.slotsCommitted} of ${n} slots`);
        }
        this.streams += 1;
        this.recordAcknowledged(next + n - 1, n);
        next += n;
      }
      if (this.paceMs > 0) await sleep(this.paceMs);
    }
  }
}

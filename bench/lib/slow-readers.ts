/**
 * Many light Bootstrap readers on throttled links: each has its own ThrottleProxy (its own
 * "network link") and its own connection, reads the raw parts without decoding them and only
 * counts bytes. They load a server the way slow nodes do, at almost no CPU cost to the bench.
 */
import type { Client } from '@grpc/grpc-js';
import { BootstrapRequest } from '@massa-bootstrap/proto';
import { PATHS, drainStream, rawClient, rawServerStream, type DrainResult } from './grpc-raw';
import { ThrottleProxy } from './throttle-proxy';

const STREAMING_BYTES = 32 * 1024;

interface Reader {
  readonly proxy: ThrottleProxy;
  readonly client: Client;
  readonly cancel: () => void;
  readonly done: Promise<DrainResult>;
  readonly progress: { ended: boolean };
}

/** A group of readers started together. */
export class SlowReaders {
  private constructor(private readonly readers: readonly Reader[]) {}

  /**
   * Starts one reader per entry of `bytesPerSecond` against 127.0.0.1:`serverPort`, each with
   * grpc-js's default HTTP/2 window (a slow node has no use for a large one).
   */
  static async start(serverPort: number, bytesPerSecond: readonly number[]): Promise<SlowReaders> {
    const request = Buffer.from(
      BootstrapRequest.encode({ maxPartBytes: 0, follow: false }).finish(),
    );
    const readers = await Promise.all(
      bytesPerSecond.map(async (rate): Promise<Reader> => {
        const proxy = await ThrottleProxy.start(serverPort, rate);
        const client = rawClient(proxy.address, {
          'grpc.max_receive_message_length': 256 * 1024 * 1024,
        });
        const call = rawServerStream(client, PATHS.bootstrap, request);
        const progress = { ended: false };
        const done = drainStream(call).finally(() => {
          progress.ended = true;
        });
        return { proxy, client, cancel: () => call.cancel(), done, progress };
      }),
    );
    return new SlowReaders(readers);
  }

  /**
   * Readers whose session is streaming: their link delivered more than the HTTP/2 handshake
   * and headers (32 KiB, half of the default stream window), so parts are flowing.
   */
  get streaming(): number {
    return this.readers.filter((r) => r.proxy.bytesDelivered >= STREAMING_BYTES).length;
  }

  /** Readers whose stream already ended (finished or failed). */
  get ended(): number {
    return this.readers.filter((r) => r.progress.ended).length;
  }

  /** Waits until every reader's session is streaming, or `timeoutMs`; returns how many are. */
  async waitStreaming(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.streaming < this.readers.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.streaming;
  }

  /** Cancels every call, then closes clients and proxies. */
  async close(): Promise<void> {
    for (const r of this.readers) r.cancel();
    await Promise.all(this.readers.map((r) => r.done));
    for (const r of this.readers) r.client.close();
    await Promise.all(this.readers.map((r) => r.proxy.close()));
  }
}

/**
 * One throttled Bootstrap reader restarted whenever its stream ends, until stopped: the
 * server-side load of a node bootstrapping over a link of `bytesPerSecond`.
 */
export class LoopingReader {
  private stopped = false;
  private current: SlowReaders | undefined;
  private completed = 0;
  private readonly loop: Promise<void>;

  constructor(serverPort: number, bytesPerSecond: number) {
    this.loop = this.run(serverPort, bytesPerSecond);
  }

  /** Streams that ran to their end. */
  get completedStreams(): number {
    return this.completed;
  }

  /** Stops the current stream and the loop. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.close();
    await this.loop;
  }

  private async run(serverPort: number, bytesPerSecond: number): Promise<void> {
    while (!this.stopped) {
      this.current = await SlowReaders.start(serverPort, [bytesPerSecond]);
      while (!this.stopped && this.current.ended === 0) await new Promise((r) => setTimeout(r, 50));
      if (!this.stopped) this.completed += 1;
      await this.current.close();
    }
  }
}

/**
 * A TCP proxy that models a slow, possibly flaky network link between one client and a server:
 * bytes from the server to the client pass at most at `bytesPerSecond` (the client's requests
 * pass freely), and the link can go down for a while (live connections are cut, new ones are
 * refused). Because the proxy stops reading from the server while the link is busy, the
 * server's HTTP/2 stream window fills and it sees backpressure exactly as over a real slow link.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** See the module comment. */
export class ThrottleProxy {
  private readonly sockets = new Set<Socket>();
  private downUntil = 0;
  /** When the link is free again (performance.now() time base); shared by the link's connections. */
  private nextFree = 0;
  private delivered = 0;
  private drops = 0;

  private constructor(
    private readonly server: Server,
    /** The port clients connect to. */
    readonly port: number,
    private readonly targetPort: number,
    private readonly bytesPerSecond: number,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Starts a proxy on 127.0.0.1 (OS-chosen port) forwarding to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number, bytesPerSecond: number): Promise<ThrottleProxy> {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
        else resolve(address.port);
      });
    });
    return new ThrottleProxy(server, port, targetPort, bytesPerSecond);
  }

  /** `127.0.0.1:<port>` for a gRPC client. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Bytes delivered to clients so far. */
  get bytesDelivered(): number {
    return this.delivered;
  }

  /** Times the link went down. */
  get dropCount(): number {
    return this.drops;
  }

  /** Cuts every live connection and refuses new ones for `ms` (until {@link goUp} by default). */
  goDown(ms = Number.POSITIVE_INFINITY): void {
    this.drops += 1;
    this.downUntil = Date.now() + ms;
    for (const socket of this.sockets) socket.destroy();
  }

  /** Accepts connections again. */
  goUp(): void {
    this.downUntil = 0;
  }

  /** True while the link is down. */
  get down(): boolean {
    return Date.now() < this.downUntil;
  }

  /** Stops listening and cuts every connection. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(downstream: Socket): void {
    if (Date.now() < this.downUntil) {
      downstream.destroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const socket of [downstream, upstream]) {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        downstream.destroy();
        upstream.destroy();
      });
      socket.on('error', () => undefined); // 'close' follows and tears the pair down
    }
    downstream.pipe(upstream);
    let waiting = false;
    upstream.on('data', (chunk: Buffer) => {
      const writable = downstream.write(chunk);
      this.delivered += chunk.length;
      const now = performance.now();
      this.nextFree = Math.max(this.nextFree, now) + (chunk.length / this.bytesPerSecond) * 1000;
      const wait = this.nextFree - now;
      if ((wait > 2 || !writable) && !waiting) {
        waiting = true;
        upstream.pause();
        const resume = (): void => {
          waiting = false;
          if (!upstream.destroyed) upstream.resume();
        };
        const afterWait = (): void => {
          if (downstream.writableNeedDrain) downstream.once('drain', resume);
          else resume();
        };
        setTimeout(afterWait, Math.max(0, wait));
      }
    });
  }
}

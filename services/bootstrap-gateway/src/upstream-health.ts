import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { HistoryStoreStatus } from '@massa-bootstrap/proto';
import type { HistoryStoreUpstream } from './upstream';

/**
 * Tracks whether the history-store is reachable: a GetStatus probe every `intervalMs`, and
 * the outcome of every other upstream call (a call that fails to reach the store flips the
 * state at once; one that reaches it flips it back). Emits 'change' on transitions; the server
 * maps it to grpc.health.v1 SERVING / NOT_SERVING.
 */
export class UpstreamHealth extends EventEmitter<{ change: [reachable: boolean] }> {
  private state: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private last: HistoryStoreStatus | undefined;
  private readonly onUnreachable = (): void => this.set(false);
  private readonly onReachable = (): void => this.set(true);

  constructor(
    private readonly upstream: HistoryStoreUpstream,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly threadCount: number,
  ) {
    super();
  }

  /** True once the store answered and until a call fails to reach it. */
  get reachable(): boolean {
    return this.state === true;
  }

  /** The status of the last successful probe. */
  get lastStatus(): HistoryStoreStatus | undefined {
    return this.last;
  }

  /** Starts probing (first probe now) and listening to call outcomes. */
  start(): void {
    if (this.timer !== undefined) return;
    this.upstream.on('unreachable', this.onUnreachable);
    this.upstream.on('reachable', this.onReachable);
    this.timer = setInterval(() => this.probe(), this.intervalMs);
    this.timer.unref();
    this.probe();
  }

  /** Stops probing. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.upstream.off('unreachable', this.onUnreachable);
    this.upstream.off('reachable', this.onReachable);
  }

  private probe(): void {
    if (this.probing) return;
    this.probing = true;
    this.upstream
      .getStatus(undefined, Math.min(this.intervalMs, 5000))
      .then(
        (status) => {
          this.last = status;
          if (status.threadCount !== 0 && status.threadCount !== this.threadCount) {
            this.logger.error(
              { storeThreadCount: status.threadCount, threadCount: this.threadCount },
              'THREAD_COUNT differs from the history-store; cursors will be validated against the wrong value',
            );
          }
          this.set(true);
        },
        () => this.set(false),
      )
      .finally(() => {
        this.probing = false;
      });
  }

  private set(reachable: boolean): void {
    if (this.state === reachable) return;
    this.state = reachable;
    if (reachable) this.logger.info({ target: this.upstream.target }, 'history-store reachable');
    else this.logger.warn({ target: this.upstream.target }, 'history-store unreachable');
    this.emit('change', reachable);
  }
}

import { Metadata, status, type Server, type ServerWritableStream } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as WireStatus,
  HealthService,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthServer,
} from '@massa-bootstrap/proto';
import { StatusError, sendStreamError } from './error-contract';
import { callAbortSignal } from './streaming';

/** Serving status of a service ('' is the whole server). */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING';

const WIRE: Record<ServingStatus, WireStatus> = {
  UNKNOWN: WireStatus.UNKNOWN,
  SERVING: WireStatus.SERVING,
  NOT_SERVING: WireStatus.NOT_SERVING,
};

type WatchCall = ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;

/**
 * One Watch stream. Holds at most one unsent status (the latest): while the call's queue is
 * full the newest status replaces the pending one, so a slow watcher costs O(1) memory.
 */
class HealthWatcher {
  private lastSent: WireStatus | undefined;
  private pending: WireStatus | undefined;
  private blocked = false;

  constructor(
    readonly service: string,
    readonly call: WatchCall,
  ) {}

  push(next: WireStatus): void {
    if (this.blocked) {
      this.pending = next;
      return;
    }
    if (next === this.lastSent) return;
    this.lastSent = next;
    if (!this.call.write({ status: next })) {
      this.blocked = true;
      this.call.once('drain', () => {
        this.blocked = false;
        const pending = this.pending;
        this.pending = undefined;
        if (pending !== undefined) this.push(pending);
      });
    }
  }

  /** Sends `last` (even past the high-water mark: one message) and ends with UNAVAILABLE. */
  close(last: WireStatus): void {
    if (last !== this.lastSent && !this.call.cancelled) this.call.write({ status: last });
    sendStreamError(
      this.call,
      new StatusError(status.UNAVAILABLE, 'server is shutting down', new Metadata()),
    );
  }
}

/** Controls the grpc.health.v1 answers of one server. */
export class HealthController {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<HealthWatcher>();

  /** Starts with `initial` statuses (by default the whole server, '', is SERVING). */
  constructor(initial: Readonly<Record<string, ServingStatus>> = { '': 'SERVING' }) {
    for (const [service, servingStatus] of Object.entries(initial))
      this.statuses.set(service, servingStatus);
  }

  /** Sets the status of `service` ('' = overall) and pushes it to its watchers if it changed. */
  setStatus(service: string, servingStatus: ServingStatus): void {
    this.statuses.set(service, servingStatus);
    for (const watcher of this.watchers) {
      if (watcher.service === service) watcher.push(WIRE[servingStatus]);
    }
  }

  /** The status of `service`, or undefined when it was never set. */
  getStatus(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Number of open Watch streams. */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * For graceful shutdown: marks every service NOT_SERVING, sends that to every watcher and
   * ends the Watch streams with UNAVAILABLE, so that `server.tryShutdown` is not held open.
   */
  shutdown(): void {
    for (const service of this.statuses.keys()) this.statuses.set(service, 'NOT_SERVING');
    for (const watcher of [...this.watchers]) {
      this.watchers.delete(watcher);
      watcher.close(WireStatus.NOT_SERVING);
    }
  }

  /** The grpc-js implementation of grpc.health.v1.Health bound to this controller. */
  implementation(): HealthServer {
    return {
      check: (call, callback) => {
        const current = this.statuses.get(call.request.service);
        if (current === undefined) {
          callback({
            code: status.NOT_FOUND,
            details: `unknown service '${call.request.service}'`,
          });
          return;
        }
        callback(null, { status: WIRE[current] });
      },
      watch: (call) => {
        const watcher = new HealthWatcher(call.request.service, call);
        this.watchers.add(watcher);
        callAbortSignal(call).addEventListener('abort', () => this.watchers.delete(watcher), {
          once: true,
        });
        const current = this.statuses.get(call.request.service);
        watcher.push(current === undefined ? WireStatus.SERVICE_UNKNOWN : WIRE[current]);
      },
      list: (_call, callback) => {
        const statuses: Record<string, HealthCheckResponse> = {};
        for (const [service, servingStatus] of this.statuses)
          statuses[service] = { status: WIRE[servingStatus] };
        callback(null, { statuses });
      },
    };
  }
}

/** Adds grpc.health.v1.Health to `server` and returns its controller. */
export function addHealthService(
  server: Server,
  initial?: Readonly<Record<string, ServingStatus>>,
): HealthController {
  const controller = new HealthController(initial);
  server.addService(HealthService, controller.implementation());
  return controller;
}

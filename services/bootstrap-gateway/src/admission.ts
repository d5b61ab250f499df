import { AccessDeniedError, ResourceExhaustedError } from '@massa-bootstrap/core';
import { AccessList, peerAddress } from './access-list';
import type { MemoryMonitor } from './memory';

/** What admission control enforces. */
export interface AdmissionOptions {
  /** Bootstraps served at once. */
  readonly maxConcurrentBootstraps: number;
  /** Minimum ms between two admitted bootstraps from one IP; 0 = off. */
  readonly perIpMinIntervalMs: number;
  /** Allowed networks (empty = all). */
  readonly allowCidrs: readonly string[];
  /** Denied networks. */
  readonly denyCidrs: readonly string[];
  /** RetryInfo delay for TOO_MANY_BOOTSTRAPS and MEMORY_PRESSURE. */
  readonly retryDelayMs: number;
  /** The memory watermark. */
  readonly memory: MemoryMonitor;
  /** Clock (ms); injectable for tests. */
  readonly now?: () => number;
}

/** A granted bootstrap slot; release it exactly once when the bootstrap phase ends. */
export interface AdmissionLease {
  /** Returns the slot (idempotent). */
  release(): void;
}

/** Per-IP table entries kept before stale ones are swept. */
const RATE_TABLE_SWEEP_SIZE = 4096;

/**
 * Admission control of the gateway, checked in this order: access lists (PERMISSION_DENIED
 * ACCESS_DENIED), memory watermark (RESOURCE_EXHAUSTED MEMORY_PRESSURE), concurrency
 * (TOO_MANY_BOOTSTRAPS), per-IP minimum interval (RATE_LIMITED). Every refusal is a typed
 * core error carrying the retry delay the client should wait.
 */
export class Admission {
  private readonly access: AccessList;
  private readonly now: () => number;
  private readonly lastStartByIp = new Map<string, number>();
  private active = 0;

  constructor(private readonly options: AdmissionOptions) {
    this.access = new AccessList(options.allowCidrs, options.denyCidrs);
    this.now = options.now ?? Date.now;
  }

  /** Bootstraps holding a lease now. */
  get activeBootstraps(): number {
    return this.active;
  }

  /** Throws AccessDeniedError when `peer` (a grpc-js peer string) is not allowed. */
  checkAccess(peer: string): void {
    if (!this.access.permits(peerAddress(peer))) throw new AccessDeniedError(peer);
  }

  /** Admits one bootstrap from `peer` or throws the refusal. */
  admitBootstrap(peer: string): AdmissionLease {
    this.checkAccess(peer);
    const { memory, maxConcurrentBootstraps, retryDelayMs, perIpMinIntervalMs } = this.options;
    if (memory.underPressure || memory.refresh()) {
      throw new ResourceExhaustedError(
        'MEMORY_PRESSURE',
        retryDelayMs,
        `gateway memory above its watermark (${Math.round(memory.highWatermarkBytes / 1048576)} MiB); retry later`,
        'memory',
      );
    }
    if (this.active >= maxConcurrentBootstraps) {
      throw new ResourceExhaustedError(
        'TOO_MANY_BOOTSTRAPS',
        retryDelayMs,
        `all ${maxConcurrentBootstraps} bootstrap sessions are busy; retry later`,
        'bootstraps',
      );
    }
    const ip = peerAddress(peer) ?? peer;
    if (perIpMinIntervalMs > 0) {
      const now = this.now();
      const last = this.lastStartByIp.get(ip);
      if (last !== undefined && now - last < perIpMinIntervalMs) {
        const wait = perIpMinIntervalMs - (now - last);
        throw new ResourceExhaustedError(
          'RATE_LIMITED',
          wait,
          `one bootstrap per ${perIpMinIntervalMs} ms per address; retry in ${wait} ms`,
          `ip:${ip}`,
        );
      }
      this.sweep(now);
      this.lastStartByIp.set(ip, now);
    }
    this.active += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.active -= 1;
      },
    };
  }

  private sweep(now: number): void {
    if (this.lastStartByIp.size < RATE_TABLE_SWEEP_SIZE) return;
    for (const [ip, at] of this.lastStartByIp) {
      if (now - at >= this.options.perIpMinIntervalMs) this.lastStartByIp.delete(ip);
    }
  }
}

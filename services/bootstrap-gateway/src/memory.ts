import { EventEmitter } from 'node:events';

/** Reads the memory figure the watermark applies to, in bytes (process RSS by default). */
export type MemorySampler = () => number;

/** What a {@link MemoryMonitor} needs. */
export interface MemoryMonitorOptions {
  /** Above this many bytes the monitor enters pressure. */
  readonly highWatermarkBytes: number;
  /**
   * Below this many bytes pressure ends (hysteresis, so that sessions do not flap around one
   * value). Default 90 % of the high watermark.
   */
  readonly lowWatermarkBytes?: number;
  /** Sampling period in ms (the timer does not keep the process alive). */
  readonly intervalMs: number;
  /** The sampler; default `process.memoryUsage.rss`. */
  readonly sample?: MemorySampler;
}

/**
 * Watches process memory against a high watermark with hysteresis: pressure starts when a
 * sample exceeds the high watermark and ends only once a sample falls below the low one.
 * Emits 'change' (with the new pressure flag) on each transition. New sessions are refused
 * under pressure and running sessions shrink their parts; both read {@link underPressure}.
 */
export class MemoryMonitor extends EventEmitter<{ change: [pressure: boolean] }> {
  /** The configured high watermark in bytes. */
  readonly highWatermarkBytes: number;
  /** The low watermark in bytes (pressure ends below it). */
  readonly lowWatermarkBytes: number;
  private readonly sample: MemorySampler;
  private readonly intervalMs: number;
  private pressure = false;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: MemoryMonitorOptions) {
    super();
    this.highWatermarkBytes = options.highWatermarkBytes;
    this.lowWatermarkBytes =
      options.lowWatermarkBytes ?? Math.floor(options.highWatermarkBytes * 0.9);
    this.intervalMs = options.intervalMs;
    this.sample = options.sample ?? (() => process.memoryUsage.rss());
  }

  /** Starts periodic sampling (idempotent). */
  start(): void {
    if (this.timer !== undefined) return;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes a sample now and updates the pressure state; returns it. */
  refresh(): boolean {
    this.last = this.sample();
    const before = this.pressure;
    if (!this.pressure && this.last > this.highWatermarkBytes) this.pressure = true;
    else if (this.pressure && this.last < this.lowWatermarkBytes) this.pressure = false;
    if (before !== this.pressure) this.emit('change', this.pressure);
    return this.pressure;
  }

  /** True while the watermark is exceeded (as of the last sample). */
  get underPressure(): boolean {
    return this.pressure;
  }

  /** The last sampled value in bytes. */
  get lastSampleBytes(): number {
    return this.last;
  }
}

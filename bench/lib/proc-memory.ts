/** Memory and CPU time of another process from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** Resident set size now and its high-water mark, in bytes. */
export interface ProcMemory {
  readonly rssBytes: number;
  readonly hwmBytes: number;
}

function field(status: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]) * 1024;
}

/** VmRSS and VmHWM of `pid`, or undefined when the process is gone. */
export function readProcMemory(pid: number): ProcMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rssBytes = field(status, 'VmRSS');
  const hwmBytes = field(status, 'VmHWM');
  if (rssBytes === undefined || hwmBytes === undefined) return undefined;
  return { rssBytes, hwmBytes };
}

/**
 * Samples VmRSS of a process every `intervalMs` and keeps the largest value: the peak of one
 * phase, even in a process that ran earlier phases (VmHWM cannot be reset without privileges).
 */
export class PeakRssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 50,
  ) {}

  /** Starts sampling (from a fresh peak). */
  start(): this {
    this.peak = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  /** The largest VmRSS seen so far, in bytes. */
  get peakBytes(): number {
    return this.peak;
  }

  /** Stops sampling and returns the peak. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    return this.peak;
  }

  private sample(): void {
    const memory = readProcMemory(this.pid);
    if (memory !== undefined && memory.rssBytes > this.peak) this.peak = memory.rssBytes;
  }
}

/** USER_HZ, the unit of /proc/<pid>/stat times: 100 on every Linux configuration Node supports. */
const CLOCK_TICKS_PER_S = 100;

/** User + system CPU time consumed so far by `pid`, in ms (0 once the process is gone). */
export function readProcCpuMs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

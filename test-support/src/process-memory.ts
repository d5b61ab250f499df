/**
 * Memory figures of a running process from /proc/<pid>/status (Linux): the resident set now
 * (VmRSS) and its peak since the process started (VmHWM, the "high water mark"), which catches
 * short spikes that periodic sampling of VmRSS would miss.
 */
import { readFileSync } from 'node:fs';

/** Resident memory of a process, in bytes. */
export interface ProcessMemory {
  /** VmRSS: resident set size now. */
  readonly rssBytes: number;
  /** VmHWM: the largest resident set size so far. */
  readonly peakRssBytes: number;
}

function field(status: string, name: string, pid: number): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (match === null) throw new Error(`/proc/${pid}/status has no ${name} line`);
  return Number(match[1]) * 1024;
}

/** Reads VmRSS and VmHWM of `pid`; throws when the process is gone or /proc is unavailable. */
export function readProcessMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssBytes: field(status, 'VmRSS', pid), peakRssBytes: field(status, 'VmHWM', pid) };
}

import { SingleBar } from 'cli-progress';
import { formatSlot, type Slot } from '@massa-bootstrap/core';
import type { Bootstrapper } from './bootstrapper';
import type { ProgressEvent } from './events';

/** Where the CLI writes. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Stops whatever the reporter draws (the bar), before the summary or an error is printed. */
export interface Reporter {
  stop(): void;
}

function jsonSafe(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (
      typeof o['period'] === 'number' &&
      typeof o['thread'] === 'number' &&
      Object.keys(o).length === 2
    ) {
      return formatSlot(o as unknown as Slot);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

/** Formats one JSON line: slots as "period:thread", buffers as hex. */
export function jsonLine(event: string, fields: object): string {
  return JSON.stringify({ event, ...(jsonSafe(fields) as object) }) + '\n';
}

/**
 * --json: one object per line on stdout for session, estimate (once), part, reset, retry,
 * verified and followed events.
 */
export function attachJsonReporter(
  bootstrapper: Bootstrapper,
  output: CliOutput,
  counters: () => object,
): Reporter {
  let estimated = false;
  bootstrapper.on('session', (e) => output.out(jsonLine('session', e)));
  bootstrapper.on('progress', (e) => {
    if (estimated || e.estimatedEntries === undefined) return;
    estimated = true;
    output.out(jsonLine('estimate', { entries: e.estimatedEntries, bytes: e.estimatedBytes }));
  });
  bootstrapper.on('part', (e) => output.out(jsonLine('part', e)));
  bootstrapper.on('reset', (e) => output.out(jsonLine('reset', e)));
  bootstrapper.on('retry', (e) => output.out(jsonLine('retry', e)));
  bootstrapper.on('verified', (e) => output.out(jsonLine('verified', { ...e, ...counters() })));
  bootstrapper.on('followed', (e) => output.out(jsonLine('followed', e)));
  return { stop() {} };
}

const MB = 1024 * 1024;

/**
 * Human mode: a cli-progress bar on stderr (entries held / estimated total, MB received, MB/s,
 * ETA, resets) and one stderr line per reset, retry and verification.
 */
export function attachBarReporter(bootstrapper: Bootstrapper, output: CliOutput): Reporter {
  const bar = new SingleBar({
    format:
      ' {bar} {percentage}% | {value}/{total} entries | {mb} MB | {rate} MB/s | ETA {eta_formatted} | resets {resets}',
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
  });
  let started = false;
  const update = (e: ProgressEvent): void => {
    const total = Math.max(e.estimatedEntries ?? 0, e.sinkEntries);
    const payload = {
      mb: (e.totalBytes / MB).toFixed(1),
      rate: (e.totalBytes / MB / Math.max(e.elapsedMs / 1000, 0.001)).toFixed(1),
      resets: e.resets,
    };
    if (!started) {
      bar.start(total, e.sinkEntries, payload);
      started = true;
    } else {
      bar.setTotal(total);
      bar.update(e.sinkEntries, payload);
    }
  };
  bootstrapper.on('progress', update);
  bootstrapper.on('reset', (e) => {
    output.err(
      `\nreset (${e.reason}): ${e.message}; wiped ${e.wipedEntries} entries, starting over\n`,
    );
  });
  bootstrapper.on('retry', (e) => {
    output.err(
      `\n${e.target} failed (${e.reason ?? `code ${String(e.code)}`}: ${e.message}); retrying on ${e.nextTarget} in ${e.delayMs} ms\n`,
    );
  });
  bootstrapper.on('verified', (e) => {
    if (started) bar.stop();
    started = false;
    output.err(`verified ${e.entries} entries at slot ${formatSlot(e.slot)}\n`);
  });
  bootstrapper.on('followed', (e) => {
    output.err(`followed slot ${formatSlot(e.slot)}: ${e.changes} changes, ${e.entries} entries\n`);
  });
  return {
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

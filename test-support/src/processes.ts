import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * `count` distinct TCP ports free on 127.0.0.1 right now: each is bound (all at once, so they
 * differ) and released. For processes that must be told a fixed port.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            if (address === null || typeof address === 'string')
              reject(new Error('no TCP address'));
            else resolve(address.port);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** True while a process with this id exists (signal 0 probe). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One output line of a {@link RunningProcess}. */
export interface OutputLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** How a process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A spawned child with its output kept line by line and awaitable. */
export interface RunningProcess {
  readonly child: ChildProcess;
  /** Every line so far, both streams, in arrival order. */
  readonly lines: readonly OutputLine[];
  /** Resolves once the process exited and its output was read. */
  readonly exited: Promise<ProcessExit>;
  /**
   * The first line (already seen or to come) for which `match` returns a value; rejects when
   * the process exits first or after `timeoutMs`, quoting the last lines.
   */
  waitFor<T>(match: (line: OutputLine) => T | undefined, timeoutMs: number): Promise<T>;
  /** SIGTERM (or `signal`), then SIGKILL after `timeoutMs`; resolves with the exit. Idempotent. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
  /** The last `n` lines as text, for failure messages. */
  tail(n?: number): string;
}

/** Spawns `command` with piped output (no stdin) and follows its lines. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): RunningProcess {
  const child = spawn(command, [...args], {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: OutputLine[] = [];
  const waiters = new Set<() => void>();
  const streamsDone: Promise<void>[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = child[stream];
    if (source === null) continue;
    const reader = createInterface({ input: source, crlfDelay: Infinity });
    reader.on('line', (text) => {
      lines.push({ stream, text });
      for (const wake of [...waiters]) wake();
    });
    streamsDone.push(new Promise((resolve) => reader.once('close', () => resolve())));
  }
  let ended: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', () => {
      ended = { code: null, signal: null };
      resolve(ended);
    });
    child.once('exit', (code, signal) => {
      void Promise.all(streamsDone).then(() => {
        ended = { code, signal };
        resolve(ended);
        for (const wake of [...waiters]) wake();
      });
    });
  });
  const tail = (n = 30): string =>
    lines
      .slice(-n)
      .map((l) => `${l.stream}: ${l.text}`)
      .join('\n');

  const waitFor = <T>(match: (line: OutputLine) => T | undefined, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let next = 0;
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching line within ${timeoutMs} ms; last lines:\n${tail()}`));
      }, timeoutMs);
      const check = (): void => {
        for (; next < lines.length; next++) {
          const found = match(lines[next] as OutputLine);
          if (found !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
            return;
          }
        }
        if (ended !== undefined) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(
            new Error(
              `process exited (${JSON.stringify(ended)}) before a matching line; last lines:\n${tail()}`,
            ),
          );
        }
      };
      waiters.add(check);
      check();
    });

  const stop = async (
    signal: NodeJS.Signals = 'SIGTERM',
    timeoutMs = 15_000,
  ): Promise<ProcessExit> => {
    if (ended === undefined) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  return { child, lines, exited, waitFor, stop, tail };
}

/** Parses a JSON object line, or undefined when the line is not one. */
export function parseJsonLine(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

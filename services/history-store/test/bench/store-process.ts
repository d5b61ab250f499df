/**
 * A history-store in a child process for the local benchmark (store-entry.ts), with its CPU
 * time read from /proc (user + system of every thread: JS, lmdb's write thread, libuv) and a
 * V8 CPU profile of its main thread that can be taken around part of a run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ENTRY = join(__dirname, 'store-entry.ts');
/** Linux USER_HZ: /proc counts CPU time in 1/100 s. */
const TICKS_PER_S = 100;

/** CPU ms of one /proc stat line (user + system). */
function statCpuMs(stat: string): number {
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
}

/** CPU ms of a process: its main thread, all its threads, and per thread name. */
export interface CpuSplit {
  readonly main: number;
  readonly total: number;
  readonly byName: ReadonlyMap<string, number>;
}

/** CPU time of `pid` so far, 10 ms resolution. */
export function processCpu(pid: number): CpuSplit {
  let main = 0;
  const byName = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const ms = statCpuMs(stat);
    const name =
      task === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    byName.set(name, (byName.get(name) ?? 0) + ms);
    if (task === String(pid)) main = ms;
  }
  // Threads that already ended are only in the process total.
  const total = statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return { main, total, byName };
}

/** A running store process. */
export interface StoreProcess {
  readonly address: string;
  cpu(): CpuSplit;
  /** Starts the CPU profile of the store's main thread. */
  startProfile(): Promise<void>;
  /** Stops it and writes it to `path` (.cpuprofile). */
  stopProfile(path: string): Promise<void>;
  /** LMDB commits the store made so far. */
  commits(): Promise<number>;
  /** SIGTERM (graceful shutdown) and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts a store on 127.0.0.1:0 in `dataDir`. */
export function startStoreProcess(
  dataDir: string,
  historyLength: number,
  threadCount: number,
): Promise<StoreProcess> {
  const child: ChildProcess = fork(ENTRY, [dataDir, String(historyLength), String(threadCount)], {
    // BENCH_STORE_NODE_FLAGS: extra node flags for the store (e.g. --trace-gc, --cpu-prof).
    execArgv: [
      '--conditions=massa-src',
      '--import',
      'tsx',
      ...(process.env['BENCH_STORE_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== ''),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never leave the store behind when the benchmark dies.
  process.once('exit', () => child.kill('SIGKILL'));
  const reply = <T>(key: string): Promise<T> =>
    new Promise((resolve) => {
      const onMessage = (message: Record<string, unknown>): void => {
        if (!(key in message)) return;
        child.off('message', onMessage);
        resolve(message[key] as T);
      };
      child.on('message', onMessage);
    });
  return new Promise<StoreProcess>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`history-store exited with ${code}`)));
    void reply<number>('port').then((port) =>
      resolve({
        address: `127.0.0.1:${port}`,
        cpu: () => processCpu(child.pid!),
        startProfile: async () => {
          const started = reply('profiling');
          child.send({ profile: 'start' });
          await started;
        },
        stopProfile: async (path) => {
          const written = reply('profiled');
          child.send({ profile: 'stop', path });
          await written;
        },
        commits: () => {
          const count = reply<number>('commitCount');
          child.send({ commits: true });
          return count;
        },
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      }),
    );
  });
}

/**
 * Child-process entry of the local benchmark: a history-store started exactly as main.ts does
 * (startHistoryStore, same defaults), plus an IPC channel that turns a V8 CPU profile on and
 * off around the measured part of a run (so start-up and the genesis load stay out of it).
 *   argv: dataDir historyLength threadCount
 *   IPC in: { profile: 'start' } | { profile: 'stop', path } | { commits: true }
 *   IPC out: { port } | { profiling } | { profiled } | { commitCount } (LMDB commits so far)
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import pino from 'pino';
import { startHistoryStore } from '../../src/server';
import { openLmdbStorage } from '../../src/storage/lmdb-storage';

/** LMDB commits so far (bench-only peek at lmdb-js's 'aftercommit' event). */
let commits = 0;

async function main(): Promise<void> {
  const [dataDir, historyLength, threadCount] = process.argv.slice(2);
  const handle = await startHistoryStore(
    {
      listen: '127.0.0.1:0',
      dataDir: dataDir!,
      finalHistoryLength: Number(historyLength),
      threadCount: Number(threadCount),
    },
    pino({ level: 'warn' }),
    {
      openStorage: async (config, initialMeta) => {
        const storage = await openLmdbStorage({ path: config.dataDir, initialMeta });
        const env = (storage as unknown as { env: { on(e: string, f: () => void): void } }).env;
        env.on('aftercommit', () => (commits += 1));
        return storage;
      },
    },
  );
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))),
    );
  process.on('message', (message: { profile?: string; path?: string; commits?: boolean }) => {
    if (message.commits === true) {
      process.send!({ commitCount: commits });
    } else if (message.profile === 'start') {
      void post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval: 200 }))
        .then(() => post('Profiler.start'))
        .then(() => process.send!({ profiling: true }));
    } else if (message.profile === 'stop') {
      void post('Profiler.stop').then((result) => {
        writeFileSync(message.path!, JSON.stringify((result as { profile: unknown }).profile));
        process.send!({ profiled: message.path });
      });
    }
  });
  process.once('SIGTERM', () => void handle.close().then(() => process.exit(0)));
  process.send!({ port: handle.port });
}

void main();

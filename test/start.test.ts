/**
 * `npm start` end to end, from sources: scripts/start.js brings the devnet up on free ports,
 * prints the endpoints and commands, the printed massa-bootstrap command bootstraps and
 * verifies against it, and SIGINT stops everything, leaving no process behind.
 */
import { join, resolve } from 'node:path';
import {
  freePorts,
  isProcessAlive,
  makeTempDir,
  parseJsonLine,
  runProcess,
  type RunningProcess,
  type TempDir,
} from '@massa-bootstrap/test-support';

const ROOT = resolve(__dirname, '..');
const TSX = require.resolve('tsx');

interface ReadyLine {
  endpoints: { historyStore: string; gateway: string };
  pids: Record<string, number>;
  commands: { grpcurlList: string; grpcurlBootstrap: string; bootstrap: string };
  bootstrapArgs: string[];
}

let dir: TempDir;
let start: RunningProcess | undefined;

beforeEach(async () => {
  dir = await makeTempDir('massa-start-');
});

afterEach(async () => {
  await start?.stop('SIGKILL');
  await dir.cleanup();
});

it('starts a healthy devnet, serves the printed bootstrap command, and stops cleanly on SIGINT', async () => {
  const [storePort, gatewayPort] = await freePorts(2);
  start = runProcess(process.execPath, [join(ROOT, 'scripts', 'start.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      MASSA_START_FROM_SOURCE: '1',
      START_LOG_FORMAT: 'json',
      HISTORY_STORE_LISTEN: `127.0.0.1:${storePort}`,
      GATEWAY_LISTEN: `127.0.0.1:${gatewayPort}`,
      HISTORY_STORE_DATA_DIR: join(dir.path, 'store'),
      // The fast devnet of the README: 50 ms slots, 20 slots (1 s) of history.
      FINAL_HISTORY_LENGTH: '20',
      DEVNET_SLOT_MS: '50',
      DEVNET_INITIAL_ENTRIES: '20000',
    },
  });
  const ready = await start.waitFor((line) => {
    const record = parseJsonLine(line.text);
    return record?.msg === 'devnet ready' ? (record as unknown as ReadyLine) : undefined;
  }, 90_000);

  expect(ready.endpoints).toEqual({
    historyStore: `127.0.0.1:${storePort}`,
    gateway: `127.0.0.1:${gatewayPort}`,
  });
  expect(ready.commands.grpcurlList).toBe(`grpcurl -plaintext 127.0.0.1:${gatewayPort} list`);
  expect(ready.commands.grpcurlBootstrap).toContain(
    'massa.bootstrap.v1.BootstrapGateway/Bootstrap',
  );
  expect(ready.commands.bootstrap).toMatch(/massa-bootstrap|bootstrap-client\/dist\/cli\.js/);
  expect(ready.commands.bootstrap.endsWith(ready.bootstrapArgs.join(' '))).toBe(true);
  const pids = Object.values(ready.pids);
  expect(Object.keys(ready.pids).sort()).toEqual([
    'bootstrap-gateway',
    'devnet-producer',
    'history-store',
  ]);
  for (const pid of pids) expect(isProcessAlive(pid)).toBe(true);

  // The printed command, run from the client's sources (dist may not be built in tests).
  const args = [...ready.bootstrapArgs];
  args[args.indexOf('--data-dir') + 1] = join(dir.path, 'node');
  const cli = runProcess(
    process.execPath,
    [
      '--conditions=massa-src',
      '--import',
      TSX,
      join(ROOT, 'packages/bootstrap-client/src/cli.ts'),
      ...args,
      '--json',
    ],
    { cwd: ROOT, env: process.env },
  );
  const exit = await cli.exited;
  expect({ exit, tail: exit.code === 0 ? '' : cli.tail() }).toEqual({
    exit: { code: 0, signal: null },
    tail: '',
  });
  const verified = cli.lines
    .map((l) => parseJsonLine(l.text))
    .filter((r) => r?.event === 'verified');
  expect(verified).toHaveLength(1);

  start.child.kill('SIGINT');
  const stopped = await start.exited;
  expect(stopped).toEqual({ code: 0, signal: null });
  for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
  const stoppedLines = start.lines
    .map((l) => parseJsonLine(l.text))
    .filter((r) => r?.service === 'start');
  const serviceStops = stoppedLines.filter((r) =>
    /^(history-store|bootstrap-gateway|devnet-producer) stopped$/.test(String(r?.msg)),
  );
  expect(serviceStops).toHaveLength(3);
  for (const line of serviceStops) expect(line).toMatchObject({ killed: false, exitCode: 0 });
  expect(stoppedLines.some((r) => r?.msg === 'devnet stopped')).toBe(true);
}, 180_000);

it('refuses a bad setting with a message naming it', async () => {
  start = runProcess(process.execPath, [join(ROOT, 'scripts', 'start.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      MASSA_START_FROM_SOURCE: '1',
      START_LOG_FORMAT: 'json',
      GATEWAY_LISTEN: 'nowhere',
    },
  });
  expect(await start.exited).toEqual({ code: 2, signal: null });
  expect(start.tail()).toContain('GATEWAY_LISTEN must look like host:port');
});

// The documented exit codes of massa-bootstrap, against scripted gateways: 2 bad arguments,
// 3 gave up after --max-resets, 4 integrity failure, 5 other failure; --json error lines.
import { AccessDeniedError } from '@massa-bootstrap/core';
import {
  makeTempDir,
  startFakeGateway,
  type TempDir,
  type TestGateway,
} from '@massa-bootstrap/test-support';
import { runCli } from './cli-process';
import { completePart, makeEntries, slotTooOld } from './fixtures';

jest.setTimeout(60_000);

let dir: TempDir;
let gateway: TestGateway | undefined;
beforeEach(async () => {
  dir = await makeTempDir('cli-exit-');
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await dir.cleanup();
});

test('bad arguments exit 2 and name the problem; --help documents the exit codes', async () => {
  const [missing, badSize, help] = await Promise.all([
    runCli(['--data-dir', dir.path]),
    runCli(['--target', '127.0.0.1:1', '--data-dir', dir.path, '--max-part-bytes', '1000']),
    runCli(['--help']),
  ]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/--target/);
  expect(badSize.code).toBe(2);
  expect(badSize.stderr).toMatch(/--max-part-bytes/);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(
    /Exit codes:[\s\S]*0 +verified[\s\S]*2 +bad arguments[\s\S]*3 +gave up[\s\S]*4 +integrity[\s\S]*5 +other[\s\S]*130/,
  );
});

test('always SlotTooOld: exit 3 after --max-resets resets, with reset and error lines', async () => {
  gateway = await startFakeGateway({
    bootstrap: async () => {
      throw slotTooOld();
    },
  });
  const run = await runCli([
    '--target',
    gateway.address,
    '--data-dir',
    dir.path,
    '--max-resets',
    '2',
    '--json',
  ]);
  expect(run.code).toBe(3);
  const resets = run.events.filter((e) => e.event === 'reset');
  expect(resets).toHaveLength(2);
  expect(resets[0]).toMatchObject({
    reason: 'slot-too-old',
    slotTooOld: { requestedSlot: '1:2', oldestAvailableSlot: '50:0' },
  });
  expect(run.events.at(-1)).toMatchObject({
    event: 'error',
    error: 'TooManyResetsError',
    exitCode: 3,
  });
});

test('a state that never matches its digest: exit 4', async () => {
  const part = await completePart(makeEntries(10));
  const wrong = { ...part, stateDigest: Buffer.alloc(32, 1) };
  gateway = await startFakeGateway({ bootstrap: async (_r, context) => context.write(wrong) });
  const run = await runCli(['--target', gateway.address, '--data-dir', dir.path, '--json']);
  expect(run.code).toBe(4);
  expect(run.events.filter((e) => e.event === 'reset').map((e) => e['reason'])).toEqual([
    'integrity',
  ]);
  expect(run.events.at(-1)).toMatchObject({ event: 'error', error: 'IntegrityError', exitCode: 4 });
});

test('permission denied: exit 5 at once', async () => {
  gateway = await startFakeGateway({
    bootstrap: async () => {
      throw new AccessDeniedError('127.0.0.1');
    },
  });
  const run = await runCli(['--target', gateway.address, '--data-dir', dir.path]);
  expect(run.code).toBe(5);
  expect(run.stderr).toMatch(/ACCESS_DENIED/);
  expect(gateway.bootstrapRequests).toHaveLength(1);
});

test('human mode: a summary with slot, entries, digest, time, resets and retries on stdout', async () => {
  const part = await completePart(makeEntries(25), 42);
  gateway = await startFakeGateway({ bootstrap: async (_r, context) => context.write(part) });
  const run = await runCli(['--target', gateway.address, '--data-dir', dir.path]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/slot +42:0/);
  expect(run.stdout).toMatch(/entries +25/);
  expect(run.stdout).toContain(part.stateDigest.toString('hex'));
  expect(run.stdout).toMatch(/time +[\d.]+ s/);
  expect(run.stdout).toMatch(/resets +0/);
  expect(run.stdout).toMatch(/retries +0/);
});

// Acceptance: the CLI killed with SIGKILL midway, then run again on the same directory,
// resumes from the persisted cursor (fewer entries transferred than a fresh run) and verifies
// (exit 0, last line {"event":"verified"}). A third run on the complete directory only catches
// up and re-verifies.
import {
  makeTempDir,
  startProxyGateway,
  StateWorkload,
  type ProxyGateway,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { startBootstrapCluster, type BootstrapCluster } from './cluster';
import { runCli, type CliEvent } from './cli-process';

jest.setTimeout(120_000);

let cluster: BootstrapCluster;
let proxy: ProxyGateway | undefined;
let dir: TempDir;
let releaseProxy: () => void = () => {};
beforeEach(async () => {
  cluster = await startBootstrapCluster();
  dir = await makeTempDir('cli-resume-');
});
afterEach(async () => {
  releaseProxy();
  await proxy?.close();
  await cluster.close();
  await dir.cleanup();
});

test('SIGKILL after 3 parts, rerun resumes with fewer entries and verifies', async () => {
  const workload = await StateWorkload.create({ genesisEntries: 8_000, seed: 9 });
  await cluster.append(workload.genesis());
  const gateway = cluster.targets[0] as string;

  // First run through a proxy that holds the 4th part: the CLI has durably applied exactly 3
  // parts when it is killed, whatever the machine's speed.
  const held = new Promise<void>((resolve) => (releaseProxy = resolve));
  proxy = await startProxyGateway(gateway, {
    beforePart: (index) => (index >= 3 ? held : undefined),
  });
  const killedParts: CliEvent[] = [];
  const args = ['--data-dir', dir.path, '--max-part-bytes', '65536', '--json'];
  const killed = await runCli(['--target', proxy.address, ...args], (event, child) => {
    if (event.event === 'part' && killedParts.push(event) === 3) child.kill('SIGKILL');
  });
  expect(killed.signal).toBe('SIGKILL');
  const entriesBeforeKill = Number(killedParts.at(-1)?.['sinkEntries']);
  expect(entriesBeforeKill).toBeGreaterThan(0);

  // Slots finalize while the node is down: the resume must bring them in too.
  await cluster.append([workload.slot(), workload.slot(), workload.slot()]);

  const resumed = await runCli(['--target', gateway, ...args]);
  expect(resumed.code).toBe(0);
  const session = resumed.events.find((e) => e.event === 'session');
  expect(session?.['resumeFrom']).toMatch(/^\d+:\d+$/);
  expect(session?.['sinkEntries']).toBe(entriesBeforeKill);
  const verified = resumed.events.at(-1) as CliEvent;
  expect(verified.event).toBe('verified');
  const [period, thread] = String(verified['slot']).split(':').map(Number) as [number, number];
  expect(verified['digest']).toBe(workload.digestAt({ period, thread }));
  expect(verified['entries']).toBe(workload.model.size);
  // Fewer entries transferred than a fresh run (which transfers every entry once).
  expect(Number(verified['totalEntries'])).toBeLessThan(workload.model.size);
  // Precisely: the entries above the cursor, give or take the keys the 3 slots of downtime
  // inserted or deleted below it (at most 3 x (2 inserts + 1 delete)).
  expect(
    Math.abs(Number(verified['totalEntries']) - (workload.model.size - entriesBeforeKill)),
  ).toBeLessThanOrEqual(9);

  // Third run on the complete directory: catches up the newest slots, re-verifies, exit 0.
  await cluster.append([workload.slot()]);
  const again = await runCli(['--target', gateway, ...args]);
  expect(again.code).toBe(0);
  expect(again.events.find((e) => e.event === 'session')?.['mode']).toBe('changes');
  const last = again.events.at(-1) as CliEvent;
  expect(last).toMatchObject({
    event: 'verified',
    totalEntries: 0,
    digest: workload.currentDigest().toString('hex'),
  });
});

// The CLI with --follow: verified, then one `followed` line per new final slot with its
// digest; SIGINT stops it cleanly with exit code 130 and the directory holds the followed slot.
import { LmdbSink } from '@massa-bootstrap/bootstrap-client';
import { formatSlot } from '@massa-bootstrap/core';
import { makeTempDir, StateWorkload, type TempDir } from '@massa-bootstrap/test-support';
import { startBootstrapCluster, type BootstrapCluster } from './cluster';
import { runCli } from './cli-process';

jest.setTimeout(120_000);

let cluster: BootstrapCluster;
let dir: TempDir;
beforeEach(async () => {
  cluster = await startBootstrapCluster();
  dir = await makeTempDir('cli-follow-');
});
afterEach(async () => {
  await cluster.close();
  await dir.cleanup();
});

test('--follow prints followed slots and exits 130 on SIGINT', async () => {
  const workload = await StateWorkload.create({ genesisEntries: 1_000, seed: 4 });
  await cluster.append(workload.genesis());
  const next = workload.slot();
  let appended: Promise<void> | undefined;
  const run = await runCli(
    ['--target', cluster.targets[0] as string, '--data-dir', dir.path, '--follow', '--json'],
    (event, child) => {
      if (event.event === 'verified') appended = cluster.append([next]);
      if (event.event === 'followed' && event['slot'] === formatSlot(next.slot))
        child.kill('SIGINT');
    },
  );
  await appended;
  expect(run.code).toBe(130);
  const followed = run.events.filter((e) => e.event === 'followed');
  expect(followed).toEqual([
    expect.objectContaining({ slot: formatSlot(next.slot), digest: workload.digestAt(next.slot!) }),
  ]);
  const sink = LmdbSink.open(dir.path);
  const snapshot = await sink.load();
  expect(snapshot.cursor?.slot).toEqual(next.slot);
  expect(sink.digest()).toEqual(workload.currentDigest());
  await sink.close();
});

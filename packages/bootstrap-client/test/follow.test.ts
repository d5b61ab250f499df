// Follow: after the verified state, every new final slot is applied and its digest checked
// (Bootstrap with follow); a follow stream that breaks resumes with StreamFinalChanges from
// the sink's slot on the next gateway; a complete sink run again without follow catches up and
// re-verifies without transferring any entry.
import {
  BootstrapAbortedError,
  Bootstrapper,
  bootstrap,
  MemorySink,
  type FollowedEvent,
  type SessionEvent,
} from '@massa-bootstrap/bootstrap-client';
import { formatSlot } from '@massa-bootstrap/core';
import { StateWorkload } from '@massa-bootstrap/test-support';
import { startBootstrapCluster, type BootstrapCluster } from './cluster';
import { waitForEvent, within } from './fixtures';

jest.setTimeout(120_000);

let cluster: BootstrapCluster;
let workload: StateWorkload;
beforeEach(async () => {
  cluster = await startBootstrapCluster({ gateways: 2 });
  workload = await StateWorkload.create({ genesisEntries: 2_000, seed: 21 });
  await cluster.append(workload.genesis());
});
/** Aborted after each test, so that a failed test never leaves a follower running. */
const controllers: AbortController[] = [];
afterEach(async () => {
  for (const controller of controllers.splice(0)) controller.abort();
  await cluster.close();
});

test('follows new slots with a verified digest each, survives a gateway going away, stops on abort', async () => {
  const sink = new MemorySink();
  const controller = new AbortController();
  controllers.push(controller);
  const bootstrapper = new Bootstrapper({
    targets: cluster.targets,
    sink,
    follow: true,
    signal: controller.signal,
    backoff: { initialMs: 20, maxMs: 100, jitter: 0 },
  });
  const followed: FollowedEvent[] = [];
  const sessions: SessionEvent[] = [];
  bootstrapper.on('followed', (e) => followed.push(e));
  bootstrapper.on('session', (e) => sessions.push(e));
  const run = bootstrapper.run();
  await waitForEvent(bootstrapper, 'verified');

  const first = [workload.slot(), workload.slot(), workload.slot()];
  await cluster.append(first);
  const newest = first.at(-1)!.slot!;
  await waitForEvent<FollowedEvent>(
    bootstrapper,
    'followed',
    (e) => formatSlot(e.slot) === formatSlot(newest),
  );
  for (const e of followed) expect(e.digest.toString('hex')).toBe(workload.digestAt(e.slot));

  // The gateway in use goes away: the follower resumes from its slot on the other one.
  await cluster.gateways[0]!.close();
  const more = [workload.slot(), workload.slot()];
  await cluster.append(more);
  const last = more.at(-1)!.slot!;
  await waitForEvent<FollowedEvent>(
    bootstrapper,
    'followed',
    (e) => formatSlot(e.slot) === formatSlot(last),
  );
  expect(sessions.at(-1)).toMatchObject({ target: cluster.targets[1], mode: 'changes' });
  expect(followed.map((e) => formatSlot(e.slot))).toEqual(
    [...first, ...more].map((s) => formatSlot(s.slot)),
  );
  expect(sink.digest()).toEqual(workload.currentDigest());

  controller.abort();
  await expect(run).rejects.toBeInstanceOf(BootstrapAbortedError);
});

test('a complete sink run again catches up with StreamFinalChanges, re-verifies, then follows', async () => {
  const log: string[] = [];
  const sink = new MemorySink();
  const first = await within(
    'first bootstrap',
    bootstrap({ targets: cluster.targets, sink }),
    30_000,
    () => log,
  );
  expect(first.digest.toString('hex')).toBe(workload.digestAt(first.slot));

  await cluster.append([workload.slot(), workload.slot()]);
  const sessions: SessionEvent[] = [];
  const again = await within(
    'catch-up run',
    bootstrap({ targets: cluster.targets, sink }, { session: (s) => sessions.push(s) }),
    30_000,
    () => sessions,
  );
  expect(sessions).toEqual([expect.objectContaining({ mode: 'changes', resumeFrom: first.slot })]);
  expect(again.resumed).toBe(true);
  expect(again.totalEntries).toBe(0);
  expect(again.slot).toEqual(workload.newestSlot());
  expect(again.digest).toEqual(workload.currentDigest());

  // Nothing new: verified locally against the persisted digest.
  const idle = await within('idle run', bootstrap({ targets: cluster.targets, sink }), 30_000);
  expect(idle.slot).toEqual(again.slot);
  expect(idle.digest).toEqual(again.digest);

  // With follow: verified first (caught up), then each new slot.
  const controller = new AbortController();
  controllers.push(controller);
  const follower = new Bootstrapper({
    targets: cluster.targets,
    sink,
    follow: true,
    signal: controller.signal,
  });
  const order: string[] = [];
  follower.on('session', (e) =>
    log.push(`session ${e.mode} ${e.target} from ${formatSlot(e.resumeFrom)}`),
  );
  follower.on('retry', (e) => log.push(`retry ${e.code} ${e.message}`));
  follower.on('verified', (e) => order.push(`verified ${formatSlot(e.slot)}`));
  follower.on('followed', (e) => order.push(`followed ${formatSlot(e.slot)}`));
  const run = follower.run();
  run.catch(() => undefined);
  await within('follower verified', waitForEvent(follower, 'verified'), 30_000, () => ({
    log,
    order,
  }));
  const next = workload.slot();
  await cluster.append([next]);
  await within(
    `follower followed ${formatSlot(next.slot)}`,
    waitForEvent<FollowedEvent>(
      follower,
      'followed',
      (e) => formatSlot(e.slot) === formatSlot(next.slot!),
    ),
    30_000,
    () => ({ log, order, gateway: cluster.gateways.map((g) => g.followStats()) }),
  );
  expect(order).toEqual([
    `verified ${formatSlot(again.slot)}`,
    `followed ${formatSlot(next.slot!)}`,
  ]);
  expect(sink.digest()).toEqual(workload.currentDigest());
  controller.abort();
  await expect(run).rejects.toBeInstanceOf(BootstrapAbortedError);
});

// Acceptance: two gateways, one killed mid-bootstrap: the client resumes on the other from its
// cursor (no entry fetched twice) and verifies. Both ways a gateway goes away are covered: a
// graceful shutdown (streams end with UNAVAILABLE / SHUTTING_DOWN + RetryInfo) and an abrupt
// one (the server is forced down, connections drop).
import {
  bootstrap,
  LmdbSink,
  type PartEvent,
  type RetryEvent,
  type SessionEvent,
} from '@massa-bootstrap/bootstrap-client';
import {
  makeTempDir,
  startProxyGateway,
  StateWorkload,
  type ProxyGateway,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { startBootstrapCluster, type BootstrapCluster } from './cluster';
import { digestOf, GatedSink } from './fixtures';

jest.setTimeout(120_000);

let cluster: BootstrapCluster;
let workload: StateWorkload;
let dir: TempDir;
let proxy: ProxyGateway | undefined;
beforeEach(async () => {
  cluster = await startBootstrapCluster({ gateways: 2 });
  workload = await StateWorkload.create({ genesisEntries: 8_000, seed: 5 });
  await cluster.append(workload.genesis());
  dir = await makeTempDir('failover-');
});
afterEach(async () => {
  proxy?.kill();
  proxy = undefined;
  await cluster.close();
  await dir.cleanup();
});

async function bootstrapKillingFirst(
  first: string,
  second: string,
  kill: () => Promise<void> | void,
) {
  const lmdb = LmdbSink.open(dir.path);
  const sink = new GatedSink(lmdb);
  const gate = sink.gateAt(3);
  const parts: PartEvent[] = [];
  const retries: RetryEvent[] = [];
  const sessions: SessionEvent[] = [];
  const run = bootstrap(
    {
      targets: [first, second],
      sink,
      maxPartBytes: 65_536,
      backoff: { initialMs: 20, maxMs: 100, jitter: 0.2 },
      channelOptions: { 'grpc-node.flow_control_window': 65_535 },
    },
    { part: (p) => parts.push(p), retry: (r) => retries.push(r), session: (s) => sessions.push(s) },
  );
  await gate.reached; // two parts applied, the third held: the first gateway is mid-stream
  await kill();
  gate.release();
  const result = await run;
  const held = await digestOf(lmdb.entries());
  await lmdb.close();
  return { result, parts, retries, sessions, held };
}

function expectFailover(
  outcome: Awaited<ReturnType<typeof bootstrapKillingFirst>>,
  first: string,
  second: string,
): void {
  const { result, parts, retries, sessions, held } = outcome;
  expect(retries.length).toBeGreaterThanOrEqual(1);
  expect(retries[0]).toMatchObject({ target: first, nextTarget: second });
  expect(sessions[0]).toMatchObject({ target: first, resumeFrom: undefined });
  const resumed = sessions.find((s) => s.target === second);
  expect(resumed?.resumeFrom).toBeDefined(); // resumed from the cursor, not restarted
  expect(parts.some((p) => p.target === second)).toBe(true);
  expect(parts.at(-1)).toMatchObject({ target: second, complete: true });
  expect(result.resets).toBe(0);
  expect(result.totalEntries).toBe(result.entries); // no entry transferred twice
  expect(result.digest.toString('hex')).toBe(workload.digestAt(result.slot));
  expect(held).toEqual(result.digest);
}

test('graceful shutdown of the first gateway: the client finishes on the second', async () => {
  const [first, second] = cluster.targets as [string, string];
  const outcome = await bootstrapKillingFirst(first, second, () => cluster.gateways[0]!.close());
  expectFailover(outcome, first, second);
});

test('abrupt death of the first gateway (forced down): the client finishes on the second', async () => {
  // A proxy stands in for the first gateway so that it can be forced down without touching
  // the real one; the connection drops with streams in flight.
  proxy = await startProxyGateway(cluster.targets[0] as string);
  const second = cluster.targets[1] as string;
  const dying = proxy;
  const outcome = await bootstrapKillingFirst(dying.address, second, () => dying.kill());
  expectFailover(outcome, dying.address, second);
});

// Acceptance: a tampered part (a test-only proxy in front of the real gateway flips one value
// byte) is caught by the digest check: one integrity reset, then IntegrityError when the
// tampering persists, or success when the retry gets clean data. Nothing unverified is left
// marked complete.
import {
  bootstrap,
  IntegrityError,
  LmdbSink,
  MemorySink,
  type ResetEvent,
} from '@massa-bootstrap/bootstrap-client';
import {
  flipOneValueByte,
  makeTempDir,
  startProxyGateway,
  StateWorkload,
  type ProxyGateway,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { startBootstrapCluster, type BootstrapCluster } from './cluster';

jest.setTimeout(120_000);

let cluster: BootstrapCluster;
let proxy: ProxyGateway | undefined;
let workload: StateWorkload;
let dir: TempDir;
beforeAll(async () => {
  cluster = await startBootstrapCluster();
  workload = await StateWorkload.create({ genesisEntries: 3_000, seed: 11 });
  await cluster.append(workload.genesis());
});
afterAll(async () => {
  await cluster.close();
});
beforeEach(async () => {
  dir = await makeTempDir('tamper-');
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await dir.cleanup();
});

test('a byte flipped in every attempt: one integrity reset, then IntegrityError', async () => {
  proxy = await tamperingProxy(
    cluster.targets[0] as string,
    (_call, partInCall) => partInCall === 2,
  );
  const sink = LmdbSink.open(dir.path);
  const resets: ResetEvent[] = [];
  const error = await bootstrap(
    { targets: [proxy.address], sink, maxPartBytes: 65_536 },
    { reset: (r) => resets.push(r) },
  ).catch((err: unknown) => err);

  expect(error).toBeInstanceOf(IntegrityError);
  const integrity = error as IntegrityError;
  expect(integrity.expected?.toString('hex')).toBe(workload.digestAt(integrity.slot!));
  expect(integrity.actual).toBeDefined();
  expect(integrity.actual?.equals(integrity.expected!)).toBe(false);
  expect(resets.map((r) => r.reason)).toEqual(['integrity']);
  expect(proxy.bootstrapRequests).toHaveLength(2);
  // The failing completing part was never committed: the sink is not marked complete.
  expect(sink.cursor()?.stateComplete ?? false).toBe(false);
  await sink.close();
});

test('a byte flipped in the first attempt only: one integrity reset, the retry verifies', async () => {
  proxy = await tamperingProxy(
    cluster.targets[0] as string,
    (call, partInCall) => call === 1 && partInCall === 2,
  );
  const sink = new MemorySink();
  const resets: ResetEvent[] = [];
  const result = await bootstrap(
    { targets: [proxy.address], sink, maxPartBytes: 65_536 },
    { reset: (r) => resets.push(r) },
  );
  expect(resets.map((r) => r.reason)).toEqual(['integrity']);
  expect(result.integrityResets).toBe(1);
  expect(result.digest.toString('hex')).toBe(workload.digestAt(result.slot));
});

/** A proxy flipping one value byte in the parts `flip(callNumber, partInCall)` selects (1-based call, 0-based part). */
async function tamperingProxy(
  upstream: string,
  flip: (call: number, partInCall: number) => boolean,
): Promise<ProxyGateway> {
  let call = 0;
  let partInCall = 0;
  const started: ProxyGateway = await startProxyGateway(upstream, {
    transformPart: (part) => {
      if (started.bootstrapRequests.length !== call) {
        call = started.bootstrapRequests.length;
        partInCall = 0;
      }
      return flip(call, partInCall++) ? flipOneValueByte(part) : part;
    },
  });
  return started;
}

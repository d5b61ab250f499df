// A request the real gateway refuses (max_part_bytes out of range) fails fast with the decoded
// BadRequest details, after exactly one call.
import { status } from '@grpc/grpc-js';
import { bootstrap, MemorySink, RequestRejectedError } from '@massa-bootstrap/bootstrap-client';
import { startBootstrapCluster, type BootstrapCluster } from './cluster';

let cluster: BootstrapCluster;
beforeAll(async () => {
  cluster = await startBootstrapCluster();
});
afterAll(async () => {
  await cluster.close();
});

test('max_part_bytes out of range: INVALID_ARGUMENT with field violations, no retry', async () => {
  const retries: unknown[] = [];
  const error = await bootstrap(
    { targets: cluster.targets, sink: new MemorySink(), maxPartBytes: 1_000 },
    { retry: (r) => retries.push(r) },
  ).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(RequestRejectedError);
  const rejected = error as RequestRejectedError;
  expect(rejected.code).toBe(status.INVALID_ARGUMENT);
  expect(rejected.fieldViolations.map((v) => v.field)).toContain('max_part_bytes');
  expect(retries).toEqual([]);
});

import { credentials, status, type ClientReadableStream } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus,
  HealthClient,
  type HealthCheckResponse,
} from '@massa-bootstrap/proto';

/**
 * Channel options that make a client notice a server that just started (or restarted) within
 * a fraction of a second: grpc-js otherwise waits 1 s, then up to 120 s, between attempts.
 */
export const FAST_RECONNECT = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 500,
} as const;

/**
 * Resolves once `service` ('' = the whole server) at `target` reports SERVING, without polling:
 * waits for the channel to connect (connectivity events), then follows grpc.health.v1 Watch.
 * A Watch that ends early (a server restarting) is opened again. Rejects after `timeoutMs`.
 */
export function waitForServing(target: string, timeoutMs: number, service = ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const client = new HealthClient(target, credentials.createInsecure(), FAST_RECONNECT);
  return new Promise<void>((resolve, reject) => {
    let last = 'not connected';
    const fail = (why: string): void => {
      client.close();
      reject(new Error(`${target} not SERVING within ${timeoutMs} ms (${why})`));
    };
    const attempt = (): void => {
      client.waitForReady(deadline, (connectError) => {
        if (connectError) return fail(`${last}; ${connectError.message}`);
        const call: ClientReadableStream<HealthCheckResponse> = client.watch(
          { service },
          { deadline },
        );
        call.on('data', (response: HealthCheckResponse) => {
          last = HealthCheckResponse_ServingStatus[response.status] ?? String(response.status);
          if (response.status === HealthCheckResponse_ServingStatus.SERVING) {
            call.removeAllListeners('error');
            call.on('error', () => undefined);
            call.cancel();
            client.close();
            resolve();
          }
        });
        call.on('error', (err: Error & { code?: number }) => {
          last = err.message;
          if (err.code === status.DEADLINE_EXCEEDED || Date.now() >= deadline) fail(last);
          else if (err.code === status.UNIMPLEMENTED) fail('no grpc.health.v1 service');
          else setTimeout(attempt, 100); // the server went away mid-stream: reconnect
        });
      });
    };
    attempt();
  });
}

import { credentials, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as Serving,
  HealthClient,
  type HealthCheckResponse,
} from '@massa-bootstrap/proto';
import {
  closeClient,
  collectStream,
  startGrpcServer,
  type StartedServer,
} from '@massa-bootstrap/test-support';
import { addHealthService, type HealthController } from '../src';

const GATEWAY = 'massa.bootstrap.v1.BootstrapGateway';

/** Reads a Watch stream message by message. */
class WatchReader {
  private readonly queue: HealthCheckResponse[] = [];
  private readonly waiting: ((m: HealthCheckResponse) => void)[] = [];

  constructor(readonly call: ClientReadableStream<HealthCheckResponse>) {
    call.on('data', (m: HealthCheckResponse) => {
      const next = this.waiting.shift();
      if (next) next(m);
      else this.queue.push(m);
    });
  }

  next(): Promise<HealthCheckResponse> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Cancels the call and waits for its CANCELLED status. */
  cancel(): Promise<void> {
    return new Promise((resolve) => {
      this.call.on('error', () => undefined); // CANCELLED is expected
      this.call.on('status', () => resolve());
      this.call.cancel();
    });
  }
}

describe('grpc.health.v1', () => {
  let server: StartedServer;
  let client: HealthClient;
  let health: HealthController;

  const check = (service: string): Promise<{ status?: Serving; error?: ServiceError }> =>
    new Promise((resolve) => {
      client.check({ service }, (error, response) =>
        resolve(error ? { error } : { status: response.status }),
      );
    });

  beforeEach(async () => {
    server = await startGrpcServer((s) => {
      health = addHealthService(s, { '': 'SERVING', [GATEWAY]: 'SERVING' });
    });
    client = new HealthClient(server.address, credentials.createInsecure());
  });
  afterEach(async () => {
    closeClient(client);
    await server.close(); // fails if a Watch stream was left open
  });

  it('Check answers the overall and per-service status, NOT_FOUND for unknown services', async () => {
    expect(await check('')).toEqual({ status: Serving.SERVING });
    health.setStatus(GATEWAY, 'NOT_SERVING');
    expect(await check(GATEWAY)).toEqual({ status: Serving.NOT_SERVING });
    const { error } = await check('no.such.Service');
    expect(error?.code).toBe(status.NOT_FOUND);
  });

  it('List returns every status', async () => {
    health.setStatus('massa.bootstrap.v1.HistoryStore', 'NOT_SERVING');
    const response = await new Promise((resolve, reject) =>
      client.list({}, (err, res) => (err ? reject(err) : resolve(res))),
    );
    expect(response).toEqual({
      statuses: {
        '': { status: Serving.SERVING },
        [GATEWAY]: { status: Serving.SERVING },
        'massa.bootstrap.v1.HistoryStore': { status: Serving.NOT_SERVING },
      },
    });
  });

  it('Watch sends the current status, then every change, and ends on cancel', async () => {
    const watch = new WatchReader(client.watch({ service: GATEWAY }));
    expect(await watch.next()).toEqual({ status: Serving.SERVING });
    health.setStatus(GATEWAY, 'SERVING'); // unchanged: not sent again
    health.setStatus(GATEWAY, 'NOT_SERVING');
    expect(await watch.next()).toEqual({ status: Serving.NOT_SERVING });
    health.setStatus(GATEWAY, 'SERVING');
    expect(await watch.next()).toEqual({ status: Serving.SERVING });
    await watch.cancel();
  });

  it('Watch of an unknown service sends SERVICE_UNKNOWN and stays open until it is known', async () => {
    const watch = new WatchReader(client.watch({ service: 'later.Service' }));
    expect(await watch.next()).toEqual({ status: Serving.SERVICE_UNKNOWN });
    health.setStatus('later.Service', 'SERVING');
    expect(await watch.next()).toEqual({ status: Serving.SERVING });
    await watch.cancel();
  });

  it('shutdown() pushes NOT_SERVING and ends every Watch with UNAVAILABLE', async () => {
    const call = client.watch({ service: '' });
    const collected = collectStream(call);
    await new Promise((resolve) => call.once('data', resolve));
    health.shutdown();
    const { messages, error } = await collected;
    expect(messages.at(-1)).toEqual({ status: Serving.NOT_SERVING });
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(health.watcherCount).toBe(0);
    expect(await check('')).toEqual({ status: Serving.NOT_SERVING });
  });
});

// A bootstrap without follow reads the call to its end after the completing part: the call
// ends with the gateway's OK status (a successful client span, a server call not cancelled)
// rather than being cancelled by the client; the wait for that end is bounded.
import {
  InterceptingCall,
  ListenerBuilder,
  RequesterBuilder,
  status,
  type Interceptor,
} from '@grpc/grpc-js';
import { Bootstrapper, MemorySink } from '@massa-bootstrap/bootstrap-client';
import { startFakeGateway, type TestGateway } from '@massa-bootstrap/test-support';
import { completePart, makeEntries } from './fixtures';

const BOOTSTRAP_PATH = '/massa.bootstrap.v1.BootstrapGateway/Bootstrap';

let gateway: TestGateway;
afterEach(async () => {
  // Graceful close rejects if a call is still open.
  await gateway.close(5_000);
});

/** A client interceptor that records the status each Bootstrap call ends with. */
function recordStatuses(codes: status[]): Interceptor {
  return (options, nextCall) => {
    const requester = new RequesterBuilder()
      .withStart((metadata, listener, next) => {
        const recording = new ListenerBuilder()
          .withOnReceiveStatus((received, nextStatus) => {
            if (options.method_definition.path === BOOTSTRAP_PATH) codes.push(received.code);
            nextStatus(received);
          })
          .build();
        next(metadata, { ...listener, ...recording });
      })
      .build();
    return new InterceptingCall(nextCall(options), requester);
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Bootstraps from a fake gateway that writes one completing part of `entries` entries, then
 * holds the call with `hold` before ending it. `serverSawCancel` settles when the handler ends.
 */
async function bootstrapAgainst(entries: number, hold: (signal: AbortSignal) => Promise<void>) {
  const part = await completePart(makeEntries(entries));
  let handlerEnded: (cancelled: boolean) => void = () => undefined;
  const serverSawCancel = new Promise<boolean>((resolve) => (handlerEnded = resolve));
  gateway = await startFakeGateway({
    bootstrap: async (_request, context) => {
      await context.write(part);
      await hold(context.signal);
      handlerEnded(context.signal.aborted);
    },
  });
  const codes: status[] = [];
  const started = Date.now();
  const result = await new Bootstrapper({
    targets: [gateway.address],
    sink: new MemorySink(),
    channelOptions: { interceptors: [recordStatuses(codes)] },
  }).run();
  return { result, codes, elapsedMs: Date.now() - started, serverSawCancel };
}

test('the call ends with status OK, not CANCELLED, after the completing part', async () => {
  // A gateway that takes a moment to end the call (releasing its session, say): the client
  // used to cancel the call right after applying the part, well before this.
  const run = await bootstrapAgainst(25, (signal) => sleep(300, signal));
  expect(run.result.entries).toBe(25);
  expect(run.codes).toEqual([status.OK]);
  expect(await run.serverSawCancel).toBe(false);
  expect(run.elapsedMs).toBeGreaterThanOrEqual(250);
});

test('a gateway that never ends the call delays the result by a bounded wait only', async () => {
  const run = await bootstrapAgainst(5, (signal) => sleep(60_000, signal));
  expect(run.result.entries).toBe(5);
  expect(run.elapsedMs).toBeLessThan(10_000);
  expect(run.codes).toEqual([status.CANCELLED]);
  // The server's handler ends when it learns of the cancellation (its sleep aborts).
  expect(await run.serverSawCancel).toBe(true);
});

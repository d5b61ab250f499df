/**
 * A scriptable BootstrapGateway for client tests: each RPC runs the handler the test gives
 * (errors go through the real error contract of @massa-bootstrap/rpc), unset ones answer
 * UNIMPLEMENTED. Listens on 127.0.0.1:0; every request is recorded.
 */
import { Metadata, status, type Server } from '@grpc/grpc-js';
import {
  BootstrapGatewayService,
  GatewayStatus,
  type BootstrapPart,
  type BootstrapRequest,
  type SlotChanges,
  type StreamFinalChangesRequest,
} from '@massa-bootstrap/proto';
import {
  StatusError,
  serverStreamHandler,
  unaryHandler,
  type ServerStreamContext,
} from '@massa-bootstrap/rpc';
import { startGrpcServer, type StartedServer } from './grpc';

/** The handlers a test scripts; `attempt` counts calls of that RPC from 1. */
export interface FakeGatewayHandlers {
  bootstrap?(
    request: BootstrapRequest,
    context: ServerStreamContext<BootstrapRequest, BootstrapPart>,
    attempt: number,
  ): Promise<void>;
  streamFinalChanges?(
    request: StreamFinalChangesRequest,
    context: ServerStreamContext<StreamFinalChangesRequest, SlotChanges>,
    attempt: number,
  ): Promise<void>;
  getStatus?(): Promise<Partial<GatewayStatus>>;
}

/** A running fake (or proxy) gateway. */
export interface TestGateway {
  /** "127.0.0.1:port". */
  readonly address: string;
  readonly server: Server;
  /** Every BootstrapRequest received, in order. */
  readonly bootstrapRequests: BootstrapRequest[];
  /** Every StreamFinalChangesRequest received, in order. */
  readonly changesRequests: StreamFinalChangesRequest[];
  /** Graceful stop; rejects when a call is still open after `timeoutMs` (a leaked stream). */
  close(timeoutMs?: number): Promise<void>;
  /** Stops at once, cancelling every call in progress (a crashed gateway). Idempotent. */
  kill(): void;
}

function unimplemented(what: string): StatusError {
  return new StatusError(status.UNIMPLEMENTED, `${what} is not scripted`, new Metadata());
}

/** Starts a fake gateway with `handlers` on 127.0.0.1:0. */
export async function startFakeGateway(handlers: FakeGatewayHandlers): Promise<TestGateway> {
  const bootstrapRequests: BootstrapRequest[] = [];
  const changesRequests: StreamFinalChangesRequest[] = [];
  const started = await startGrpcServer((server) => {
    server.addService(BootstrapGatewayService, {
      bootstrap: serverStreamHandler<BootstrapRequest, BootstrapPart>(async (request, context) => {
        bootstrapRequests.push(request);
        if (handlers.bootstrap === undefined) throw unimplemented('Bootstrap');
        await handlers.bootstrap(request, context, bootstrapRequests.length);
      }),
      streamFinalChanges: serverStreamHandler<StreamFinalChangesRequest, SlotChanges>(
        async (request, context) => {
          changesRequests.push(request);
          if (handlers.streamFinalChanges === undefined) throw unimplemented('StreamFinalChanges');
          await handlers.streamFinalChanges(request, context, changesRequests.length);
        },
      ),
      getStatus: unaryHandler(async () =>
        GatewayStatus.fromPartial((await handlers.getStatus?.()) ?? {}),
      ),
    });
  });
  return asTestGateway(started, bootstrapRequests, changesRequests);
}

/** Wraps a started server as a TestGateway. */
export function asTestGateway(
  started: StartedServer,
  bootstrapRequests: BootstrapRequest[] = [],
  changesRequests: StreamFinalChangesRequest[] = [],
): TestGateway {
  let killed = false;
  return {
    address: started.address,
    server: started.server,
    bootstrapRequests,
    changesRequests,
    close: (timeoutMs) => (killed ? Promise.resolve() : started.close(timeoutMs)),
    kill() {
      killed = true;
      started.server.forceShutdown();
    },
  };
}

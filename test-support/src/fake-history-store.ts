/**
 * A scriptable HistoryStore for gateway tests: a real gateway in front of a store that answers
 * what the test says — e.g. an adversarial store whose history never covers the gateway's
 * cursor. Each RPC runs the handler the test gives (errors go through the real error contract
 * of @massa-bootstrap/rpc); unset ones answer UNIMPLEMENTED. Listens on 127.0.0.1:0.
 */
import { Metadata, status } from '@grpc/grpc-js';
import {
  HistoryStoreService,
  HistoryStoreStatus,
  ReadStatePartResponse,
  type ReadStatePartRequest,
  type SlotChanges,
  type StreamChangesRequest,
  type WatchFinalSlotsRequest,
} from '@massa-bootstrap/proto';
import {
  StatusError,
  serverStreamHandler,
  unaryHandler,
  type ServerStreamContext,
} from '@massa-bootstrap/rpc';
import { startGrpcServer, type StartedServer } from './grpc';

/** The handlers a test scripts. */
export interface FakeHistoryStoreHandlers {
  readStatePart?(request: ReadStatePartRequest): Promise<Partial<ReadStatePartResponse>>;
  streamChanges?(
    request: StreamChangesRequest,
    context: ServerStreamContext<StreamChangesRequest, SlotChanges>,
  ): Promise<void>;
  watchFinalSlots?(
    request: WatchFinalSlotsRequest,
    context: ServerStreamContext<WatchFinalSlotsRequest, SlotChanges>,
  ): Promise<void>;
  getStatus?(): Promise<Partial<HistoryStoreStatus>>;
}

/** A running fake store; `close` is the graceful stop of {@link StartedServer}. */
export type FakeHistoryStore = StartedServer;

function unimplemented(what: string): StatusError {
  return new StatusError(status.UNIMPLEMENTED, `${what} is not scripted`, new Metadata());
}

/** Starts a fake history-store with `handlers` on 127.0.0.1:0. Ingest RPCs are UNIMPLEMENTED. */
export function startFakeHistoryStore(
  handlers: FakeHistoryStoreHandlers,
): Promise<FakeHistoryStore> {
  return startGrpcServer((server) => {
    server.addService(HistoryStoreService, {
      appendFinalSlot: unaryHandler(async () => {
        throw unimplemented('AppendFinalSlot');
      }),
      ingestFinalSlots: (_call: unknown, callback: (err: StatusError) => void) => {
        callback(unimplemented('IngestFinalSlots'));
      },
      readStatePart: unaryHandler<ReadStatePartRequest, ReadStatePartResponse>(async (request) => {
        if (handlers.readStatePart === undefined) throw unimplemented('ReadStatePart');
        return ReadStatePartResponse.fromPartial(await handlers.readStatePart(request));
      }),
      streamChanges: serverStreamHandler<StreamChangesRequest, SlotChanges>(
        async (request, context) => {
          if (handlers.streamChanges === undefined) throw unimplemented('StreamChanges');
          await handlers.streamChanges(request, context);
        },
      ),
      watchFinalSlots: serverStreamHandler<WatchFinalSlotsRequest, SlotChanges>(
        async (request, context) => {
          if (handlers.watchFinalSlots === undefined) throw unimplemented('WatchFinalSlots');
          await handlers.watchFinalSlots(request, context);
        },
      ),
      getStatus: unaryHandler(async () =>
        HistoryStoreStatus.fromPartial((await handlers.getStatus?.()) ?? {}),
      ),
    });
  });
}

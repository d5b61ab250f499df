/**
 * A test-only BootstrapGateway that forwards every call to a real gateway through the generated
 * client, letting a test hold or rewrite parts on the way (tampering, deterministic pauses).
 * Upstream errors are passed on with their code and rich-details trailer intact.
 */
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  BootstrapGatewayClient,
  BootstrapGatewayService,
  type BootstrapPart,
  type BootstrapRequest,
  type GatewayStatus,
  type SlotChanges,
  type StreamFinalChangesRequest,
} from '@massa-bootstrap/proto';
import { StatusError, serverStreamHandler, unaryHandler } from '@massa-bootstrap/rpc';
import { asTestGateway, type TestGateway } from './fake-gateway';
import { startGrpcServer } from './grpc';

/** Hooks of a proxy gateway. */
export interface ProxyHooks {
  /**
   * Awaited before part number `index` (0-based, counted over all Bootstrap calls) is
   * forwarded: return a promise to hold the stream there.
   */
  beforePart?(index: number, part: BootstrapPart): Promise<void> | void;
  /** Rewrites part number `index` before it is forwarded (default: unchanged). */
  transformPart?(part: BootstrapPart, index: number): BootstrapPart;
}

/** A running proxy. */
export interface ProxyGateway extends TestGateway {
  /** Parts forwarded so far over all calls. */
  partsForwarded(): number;
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** The upstream status, unchanged (code, message, grpc-status-details-bin). */
function passOn(err: unknown): unknown {
  if (!isServiceError(err) || err.code === status.CANCELLED) return err;
  return new StatusError(err.code, err.details, err.metadata);
}

/** Starts a proxy on 127.0.0.1:0 in front of the gateway at `upstream`. */
export async function startProxyGateway(
  upstream: string,
  hooks: ProxyHooks = {},
): Promise<ProxyGateway> {
  const client = new BootstrapGatewayClient(upstream, credentials.createInsecure(), {
    'grpc-node.flow_control_window': 8 * 1024 * 1024,
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
  });
  let forwarded = 0;
  const bootstrapRequests: BootstrapRequest[] = [];
  const changesRequests: StreamFinalChangesRequest[] = [];
  const started = await startGrpcServer(
    (server) => {
      server.addService(BootstrapGatewayService, {
        bootstrap: serverStreamHandler<BootstrapRequest, BootstrapPart>(
          async (request, context) => {
            bootstrapRequests.push(request);
            const call = client.bootstrap(request);
            const cancel = (): void => call.cancel();
            context.signal.addEventListener('abort', cancel, { once: true });
            try {
              for await (const message of call as AsyncIterable<BootstrapPart>) {
                const index = forwarded++;
                await hooks.beforePart?.(index, message);
                await context.write(
                  hooks.transformPart ? hooks.transformPart(message, index) : message,
                );
              }
            } catch (err) {
              throw passOn(err);
            } finally {
              context.signal.removeEventListener('abort', cancel);
              call.cancel();
            }
          },
        ),
        streamFinalChanges: serverStreamHandler<StreamFinalChangesRequest, SlotChanges>(
          async (request, context) => {
            changesRequests.push(request);
            const call = client.streamFinalChanges(request);
            const cancel = (): void => call.cancel();
            context.signal.addEventListener('abort', cancel, { once: true });
            try {
              for await (const message of call as AsyncIterable<SlotChanges>)
                await context.write(message);
            } catch (err) {
              throw passOn(err);
            } finally {
              context.signal.removeEventListener('abort', cancel);
              call.cancel();
            }
          },
        ),
        getStatus: unaryHandler(
          (request) =>
            new Promise<GatewayStatus>((resolve, reject) => {
              client.getStatus(request, (err, response) =>
                err ? reject(passOn(err)) : resolve(response),
              );
            }),
        ),
      });
    },
    {
      'grpc-node.flow_control_window': 8 * 1024 * 1024,
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
    },
  );
  const gateway = asTestGateway(started, bootstrapRequests, changesRequests);
  return {
    ...gateway,
    partsForwarded: () => forwarded,
    async close(timeoutMs) {
      try {
        await gateway.close(timeoutMs);
      } finally {
        client.close();
      }
    },
    kill() {
      gateway.kill();
      client.close();
    },
  };
}

/** A copy of `part` with one byte of its first non-empty entry value flipped. */
export function flipOneValueByte(part: BootstrapPart): BootstrapPart {
  const index = part.entries.findIndex((e) => e.value.length > 0);
  if (index < 0) return part;
  const entries = part.entries.map((e) => ({ key: e.key, value: e.value }));
  const target = entries[index];
  if (target === undefined) return part;
  const value = Buffer.from(target.value);
  value[0] = (value[0] ?? 0) ^ 0xff;
  entries[index] = { key: target.key, value };
  return { ...part, entries };
}

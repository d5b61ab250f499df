import {
  makeGenericClientConstructor,
  type ChannelCredentials,
  type ClientOptions,
} from '@grpc/grpc-js';
import { BootstrapGatewayService, type BootstrapGatewayClient } from '@massa-bootstrap/proto';
import { decodeBootstrapPart } from './part-decoder';

/** A constructor of BootstrapGateway clients (the generated client's interface). */
export type GatewayClientClass = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => BootstrapGatewayClient;

/**
 * Builds the BootstrapGateway client class of the bootstrapper: the generated service, except
 * that Bootstrap responses are decoded by {@link decodeBootstrapPart} (entry bytes are views of
 * the received message, not copies). Build it when it is needed, not at import: the
 * OpenTelemetry gRPC instrumentation traces only classes built after it started.
 */
export function gatewayClientClass(): GatewayClientClass {
  const service = {
    ...BootstrapGatewayService,
    bootstrap: { ...BootstrapGatewayService.bootstrap, responseDeserialize: decodeBootstrapPart },
  };
  // The same cast as the generated BootstrapGatewayClient: grpc-js types the methods it
  // creates generically.
  return makeGenericClientConstructor(
    service,
    'massa.bootstrap.v1.BootstrapGateway',
  ) as unknown as GatewayClientClass;
}

/** Small helpers around the generated BootstrapGateway client for the reliability suites. */
import { Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { BootstrapGatewayClient, type GatewayStatus } from '@massa-bootstrap/proto';

/** A generated gateway client on its own connection. */
export function gatewayClient(address: string): BootstrapGatewayClient {
  return new BootstrapGatewayClient(address, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

/** GetStatus with a deadline; undefined when the gateway does not answer in time. */
export function tryGatewayStatus(
  client: BootstrapGatewayClient,
  timeoutMs = 1000,
): Promise<GatewayStatus | undefined> {
  return new Promise((resolve) => {
    client.getStatus(
      {},
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err: ServiceError | null, res?: GatewayStatus) => resolve(err ? undefined : res),
    );
  });
}

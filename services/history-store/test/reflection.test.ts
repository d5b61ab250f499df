/** Reflection: grpcurl-style discovery of the HistoryStore and Health services, no proto files. */
import { credentials } from '@grpc/grpc-js';
import { reflectionV1 } from '@massa-bootstrap/proto';
import { startStore, type StoreFixture } from './support/fixture';

function ask(
  client: reflectionV1.ServerReflectionClient,
  request: reflectionV1.ServerReflectionRequest,
): Promise<reflectionV1.ServerReflectionResponse> {
  return new Promise((resolve, reject) => {
    const call = client.serverReflectionInfo();
    call.on('data', (response: reflectionV1.ServerReflectionResponse) => {
      resolve(response);
      call.end();
    });
    call.on('error', reject);
    call.write(request);
  });
}

describe('server reflection', () => {
  let store: StoreFixture;
  let client: reflectionV1.ServerReflectionClient;

  beforeAll(async () => {
    store = await startStore();
    client = new reflectionV1.ServerReflectionClient(
      store.handle.address,
      credentials.createInsecure(),
    );
  });
  afterAll(async () => {
    client.close();
    await store.dispose();
  });

  it('lists the HistoryStore and Health services', async () => {
    const response = await ask(client, {
      host: '',
      messageRequest: { $case: 'listServices', value: '' },
    });
    expect(response.messageResponse?.$case).toBe('listServicesResponse');
    const names =
      response.messageResponse?.$case === 'listServicesResponse'
        ? response.messageResponse.value.service.map((s) => s.name)
        : [];
    expect(names).toEqual(
      expect.arrayContaining(['massa.bootstrap.v1.HistoryStore', 'grpc.health.v1.Health']),
    );
  });

  it('describes the error detail types', async () => {
    const response = await ask(client, {
      host: '',
      messageRequest: { $case: 'fileContainingSymbol', value: 'massa.bootstrap.v1.SlotTooOld' },
    });
    expect(response.messageResponse?.$case).toBe('fileDescriptorResponse');
  });
});

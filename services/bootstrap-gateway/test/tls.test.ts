// TLS and mutual TLS, with certificates generated for the test: on the gateway's public side
// (TLS_CERT_FILE / TLS_KEY_FILE, + TLS_CLIENT_CA_FILE for mTLS) and on the gateway -> store
// channel (HISTORY_STORE_TLS_CA_FILE / _CERT_FILE / _KEY_FILE against a store requiring client
// certificates). A client without a certificate is refused under mTLS.
import { readFileSync } from 'node:fs';
import { credentials, status, type ChannelCredentials } from '@grpc/grpc-js';
import { BootstrapGatewayClient } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import type { RunningGateway } from '@massa-bootstrap/bootstrap-gateway';
import {
  BootstrapAssembler,
  makeTempDir,
  makeTestPki,
  type TempDir,
  type TestPki,
} from '@massa-bootstrap/test-support';
import {
  runBootstrap,
  startStore,
  startTestGateway,
  waitUntil,
  type StoreFixture,
} from './harness';

jest.setTimeout(90_000);

describe('TLS and mutual TLS', () => {
  let dir: TempDir;
  let pki: TestPki;
  let fixture: StoreFixture;
  const gateways: RunningGateway[] = [];

  const caOnly = (): ChannelCredentials => credentials.createSsl(readFileSync(pki.caFile));
  const withClientCert = (): ChannelCredentials =>
    credentials.createSsl(
      readFileSync(pki.caFile),
      readFileSync(pki.clientKeyFile),
      readFileSync(pki.clientCertFile),
    );

  beforeAll(async () => {
    dir = await makeTempDir('gateway-tls-');
    pki = await makeTestPki(dir.path, 'bootstrap-gateway');
    // The store requires client certificates (mTLS) on every call.
    fixture = await startStore({
      genesisEntries: 2_000,
      valueBytes: 32,
      store: {
        tlsCertFile: pki.serverCertFile,
        tlsKeyFile: pki.serverKeyFile,
        tlsClientCaFile: pki.caFile,
      },
      clientCredentials: withClientCert(),
    });
  });

  afterAll(async () => {
    for (const g of gateways) await g.close();
    await fixture?.close();
    await dir?.cleanup();
  });

  const upstreamMtls = () => ({
    historyStoreTlsCaFile: pki.caFile,
    historyStoreTlsCertFile: pki.clientCertFile,
    historyStoreTlsKeyFile: pki.clientKeyFile,
  });

  async function bootstrapWith(address: string, creds: ChannelCredentials) {
    const client = new BootstrapGatewayClient(address, creds, {
      'grpc.use_local_subchannel_pool': 1,
    });
    const assembler = await BootstrapAssembler.create();
    const outcome = await runBootstrap(client, {}, assembler);
    client.close();
    return { ...outcome, complete: assembler.complete };
  }

  test('server TLS on the gateway, mTLS to the store: a client trusting the CA bootstraps', async () => {
    const gateway = await startTestGateway(fixture.store.address, {
      tlsCertFile: pki.serverCertFile,
      tlsKeyFile: pki.serverKeyFile,
      ...upstreamMtls(),
    });
    gateways.push(gateway);
    const ok = await bootstrapWith(gateway.address, caOnly());
    expect(ok.error).toBeUndefined();
    expect(ok.complete).toBe(true);
    // A plaintext client cannot talk to a TLS gateway.
    const plain = await bootstrapWith(gateway.address, credentials.createInsecure());
    expect(plain.error?.code).toBe(status.UNAVAILABLE);
  });

  test('mutual TLS on the gateway: a client without a certificate is refused, one with a certificate is served', async () => {
    const gateway = await startTestGateway(fixture.store.address, {
      tlsCertFile: pki.serverCertFile,
      tlsKeyFile: pki.serverKeyFile,
      tlsClientCaFile: pki.caFile,
      ...upstreamMtls(),
    });
    gateways.push(gateway);
    const refused = await bootstrapWith(gateway.address, caOnly());
    expect(refused.error?.code).toBe(status.UNAVAILABLE);
    expect(refused.parts).toBe(0);
    const served = await bootstrapWith(gateway.address, withClientCert());
    expect(served.error).toBeUndefined();
    expect(served.complete).toBe(true);
  });

  test('the store channel really uses mTLS: without the client certificate the store refuses the gateway', async () => {
    const gateway = await startTestGateway(fixture.store.address, {
      historyStoreTlsCaFile: pki.caFile,
    });
    gateways.push(gateway);
    const outcome = await bootstrapWith(gateway.address, credentials.createInsecure());
    expect(outcome.error?.code).toBe(status.UNAVAILABLE);
    expect(decodeBootstrapError(outcome.error)?.reason).toBe('UPSTREAM_UNAVAILABLE');
    await waitUntil(() => gateway.health() === 'NOT_SERVING', 'health NOT_SERVING');
  });
});

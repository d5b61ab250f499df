import { join } from 'node:path';
import { status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { BootstrapGatewayClient } from '@massa-bootstrap/proto';
import {
  closeClient,
  makeTempDir,
  makeTestPki,
  startGrpcServer,
  type TempDir,
  type TestPki,
} from '@massa-bootstrap/test-support';
import { channelCredentials, serverCredentials, type ServerTlsOptions } from '../src';
import { getStatus, addToyGateway, sampleStatus } from './toy-gateway';

describe('credentials', () => {
  let dir: TempDir;
  let pki: TestPki;
  const file = (name: string): string => {
    const pem: Record<string, string> = {
      'ca.pem': pki.caFile,
      'server.pem': pki.serverCertFile,
      'server.key': pki.serverKeyFile,
      'client.pem': pki.clientCertFile,
      'client.key': pki.clientKeyFile,
    };
    return pem[name] ?? join(dir.path, name);
  };

  beforeAll(async () => {
    dir = await makeTempDir('rpc-tls-');
    pki = await makeTestPki(dir.path, 'node-1');
  });
  afterAll(() => dir.cleanup());

  /** Starts the toy gateway with `tls`, calls GetStatus once with `channel`, stops. */
  async function callWith(
    tls: ServerTlsOptions,
    channel: ChannelCredentials,
  ): Promise<ServiceError | undefined> {
    const server = await startGrpcServer(
      (s) => addToyGateway(s, { status: sampleStatus(), parts: [], slots: [] }),
      undefined,
      serverCredentials(tls),
    );
    // Verify the certificate for 'localhost' (node warns when TLS servername is an IP: DEP0123).
    const client = new BootstrapGatewayClient(server.address, channel, {
      'grpc.ssl_target_name_override': 'localhost',
    });
    try {
      return (await getStatus(client)).error;
    } finally {
      closeClient(client);
      await server.close();
    }
  }

  it('insecure on both sides when nothing is configured', async () => {
    expect(await callWith({}, channelCredentials({}))).toBeUndefined();
  });

  it('TLS with cert + key; the client verifies the server against its CA', async () => {
    const tls = { tlsCertFile: file('server.pem'), tlsKeyFile: file('server.key') };
    expect(await callWith(tls, channelCredentials({ tlsCaFile: file('ca.pem') }))).toBeUndefined();
    expect((await callWith(tls, channelCredentials({})))?.code).toBe(status.UNAVAILABLE);
  });

  it('mutual TLS when a client CA is set: a client without a certificate is refused', async () => {
    const tls = {
      tlsCertFile: file('server.pem'),
      tlsKeyFile: file('server.key'),
      tlsClientCaFile: file('ca.pem'),
    };
    const withCert = channelCredentials({
      tlsCaFile: file('ca.pem'),
      tlsCertFile: file('client.pem'),
      tlsKeyFile: file('client.key'),
    });
    expect(await callWith(tls, withCert)).toBeUndefined();
    expect((await callWith(tls, channelCredentials({ tlsCaFile: file('ca.pem') })))?.code).toBe(
      status.UNAVAILABLE,
    );
  });

  it('half-configured TLS throws naming the missing setting', () => {
    expect(() => serverCredentials({ tlsCertFile: 'c.pem' })).toThrow(
      'tlsKeyFile is required when tlsCertFile is set',
    );
    expect(() => serverCredentials({ tlsKeyFile: 'k.pem' })).toThrow(
      'tlsCertFile is required when tlsKeyFile is set',
    );
    expect(() => serverCredentials({ tlsClientCaFile: 'ca.pem' })).toThrow(
      /tlsCertFile and tlsKeyFile are required/,
    );
    expect(() => channelCredentials({ tlsCertFile: 'c.pem' })).toThrow(
      'tlsKeyFile is required when tlsCertFile is set',
    );
    expect(() => channelCredentials({ tlsKeyFile: 'k.pem', tlsCaFile: 'ca.pem' })).toThrow(
      'tlsCertFile is required when tlsKeyFile is set',
    );
    expect(() =>
      serverCredentials({ tlsCertFile: file('missing.pem'), tlsKeyFile: file('server.key') }),
    ).toThrow(/^tlsCertFile: cannot read .*missing\.pem/);
  });
});

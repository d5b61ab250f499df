import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { BootstrapGatewayClient } from '@massa-bootstrap/proto';
import {
  closeClient,
  makeTempDir,
  startGrpcServer,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { generate } from 'selfsigned';
import { channelCredentials, serverCredentials, type ServerTlsOptions } from '../src';
import { getStatus, addToyGateway, sampleStatus } from './toy-gateway';

describe('credentials', () => {
  let dir: TempDir;
  const file = (name: string): string => join(dir.path, name);

  beforeAll(async () => {
    dir = await makeTempDir('rpc-tls-');
    const ec = { keyType: 'ec', algorithm: 'sha256' } as const;
    const ca = await generate([{ name: 'commonName', value: 'test CA' }], {
      ...ec,
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
      ],
    });
    const leaf = (cn: string, usage: 'serverAuth' | 'clientAuth') =>
      generate([{ name: 'commonName', value: cn }], {
        ...ec,
        ca: { key: ca.private, cert: ca.cert },
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', [usage]: true },
          {
            name: 'subjectAltName',
            altNames: [
              { type: 2, value: 'localhost' },
              { type: 7, ip: '127.0.0.1' },
            ],
          },
        ],
      });
    const [server, client] = await Promise.all([
      leaf('localhost', 'serverAuth'),
      leaf('node-1', 'clientAuth'),
    ]);
    await Promise.all([
      writeFile(file('ca.pem'), ca.cert),
      writeFile(file('server.pem'), server.cert),
      writeFile(file('server.key'), server.private),
      writeFile(file('client.pem'), client.cert),
      writeFile(file('client.key'), client.private),
    ]);
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

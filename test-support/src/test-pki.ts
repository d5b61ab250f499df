/**
 * A throw-away PKI for TLS tests: a CA, a server certificate for localhost / 127.0.0.1 and a
 * client certificate, all EC P-256 signed by the CA (selfsigned), written as PEM files.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** Paths of the PEM files of {@link makeTestPki}. */
export interface TestPki {
  /** The CA certificate (trust anchor for both sides). */
  readonly caFile: string;
  /** Server certificate (SAN: localhost, 127.0.0.1) and key. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Client certificate (CN `clientName`) and key, for mutual TLS. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** Generates the CA, server and client certificates into `dir`. */
export async function makeTestPki(dir: string, clientName = 'test-client'): Promise<TestPki> {
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
    leaf(clientName, 'clientAuth'),
  ]);
  const pki: TestPki = {
    caFile: join(dir, 'ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
  };
  await Promise.all([
    writeFile(pki.caFile, ca.cert),
    writeFile(pki.serverCertFile, server.cert),
    writeFile(pki.serverKeyFile, server.private),
    writeFile(pki.clientCertFile, client.cert),
    writeFile(pki.clientKeyFile, client.private),
  ]);
  return pki;
}

import { readFileSync } from 'node:fs';
import { ServerCredentials, credentials, type ChannelCredentials } from '@grpc/grpc-js';

/** TLS files of a server. None: insecure; cert + key: TLS; + client CA: mutual TLS. */
export interface ServerTlsOptions {
  /** PEM certificate chain of the server. */
  readonly tlsCertFile?: string | undefined;
  /** PEM private key of the server. */
  readonly tlsKeyFile?: string | undefined;
  /** PEM CA bundle; when set, clients must present a certificate signed by it. */
  readonly tlsClientCaFile?: string | undefined;
}

/** TLS files of a client. None: insecure (unless `tls`); a CA, or a cert + key pair: TLS. */
export interface ChannelTlsOptions {
  /** PEM CA bundle to verify the server with (system roots when omitted). */
  readonly tlsCaFile?: string | undefined;
  /** PEM client certificate for mutual TLS (needs `tlsKeyFile`). */
  readonly tlsCertFile?: string | undefined;
  /** PEM client private key for mutual TLS (needs `tlsCertFile`). */
  readonly tlsKeyFile?: string | undefined;
  /** Use TLS with the system roots even when no file is given. */
  readonly tls?: boolean | undefined;
}

function readPem(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${setting}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function requirePair(certFile: string | undefined, keyFile: string | undefined): void {
  if (certFile && !keyFile) throw new Error('tlsKeyFile is required when tlsCertFile is set');
  if (keyFile && !certFile) throw new Error('tlsCertFile is required when tlsKeyFile is set');
}

/**
 * Server credentials from file settings: insecure when none is set, TLS with cert + key,
 * mutual TLS (client certificates required and verified) when a client CA is also set.
 * Throws an Error naming the missing or unreadable setting on a half configuration.
 */
export function serverCredentials(options: ServerTlsOptions = {}): ServerCredentials {
  const { tlsCertFile, tlsKeyFile, tlsClientCaFile } = options;
  requirePair(tlsCertFile, tlsKeyFile);
  if (tlsClientCaFile && !tlsCertFile) {
    throw new Error('tlsCertFile and tlsKeyFile are required when tlsClientCaFile is set');
  }
  if (!tlsCertFile || !tlsKeyFile) return ServerCredentials.createInsecure();
  const keyCert = {
    cert_chain: readPem('tlsCertFile', tlsCertFile),
    private_key: readPem('tlsKeyFile', tlsKeyFile),
  };
  if (!tlsClientCaFile) return ServerCredentials.createSsl(null, [keyCert], false);
  return ServerCredentials.createSsl(readPem('tlsClientCaFile', tlsClientCaFile), [keyCert], true);
}

/**
 * Channel credentials from file settings: insecure when nothing is set (and `tls` is not),
 * TLS verifying the server with `tlsCaFile` (or the system roots), plus a client certificate
 * when `tlsCertFile` + `tlsKeyFile` are set. Throws naming the setting on a half pair.
 */
export function channelCredentials(options: ChannelTlsOptions = {}): ChannelCredentials {
  const { tlsCaFile, tlsCertFile, tlsKeyFile, tls } = options;
  requirePair(tlsCertFile, tlsKeyFile);
  if (!tlsCaFile && !tlsCertFile && !tls) return credentials.createInsecure();
  return credentials.createSsl(
    tlsCaFile ? readPem('tlsCaFile', tlsCaFile) : null,
    tlsKeyFile ? readPem('tlsKeyFile', tlsKeyFile) : null,
    tlsCertFile ? readPem('tlsCertFile', tlsCertFile) : null,
  );
}

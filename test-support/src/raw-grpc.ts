/**
 * A raw gRPC-over-HTTP/2 client (node:http2) for bad-input tests: it sends exactly the bytes a
 * test builds — bogus length prefixes, a compressed flag without `grpc-encoding`, truncated or
 * oversize frames, bytes that are not protobuf — which a generated client cannot produce, and
 * reports the status the server answered with (or how the stream broke).
 */
import {
  connect,
  constants as http2Constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';

/** How a length-prefixed message is framed (gRPC over HTTP/2: flag byte + 4-byte length). */
export interface GrpcFrameOptions {
  /** The compressed flag (byte 0). Default false. */
  readonly compressed?: boolean;
  /** The length written in the prefix. Default: the real length of `message`. */
  readonly declaredLength?: number;
}

/** A 5-byte gRPC message prefix followed by `message`. */
export function grpcFrame(message: Uint8Array, options: GrpcFrameOptions = {}): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = options.compressed === true ? 1 : 0;
  prefix.writeUInt32BE(options.declaredLength ?? message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** How one raw call ended. */
export interface RawGrpcOutcome {
  /** `grpc-status` from the trailers (or a trailers-only response); undefined when none came. */
  readonly grpcStatus: number | undefined;
  /** `grpc-message`, percent-decoded. */
  readonly grpcMessage: string | undefined;
  /** The HTTP `:status` of the response headers. */
  readonly httpStatus: number | undefined;
  /** Response DATA bytes received (length-prefixed messages). */
  readonly dataBytes: number;
  /**
   * When the stream ended without a gRPC status: 'RST_STREAM(<code>)', 'timeout', or the
   * session's error code. Undefined when a status arrived.
   */
  readonly transportError: string | undefined;
  /** True when this client cancelled the stream after `maxDataBytes` of response data. */
  readonly cancelledByClient: boolean;
}

/** Options of {@link RawGrpcConnection.call}. */
export interface RawGrpcCallOptions {
  /** Cancel (RST_STREAM CANCEL) when no status arrived within this time, ms. Default 10 000. */
  readonly timeoutMs?: number;
  /**
   * Cancel once this many response bytes arrived (a well-formed request that started a long
   * stream). Default: never.
   */
  readonly maxDataBytes?: number;
  /** Extra request headers (e.g. a `grpc-encoding`). */
  readonly headers?: Readonly<Record<string, string>>;
}

function decodeMessage(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function statusOf(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['grpc-status'];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined ? undefined : Number(text);
}

/**
 * One HTTP/2 connection to a gRPC server, reopened when the server closes it (GOAWAY, error).
 * Calls may run concurrently, each on its own stream.
 */
export class RawGrpcConnection {
  private session: ClientHttp2Session | undefined;

  constructor(
    /** '127.0.0.1:<port>'. */
    readonly address: string,
  ) {}

  /**
   * POSTs `body` (already framed, see {@link grpcFrame}; several buffers are sent in order) to
   * `path` ('/package.Service/Method') with `content-type: application/grpc`, half-closes, and
   * resolves once the stream is closed. Never rejects.
   */
  call(
    path: string,
    body: Buffer | readonly Buffer[],
    options: RawGrpcCallOptions = {},
  ): Promise<RawGrpcOutcome> {
    const session = this.open();
    return new Promise<RawGrpcOutcome>((resolve) => {
      let grpcStatus: number | undefined;
      let grpcMessage: string | undefined;
      let httpStatus: number | undefined;
      let dataBytes = 0;
      let transportError: string | undefined;
      let cancelledByClient = false;
      let settled = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({
          grpcStatus,
          grpcMessage,
          httpStatus,
          dataBytes,
          transportError: grpcStatus === undefined ? (transportError ?? 'no status') : undefined,
          cancelledByClient,
        });
      };
      const record = (headers: IncomingHttpHeaders): void => {
        const code = statusOf(headers);
        if (code !== undefined) {
          grpcStatus = code;
          grpcMessage = decodeMessage(headers['grpc-message']);
        }
      };
      let stream: ClientHttp2Stream;
      try {
        stream = session.request(
          {
            [http2Constants.HTTP2_HEADER_METHOD]: 'POST',
            [http2Constants.HTTP2_HEADER_PATH]: path,
            'content-type': 'application/grpc',
            te: 'trailers',
            ...options.headers,
          },
          { endStream: false },
        );
      } catch (err) {
        transportError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        this.session = undefined;
        finish();
        return;
      }
      const timer = setTimeout(() => {
        transportError = 'timeout';
        stream.close(http2Constants.NGHTTP2_CANCEL);
      }, options.timeoutMs ?? 10_000);
      stream.on('response', (headers) => {
        const value = headers[http2Constants.HTTP2_HEADER_STATUS];
        httpStatus = typeof value === 'number' ? value : Number(value);
        record(headers);
      });
      stream.on('trailers', record);
      stream.on('data', (chunk: Buffer) => {
        dataBytes += chunk.length;
        if (
          options.maxDataBytes !== undefined &&
          dataBytes >= options.maxDataBytes &&
          !cancelledByClient
        ) {
          cancelledByClient = true;
          stream.close(http2Constants.NGHTTP2_CANCEL);
        }
      });
      stream.on('error', (err: NodeJS.ErrnoException) => {
        transportError ??= err.code ?? err.message;
      });
      stream.on('close', () => {
        if (grpcStatus === undefined && transportError === undefined && stream.rstCode !== 0) {
          transportError = `RST_STREAM(${stream.rstCode})`;
        }
        finish();
      });
      const frames = Buffer.isBuffer(body) ? [body] : body;
      for (const frame of frames) stream.write(frame);
      stream.end();
    });
  }

  /** Closes the connection (open streams are cancelled). */
  close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session === undefined || session.closed || session.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      session.close(() => resolve());
      // Streams still open (a server that never answers) must not hold the close forever.
      setTimeout(() => {
        session.destroy();
        resolve();
      }, 2000).unref();
    });
  }

  private open(): ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = connect(`http://${this.address}`);
    session.on('error', () => {
      // Reported per stream; the next call opens a new connection.
      if (this.session === session) this.session = undefined;
    });
    session.on('goaway', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }
}

/**
 * Raw gRPC frames for the HTTP/2 bad-input requests (bogus length prefixes, compressed flag,
 * truncation, oversize, not protobuf) and the answers each may get.
 */
import {
  grpcFrame,
  randomBytes,
  randomInt,
  type RawGrpcConnection,
  type RawGrpcOutcome,
} from '@massa-bootstrap/test-support';
import { statusName } from './bad-request-kit';
import { undecodableMessage } from './protobuf-bytes';

/**
 * The outcome of a raw call: the status name, 'OK_STREAMING' when a valid request started a
 * stream that the test cancelled after its first bytes, or 'TRANSPORT:<what>' when the stream
 * broke without a status (never documented: counts as a failure).
 */
export function rawOutcome(outcome: RawGrpcOutcome): string {
  if (outcome.cancelledByClient) return 'OK_STREAMING';
  if (outcome.grpcStatus !== undefined) return statusName(outcome.grpcStatus);
  return `TRANSPORT:${outcome.transportError ?? 'unknown'}`;
}

/** The raw frame shapes sent over HTTP/2. */
export type FrameShape =
  | 'not-protobuf'
  | 'compressed-flag'
  | 'truncated'
  | 'oversize-length'
  | 'no-message'
  | 'two-messages'
  | 'random-bytes';

/** The shapes that never carry a message that could decode (safe for write methods). */
export const UNDECODABLE_SHAPES: readonly FrameShape[] = [
  'not-protobuf',
  'compressed-flag',
  'truncated',
  'oversize-length',
  'no-message',
  'two-messages',
];

/** Every shape. */
export const ALL_SHAPES: readonly FrameShape[] = [...UNDECODABLE_SHAPES, 'random-bytes'];

/**
 * Builds the request body of `shape` around `message` (a well-formed message for
 * 'compressed-flag', 'truncated' and 'two-messages'; ignored by the others).
 */
export function rawBody(random: () => number, shape: FrameShape, message: Buffer): Buffer[] {
  switch (shape) {
    case 'not-protobuf':
      return [grpcFrame(undecodableMessage(random))];
    case 'compressed-flag':
      // The flag says compressed, no grpc-encoding was negotiated: the server cannot read it.
      return [grpcFrame(message, { compressed: true })];
    case 'truncated': {
      const full = grpcFrame(message.length > 0 ? message : randomBytes(random, 16));
      return [full.subarray(0, randomInt(random, 1, full.length - 1))];
    }
    case 'oversize-length':
      return [
        grpcFrame(randomBytes(random, 32), {
          declaredLength: randomInt(random, 2 ** 30, 2 ** 32 - 1),
        }),
      ];
    case 'no-message':
      return [];
    case 'two-messages':
      return [grpcFrame(message), grpcFrame(message)];
    case 'random-bytes':
      return [grpcFrame(randomBytes(random, randomInt(random, 1, 256)))];
  }
}

/**
 * A raw call to `path` on `connection`, as an outcome name. A server-streaming method that
 * starts answering (the bytes happened to be a valid request) is cancelled after its first
 * bytes: 'OK_STREAMING'.
 */
export async function sendRaw(
  connection: RawGrpcConnection,
  path: string,
  body: Buffer[],
  serverStreaming: boolean,
): Promise<string> {
  return rawOutcome(
    await connection.call(path, body, {
      timeoutMs: 10_000,
      ...(serverStreaming ? { maxDataBytes: 1 } : {}),
    }),
  );
}

/** How a method takes its request. */
export type CallShape = 'unary' | 'server-stream' | 'client-stream';

/** What a well-formed read may be answered with (odd but valid requests included). */
const READ_ANSWERS = [
  'OK',
  'OK_STREAMING',
  'INVALID_ARGUMENT',
  'OUT_OF_RANGE',
  'FAILED_PRECONDITION',
];

/**
 * The documented answers to a raw frame of `shape` sent to a method taking its request as
 * `call`. grpc-js (1.14) decides most of them before any handler runs:
 * - bytes that do not decode: INVALID_ARGUMENT with BadRequest. Every method of both services
 *   registers its own request deserializer and decodes tolerantly, so grpc-js never answers
 *   INTERNAL "Error deserializing request" (what a throwing generated decoder gives);
 * - a length prefix above grpc.max_receive_message_length: RESOURCE_EXHAUSTED;
 * - no complete message (none, or a truncated one, which grpc-js silently drops at END_STREAM)
 *   or two messages for a unary/server-streaming method: UNIMPLEMENTED "Received no / a second
 *   request message"; for the client-streaming IngestFinalSlots an empty stream is valid: OK,
 *   zero slots committed;
 * - the compressed flag without a grpc-encoding header: grpc-js reads the message as identity
 *   (uncompressed), so the answer is the one of the message inside — always a refused slot for
 *   writes (INVALID_ARGUMENT), a read's answer for reads.
 */
export function rawAllowed(shape: FrameShape, call: CallShape, write: boolean): readonly string[] {
  switch (shape) {
    case 'not-protobuf':
      return ['INVALID_ARGUMENT'];
    case 'oversize-length':
      return ['RESOURCE_EXHAUSTED'];
    case 'truncated':
    case 'no-message':
      return call === 'client-stream' ? ['OK'] : ['UNIMPLEMENTED'];
    case 'two-messages':
      return call === 'client-stream' ? ['INVALID_ARGUMENT'] : ['UNIMPLEMENTED'];
    case 'compressed-flag':
      return write ? ['INVALID_ARGUMENT'] : READ_ANSWERS;
    case 'random-bytes':
      if (write) throw new Error('random bytes are never sent to a write method');
      // Decoded (a read's answer) or refused as undecodable (INVALID_ARGUMENT, among them).
      return READ_ANSWERS;
  }
}

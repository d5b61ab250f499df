/**
 * Protobuf bytes no generated encoder writes: varints of periods beyond 2^53 - 1, hand-built
 * fields, and bodies no decoder accepts.
 */
import { randomBytes, randomInt } from '@massa-bootstrap/test-support';

/** Protobuf varint of a non-negative integer given as a bigint (periods beyond 2^53). */
export function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}

/** An encoded Slot message with a period beyond 2^53 - 1 (no generated encoder can write it). */
export function hugePeriodSlot(random: () => number): Buffer {
  const period = 2n ** 53n + BigInt(randomInt(random, 0, 2 ** 30)) * 2n ** 10n;
  return Buffer.concat([Buffer.from([0x08]), varint(period), Buffer.from([0x10, 0x00])]);
}

/** Length-delimited field `number` holding `bytes`. */
export function lengthDelimited(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint(BigInt((number << 3) | 2)), varint(BigInt(bytes.length)), bytes]);
}

/** A field number none of the request messages uses: decoders skip it as unknown. */
const UNUSED_FIELD = 15;

/**
 * Bytes that no protobuf decoder accepts, whatever the message type: the FIRST tag is
 * undecodable, so nothing after it is ever read as a field — a tag of wire type 6 or 7 (not
 * defined), an unknown length-delimited field declaring more bytes than follow, or an unknown
 * varint field cut in the middle. Safe to send to write RPCs (random bytes are not: a nested
 * message may end early on a 0 tag and leave the rest to be read as valid fields).
 */
export function undecodableMessage(random: () => number): Buffer {
  const tail = randomBytes(random, randomInt(random, 0, 64));
  switch (randomInt(random, 0, 2)) {
    case 0: {
      const field = randomInt(random, 1, 15);
      return Buffer.concat([Buffer.from([(field << 3) | (random() < 0.5 ? 6 : 7)]), tail]);
    }
    case 1:
      return Buffer.concat([
        varint(BigInt((UNUSED_FIELD << 3) | 2)),
        varint(BigInt(tail.length + randomInt(random, 1, 1000))),
        tail,
      ]);
    default:
      return Buffer.concat([
        varint(BigInt(UNUSED_FIELD << 3)),
        Buffer.alloc(randomInt(random, 1, 9), 0xff),
      ]);
  }
}

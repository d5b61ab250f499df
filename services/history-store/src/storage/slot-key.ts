import type { Slot } from '@massa-bootstrap/core';

/** Size of an encoded slot: u64 big-endian period, then u32 big-endian thread. */
export const SLOT_KEY_BYTES = 12;

const TWO_32 = 2 ** 32;

/**
 * Encodes a slot so that bytewise order equals slot order: u64 BE period || u32 BE thread.
 * Used as the history key and for slots in the metadata.
 */
export function encodeSlotKey(slot: Slot): Buffer {
  const out = Buffer.allocUnsafe(SLOT_KEY_BYTES);
  out.writeUInt32BE(Math.floor(slot.period / TWO_32), 0);
  out.writeUInt32BE(slot.period % TWO_32, 4);
  out.writeUInt32BE(slot.thread, 8);
  return out;
}

/** Decodes {@link encodeSlotKey}; throws a RangeError on a wrong length. */
export function decodeSlotKey(bytes: Uint8Array): Slot {
  if (bytes.length !== SLOT_KEY_BYTES)
    throw new RangeError(`slot key must be ${SLOT_KEY_BYTES} bytes, got ${bytes.length}`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    period: view.readUInt32BE(0) * TWO_32 + view.readUInt32BE(4),
    thread: view.readUInt32BE(8),
  };
}

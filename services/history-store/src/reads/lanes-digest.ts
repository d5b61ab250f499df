import { createStateDigest } from '@massa-bootstrap/core';

/** The 32-byte state digest of stored LtHash16 lanes (computed by the core StateDigest). */
export async function digestOfLanes(lanes: Uint8Array): Promise<Buffer> {
  return (await createStateDigest(lanes)).digest();
}

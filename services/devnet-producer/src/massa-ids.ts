import { createHash } from 'node:crypto';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Bitcoin-alphabet base58 (leading zero bytes become '1', as in bs58). */
export function base58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // The base-x algorithm: long division of the big-endian number into base-58 digits, kept
  // in a typed array (log(256) / log(58) < 1.38 digits per byte).
  const size = Math.floor(((bytes.length - zeros) * 138) / 100) + 1;
  const digits = new Uint8Array(size);
  let length = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i] as number;
    let j = 0;
    for (let k = size - 1; (carry !== 0 || j < length) && k >= 0; k--, j++) {
      carry += 256 * (digits[k] as number);
      digits[k] = carry % 58;
      carry = (carry / 58) | 0;
    }
    length = j;
  }
  let start = size - length;
  while (start < size && digits[start] === 0) start++;
  let out = '1'.repeat(zeros);
  for (let k = start; k < size; k++) out += ALPHABET[digits[k] as number];
  return out;
}

/** base58check as Massa uses it: payload followed by the first 4 bytes of SHA-256(SHA-256(payload)). */
export function base58check(payload: Uint8Array): string {
  const first = createHash('sha256').update(payload).digest();
  const checksum = createHash('sha256').update(first).digest().subarray(0, 4);
  return base58(Buffer.concat([payload, checksum]));
}

/**
 * A Massa-style identifier: `prefix` + base58check(version 0 varint || 32-byte hash), e.g. a user
 * address "AU1…", a smart-contract address "AS1…" or an operation id "O1…". The version byte 0
 * encodes as the leading '1', like on Massa.
 */
export function massaId(prefix: 'AU' | 'AS' | 'O', hash: Uint8Array): string {
  if (hash.length !== 32) throw new RangeError(`a Massa id hashes 32 bytes, got ${hash.length}`);
  const payload = Buffer.alloc(33);
  payload.set(hash, 1);
  return prefix + base58check(payload);
}

/** Largest accepted key, in bytes (state entries, changes, cursors). */
export const MAX_KEY_BYTES = 4096;

/** Largest accepted value, in bytes. */
export const MAX_VALUE_BYTES = 16 * 1024 * 1024;

/**
 * Bytewise key order (unsigned bytes, a prefix before its extensions): the order of the state
 * on disk and on the wire. Negative when a < b.
 */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Returns why `key` is not an acceptable key, or undefined when it is. */
export function keyProblem(key: Uint8Array): string | undefined {
  if (key.length === 0) return 'key must not be empty';
  if (key.length > MAX_KEY_BYTES)
    return `key is ${key.length} bytes, the limit is ${MAX_KEY_BYTES}`;
  return undefined;
}

/** Returns why `value` is not an acceptable value, or undefined when it is. */
export function valueProblem(value: Uint8Array): string | undefined {
  if (value.length > MAX_VALUE_BYTES) {
    return `value is ${value.length} bytes, the limit is ${MAX_VALUE_BYTES}`;
  }
  return undefined;
}

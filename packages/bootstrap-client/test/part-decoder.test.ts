// Guard for the client's own BootstrapPart decoder (views instead of copies): on random parts,
// with unknown fields and odd encodings, it gives exactly what the generated decoder gives;
// on truncated or corrupted input it never returns something the generated decoder would not.
import { BootstrapPart, type KeyChange, type SlotChanges } from '@massa-bootstrap/proto';
import { decodeBootstrapPart } from '../src/part-decoder';

/** Deterministic pseudo-random numbers (xorshift32). */
function random(seed: number): (below: number) => number {
  let x = seed >>> 0 || 1;
  return (below) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % below;
  };
}

function bytes(next: (below: number) => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = next(256);
  return out;
}

/** Lengths that exercise one-, two- and three-byte varints, and empty fields. */
function length(next: (below: number) => number): number {
  const pick = next(10);
  if (pick === 0) return 0;
  if (pick < 7) return 1 + next(120);
  if (pick < 9) return 128 + next(800);
  return 16_384 + next(2_000);
}

function randomPart(next: (below: number) => number): BootstrapPart {
  const slot = () => ({
    period: next(2) === 0 ? next(1_000) : 2 ** 40 + next(1 << 30),
    thread: next(32),
  });
  const changes: SlotChanges[] = [];
  for (let s = next(3); s > 0; s--) {
    const keyChanges: KeyChange[] = [];
    for (let c = next(5); c > 0; c--) {
      keyChanges.push(
        next(3) === 0
          ? { key: bytes(next, 1 + next(80)), change: { $case: 'delete', value: {} } }
          : {
              key: bytes(next, 1 + next(80)),
              change: { $case: 'setValue', value: bytes(next, length(next)) },
            },
      );
    }
    changes.push({
      slot: next(4) === 0 ? undefined : slot(),
      changes: keyChanges,
      stateDigest: bytes(next, next(2) * 32),
    });
  }
  const entries = [];
  for (let e = next(40); e > 0; e--) {
    entries.push({
      key: bytes(next, next(8) === 0 ? 0 : 1 + next(100)),
      value: bytes(next, length(next)),
    });
  }
  return {
    slot: next(5) === 0 ? undefined : slot(),
    changes,
    entries,
    cursor:
      next(5) === 0
        ? undefined
        : { slot: slot(), lastKey: bytes(next, next(72)), stateComplete: next(2) === 0 },
    stateDigest: bytes(next, next(2) * 32),
  };
}

function encode(part: BootstrapPart): Buffer {
  return Buffer.from(BootstrapPart.encode(part).finish());
}

/** Protobuf wire writing for hand-made fields. */
function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}
const tag = (field: number, wireType: number): Buffer => varint(field * 8 + wireType);
const delimited = (field: number, body: Buffer): Buffer =>
  Buffer.concat([tag(field, 2), varint(body.length), body]);

/** Unknown fields of every wire type, a nested group included. */
function unknownFields(next: (below: number) => number): Buffer {
  return Buffer.concat([
    tag(9, 0),
    varint(next(1 << 30) * 1000),
    tag(10, 1),
    bytes(next, 8),
    tag(11, 5),
    bytes(next, 4),
    delimited(12, bytes(next, next(300))),
    tag(13, 3),
    tag(1, 0),
    varint(5),
    tag(2, 3),
    delimited(1, bytes(next, 3)),
    tag(2, 4),
    tag(13, 4),
  ]);
}

/**
 * A plain copy of a decoded value with bytes as tagged hex strings (jest compares long
 * Buffers byte by byte, far too slowly): keeps undefined vs set, and Buffer vs other bytes.
 */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return `${Buffer.isBuffer(value) ? 'Buffer' : 'Uint8Array'}:${Buffer.from(value).toString('hex')}`;
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function expectSame(actual: BootstrapPart, expected: BootstrapPart): void {
  expect(plain(actual)).toStrictEqual(plain(expected));
  // Byte-identical: both re-encode to the same bytes.
  expect(encode(actual).equals(encode(expected))).toBe(true);
}

function expectSameDecoding(message: Buffer): void {
  expectSame(decodeBootstrapPart(message), BootstrapPart.decode(message));
}

test('random parts decode exactly as with the generated decoder', () => {
  const next = random(0x5eed);
  for (let i = 0; i < 300; i++) {
    const message = encode(randomPart(next));
    expectSameDecoding(message);
    const decoded = decodeBootstrapPart(message);
    for (const entry of decoded.entries) {
      // Views of the received message, not copies.
      expect(Buffer.isBuffer(entry.key) && Buffer.isBuffer(entry.value)).toBe(true);
      if (entry.value.length > 0) expect(entry.value.buffer === message.buffer).toBe(true);
    }
  }
});

test('unknown fields, repeated scalars and wrong wire types are handled as generated', () => {
  const next = random(42);
  for (let i = 0; i < 100; i++) {
    const part = randomPart(next);
    const entry = Buffer.concat([
      unknownFields(next),
      delimited(1, bytes(next, 5)),
      delimited(2, bytes(next, 9)),
      delimited(1, bytes(next, 71)), // the last key wins
      tag(2, 0), // value field number with the wrong wire type: skipped
      varint(3),
      unknownFields(next),
      delimited(2, bytes(next, length(next))),
    ]);
    const message = Buffer.concat([
      unknownFields(next),
      encode(part),
      delimited(3, entry),
      tag(3, 0), // entries field number with the wrong wire type: skipped
      varint(7),
      delimited(5, bytes(next, 32)), // the last state_digest wins
      unknownFields(next),
      delimited(3, Buffer.alloc(0)), // an empty entry
    ]);
    expectSameDecoding(message);
  }
});

test('tag 0 and END_GROUP end a message early, as generated', () => {
  const next = random(7);
  const part = encode(randomPart(next));
  expectSameDecoding(Buffer.concat([part, Buffer.from([0]), bytes(next, 20)]));
  expectSameDecoding(Buffer.concat([part, tag(3, 4), bytes(next, 20)]));
  // The rest of an entry after its tag 0 is read as fields of the part, as generated.
  const entry = Buffer.concat([
    delimited(1, bytes(next, 4)),
    Buffer.from([0]),
    tag(12, 0),
    varint(1),
  ]);
  expectSameDecoding(Buffer.concat([delimited(3, entry), part]));
});

test('truncated or corrupted messages: never a result the generated decoder would not give', () => {
  const next = random(99);
  let rejected = 0;
  for (let i = 0; i < 60; i++) {
    const message = encode(randomPart(next));
    const corrupted = Buffer.from(message);
    for (let flips = 1 + next(3); flips > 0; flips--) corrupted[next(corrupted.length)] = next(256);
    const cut = next(message.length + 1);
    for (const input of [message.subarray(0, cut), corrupted]) {
      let expected: BootstrapPart | Error;
      try {
        expected = BootstrapPart.decode(input);
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) {
        expect(() => decodeBootstrapPart(input)).toThrow();
        rejected++;
      } else {
        // The generated decoder may accept bytes whose embedded messages overrun their
        // length; this one rejects those. Whatever it accepts is what the generated gives.
        let actual: BootstrapPart | undefined;
        try {
          actual = decodeBootstrapPart(input);
        } catch {
          rejected++;
        }
        if (actual !== undefined) expectSame(actual, expected);
      }
    }
  }
  expect(rejected).toBeGreaterThan(0);
});

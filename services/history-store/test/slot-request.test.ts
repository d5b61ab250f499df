/**
 * Guard for the zero-copy ingest decoder (src/ingest/slot-request.ts): it must decode every
 * SlotChanges exactly like the generated ts-proto decoder, and the history entry it builds from
 * the request's bytes must be byte-for-byte what SlotChanges.encode() writes, canonical request
 * or not. Stored entries cross the disk and the wire: a drift here would change what clients
 * receive and what the history-bytes counters say.
 */
import { InvalidArgumentError } from '@massa-bootstrap/core';
import { SlotChanges, type KeyChange } from '@massa-bootstrap/proto';
import { decodeSlotRequest, encodeHistoryEntry } from '../src/ingest/slot-request';
import { prng } from './support/scenario';

const DIGEST = Buffer.alloc(32, 0xab);

function bytesOf(random: () => number, max: number): Buffer {
  // Random lengths matter here (varint sizes), not random contents.
  const out = Buffer.alloc(Math.floor(random() * (max + 1)), Math.floor(random() * 256));
  if (out.length > 0) out[0] = Math.floor(random() * 256);
  return out;
}

function randomMessage(random: () => number): SlotChanges {
  const changes: KeyChange[] = [];
  const count = Math.floor(random() * 40);
  for (let i = 0; i < count; i++) {
    const key = Buffer.concat([Buffer.from([i & 0xff, i >> 8]), bytesOf(random, 300)]);
    changes.push(
      random() < 0.2
        ? { key, change: { $case: 'delete', value: {} } }
        : {
            key,
            change: { $case: 'setValue', value: bytesOf(random, random() < 0.1 ? 3000 : 200) },
          },
    );
  }
  const periods = [0, 1, 127, 128, 300_000, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
  return {
    slot: {
      period: periods[Math.floor(random() * periods.length)]!,
      thread: Math.floor(random() * 3) * Math.floor(random() * 200),
    },
    changes,
    stateDigest: random() < 0.5 ? Buffer.alloc(0) : bytesOf(random, 40),
  };
}

function encode(message: SlotChanges): Buffer {
  return Buffer.from(SlotChanges.encode(message).finish());
}

/** What the store must write for `bytes`: ts-proto's decode, then encode with the digest. */
function expectedEntry(bytes: Buffer): Buffer {
  const message = SlotChanges.decode(bytes);
  return encode({ slot: message.slot, changes: message.changes, stateDigest: DIGEST });
}

/** A message as plain JSON (hex bytes): deep-equal on Buffers is slow in Jest. */
function plain(message: SlotChanges): unknown {
  return {
    slot: message.slot,
    changes: message.changes.map((c) => ({
      key: c.key.toString('hex'),
      change:
        c.change?.$case === 'setValue'
          ? { set: c.change.value.toString('hex') }
          : c.change && { delete: c.change.value },
    })),
    stateDigest: message.stateDigest.toString('hex'),
  };
}

function expectSameAsTsProto(bytes: Buffer): ReturnType<typeof decodeSlotRequest> {
  const request = decodeSlotRequest(bytes);
  expect(plain(request.message)).toEqual(plain(SlotChanges.decode(bytes)));
  const slot = request.message.slot!;
  expect(encodeHistoryEntry(request, slot, DIGEST).equals(expectedEntry(bytes))).toBe(true);
  return request;
}

/** A protobuf field: tag then a length-delimited payload. */
function field(tag: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, payload.length]), payload]);
}

describe('zero-copy SlotChanges decoding', () => {
  it('decodes like ts-proto and rebuilds the exact history entry from canonical bytes', () => {
    const random = prng(42);
    for (let i = 0; i < 200; i++) {
      const bytes = encode(randomMessage(random));
      const request = expectSameAsTsProto(bytes);
      expect(request.canonicalEnd).toBeDefined();
    }
  });

  it('returns views into the request, not copies', () => {
    const bytes = encode({
      slot: { period: 5, thread: 1 },
      changes: [{ key: Buffer.from('k'), change: { $case: 'setValue', value: Buffer.from('v') } }],
      stateDigest: Buffer.alloc(0),
    });
    const change = decodeSlotRequest(bytes).message.changes[0]!;
    expect(change.key.buffer).toBe(bytes.buffer);
    expect(change.change?.$case === 'setValue' && change.change.value.buffer).toBe(bytes.buffer);
  });

  it('re-encodes anything an encoder would not have written that way', () => {
    const slot = field(10, Buffer.from([8, 7, 16, 2]));
    const setA = field(
      18,
      Buffer.concat([field(10, Buffer.from('a')), field(18, Buffer.from('1'))]),
    );
    const cases: Record<string, Buffer> = {
      'an unknown top-level field': Buffer.concat([slot, setA, Buffer.from([40, 1])]),
      'a change before the slot': Buffer.concat([setA, slot]),
      'the slot twice': Buffer.concat([slot, field(10, Buffer.from([8, 9])), setA]),
      'an explicit zero period': Buffer.concat([field(10, Buffer.from([8, 0, 16, 2])), setA]),
      'thread before period': Buffer.concat([field(10, Buffer.from([16, 2, 8, 7])), setA]),
      'a non-minimal length': Buffer.concat([Buffer.from([10, 0x84, 0x00, 8, 7, 16, 2]), setA]),
      'a value before its key': Buffer.concat([
        slot,
        field(18, Buffer.concat([field(18, Buffer.from('1')), field(10, Buffer.from('a'))])),
      ]),
      'a delete with content': Buffer.concat([
        slot,
        field(18, Buffer.concat([field(10, Buffer.from('a')), field(26, Buffer.from([8, 1]))])),
      ]),
      'both set and delete': Buffer.concat([
        slot,
        field(
          18,
          Buffer.concat([
            field(10, Buffer.from('a')),
            field(18, Buffer.from('1')),
            field(26, Buffer.alloc(0)),
          ]),
        ),
      ]),
      'a change after the digest': Buffer.concat([slot, field(26, DIGEST), setA]),
      'a change with no key': Buffer.concat([slot, field(18, field(18, Buffer.from('1')))]),
      'a group': Buffer.concat([slot, Buffer.from([43, 8, 1, 44]), setA]),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const request = expectSameAsTsProto(bytes);
      expect([name, request.canonicalEnd]).toEqual([name, undefined]);
    }
  });

  it('keeps canonical bytes followed by any state digest (the store replaces it)', () => {
    const message = randomMessage(prng(7));
    const prefix = encode({ ...message, stateDigest: Buffer.alloc(0) });
    for (const digest of [DIGEST, Buffer.alloc(0)]) {
      const bytes = Buffer.concat([prefix, field(26, digest)]);
      expect(expectSameAsTsProto(bytes).canonicalEnd).toBe(prefix.length);
    }
  });

  it('refuses malformed bytes with INVALID_ARGUMENT', () => {
    const good = encode(randomMessage(prng(3)));
    const bad: Buffer[] = [
      good.subarray(0, good.length - 1),
      Buffer.from([0, 0]),
      Buffer.from([10, 50, 8, 1]),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      Buffer.from([12]),
      Buffer.from([47]),
      // period 2^53 (one past the largest safe integer)
      field(10, Buffer.from([8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])),
    ];
    for (const bytes of bad) expect(() => decodeSlotRequest(bytes)).toThrow(InvalidArgumentError);
  });
});

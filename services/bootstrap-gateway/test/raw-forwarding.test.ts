// Guard tests for raw forwarding: the gateway copies encoded entry records from a
// ReadStatePartResponse into a BootstrapPart without decoding them. That is only correct while
// both messages number `slot` 1 and `entries` 3 with the same types; these tests fail the day
// the contract changes.
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import {
  BootstrapPart,
  ReadStatePartResponse,
  SlotChanges,
  loadDescriptorSet,
} from '@massa-bootstrap/proto';
import {
  PartSerializer,
  encodeBootstrapPart,
  scanSlotChanges,
  scanStatePart,
} from '@massa-bootstrap/bootstrap-gateway';

function entries(count: number): { key: Buffer; value: Buffer }[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`ledger/${String(i).padStart(6, '0')}`),
    value: Buffer.alloc(1 + (i % 300), i & 0xff),
  }));
}

describe('raw forwarding of state entries', () => {
  test('slot and entries carry the same field numbers and types in both messages', () => {
    const set = fromBinary(FileDescriptorSetSchema, loadDescriptorSet());
    const message = (name: string) => {
      for (const file of set.file) {
        if (file.package !== 'massa.bootstrap.v1') continue;
        const found = file.messageType.find((m) => m.name === name);
        if (found) return found;
      }
      throw new Error(`${name} not in the descriptor set`);
    };
    const field = (msg: string, name: string) => {
      const f = message(msg).field.find((x) => x.name === name);
      if (!f) throw new Error(`${msg}.${name} missing`);
      return { number: f.number, type: f.type, typeName: f.typeName, label: f.label };
    };
    expect(field('ReadStatePartResponse', 'slot')).toEqual(field('BootstrapPart', 'slot'));
    expect(field('ReadStatePartResponse', 'entries')).toEqual(field('BootstrapPart', 'entries'));
    expect(field('BootstrapPart', 'slot').number).toBe(1);
    expect(field('BootstrapPart', 'entries').number).toBe(3);
    expect(field('BootstrapPart', 'changes').number).toBe(2);
  });

  test('a forwarded part decodes to the same entries, slot, cursor, changes and digest', () => {
    const stored = entries(500);
    const response = Buffer.from(
      ReadStatePartResponse.encode({
        slot: { period: 9_007_199_254_740_991, thread: 31 },
        lastKey: stored[stored.length - 1]!.key,
        entries: stored,
        complete: true,
        stateDigest: Buffer.alloc(32, 7),
      }).finish(),
    );
    const scanned = scanStatePart(response);
    expect(scanned.slot).toEqual({ period: 9_007_199_254_740_991, thread: 31 });
    expect(scanned.entryCount).toBe(500);
    expect(scanned.complete).toBe(true);
    expect(scanned.lastKey.equals(stored[499]!.key)).toBe(true);
    expect(scanned.entryRecords).toHaveLength(1); // adjacent records merged: one copy at most

    const change = Buffer.from(
      SlotChanges.encode({
        slot: { period: 5, thread: 1 },
        changes: [{ key: Buffer.from('ledger/000001'), change: { $case: 'delete', value: {} } }],
        stateDigest: Buffer.alloc(32, 3),
      }).finish(),
    );
    const scannedChange = scanSlotChanges(change);
    expect(scannedChange.slot).toEqual({ period: 5, thread: 1 });
    expect(scannedChange.stateDigest.equals(Buffer.alloc(32, 3))).toBe(true);

    const bytes = encodeBootstrapPart({
      slot: scanned.slot!,
      changes: [change],
      entryRecords: scanned.entryRecords,
      cursor: { slot: scanned.slot, lastKey: Buffer.alloc(0), stateComplete: true },
      stateDigest: scanned.stateDigest,
    });
    const part = BootstrapPart.decode(bytes.toBuffer());
    expect(part.slot).toEqual({ period: 9_007_199_254_740_991, thread: 31 });
    expect(part.entries.map((e) => [e.key.toString('hex'), e.value.toString('hex')])).toEqual(
      stored.map((e) => [e.key.toString('hex'), e.value.toString('hex')]),
    );
    expect(part.changes).toHaveLength(1);
    expect(part.changes[0]!.changes[0]!.key.toString()).toBe('ledger/000001');
    expect(part.cursor).toEqual({ slot: part.slot, lastKey: Buffer.alloc(0), stateComplete: true });
    expect(part.stateDigest.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  test('unknown and interleaved fields are skipped; non-adjacent entry runs are all kept', () => {
    const a = Buffer.from(
      ReadStatePartResponse.encode({
        slot: undefined,
        lastKey: Buffer.alloc(0),
        entries: entries(2),
        complete: false,
        stateDigest: Buffer.alloc(0),
      }).finish(),
    );
    const b = Buffer.from(
      ReadStatePartResponse.encode({
        slot: { period: 3, thread: 0 },
        lastKey: Buffer.from('k'),
        entries: entries(3).slice(2),
        complete: false,
        stateDigest: Buffer.alloc(0),
      }).finish(),
    );
    const unknown = Buffer.from([0xf8, 0x01, 0x2a, 0x85, 0x02, 1, 2, 3, 4]); // field 31 varint 42, field 32 fixed32
    const scanned = scanStatePart(Buffer.concat([a, unknown, b]));
    expect(scanned.entryCount).toBe(3);
    expect(scanned.entryRecords).toHaveLength(2);
    expect(scanned.slot).toEqual({ period: 3, thread: 0 });
    const part = BootstrapPart.decode(
      new PartSerializer().serialize(
        encodeBootstrapPart({
          slot: scanned.slot!,
          changes: [],
          entryRecords: scanned.entryRecords,
          cursor: { slot: scanned.slot, lastKey: scanned.lastKey, stateComplete: false },
          stateDigest: Buffer.alloc(0),
        }),
      ),
    );
    expect(part.entries.map((e) => e.key.toString())).toEqual(
      entries(3).map((e) => e.key.toString()),
    );
  });

  test('a truncated message is rejected, not misread', () => {
    const full = Buffer.from(
      ReadStatePartResponse.encode({
        slot: { period: 1, thread: 0 },
        lastKey: Buffer.from('a'),
        entries: entries(3),
        complete: false,
        stateDigest: Buffer.alloc(0),
      }).finish(),
    );
    expect(() => scanStatePart(full.subarray(0, full.length - 3))).toThrow(/truncated/);
  });

  test('the serializer joins parts in one reused buffer (grpc-js copies it at once)', () => {
    const serializer = new PartSerializer();
    const make = (n: number) =>
      encodeBootstrapPart({
        slot: { period: n, thread: 0 },
        changes: [],
        entryRecords: [
          Buffer.from(
            ReadStatePartResponse.encode({
              slot: undefined,
              lastKey: Buffer.alloc(0),
              entries: entries(n),
              complete: false,
              stateDigest: Buffer.alloc(0),
            }).finish(),
          ),
        ],
        cursor: { slot: { period: n, thread: 0 }, lastKey: Buffer.from('k'), stateComplete: false },
        stateDigest: Buffer.alloc(0),
      });
    const first = serializer.serialize(make(50));
    const firstCopy = Buffer.from(first);
    expect(BootstrapPart.decode(firstCopy).entries).toHaveLength(50);
    expect(first.equals(make(50).toBuffer())).toBe(true);
    const second = serializer.serialize(make(20));
    expect(BootstrapPart.decode(second).entries).toHaveLength(20);
    expect(second.buffer).toBe(first.buffer); // same scratch: only safe because the caller copies at once
  });
});

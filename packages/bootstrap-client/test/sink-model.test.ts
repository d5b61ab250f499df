// Both sinks against a plain Map model, on random bootstraps: parts of entries with changes
// below the cursor (overwrites, deletes, inserts, deletes of absent keys), failing parts that
// must leave everything as it was, then followed slots touching any key. After every step the
// sink holds exactly the model's entries, in key order, with the model's count and digest.
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import {
  DigestMismatchError,
  LmdbSink,
  MemorySink,
  ProtocolError,
  type SinkPart,
  type StateSink,
} from '@massa-bootstrap/bootstrap-client';
import type { Cursor, KeyChange, SlotChanges, StateEntry } from '@massa-bootstrap/proto';
import { digestOf } from './fixtures';

function random(seed: number): (below: number) => number {
  let x = seed >>> 0 || 1;
  return (below) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % below;
  };
}

/** Short keys over a small alphabet: prefixes of each other and near collisions are common. */
function randomKey(next: (below: number) => number): Buffer {
  const key = Buffer.alloc(1 + next(6));
  for (let i = 0; i < key.length; i++)
    key[i] = [0x00, 0x41, 0x42, 0x7f, 0x80, 0xff][next(6)] as number;
  return key;
}

function randomValue(next: (below: number) => number): Buffer {
  const value = Buffer.alloc(next(40));
  for (let i = 0; i < value.length; i++) value[i] = next(256);
  return value;
}

type Model = Map<string, Buffer>;

function snapshot(sink: StateSink): { entries: string[]; count: number; digest: string } {
  return {
    entries: [...sink.entries()].map((e) => `${e.key.toString('hex')}=${e.value.toString('hex')}`),
    count: sink.entryCount(),
    digest: sink.digest().toString('hex'),
  };
}

async function expected(model: Model): Promise<ReturnType<typeof snapshot>> {
  const ids = [...model.keys()].sort();
  const entries = ids.map((id) => ({
    key: Buffer.from(id, 'hex'),
    value: model.get(id) as Buffer,
  }));
  return {
    entries: entries.map((e) => `${e.key.toString('hex')}=${e.value.toString('hex')}`),
    count: entries.length,
    digest: (await digestOf(entries)).toString('hex'),
  };
}

/** Random changes of one slot to keys <= `maxKey` (any key when undefined), applied to `model`. */
function randomSlotChanges(
  next: (below: number) => number,
  model: Model,
  maxKey: Buffer | undefined,
): KeyChange[] {
  const changes: KeyChange[] = [];
  const touched = new Set<string>();
  const held = [...model.keys()];
  for (let n = next(6); n > 0; n--) {
    let key: Buffer;
    if (held.length > 0 && next(2) === 0)
      key = Buffer.from(held[next(held.length)] as string, 'hex');
    else key = randomKey(next);
    if (maxKey !== undefined && Buffer.compare(key, maxKey) > 0) continue;
    const id = key.toString('hex');
    if (touched.has(id)) continue; // at most one change per key and slot
    touched.add(id);
    if (next(3) === 0) {
      changes.push({ key, change: { $case: 'delete', value: {} } });
      model.delete(id);
    } else {
      const value = randomValue(next);
      changes.push({ key, change: { $case: 'setValue', value } });
      model.set(id, value);
    }
  }
  return changes;
}

/** One to three slots of random changes (a key may change in several of them). */
function randomChanges(
  next: (below: number) => number,
  model: Model,
  maxKey: Buffer | undefined,
  period: number,
): SlotChanges[] {
  const slots: SlotChanges[] = [];
  const threads = 1 + next(3);
  for (let thread = 0; thread < threads; thread++) {
    slots.push({
      slot: { period, thread },
      changes: randomSlotChanges(next, model, maxKey),
      stateDigest: Buffer.alloc(0),
    });
  }
  return slots;
}

function cursor(period: number, lastKey: Buffer, stateComplete: boolean): Cursor {
  return { slot: { period, thread: 0 }, lastKey, stateComplete };
}

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('sink-model-');
});
afterEach(async () => {
  await dir.cleanup();
});

const kinds: [string, () => StateSink, number][] = [
  ['MemorySink', () => new MemorySink(), 12],
  ['LmdbSink', () => LmdbSink.open(dir.path), 3],
];

describe.each(kinds)('%s', (_name, makeSink, seeds) => {
  test('matches a Map model on random bootstraps, failed parts and followed slots', async () => {
    for (let seed = 1; seed <= seeds; seed++) {
      const next = random(seed * 7919);
      const sink = makeSink();
      await sink.load();
      const model: Model = new Map();
      const all = new Map<string, Buffer>();
      for (let i = 0; i < 300; i++) all.set(randomKey(next).toString('hex'), randomValue(next));
      const stateKeys = [...all.keys()].sort();
      let position = 0;
      let period = 1;
      let lastKey: Buffer = Buffer.alloc(0);
      while (position < stateKeys.length) {
        const before = new Map(model);
        const count = Math.min(1 + next(40), stateKeys.length - position);
        const changes = lastKey.length === 0 ? [] : randomChanges(next, model, lastKey, period);
        const entries: StateEntry[] = stateKeys.slice(position, position + count).map((id) => ({
          key: Buffer.from(id, 'hex'),
          value: all.get(id) as Buffer,
        }));
        for (const e of entries) model.set(e.key.toString('hex'), e.value);
        const complete = position + count === stateKeys.length;
        const last = (entries[entries.length - 1] as StateEntry).key;
        const part: SinkPart = {
          changes,
          entries,
          cursor: cursor(period, complete ? Buffer.alloc(0) : last, complete),
          ...(complete
            ? { expectedDigest: Buffer.from((await expected(model)).digest, 'hex') }
            : {}),
        };
        if (next(4) === 0) {
          // A part that fails its digest check: nothing of it stays.
          const held = snapshot(sink);
          await expect(
            sink.applyPart({ ...part, expectedDigest: Buffer.alloc(32, 1) }),
          ).rejects.toBeInstanceOf(DigestMismatchError);
          expect(snapshot(sink)).toEqual(held);
          expect(held).toEqual(await expected(before));
        }
        await sink.applyPart(part);
        expect(snapshot(sink)).toEqual(await expected(model));
        position += count;
        lastKey = last;
        period++;
      }
      for (let slot = 0; slot < 15; slot++, period++) {
        const before = new Map(model);
        const part: SinkPart = {
          changes: randomChanges(next, model, undefined, period),
          entries: [],
          cursor: cursor(period, Buffer.alloc(0), true),
          expectedDigest: Buffer.from((await expected(model)).digest, 'hex'),
        };
        if (next(3) === 0) {
          const held = snapshot(sink);
          await expect(
            sink.applyPart({ ...part, expectedDigest: Buffer.alloc(32, 2) }),
          ).rejects.toBeInstanceOf(DigestMismatchError);
          expect(snapshot(sink)).toEqual(held);
          expect(held).toEqual(await expected(before));
        }
        await sink.applyPart(part);
        expect(snapshot(sink)).toEqual(await expected(model));
      }
      await sink.clear();
      expect(snapshot(sink)).toEqual(await expected(new Map()));
      await sink.close();
    }
  });

  test('an entry not above a key the sink holds is refused, nothing of the part stays', async () => {
    const sink = makeSink();
    await sink.load();
    const key = (s: string): Buffer => Buffer.from(s);
    await sink.applyPart({
      changes: [],
      entries: [{ key: key('b'), value: key('1') }],
      cursor: cursor(1, key('b'), false),
    });
    // A faulty gateway: a change above the cursor, then entries below that key.
    await sink.applyPart({
      changes: [
        {
          slot: { period: 2, thread: 0 },
          changes: [{ key: key('z'), change: { $case: 'setValue', value: key('2') } }],
          stateDigest: Buffer.alloc(0),
        },
      ],
      entries: [],
      cursor: cursor(2, key('b'), false),
    });
    const held = snapshot(sink);
    const applying = sink.applyPart({
      changes: [
        {
          slot: { period: 3, thread: 0 },
          changes: [{ key: key('a'), change: { $case: 'setValue', value: key('3') } }],
          stateDigest: Buffer.alloc(0),
        },
      ],
      entries: [
        { key: key('c'), value: key('4') },
        { key: key('z'), value: key('5') },
      ],
      cursor: cursor(3, key('z'), false),
    });
    await expect(applying).rejects.toBeInstanceOf(ProtocolError);
    expect(snapshot(sink)).toEqual(held);
    expect(sink.cursor()?.slot?.period).toBe(2);
    await sink.close();
  });
});

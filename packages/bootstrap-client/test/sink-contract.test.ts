// The StateSink contract, run against both implementations: atomic parts (a failed part leaves
// nothing), persisted cursor + digest lanes, and a clear that leaves no row behind.
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import {
  DigestMismatchError,
  LmdbSink,
  MemorySink,
  ProtocolError,
  type StateSink,
} from '@massa-bootstrap/bootstrap-client';
import type { KeyChange } from '@massa-bootstrap/proto';
import { digestOf, makeEntries } from './fixtures';

const set = (key: string, value: string): KeyChange => ({
  key: Buffer.from(key),
  change: { $case: 'setValue', value: Buffer.from(value) },
});
const del = (key: string): KeyChange => ({
  key: Buffer.from(key),
  change: { $case: 'delete', value: {} },
});
const cursor = (period: number, lastKey: string, stateComplete = false) => ({
  slot: { period, thread: 0 },
  lastKey: Buffer.from(lastKey),
  stateComplete,
});

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('sink-contract-');
});
afterEach(async () => {
  await dir.cleanup();
});

const kinds: [string, () => StateSink][] = [
  ['MemorySink', () => new MemorySink()],
  ['LmdbSink', () => LmdbSink.open(dir.path)],
];

describe.each(kinds)('%s', (_name, makeSink) => {
  let sink: StateSink;
  beforeEach(async () => {
    sink = makeSink();
    expect(await sink.load()).toEqual({});
  });
  afterEach(async () => {
    await sink.close();
  });

  test('applies changes then entries, keeps the digest of exactly what it holds', async () => {
    const first = makeEntries(10);
    await sink.applyPart({ changes: [], entries: first, cursor: cursor(1, 'key/000009') });
    await sink.applyPart({
      changes: [
        {
          slot: { period: 2, thread: 0 },
          changes: [set('key/000001', 'new'), del('key/000002'), del('key/000003x')],
          stateDigest: Buffer.alloc(0),
        },
      ],
      entries: makeEntries(3, 'zz/'),
      cursor: cursor(2, 'zz/000002'),
    });
    const held = [...sink.entries()];
    expect(held).toHaveLength(12);
    expect(sink.entryCount()).toBe(12);
    expect(held.find((e) => e.key.toString() === 'key/000001')?.value.toString()).toBe('new');
    expect(held.some((e) => e.key.toString() === 'key/000002')).toBe(false);
    expect(sink.digest()).toEqual(await digestOf(held));
    expect(sink.cursor()).toEqual(cursor(2, 'zz/000002'));
  });

  test('a part whose digest does not match leaves the sink unchanged', async () => {
    const entries = makeEntries(5);
    await sink.applyPart({
      changes: [],
      entries: entries.slice(0, 3),
      cursor: cursor(1, 'key/000002'),
    });
    const before = {
      digest: sink.digest(),
      count: sink.entryCount(),
      cursor: sink.cursor(),
      entries: [...sink.entries()],
    };
    await expect(
      sink.applyPart({
        changes: [
          {
            slot: { period: 2, thread: 0 },
            changes: [set('key/000000', 'x')],
            stateDigest: Buffer.alloc(0),
          },
        ],
        entries: entries.slice(3),
        cursor: cursor(2, '', true),
        expectedDigest: Buffer.alloc(32, 7),
      }),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    expect(sink.digest()).toEqual(before.digest);
    expect(sink.entryCount()).toBe(before.count);
    expect(sink.cursor()).toEqual(before.cursor);
    expect([...sink.entries()]).toEqual(before.entries);
  });

  test('entries not after the held cursor are refused before anything is written', async () => {
    const entries = makeEntries(6);
    await sink.applyPart({
      changes: [],
      entries: entries.slice(0, 4),
      cursor: cursor(1, 'key/000003'),
    });
    await expect(
      sink.applyPart({ changes: [], entries: entries.slice(2), cursor: cursor(2, 'key/000005') }),
    ).rejects.toBeInstanceOf(ProtocolError);
    expect(sink.entryCount()).toBe(4);
    expect(sink.cursor()?.slot?.period).toBe(1);
  });

  test('a matching expected digest commits the completing part', async () => {
    const entries = makeEntries(8);
    await sink.applyPart({
      changes: [],
      entries,
      cursor: cursor(3, '', true),
      expectedDigest: await digestOf(entries),
    });
    expect(sink.cursor()?.stateComplete).toBe(true);
    expect(sink.digest()).toEqual(await digestOf(entries));
  });

  test('clear wipes entries, cursor and digest', async () => {
    await sink.applyPart({
      changes: [],
      entries: makeEntries(20),
      cursor: cursor(1, 'key/000019'),
    });
    await sink.clear();
    expect(sink.entryCount()).toBe(0);
    expect([...sink.entries()]).toEqual([]);
    expect(sink.cursor()).toBeUndefined();
    expect(sink.digest()).toEqual(await digestOf([]));
  });
});

describe('LmdbSink on disk', () => {
  test('a reopened directory resumes with the cursor, digest lanes and count of the last part', async () => {
    const entries = makeEntries(50);
    const first = LmdbSink.open(dir.path);
    await first.load();
    await first.applyPart({
      changes: [],
      entries: entries.slice(0, 30),
      cursor: cursor(4, 'key/000029'),
    });
    const digest = first.digest();
    await first.close();

    const second = LmdbSink.open(dir.path);
    const snapshot = await second.load();
    expect(snapshot.cursor).toEqual(cursor(4, 'key/000029'));
    expect(snapshot.digestLanes).toHaveLength(2048);
    expect(second.digest()).toEqual(digest);
    expect(second.entryCount()).toBe(30);
    await second.applyPart({
      changes: [],
      entries: entries.slice(30),
      cursor: cursor(5, '', true),
      expectedDigest: await digestOf(entries),
    });
    await second.close();
  });

  test('clear leaves no row in either database, on disk', async () => {
    const sink = LmdbSink.open(dir.path);
    await sink.load();
    await sink.applyPart({
      changes: [],
      entries: makeEntries(100),
      cursor: cursor(1, 'key/000099'),
    });
    expect(sink.metaKeys().length).toBeGreaterThan(0);
    await sink.clear();
    expect(sink.metaKeys()).toEqual([]);
    await sink.close();

    const reopened = LmdbSink.open(dir.path);
    expect(await reopened.load()).toEqual({});
    expect([...reopened.entries()]).toEqual([]);
    expect(reopened.metaKeys()).toEqual([]);
    await reopened.close();
  });
});

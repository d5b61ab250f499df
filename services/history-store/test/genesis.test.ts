/**
 * Genesis: the first slot of an empty store carries the initial state; through IngestFinalSlots
 * it may arrive in chunks (consecutive messages with the same slot), sealed when another slot
 * arrives or the client half-closes; an unsealed genesis is invisible to readers and wiped when
 * a new genesis starts after its producer went away.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { createStateDigest, nextSlot } from '@massa-bootstrap/core';
import type { SlotChanges } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import { IngestSession, SlotWriter } from '../src/ingest/slot-writer';
import { FixedLengthRetention } from '../src/retention';
import { emptyStoreMeta } from '../src/storage/history-storage';
import { openLmdbStorage, type LmdbStorage } from '../src/storage/lmdb-storage';
import { append, getStatus, ingest, readAllState, readPart, streamChanges } from './support/client';
import { startStore, type StoreFixture } from './support/fixture';
import { Scenario, digestOf, entriesHex, modelAfter } from './support/scenario';

function chunks(message: SlotChanges, count: number): SlotChanges[] {
  const size = Math.ceil(message.changes.length / count);
  return Array.from({ length: count }, (_, i) => ({
    ...message,
    changes: message.changes.slice(i * size, (i + 1) * size),
  }));
}

describe('genesis over gRPC', () => {
  let store: StoreFixture;
  const scenario = new Scenario({
    seed: 8,
    keySpace: 1000,
    changesPerSlot: 10,
    genesisEntries: 1000,
  });

  beforeAll(async () => {
    store = await startStore({ threadCount: scenario.threadCount, finalHistoryLength: 20 });
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('reads as an empty store before any genesis', async () => {
    const s = await getStatus(store.client);
    expect(s.newestSlot).toBeUndefined();
    expect(s.oldestSlot).toBeUndefined();
    expect(s.entryCount).toBe(0);
    expect(s.threadCount).toBe(scenario.threadCount);
    const part = await readPart(store.client, {});
    expect(part).toMatchObject({ slot: undefined, entries: [], complete: true });
    expect(part.stateDigest.equals(await digestOf([]))).toBe(true);
    const { error } = await streamChanges(store.client, { afterSlot: { period: 0, thread: 0 } });
    expect(error?.code).toBe(status.OUT_OF_RANGE);
  });

  it('assembles a chunked genesis, sealed by the half-close, not put in the history', async () => {
    const genesis = scenario.message(0);
    const reply = await ingest(store.client, chunks(genesis, 5));
    expect(reply.slotsCommitted).toBe(1);
    expect(reply.newestSlot).toEqual(genesis.slot);
    const model = modelAfter(scenario, 1);
    const { entries } = await readAllState(store.client, 8 * 1024);
    expect(entriesHex(entries)).toEqual(entriesHex(model.entries()));
    const s = await getStatus(store.client);
    expect(s.stateDigest.equals(await digestOf(entries))).toBe(true);
    expect(reply.stateDigest.equals(s.stateDigest)).toBe(true);
    expect(s.effectiveHistoryLength).toBe(0);
    expect(s.oldestSlot).toEqual(nextSlot(genesis.slot!, scenario.threadCount));
    // The history starts after the genesis: nothing before it can be served.
    const before = await streamChanges(store.client, { afterSlot: { period: 0, thread: 0 } });
    expect(decodeBootstrapError(before.error)?.reason).toBe('SLOT_TOO_OLD');
    const after = await streamChanges(store.client, { afterSlot: genesis.slot! });
    expect(after.error).toBeUndefined();
    expect(after.messages).toHaveLength(0);
  });

  it('treats a replayed genesis chunk as a duplicate and a different one as a conflict', async () => {
    const genesis = scenario.message(0);
    const replay = await append(store.client, chunks(genesis, 5)[2]!);
    expect(replay.duplicate).toBe(true);
    const changed = {
      ...genesis,
      changes: [
        {
          key: genesis.changes[0]!.key,
          change: { $case: 'setValue' as const, value: Buffer.from('other') },
        },
      ],
    };
    const err = await append(store.client, changed).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    expect(err?.code).toBe(status.ALREADY_EXISTS);
    expect(decodeBootstrapError(err)?.reason).toBe('SLOT_CONFLICT');
  });

  it('continues with regular slots; the genesis leaves the window once trimmed', async () => {
    await ingest(store.client, scenario.messages(1, 31));
    const s = await getStatus(store.client);
    expect(s.effectiveHistoryLength).toBe(20);
    expect(s.oldestSlot).toEqual(scenario.slotAt(11));
    const { entries } = await readAllState(store.client, 64 * 1024);
    expect(entriesHex(entries)).toEqual(entriesHex(modelAfter(scenario, 31).entries()));
  });
});

describe('genesis sealing and wiping (writer level)', () => {
  let dir: TempDir;
  let storage: LmdbStorage;
  let writer: SlotWriter;
  const scenario = new Scenario({ seed: 12, keySpace: 300, genesisEntries: 200 });

  const meta = () => storage.read((r) => r.meta());
  const keys = () =>
    storage.read((r) => [...r.stateAfter(Buffer.alloc(0))].map((e) => e.key.toString()));

  beforeEach(async () => {
    dir = await makeTempDir('history-store-genesis-');
    storage = await openLmdbStorage({
      path: dir.path,
      initialMeta: emptyStoreMeta(4, 10),
    });
    writer = await SlotWriter.open({
      storage,
      retention: new FixedLengthRetention(10),
      threadCount: 4,
      publish: () => undefined,
    });
  });
  afterEach(async () => {
    await writer.close();
    await storage.close();
    await dir.cleanup();
  });

  it('keeps chunks unsealed and invisible until sealed', async () => {
    const session = new IngestSession();
    const [a, b] = chunks(scenario.message(0), 2);
    expect(await writer.append(a!, session)).toMatchObject({ kind: 'genesis', sealed: false });
    expect(await writer.append(b!, session)).toMatchObject({ kind: 'genesis', sealed: false });
    expect(meta()).toMatchObject({
      newestSlot: undefined,
      pendingGenesis: scenario.slotAt(0),
      entryCount: 200,
    });
    expect(await writer.sealGenesis(session)).toMatchObject({ kind: 'genesis', sealed: true });
    expect(meta()).toMatchObject({
      newestSlot: scenario.slotAt(0),
      baseSlot: scenario.slotAt(0),
      pendingGenesis: undefined,
    });
  });

  it('refuses a key set twice across chunks', async () => {
    const session = new IngestSession();
    const [a] = chunks(scenario.message(0), 2);
    await writer.append(a!, session);
    await expect(
      writer.append({ ...a!, changes: a!.changes.slice(0, 1) }, session),
    ).rejects.toThrow(/earlier chunk/);
  });

  it('wipes an unsealed genesis whose producer is gone, and refuses a rival while it is alive', async () => {
    const first = new IngestSession();
    const [a] = chunks(scenario.message(0), 2);
    await writer.append(a!, first);
    const rival = new IngestSession();
    const other = {
      slot: scenario.slotAt(0),
      changes: [
        {
          key: Buffer.from('other'),
          change: { $case: 'setValue' as const, value: Buffer.from('v') },
        },
      ],
      stateDigest: Buffer.alloc(0),
    };
    await expect(writer.append(other, rival)).rejects.toThrow(
      /another stream is ingesting the genesis/,
    );
    first.alive = false; // the producer crashed
    const next = new IngestSession(); // the rival's stream ended with its error
    expect(await writer.append(other, next)).toMatchObject({ kind: 'genesis', sealed: false });
    expect(keys()).toEqual(['other']);
    expect(meta().entryCount).toBe(1);
    await writer.sealGenesis(next);
    expect(meta().newestSlot).toEqual(scenario.slotAt(0));
  });

  it('wipes an unsealed genesis left by a previous process', async () => {
    const session = new IngestSession();
    await writer.append(chunks(scenario.message(0), 2)[0]!, session);
    await writer.close();
    // A new writer (as after a restart) knows no owner: the next genesis starts over.
    writer = await SlotWriter.open({
      storage,
      retention: new FixedLengthRetention(10),
      threadCount: 4,
      publish: () => undefined,
    });
    const reply = await writer.append(scenario.message(0));
    expect(reply).toMatchObject({ kind: 'genesis', sealed: true });
    expect(meta().entryCount).toBe(200);
    const entries = storage.read((r) => [...r.stateAfter(Buffer.alloc(0))]);
    expect(entriesHex(entries)).toEqual(entriesHex(modelAfter(scenario, 1).entries()));
    expect((await createStateDigest(meta().lanes)).digest().equals(await digestOf(entries))).toBe(
      true,
    );
  });
});

/**
 * Write units batched into shared LMDB transactions (storage/lmdb-batch.ts, unit-buffer.ts):
 * a unit reads its own writes before they reach LMDB, a unit that throws writes nothing however
 * far it got, units queued together share commits, and over gRPC a slot refused for its digest
 * in the middle of a pipelined stream leaves exactly the slots before it.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { nextSlot } from '@massa-bootstrap/core';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import { openLmdbStorage, type LmdbStorage } from '../src/storage/lmdb-storage';
import { emptyStoreMeta, type StoreMeta } from '../src/storage/history-storage';
import { getStatus, ingest, readAllState } from './support/client';
import { startStore } from './support/fixture';
import { Scenario, digestOf, entriesHex, modelAfter } from './support/scenario';

const META: StoreMeta = emptyStoreMeta(4, 10);

const b = (text: string): Buffer => Buffer.from(text);

describe('write units', () => {
  let dir: TempDir;
  let storage: LmdbStorage;

  beforeEach(async () => {
    dir = await makeTempDir('history-store-units-');
    storage = await openLmdbStorage({ path: dir.path, initialMeta: META });
  });
  afterEach(async () => {
    await storage.close();
    await dir.cleanup();
  });

  it('see their own writes before they are applied', async () => {
    await storage.write((w) => {
      w.putState(b('a'), b('1'));
      w.putState(b('b'), b('2'));
      w.putHistory({ period: 1, thread: 0 }, b('h1'));
      w.putHistory({ period: 3, thread: 0 }, b('h3'));
    });
    const seen = await storage.write((w) => {
      w.putState(b('a'), b('9'));
      w.deleteState(b('b'));
      w.putState(b('c'), b('3'));
      w.deleteHistory({ period: 1, thread: 0 });
      w.putHistory({ period: 2, thread: 0 }, b('h2'));
      w.setMeta({ ...META, commitSeq: 7 });
      const before = {
        a: w.getState(b('a'))?.toString(),
        b: w.getState(b('b')),
        c: Buffer.from(w.peekState(b('c'))!).toString(),
        history: [...w.historyBetween(undefined, undefined)].map(
          (e) => `${e.slot.period}=${e.encoded.toString()}`,
        ),
        h1: w.getHistory({ period: 1, thread: 0 }),
        seq: w.meta().commitSeq,
      };
      w.clearState();
      return { ...before, afterClear: w.getState(b('a')) ?? w.peekState(b('c')) ?? 'none' };
    });
    expect(seen).toEqual({
      a: '9',
      b: undefined,
      c: '3',
      history: ['2=h2', '3=h3'],
      h1: undefined,
      seq: 7,
      afterClear: 'none',
    });
    expect(storage.read((r) => [...r.stateAfter(Buffer.alloc(0))])).toEqual([]);
    expect(storage.read((r) => r.meta().commitSeq)).toBe(7);
  });

  it('write nothing when they throw, whatever they wrote first, while their neighbours commit', async () => {
    const units = Array.from({ length: 50 }, (_, i) =>
      storage.write((w) => {
        w.putState(b(`k${i}`), b(`v${i}`));
        w.putHistory({ period: i, thread: 0 }, b(`h${i}`));
        if (i % 7 === 3) {
          w.clearState();
          throw new Error(`refused ${i}`);
        }
        return i;
      }),
    );
    const results = await Promise.allSettled(units);
    const kept = Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 7 !== 3);
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual(kept);
    const state = storage.read((r) =>
      [...r.stateAfter(Buffer.alloc(0))].map((e) => e.key.toString()),
    );
    expect(state.sort()).toEqual(kept.map((i) => `k${i}`).sort());
    const history = storage.read((r) => [...r.historyBetween(undefined, undefined)].length);
    expect(history).toBe(kept.length);
  });
});

describe('a slot refused for its digest inside a pipelined stream', () => {
  it('leaves exactly the slots before it', async () => {
    const store = await startStore({ finalHistoryLength: 20 });
    try {
      const scenario = new Scenario({ seed: 11, keySpace: 300, changesPerSlot: 40 });
      await ingest(store.client, [scenario.message(0)]);
      const good = Array.from({ length: 6 }, (_, i) => scenario.message(i + 1));
      const refused = { ...scenario.message(7), stateDigest: Buffer.alloc(32, 1) };
      const after = scenario.message(8);
      const err = await ingest(store.client, [...good, refused, after]).then(
        () => undefined,
        (e: ServiceError) => e,
      );
      expect(err?.code).toBe(status.INVALID_ARGUMENT);
      const s = await getStatus(store.client);
      expect(s.newestSlot).toEqual(scenario.slotAt(6));
      expect(nextSlot(s.newestSlot!, 4)).toEqual(refused.slot);
      const model = modelAfter(scenario, 7);
      expect(entriesHex((await readAllState(store.client)).entries)).toEqual(
        entriesHex(model.entries()),
      );
      expect(s.stateDigest.equals(await digestOf(model.entries()))).toBe(true);
    } finally {
      await store.dispose();
    }
  });
});

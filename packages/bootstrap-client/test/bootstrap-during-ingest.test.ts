// Acceptance: a bootstrap while slots are being ingested completes with the right digest, in
// memory and on disk. Slots are finalized between parts (the sink waits for the ingester), so
// every run really mixes state parts read at different slots with the changes between them.
import {
  bootstrap,
  LmdbSink,
  MemorySink,
  type PartEvent,
  type ProgressEvent,
  type StateSink,
} from '@massa-bootstrap/bootstrap-client';
import { makeTempDir, StateWorkload, type TempDir } from '@massa-bootstrap/test-support';
import { startBootstrapCluster, type BootstrapCluster } from './cluster';
import { digestOf, dumpEntries } from './fixtures';

jest.setTimeout(120_000);

let cluster: BootstrapCluster;
let dir: TempDir;
beforeEach(async () => {
  cluster = await startBootstrapCluster();
  dir = await makeTempDir('during-ingest-');
});
afterEach(async () => {
  await cluster.close();
  await dir.cleanup();
});

/** A sink that, before each part, waits until the ingester has finalized one more slot. */
function interleaved(
  inner: StateSink,
  ingested: () => number,
  slotAppended: () => Promise<void>,
): StateSink {
  let parts = 0;
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'applyPart') {
        return async (part: Parameters<StateSink['applyPart']>[0]) => {
          parts++;
          while (ingested() < parts) await slotAppended();
          return target.applyPart(part);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

describe.each([
  ['MemorySink', (): StateSink => new MemorySink()],
  ['LmdbSink', (): StateSink => LmdbSink.open(dir.path)],
])('%s', (name, makeSink) => {
  test('completes with the digest of the verified slot while slots keep finalizing', async () => {
    const workload = await StateWorkload.create({ genesisEntries: 8_000, seed: 7 });
    await cluster.append(workload.genesis());

    let ingested = 0;
    let stop = false;
    let wake: (() => void) | undefined;
    const slotAppended = (): Promise<void> => new Promise((resolve) => (wake = resolve));
    const ingester = (async () => {
      while (!stop) {
        await cluster.append([workload.slot({ overwrites: 20, deletes: 5, inserts: 10 })]);
        ingested++;
        wake?.();
      }
    })();

    const inner = makeSink();
    const sink = interleaved(inner, () => ingested, slotAppended);
    const parts: PartEvent[] = [];
    const progress: ProgressEvent[] = [];
    let result;
    try {
      result = await bootstrap(
        { targets: cluster.targets, sink, maxPartBytes: 65_536 },
        {
          part: (p) => parts.push(p),
          progress: (p) => progress.push(p),
        },
      );
    } finally {
      stop = true;
      await ingester;
    }

    // Ingestion really overlapped: parts were read at several slots and carried changes. (How
    // many distinct slots depends on how far the gateway reads ahead of the sink inside the
    // flow-control window, so only "more than one" is certain.)
    expect(parts.length).toBeGreaterThan(10);
    expect(new Set(parts.map((p) => `${p.slot.period}:${p.slot.thread}`)).size).toBeGreaterThan(1);
    expect(parts.reduce((n, p) => n + p.changes, 0)).toBeGreaterThan(0);
    // Progress carried the gateway's estimate of the state size (GetStatus).
    expect(
      progress.some((p) => (p.estimatedEntries ?? 0) >= 8_000 && (p.estimatedBytes ?? 0) > 0),
    ).toBe(true);
    // The right digest: the store's digest at the verified slot, and the digest of what is held.
    expect(result.digest.toString('hex')).toBe(workload.digestAt(result.slot));
    expect(await digestOf(inner.entries())).toEqual(result.digest);
    expect(inner.entryCount()).toBe(dumpEntries(inner.entries()).length);
    await inner.close();

    if (name === 'LmdbSink') {
      // On disk: a reopened directory holds the same verified state and a complete cursor.
      const reopened = LmdbSink.open(dir.path);
      const snapshot = await reopened.load();
      expect(snapshot.cursor?.stateComplete).toBe(true);
      expect(snapshot.cursor?.slot).toEqual(result.slot);
      expect(reopened.digest()).toEqual(result.digest);
      expect(await digestOf(reopened.entries())).toEqual(result.digest);
      expect(reopened.entryCount()).toBe(result.entries);
      await reopened.close();
    }
  });
});

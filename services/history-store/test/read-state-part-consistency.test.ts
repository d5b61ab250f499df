/**
 * Acceptance: while a writer ingests concurrently, each ReadStatePart answer's entries equal the
 * model state at the part's slot, and its digest is the digest stored with that slot.
 */
import { status } from '@grpc/grpc-js';
import type { ReadStatePartResponse } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { ingest, readPart, streamChanges } from './support/client';
import { startStore, type StoreFixture } from './support/fixture';
import { Scenario, VersionedModel, entriesHex } from './support/scenario';

const SLOTS = 150;

describe('ReadStatePart consistency under concurrent ingest', () => {
  let store: StoreFixture;
  const scenario = new Scenario({
    seed: 21,
    keySpace: 3000,
    changesPerSlot: 60,
    genesisEntries: 2000,
    deleteRatio: 0.3,
  });

  beforeAll(async () => {
    store = await startStore({ finalHistoryLength: 1000, threadCount: scenario.threadCount });
    await ingest(store.client, [scenario.message(0)]);
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('every part equals the model at its slot', async () => {
    const parts: { afterKey: Buffer; part: ReadStatePartResponse }[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= SLOTS; i += 3)
        await ingest(store.client, scenario.messages(i, Math.min(i + 3, SLOTS + 1)));
      writing = false;
    })();
    const reader = (async () => {
      let scans = 0;
      while (writing || scans < 2) {
        let afterKey: Buffer = Buffer.alloc(0);
        for (;;) {
          const part = await readPart(store.client, { afterKey, maxBytes: 6 * 1024 });
          parts.push({ afterKey, part });
          if (part.complete) break;
          afterKey = part.lastKey;
        }
        scans++;
      }
      return scans;
    })();
    const [, scans] = await Promise.all([writer, reader]);

    // Digest stored with every slot (the genesis digest comes with the first slot's parent).
    const { messages } = await streamChanges(store.client, { afterSlot: scenario.slotAt(0) });
    const digestAt = new Map(
      messages.map((m) => [scenario.indexOf(m.slot!), m.stateDigest.toString('hex')]),
    );

    const model = new VersionedModel(scenario);
    model.advanceTo(SLOTS + 1);
    const slotsSeen = new Set<number>();
    for (const { afterKey, part } of parts) {
      const index = scenario.indexOf(part.slot!);
      slotsSeen.add(index);
      const expected = model.entriesAt(index, afterKey, part.complete ? undefined : part.lastKey);
      expect(entriesHex(part.entries)).toEqual(entriesHex(expected));
      if (part.entries.length > 0)
        expect(part.lastKey).toEqual(part.entries[part.entries.length - 1]!.key);
      if (index > 0) expect(part.stateDigest.toString('hex')).toBe(digestAt.get(index));
    }
    expect(scans).toBeGreaterThanOrEqual(2);
    // The reads really interleaved with the writes.
    expect(slotsSeen.size).toBeGreaterThan(5);
  });

  it('validates after_key and max_bytes', async () => {
    for (const [request, field] of [
      [{ afterKey: Buffer.alloc(4097, 1) }, 'after_key'],
      [{ maxBytes: 64 * 1024 * 1024 + 1 }, 'max_bytes'],
    ] as const) {
      const err = await readPart(store.client, request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as { code: number }).code).toBe(status.INVALID_ARGUMENT);
      expect(decodeBootstrapError(err)?.badRequest?.[0]?.field).toBe(field);
    }
  });

  it('honours max_entries and always returns at least one entry', async () => {
    const part = await readPart(store.client, { maxEntries: 3 });
    expect(part.entries).toHaveLength(3);
    expect(part.complete).toBe(false);
    const tiny = await readPart(store.client, { maxBytes: 1 });
    expect(tiny.entries).toHaveLength(1);
  });
});

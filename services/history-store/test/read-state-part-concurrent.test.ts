/**
 * ReadStatePart answers are encoded into pooled buffers that go back to the pool as soon as
 * grpc-js has serialized them (it copies them into its own frames at once). Guard: many
 * concurrent reads, far more than the pool holds, each answered exactly — a grpc-js that kept a
 * reference to the serialized bytes instead of copying them would send reused, overwritten
 * buffers here.
 */
import { ReadStatePartResponse, type SlotChanges } from '@massa-bootstrap/proto';
import { ingest, readAllState, readPart } from './support/client';
import { startStore, type StoreFixture } from './support/fixture';
import { prng } from './support/scenario';

const ENTRIES = 3000;

describe('concurrent ReadStatePart answers from pooled buffers', () => {
  let store: StoreFixture;

  beforeAll(async () => {
    store = await startStore({ threadCount: 4 });
    const random = prng(23);
    const genesis: SlotChanges = {
      slot: { period: 1, thread: 0 },
      changes: Array.from({ length: ENTRIES }, (_, i) => ({
        key: Buffer.from(`ledger/${String(i).padStart(6, '0')}`),
        change: {
          $case: 'setValue' as const,
          value: Buffer.alloc(1 + Math.floor(random() * 3000), i % 251),
        },
      })),
      stateDigest: Buffer.alloc(0),
    };
    await ingest(store.client, [genesis]);
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('every concurrent answer equals the same part read alone', async () => {
    const { entries } = await readAllState(store.client);
    expect(entries).toHaveLength(ENTRIES);
    const starts = Array.from({ length: 60 }, (_, i) => Math.floor((i * ENTRIES) / 60));
    const request = (start: number): { afterKey: Buffer; maxBytes: number } => ({
      afterKey: start === 0 ? Buffer.alloc(0) : entries[start - 1]!.key,
      maxBytes: 32 * 1024 + start * 37,
    });
    // Compared as encoded bytes: jest's deep equality walks Buffers byte by byte (slow).
    const bytesOf = (part: ReadStatePartResponse): Buffer =>
      Buffer.from(ReadStatePartResponse.encode(part).finish());
    const alone: ReadStatePartResponse[] = [];
    for (const start of starts) alone.push(await readPart(store.client, request(start)));
    const expected = alone.map(bytesOf);
    for (let round = 0; round < 3; round++) {
      const together = await Promise.all(starts.map((s) => readPart(store.client, request(s))));
      const differing = together.flatMap((part, i) =>
        bytesOf(part).equals(expected[i]!) ? [] : [i],
      );
      expect(differing).toEqual([]);
    }
    // And the parts are the state itself.
    for (const [i, start] of starts.entries()) {
      const part = alone[i]!;
      const slice = entries.slice(start, start + part.entries.length);
      expect(part.entries.length).toBeGreaterThan(0);
      expect(
        part.entries.every(
          (e, j) => e.key.equals(slice[j]!.key) && e.value.equals(slice[j]!.value),
        ),
      ).toBe(true);
    }
  });
});

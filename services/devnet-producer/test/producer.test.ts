import { credentials, type ServiceError } from '@grpc/grpc-js';
import {
  MemoryState,
  applyChanges,
  compareSlots,
  createStateDigest,
  formatSlot,
  nextSlot,
  type Slot,
} from '@massa-bootstrap/core';
import {
  DevnetProducer,
  ProducerFatalError,
  genesisEntries,
  slotChanges,
  slotIndex,
  type DevnetPlan,
  type ProducerEvents,
} from '@massa-bootstrap/devnet-producer';
import { startHistoryStore, type HistoryStoreHandle } from '@massa-bootstrap/history-store';
import { HistoryStoreClient, type HistoryStoreStatus } from '@massa-bootstrap/proto';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import pino from 'pino';

const SETTINGS = {
  seed: 'producer-test',
  initialEntries: 3000,
  changesPerSlot: 40,
  slotMs: 10,
  genesisChunkEntries: 500,
  threadCount: 32,
};

let dir: TempDir;
let store: HistoryStoreHandle;
let client: HistoryStoreClient;

function startStore(listen = '127.0.0.1:0'): Promise<HistoryStoreHandle> {
  return startHistoryStore({
    listen,
    dataDir: dir.path,
    finalHistoryLength: 50,
    threadCount: 32,
    logLevel: 'silent',
  });
}

function newProducer(): DevnetProducer {
  return new DevnetProducer(
    { ...SETTINGS, historyStoreUrl: store.address },
    { logger: pino({ level: 'silent' }) },
  );
}

function getStatus(): Promise<HistoryStoreStatus> {
  return new Promise((resolve, reject) => {
    client.getStatus({}, (err: ServiceError | null, res?: HistoryStoreStatus) =>
      err || !res ? reject(err) : resolve(res),
    );
  });
}

/** Resolves with the first `count` events `name` emitted from now on. */
function nextEvents<K extends keyof ProducerEvents>(
  producer: DevnetProducer,
  name: K,
  count: number,
): Promise<ProducerEvents[K][0][]> {
  return new Promise((resolve) => {
    const seen: ProducerEvents[K][0][] = [];
    const listener = (...args: ProducerEvents[K]): void => {
      seen.push(args[0]);
      if (seen.length === count) {
        producer.off(name, listener as never);
        resolve(seen);
      }
    };
    producer.on(name, listener as never);
  });
}

/** The digest of the devnet state at slot `newest`, recomputed from the plan alone. */
async function replayDigest(plan: DevnetPlan, newest: Slot): Promise<string> {
  const state = new MemoryState();
  const digest = await createStateDigest();
  for (const { key, value } of genesisEntries(plan)) {
    state.put(key, value);
    digest.add(key, value);
  }
  for (let index = 1; index <= slotIndex(plan, newest); index++)
    applyChanges(state, slotChanges(plan, index), digest);
  return digest.digestHex();
}

beforeEach(async () => {
  dir = await makeTempDir('devnet-producer-');
  store = await startStore();
  client = new HistoryStoreClient(store.address, credentials.createInsecure());
});

afterEach(async () => {
  client.close();
  await store.close();
  await dir.cleanup();
});

it('ingests the genesis in chunks, then finalizes consecutive slots from (1, 0)', async () => {
  const producer = newProducer();
  const genesis = nextEvents(producer, 'genesis', 1);
  const slots = nextEvents(producer, 'slot', 40);
  void producer.run();
  const [g] = await genesis;
  expect(g).toMatchObject({ slot: { period: 0, thread: 31 }, entries: SETTINGS.initialEntries });
  const committed = await slots;
  await producer.stop();
  expect(committed[0]?.slot).toEqual({ period: 1, thread: 0 });
  committed.forEach((event, i) => {
    if (i > 0) expect(event.slot).toEqual(nextSlot(committed[i - 1]!.slot, 32));
    expect(event.duplicate).toBe(false);
  });
  expect(committed.map((e) => formatSlot(e.slot))).toContain('2:0'); // threads advance, then periods
  const status = await getStatus();
  expect(status.newestSlot).toBeDefined();
  expect(status.stateDigest.toString('hex')).toBe(
    await replayDigest(producer.plan, status.newestSlot!),
  );
});

it('resumes after its own restart from the store newest slot, with no rejected slot', async () => {
  const first = newProducer();
  const firstSlots = nextEvents(first, 'slot', 10);
  void first.run();
  await firstSlots;
  await first.stop();
  const before = (await getStatus()).newestSlot!;

  const second = newProducer();
  const retries: ProducerEvents['retry'][0][] = [];
  const genesis: unknown[] = [];
  second.on('retry', (r) => retries.push(r));
  second.on('genesis', (g) => genesis.push(g));
  const resumed = nextEvents(second, 'resume', 1);
  const slots = nextEvents(second, 'slot', 10);
  void second.run();
  expect((await resumed)[0]?.newest).toEqual(before);
  const committed = await slots;
  await second.stop();
  expect(genesis).toEqual([]);
  expect(retries).toEqual([]);
  expect(committed[0]?.slot).toEqual(nextSlot(before, 32));
  const status = await getStatus();
  expect(status.stateDigest.toString('hex')).toBe(
    await replayDigest(second.plan, status.newestSlot!),
  );
});

it('reconnects and resumes after the history-store restarts', async () => {
  const producer = newProducer();
  const warmUp = nextEvents(producer, 'slot', 5);
  void producer.run();
  await warmUp;
  const retried = nextEvents(producer, 'retry', 1);
  const port = store.port;
  await store.close();
  const [retry] = await retried;
  expect(retry?.code).toBeDefined();
  expect(retry?.reason).not.toBe('SLOT_NOT_NEXT');

  const beforeRestart = producer.committedSlots;
  const lastAcked = (await warmUp)[4]!.slot;
  const resumed = nextEvents(producer, 'resume', 1);
  const after = nextEvents(producer, 'slot', 5);
  store = await startStore(`127.0.0.1:${port}`);
  const [resume] = await resumed;
  const committed = await after;
  await producer.stop();
  // Resumed from what the store holds: at or after the last acknowledged slot (a slot committed
  // while its acknowledgement was lost is not sent again).
  expect(compareSlots(resume!.newest, lastAcked)).toBeGreaterThanOrEqual(0);
  expect(producer.committedSlots).toBeGreaterThanOrEqual(beforeRestart + 5);
  expect(committed[0]?.slot).toEqual(nextSlot(resume!.newest, 32));
  const status = await getStatus();
  expect(status.stateDigest.toString('hex')).toBe(
    await replayDigest(producer.plan, status.newestSlot!),
  );
});

it('refuses to feed a store that runs with another thread count', async () => {
  const other = await makeTempDir('devnet-producer-16-');
  const store16 = await startHistoryStore({
    listen: '127.0.0.1:0',
    dataDir: other.path,
    threadCount: 16,
    logLevel: 'silent',
  });
  try {
    const producer = new DevnetProducer(
      { ...SETTINGS, historyStoreUrl: store16.address },
      { logger: pino({ level: 'silent' }) },
    );
    await expect(producer.run()).rejects.toThrow(ProducerFatalError);
    await expect(producer.run()).rejects.toThrow(
      'THREAD_COUNT is 32 but the history-store runs with 16',
    );
    await producer.stop();
  } finally {
    await store16.close();
    await other.cleanup();
  }
});

it('sends the genesis again when the store restarts in the middle of it', async () => {
  const producer = new DevnetProducer(
    {
      ...SETTINGS,
      initialEntries: 20_000,
      genesisChunkEntries: 200,
      historyStoreUrl: store.address,
    },
    { logger: pino({ level: 'silent' }) },
  );
  const port = store.port;
  const halfway = new Promise<void>((resolve) => {
    const listener = ({ entries }: { entries: number }): void => {
      if (entries >= 4000) {
        producer.off('genesisProgress', listener);
        resolve();
      }
    };
    producer.on('genesisProgress', listener);
  });
  const retried = nextEvents(producer, 'retry', 1);
  const genesis = nextEvents(producer, 'genesis', 1);
  let restarted = false;
  let sealedAfterRestart: boolean | undefined;
  producer.once('genesis', () => {
    sealedAfterRestart = restarted;
  });
  void producer.run();
  await halfway;
  await store.close(); // an unsealed genesis: the store must come back empty
  await retried;
  restarted = true;
  store = await startStore(`127.0.0.1:${port}`);
  const [sealed] = await genesis;
  expect(sealed?.entries).toBe(20_000);
  expect(sealedAfterRestart).toBe(true);
  await nextEvents(producer, 'slot', 3);
  await producer.stop();
  const status = await getStatus();
  expect(status.stateDigest.toString('hex')).toBe(
    await replayDigest(producer.plan, status.newestSlot!),
  );
});

/**
 * Requests that the generated decoders cannot decode (a uint64 period above 2^53 - 1, bytes
 * that are not protobuf) get INVALID_ARGUMENT with a BadRequest field violation on every
 * HistoryStore method — not grpc-js's INTERNAL "Error deserializing request" — are logged once,
 * and change nothing. The bytes are sent as they are, through a client whose serializers are
 * the identity.
 */
import { Client, Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { HistoryStoreService } from '@massa-bootstrap/proto';
import { decodeBootstrapError } from '@massa-bootstrap/rpc';
import { makeTempDir, type TempDir } from '@massa-bootstrap/test-support';
import pino from 'pino';
import { startHistoryStore, type HistoryStoreHandle } from '@massa-bootstrap/history-store';
import { connect, getStatus, ingest, readAllState } from './support/client';
import { Scenario, entriesHex } from './support/scenario';

const identity = (bytes: Buffer): Buffer => bytes;

/** Protobuf varint of `value`. */
function varint(value: bigint): Buffer {
  const out: number[] = [];
  let v = value;
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Buffer.from(out);
}

/** Field `number` of wire type LEN holding `bytes`. */
function field(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint(BigInt((number << 3) | 2)), varint(BigInt(bytes.length)), bytes]);
}

/** An encoded Slot { period, thread }. */
function slotBytes(period: bigint, thread: number): Buffer {
  return Buffer.concat([Buffer.from([0x08]), varint(period), Buffer.from([0x10, thread])]);
}

const TWO_53 = 2n ** 53n;
const MAX_U64 = 2n ** 64n - 1n;
/** Not protobuf: the first tag has wire type 7, which does not exist. */
const BAD_WIRE_TYPE = Buffer.from([0x0f, 0x01, 0x02]);
/** Not protobuf: a length-delimited field declaring more bytes than follow. */
const PAST_THE_END = Buffer.from([0x0a, 0x09, 0x01, 0x02]);
/** Not protobuf: a varint cut in the middle. */
const CUT_VARINT = Buffer.from([0x10, 0xff, 0xff]);

type Method = keyof typeof HistoryStoreService;

interface BadCall {
  readonly name: string;
  readonly method: Method;
  readonly bytes: Buffer;
  /** The BadRequest field violation expected. */
  readonly field: string;
}

const CASES: readonly BadCall[] = [
  { name: 'not protobuf', method: 'readStatePart', bytes: BAD_WIRE_TYPE, field: '' },
  { name: 'length past the end', method: 'readStatePart', bytes: PAST_THE_END, field: '' },
  { name: 'cut varint', method: 'readStatePart', bytes: CUT_VARINT, field: '' },
  {
    name: 'after_slot.period = 2^53',
    method: 'streamChanges',
    bytes: field(1, slotBytes(TWO_53, 0)),
    field: 'after_slot',
  },
  {
    name: 'until_slot.period = 2^64 - 1',
    method: 'streamChanges',
    bytes: Buffer.concat([field(1, slotBytes(1n, 0)), field(2, slotBytes(MAX_U64, 0))]),
    field: 'until_slot',
  },
  { name: 'not protobuf', method: 'streamChanges', bytes: BAD_WIRE_TYPE, field: '' },
  {
    name: 'a slot overrunning its length',
    method: 'streamChanges',
    bytes: Buffer.from([0x0a, 0x02, 0x08, 0xff, 0x01]),
    field: '',
  },
  {
    name: 'after_slot.period = 2^53',
    method: 'watchFinalSlots',
    bytes: field(1, slotBytes(TWO_53, 0)),
    field: 'after_slot',
  },
  { name: 'not protobuf', method: 'watchFinalSlots', bytes: PAST_THE_END, field: '' },
  { name: 'not protobuf', method: 'getStatus', bytes: BAD_WIRE_TYPE, field: '' },
  { name: 'field number 0', method: 'getStatus', bytes: Buffer.from([0x00, 0x01]), field: '' },
  {
    name: 'slot.period = 2^53',
    method: 'appendFinalSlot',
    bytes: field(1, slotBytes(TWO_53 + 1024n, 1)),
    field: 'slot.period',
  },
  { name: 'not protobuf', method: 'appendFinalSlot', bytes: BAD_WIRE_TYPE, field: '' },
  { name: 'not protobuf', method: 'ingestFinalSlots', bytes: CUT_VARINT, field: '' },
];

/** Sends `bytes` as the request of `method`; resolves with the status it ends with. */
function callRaw(client: Client, method: Method, bytes: Buffer): Promise<ServiceError | null> {
  const definition = HistoryStoreService[method];
  return new Promise((resolve) => {
    if (definition.requestStream) {
      const call = client.makeClientStreamRequest(
        definition.path,
        identity,
        identity,
        new Metadata(),
        (err: ServiceError | null) => resolve(err),
      );
      call.write(bytes);
      call.end();
    } else if (definition.responseStream) {
      const call = client.makeServerStreamRequest(definition.path, identity, identity, bytes);
      call.on('data', () => undefined);
      call.on('error', (err: ServiceError) => resolve(err));
      call.on('end', () => resolve(null));
    } else {
      client.makeUnaryRequest(definition.path, identity, identity, bytes, (err) => resolve(err));
    }
  });
}

interface LogLine {
  readonly level: number;
  readonly method?: string;
  readonly msg?: string;
}

describe('undecodable requests: INVALID_ARGUMENT on every method, logged once, nothing changed', () => {
  const scenario = new Scenario({ seed: 5, keySpace: 40, changesPerSlot: 6, genesisEntries: 30 });
  const lines: LogLine[] = [];
  let dir: TempDir;
  let handle: HistoryStoreHandle;
  let raw: Client;
  let before: string;

  async function snapshot(): Promise<string> {
    const client = connect(handle.address);
    try {
      const s = await getStatus(client);
      const state = await readAllState(client);
      return JSON.stringify({
        digest: s.stateDigest.toString('hex'),
        newest: s.newestSlot,
        oldest: s.oldestSlot,
        historyBytes: s.historyBytes,
        state: entriesHex(state.entries),
      });
    } finally {
      client.close();
    }
  }

  beforeAll(async () => {
    dir = await makeTempDir('history-store-undecodable-');
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
    );
    handle = await startHistoryStore(
      { listen: '127.0.0.1:0', threadCount: scenario.threadCount, dataDir: dir.path },
      logger,
    );
    const client = connect(handle.address);
    await ingest(client, scenario.messages(0, 6));
    client.close();
    raw = new Client(handle.address, credentials.createInsecure());
    before = await snapshot();
  });
  afterAll(async () => {
    raw.close();
    await handle.close();
    await dir.cleanup();
  });

  it.each(CASES)('$method, $name: INVALID_ARGUMENT naming "$field"', async (c) => {
    const rpcName = HistoryStoreService[c.method].path.split('/')[2]!;
    const logged = lines.length;
    const err = await callRaw(raw, c.method, c.bytes);
    expect(err?.details).not.toMatch(/deserializ/i);
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    const decoded = decodeBootstrapError(err);
    expect(decoded?.reason).toBe('INVALID_ARGUMENT');
    expect(decoded?.badRequest?.map((v) => v.field)).toContain(c.field);
    // Logged once, at warn, naming the method; nothing else logged about it.
    const about = lines.slice(logged).filter((line) => line.method === rpcName);
    expect(about).toHaveLength(1);
    expect(about[0]?.level).toBe(pino.levels.values['warn']);
    expect(lines.slice(logged).filter((line) => line.level >= 50)).toEqual([]);
    expect(await snapshot()).toBe(before);
  });
});

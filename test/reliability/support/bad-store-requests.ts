/**
 * Malformed requests to the history-store (massa.bootstrap.v1.HistoryStore). Every write is
 * built so that it must be refused — the suite checks afterwards that nothing changed — while
 * reads may be odd but valid (random bytes are legal keys) and then answer OK.
 */
import { nextSlot, type Slot } from '@massa-bootstrap/core';
import {
  HistoryStoreService,
  ReadStatePartRequest,
  SlotChanges,
  StreamChangesRequest,
  WatchFinalSlotsRequest,
  type KeyChange,
} from '@massa-bootstrap/proto';
import {
  grpcFrame,
  ingestSlots,
  pick,
  randomBytes,
  randomInt,
} from '@massa-bootstrap/test-support';
import {
  randomKey,
  retainedSlot,
  slotBeforeHistory,
  statusName,
  slotInFuture,
  slotOfKind,
  slotWithBadThread,
  streamOutcome,
  unaryOutcome,
  type BadRequest,
  type StoreFacts,
} from './bad-request-kit';
import { hugePeriodSlot, lengthDelimited } from './protobuf-bytes';
import { ALL_SHAPES, rawAllowed, rawBody, sendRaw, UNDECODABLE_SHAPES } from './raw-frames';

const STORE = 'history-store' as const;

function randomChanges(random: () => number, count: number): KeyChange[] {
  return Array.from({ length: count }, () => {
    const key = randomBytes(random, randomInt(random, 1, 64));
    return random() < 0.2
      ? { key, change: { $case: 'delete' as const, value: {} } }
      : {
          key,
          change: {
            $case: 'setValue' as const,
            value: randomBytes(random, randomInt(random, 0, 200)),
          },
        };
  });
}

function slotMessage(
  slot: Slot | undefined,
  changes: KeyChange[],
  stateDigest: Buffer = Buffer.alloc(0),
): SlotChanges {
  return { slot, changes, stateDigest };
}

function append(message: SlotChanges): BadRequest['send'] {
  return ({ store }) => unaryOutcome((done) => store.appendFinalSlot(message, done));
}

/** A slot message whose content breaks one rule of the ingest validation. */
function malformedContent(random: () => number, facts: StoreFacts): SlotChanges {
  const slot = nextSlot(facts.newest, facts.threadCount);
  const good = randomChanges(random, randomInt(random, 1, 5));
  switch (randomInt(random, 0, 5)) {
    case 0:
      return slotMessage(slot, [
        ...good,
        { key: Buffer.alloc(0), change: { $case: 'setValue', value: Buffer.from('x') } },
      ]);
    case 1:
      return slotMessage(slot, [
        ...good,
        {
          key: randomBytes(random, randomInt(random, 4097, 9000)),
          change: { $case: 'delete', value: {} },
        },
      ]);
    case 2: {
      const twice = good[0] as KeyChange;
      return slotMessage(slot, [
        ...good,
        { key: twice.key, change: { $case: 'delete', value: {} } },
      ]);
    }
    case 3:
      return slotMessage(slot, [...good, { key: randomBytes(random, 8), change: undefined }]);
    case 4:
      return slotMessage(slot, good, randomBytes(random, pick(random, [1, 5, 31, 33, 64])));
    default:
      return slotMessage(undefined, good);
  }
}

/** Generates one malformed history-store request. */
export function badStoreRequest(random: () => number, facts: StoreFacts): BadRequest {
  const roll = random();
  if (roll < 0.1) {
    return {
      service: STORE,
      kind: 'append: thread >= thread_count',
      allowed: ['INVALID_ARGUMENT'],
      send: append(slotMessage(slotWithBadThread(random, facts), randomChanges(random, 3))),
    };
  }
  if (roll < 0.2) {
    // A future slot (accepted as such) whose random keys are legal, but its state_digest is not
    // the digest after them: applied, checked, rolled back.
    return {
      service: STORE,
      kind: 'append: future slot, random keys, wrong digest',
      allowed: ['INVALID_ARGUMENT'],
      send: append(
        slotMessage(
          slotInFuture(random, facts),
          randomChanges(random, randomInt(random, 1, 20)),
          randomBytes(random, 32),
        ),
      ),
    };
  }
  if (roll < 0.3) {
    const past = random() < 0.5;
    return {
      service: STORE,
      kind: past
        ? 'append: slot before the history, random changes'
        : 'append: stored slot, different changes',
      allowed: past ? ['FAILED_PRECONDITION'] : ['ALREADY_EXISTS'],
      send: append(
        slotMessage(
          past ? slotBeforeHistory(random, facts) : retainedSlot(random, facts),
          randomChanges(random, 4),
        ),
      ),
    };
  }
  if (roll < 0.4) {
    return {
      service: STORE,
      kind: 'append: malformed changes or digest',
      allowed: ['INVALID_ARGUMENT'],
      send: append(malformedContent(random, facts)),
    };
  }
  if (roll < 0.47) {
    // Non-increasing slots on one stream, all at or below the newest: the first is refused.
    const count = randomInt(random, 2, 5);
    const slots: Slot[] = [];
    let slot = retainedSlot(random, facts);
    for (let i = 0; i < count; i++) {
      slots.push(slot);
      if (random() < 0.5) slot = slotBeforeHistory(random, facts);
    }
    const messages = slots.map((s) => slotMessage(s, randomChanges(random, 2)));
    return {
      service: STORE,
      kind: 'ingest stream: non-increasing past slots',
      allowed: ['ALREADY_EXISTS', 'FAILED_PRECONDITION'],
      send: ({ store }) =>
        ingestSlots(store, messages).then(
          () => 'OK',
          (err: { code: number }) => statusName(err.code),
        ),
    };
  }
  if (roll < 0.57) {
    const maxBytes = pick(random, [
      0,
      1,
      randomInt(random, 2, 64 * 1024 * 1024),
      randomInt(random, 64 * 1024 * 1024 + 1, 2 ** 32 - 1),
    ]);
    const maxEntries = pick(random, [0, 1, randomInt(random, 2, 1000), 2 ** 32 - 1]);
    const request = { afterKey: randomKey(random), maxBytes, maxEntries };
    return {
      service: STORE,
      kind: 'ReadStatePart: random key, zero/huge sizes',
      allowed: ['OK', 'INVALID_ARGUMENT'],
      send: ({ store }) => unaryOutcome((done) => store.readStatePart(request, done)),
    };
  }
  if (roll < 0.67) {
    // Kind 5 ("retained" again) also names an until slot before the history.
    const which = randomInt(random, 0, 5);
    const kinds = ['past', 'future', 'bad-thread', 'missing', 'retained', 'retained'] as const;
    const after = slotOfKind(random, facts, kinds[which] ?? 'missing');
    const until = which === 5 && after !== undefined ? slotBeforeHistory(random, facts) : undefined;
    const request = {
      afterSlot: after,
      untilSlot: until,
      maxKey: random() < 0.5 ? randomKey(random) : undefined,
    };
    return {
      service: STORE,
      kind: 'StreamChanges: past/future/invalid slots, random max_key',
      allowed: ['OK', 'INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'OUT_OF_RANGE'],
      send: ({ store }) => streamOutcome(store.streamChanges(request)),
    };
  }
  if (roll < 0.72) {
    const after = slotOfKind(random, facts, pick(random, ['past', 'future', 'bad-thread']));
    return {
      service: STORE,
      kind: 'WatchFinalSlots: past/future/invalid slot',
      allowed: ['INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'OUT_OF_RANGE'],
      send: ({ store }) => streamOutcome(store.watchFinalSlots({ afterSlot: after })),
    };
  }
  if (roll < 0.76) {
    // A period beyond 2^53 - 1: only hand-encoded bytes can carry it.
    const slot = hugePeriodSlot(random);
    const method = pick(random, ['appendFinalSlot', 'streamChanges', 'watchFinalSlots'] as const);
    const body = lengthDelimited(1, slot);
    return {
      service: STORE,
      kind: `${HistoryStoreService[method].path.split('/')[2]}: period > 2^53 - 1 (hand-encoded)`,
      allowed: ['INVALID_ARGUMENT'],
      send: ({ storeRaw }) =>
        sendRaw(
          storeRaw,
          HistoryStoreService[method].path,
          [grpcFrame(body)],
          method !== 'appendFinalSlot',
        ),
    };
  }
  return rawStoreFrame(random, facts);
}

/** Garbage HTTP/2 frames; writes never get bytes that could decode to a valid slot. */
function rawStoreFrame(random: () => number, facts: StoreFacts): BadRequest {
  const method = pick(random, [
    'appendFinalSlot',
    'ingestFinalSlots',
    'readStatePart',
    'streamChanges',
    'watchFinalSlots',
    'getStatus',
  ] as const);
  const write = method === 'appendFinalSlot' || method === 'ingestFinalSlots';
  // Watch with a valid request would stream forever: only undecodable shapes go there.
  const shapes = write || method === 'watchFinalSlots' ? UNDECODABLE_SHAPES : ALL_SHAPES;
  const shape = pick(random, shapes);
  // The well-formed message wrapped by compressed-flag / truncated / two-messages. For writes
  // it is a refused slot (thread out of range), so that even a server that read it would not
  // store it.
  const message = write
    ? Buffer.from(
        SlotChanges.encode(
          slotMessage(slotWithBadThread(random, facts), randomChanges(random, 2)),
        ).finish(),
      )
    : method === 'readStatePart'
      ? Buffer.from(
          ReadStatePartRequest.encode({
            afterKey: randomBytes(random, 8),
            maxBytes: 0,
            maxEntries: 1,
          }).finish(),
        )
      : method === 'streamChanges'
        ? Buffer.from(
            StreamChangesRequest.encode({ afterSlot: slotInFuture(random, facts) }).finish(),
          )
        : method === 'watchFinalSlots'
          ? Buffer.from(
              WatchFinalSlotsRequest.encode({
                afterSlot: slotWithBadThread(random, facts),
              }).finish(),
            )
          : Buffer.alloc(0);
  const path = HistoryStoreService[method].path;
  const serverStreaming = method === 'streamChanges' || method === 'watchFinalSlots';
  return {
    service: STORE,
    kind: `raw HTTP/2 ${path.split('/')[2]}: ${shape}`,
    allowed: rawAllowed(
      shape,
      method === 'ingestFinalSlots' ? 'client-stream' : serverStreaming ? 'server-stream' : 'unary',
      write,
    ),
    send: ({ storeRaw }) =>
      sendRaw(storeRaw, path, rawBody(random, shape, message), serverStreaming),
  };
}

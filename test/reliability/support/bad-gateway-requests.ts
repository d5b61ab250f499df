/**
 * Malformed requests to the bootstrap-gateway (massa.bootstrap.v1.BootstrapGateway): random
 * bytes as resume cursors, slots in the past and the future, thread >= thread_count, part sizes
 * of zero, too small or huge, periods beyond 2^53, and garbage HTTP/2 frames. A random cursor
 * inside the history window is a legal resume point: it is served (OK).
 */
import {
  BootstrapGatewayService,
  BootstrapRequest,
  StreamFinalChangesRequest,
  type Cursor,
} from '@massa-bootstrap/proto';
import { grpcFrame, pick, randomInt } from '@massa-bootstrap/test-support';
import {
  randomKey,
  slotInFuture,
  slotOfKind,
  streamOutcome,
  type BadRequest,
  type StoreFacts,
} from './bad-request-kit';
import { hugePeriodSlot, lengthDelimited } from './protobuf-bytes';
import { ALL_SHAPES, rawAllowed, rawBody, sendRaw } from './raw-frames';

const GATEWAY = 'gateway' as const;
const KIB = 1024;
const MIB = 1024 * KIB;

/** A random resume cursor: any slot kind, random key bytes, random completion flag. */
function randomCursor(random: () => number, facts: StoreFacts): Cursor {
  const slot = slotOfKind(
    random,
    facts,
    pick(random, ['past', 'future', 'bad-thread', 'retained']),
  );
  const stateComplete = random() < 0.2;
  const lastKey = stateComplete && random() < 0.5 ? Buffer.alloc(0) : randomKey(random);
  return { slot: random() < 0.05 ? undefined : slot, lastKey, stateComplete };
}

/** Generates one malformed gateway request. */
export function badGatewayRequest(random: () => number, facts: StoreFacts): BadRequest {
  const roll = random();
  if (roll < 0.35) {
    const request: BootstrapRequest = {
      resume: randomCursor(random, facts),
      maxPartBytes: random() < 0.5 ? 0 : randomInt(random, 64 * KIB, 16 * MIB),
      follow: false,
    };
    return {
      service: GATEWAY,
      kind: 'Bootstrap: random cursor (past/future/invalid slot, random key)',
      allowed: ['OK', 'INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'OUT_OF_RANGE'],
      send: ({ gateway }) => streamOutcome(gateway.bootstrap(request)),
    };
  }
  if (roll < 0.45) {
    const maxPartBytes = pick(random, [
      randomInt(random, 1, 64 * KIB - 1),
      randomInt(random, 16 * MIB + 1, 2 ** 32 - 1),
      2 ** 32 - 1,
    ]);
    return {
      service: GATEWAY,
      kind: 'Bootstrap: max_part_bytes too small or huge',
      allowed: ['INVALID_ARGUMENT'],
      send: ({ gateway }) => streamOutcome(gateway.bootstrap({ maxPartBytes, follow: false })),
    };
  }
  if (roll < 0.6) {
    const afterSlot = slotOfKind(
      random,
      facts,
      pick(random, ['past', 'future', 'bad-thread', 'missing', 'retained']),
    );
    return {
      service: GATEWAY,
      kind: 'StreamFinalChanges: past/future/invalid/missing slot',
      allowed: ['OK', 'INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'OUT_OF_RANGE'],
      send: ({ gateway }) =>
        streamOutcome(gateway.streamFinalChanges({ afterSlot, follow: false })),
    };
  }
  if (roll < 0.68) {
    // Resume cursor / after_slot with a period beyond 2^53 - 1, hand-encoded.
    const slot = hugePeriodSlot(random);
    const bootstrap = random() < 0.5;
    const body = bootstrap
      ? lengthDelimited(
          1,
          Buffer.concat([lengthDelimited(1, slot), lengthDelimited(2, Buffer.from('ledger/'))]),
        )
      : lengthDelimited(1, slot);
    const method = bootstrap ? 'bootstrap' : 'streamFinalChanges';
    return {
      service: GATEWAY,
      kind: `${bootstrap ? 'Bootstrap' : 'StreamFinalChanges'}: period > 2^53 - 1 (hand-encoded)`,
      allowed: ['INVALID_ARGUMENT'],
      send: ({ gatewayRaw }) =>
        sendRaw(gatewayRaw, BootstrapGatewayService[method].path, [grpcFrame(body)], true),
    };
  }
  return rawGatewayFrame(random, facts);
}

/** Garbage HTTP/2 frames to the gateway's methods. */
function rawGatewayFrame(random: () => number, facts: StoreFacts): BadRequest {
  const method = pick(random, [
    'bootstrap',
    'bootstrap',
    'streamFinalChanges',
    'getStatus',
  ] as const);
  const shape = pick(random, ALL_SHAPES);
  const message =
    method === 'bootstrap'
      ? Buffer.from(
          BootstrapRequest.encode({
            resume: randomCursor(random, facts),
            maxPartBytes: 0,
            follow: false,
          }).finish(),
        )
      : method === 'streamFinalChanges'
        ? Buffer.from(
            StreamFinalChangesRequest.encode({
              afterSlot: slotInFuture(random, facts),
              follow: false,
            }).finish(),
          )
        : Buffer.alloc(0);
  const path = BootstrapGatewayService[method].path;
  return {
    service: GATEWAY,
    kind: `raw HTTP/2 ${path.split('/')[2]}: ${shape}`,
    allowed: rawAllowed(shape, method === 'getStatus' ? 'unary' : 'server-stream', false),
    send: ({ gatewayRaw }) =>
      sendRaw(gatewayRaw, path, rawBody(random, shape, message), method !== 'getStatus'),
  };
}

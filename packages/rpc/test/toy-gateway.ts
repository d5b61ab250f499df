import type { ServiceError } from '@grpc/grpc-js';
import {
  BootstrapGatewayService,
  type BootstrapGatewayClient,
  type BootstrapGatewayServer,
  type BootstrapRequest,
  type BootstrapPart,
  type GatewayStatus,
  type SlotChanges,
} from '@massa-bootstrap/proto';
import type { Server } from '@grpc/grpc-js';
import { sendStreamError, serverStreamHandler, toStatus, type ErrorLogger } from '../src';

/** What the toy gateway does: parts/slots to send, then optionally an error to throw. */
export interface ToyBehaviour {
  status: GatewayStatus;
  parts: BootstrapPart[];
  slots: SlotChanges[];
  /** Thrown by GetStatus instead of answering, and by the streams after their messages. */
  error?: unknown;
  /** The last Bootstrap request received (as the generated server decoded it). */
  lastBootstrapRequest?: BootstrapRequest;
}

/** A GatewayStatus with every field set (uint64s beyond 2^32 to catch truncation). */
export function sampleStatus(): GatewayStatus {
  return {
    oldestSlot: { period: 100, thread: 0 },
    newestSlot: { period: 5_000_000_000, thread: 31 },
    finalHistoryLength: 600,
    entryCount: 6_000_000_000,
    stateBytes: 123_456_789_012,
    activeBootstraps: 2,
    maxConcurrentBootstraps: 64,
    defaultPartBytes: 1 << 20,
    minPartBytes: 1 << 16,
    maxPartBytes: 1 << 24,
    memoryPressure: true,
    rssBytes: 300_000_000,
    memoryHighWatermarkBytes: 1_000_000_000,
    activeFollowers: 1,
    threadCount: 32,
    version: 'toy-1.0',
  };
}

/** Part `i` of a toy bootstrap: one entry, one change, a cursor at key `k<i>`. */
export function samplePart(i: number): BootstrapPart {
  const slot = { period: 1000 + i, thread: i % 32 };
  return {
    slot,
    changes: [
      {
        slot,
        changes: [
          { key: Buffer.from(`k${i}`), change: { $case: 'setValue', value: Buffer.from(`v${i}`) } },
          { key: Buffer.from(`old${i}`), change: { $case: 'delete', value: {} } },
        ],
        stateDigest: Buffer.alloc(32, i),
      },
    ],
    entries: [{ key: Buffer.from(`k${i}`), value: Buffer.from(`value-${i}`) }],
    cursor: { slot, lastKey: Buffer.from(`k${i}`), stateComplete: false },
    stateDigest: Buffer.alloc(0),
  };
}

/**
 * A BootstrapGateway implementation driven by `behaviour`: GetStatus answers raw (callback +
 * toStatus), Bootstrap goes through serverStreamHandler, StreamFinalChanges raw (write +
 * sendStreamError), so both ways of raising errors are exercised.
 */
export function toyGateway(behaviour: ToyBehaviour, logger?: ErrorLogger): BootstrapGatewayServer {
  return {
    getStatus: (_call, callback) => {
      if (behaviour.error !== undefined) callback(toStatus(behaviour.error, logger));
      else callback(null, behaviour.status);
    },
    bootstrap: serverStreamHandler(async (request, { write }) => {
      behaviour.lastBootstrapRequest = request;
      for (const part of behaviour.parts) await write(part);
      if (behaviour.error !== undefined) throw behaviour.error;
    }, logger),
    streamFinalChanges: (call) => {
      for (const slot of behaviour.slots) call.write(slot);
      if (behaviour.error !== undefined) sendStreamError(call, behaviour.error, logger);
      else call.end();
    },
  };
}

/** Adds the toy gateway to `server`. */
export function addToyGateway(server: Server, behaviour: ToyBehaviour, logger?: ErrorLogger): void {
  server.addService(BootstrapGatewayService, toyGateway(behaviour, logger));
}

/** GetStatus as a promise of either the response or the ServiceError. */
export function getStatus(
  client: BootstrapGatewayClient,
): Promise<{ response?: GatewayStatus; error?: ServiceError }> {
  return new Promise((resolve) => {
    client.getStatus({}, (error, response) => resolve(error ? { error } : { response }));
  });
}

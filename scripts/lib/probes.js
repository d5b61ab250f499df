'use strict';
/**
 * gRPC probes used by start.js and healthcheck.js: grpc.health.v1 Check and Watch, and the
 * gateway's GetStatus, with the generated clients of @massa-bootstrap/proto (insecure channels:
 * the devnet is plaintext).
 */
const grpc = require('@grpc/grpc-js');

const SERVING = 1;
const RETRY_MS = 100;

/** Converts a listen address (0.0.0.0:50051, [::]:50051, host:port) into one to connect to. */
function connectAddress(listen) {
  const match = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(listen);
  if (match === null) throw new Error(`"${listen}" is not host:port`);
  const host = match[1];
  const wildcard = host === '' || host === '0.0.0.0' || host === '[::]' || host === '[::0]';
  return `${wildcard ? '127.0.0.1' : host}:${match[2]}`;
}

/**
 * One grpc.health.v1 Check of `service` ('' = the whole server) on `target`. Resolves with the
 * status name (SERVING, NOT_SERVING, ...); rejects with the gRPC error (e.g. UNAVAILABLE when
 * nothing listens) after at most `timeoutMs`.
 */
function checkHealth(proto, target, service = '', timeoutMs = 3000) {
  const client = new proto.HealthClient(target, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (err, response) => {
      client.close();
      if (err) reject(err);
      else resolve(statusName(proto, response.status));
    });
  });
}

function statusName(proto, value) {
  const names = proto.HealthCheckResponse_ServingStatus;
  return names[value] ?? String(value);
}

/**
 * Channel options that notice a server that just started within a fraction of a second
 * (grpc-js otherwise waits 1 s, then up to 120 s, between connection attempts).
 */
const FAST_RECONNECT = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 500,
};

/**
 * Resolves once `service` on `target` reports SERVING, without polling: waits for the channel
 * to connect (connectivity events), then follows grpc.health.v1 Watch until SERVING. A Watch
 * that ends early (the server restarted) starts over. Rejects when `timeoutMs` passes or
 * `signal` aborts.
 */
function waitForServing(proto, target, { service = '', timeoutMs = 60_000, signal } = {}) {
  const deadline = Date.now() + timeoutMs;
  const client = new proto.HealthClient(target, grpc.credentials.createInsecure(), FAST_RECONNECT);
  return new Promise((resolve, reject) => {
    let call;
    let settled = false;
    let last = 'not connected';
    const finish = (err) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (call) {
        call.removeAllListeners();
        call.on('error', () => undefined);
        call.cancel();
      }
      client.close();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(new Error(`stopped while waiting for ${target} to be healthy`));
    const attempt = () => {
      client.waitForReady(deadline, (connectError) => {
        if (settled) return;
        if (connectError) {
          finish(
            new Error(
              `${target} not healthy after ${timeoutMs} ms (${last}; ${connectError.message})`,
            ),
          );
          return;
        }
        call = client.watch({ service }, { deadline });
        call.on('data', (response) => {
          last = statusName(proto, response.status);
          if (response.status === SERVING) finish();
        });
        call.on('error', (err) => {
          last = err.details || err.message;
          if (err.code === grpc.status.DEADLINE_EXCEEDED || Date.now() >= deadline) {
            finish(new Error(`${target} not healthy after ${timeoutMs} ms (last: ${last})`));
          } else if (err.code === grpc.status.UNIMPLEMENTED) {
            finish(new Error(`${target} has no grpc.health.v1 service`));
          } else {
            setTimeout(attempt, RETRY_MS); // the server went away mid-stream: reconnect
          }
        });
      });
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    attempt();
  });
}

/** The gateway's GetStatus (or the history-store's, with `clientName` 'HistoryStoreClient'). */
function getStatus(
  proto,
  target,
  { clientName = 'BootstrapGatewayClient', timeoutMs = 3000 } = {},
) {
  const client = new proto[clientName](target, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.getStatus({}, { deadline: Date.now() + timeoutMs }, (err, response) => {
      client.close();
      if (err) reject(err);
      else resolve(response);
    });
  });
}

module.exports = { connectAddress, checkHealth, waitForServing, getStatus };

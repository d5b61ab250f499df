#!/usr/bin/env node
'use strict';
/**
 * `npm start` (after `npm run build`): runs a local devnet — history-store, bootstrap-gateway and
 * the devnet producer as child processes — waits until it is healthy and producing slots,
 * prints the endpoints and commands to try, and on Ctrl-C (SIGINT) or SIGTERM stops everything
 * (SIGTERM to each child, then SIGKILL after START_STOP_TIMEOUT_MS), leaving no process behind;
 * SIGHUP (terminal closed) does the same.
 *
 * Every environment variable is passed to every service (FINAL_HISTORY_LENGTH=20
 * DEVNET_SLOT_MS=50 npm start runs a fast devnet with a short history). Settings of start.js
 * itself:
 *   HISTORY_STORE_LISTEN     where the store listens (default 0.0.0.0:50051)
 *   GATEWAY_LISTEN           where the gateway listens (default 0.0.0.0:50052)
 *   HISTORY_STORE_URL        how gateway and producer reach the store (default: from HISTORY_STORE_LISTEN)
 *   START_LOG_FORMAT         pretty | json (default: pretty on a terminal, json otherwise)
 *   START_READY_TIMEOUT_MS   time allowed to become healthy (default 60000)
 *   START_STOP_TIMEOUT_MS    time allowed to each service to stop before SIGKILL (default 15000)
 *   MASSA_START_FROM_SOURCE  1: run the TypeScript sources through tsx instead of dist/ (tests)
 * Exit status: 0 after a clean stop, 1 when a service failed or the devnet never became ready,
 * 2 for a bad setting.
 */
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { setTimeout: sleep } = require('node:timers/promises');
const { ROOT, fromSource, loadProto } = require('./lib/proto');
const { connectAddress, getStatus, waitForServing } = require('./lib/probes');
const { createLineWriter, createStartLogger } = require('./lib/log-lines');
const { ServiceProcess } = require('./lib/supervisor');

const SERVICES = {
  store: { name: 'history-store', dir: 'services/history-store' },
  gateway: { name: 'bootstrap-gateway', dir: 'services/bootstrap-gateway' },
  producer: { name: 'devnet-producer', dir: 'services/devnet-producer' },
};
/** A repeated signal within this window is the same Ctrl-C (npm forwards it too), not a second one. */
const REPEATED_SIGNAL_MS = 1000;
const STATUS_POLL_MS = 200;

class SettingError extends Error {}

function positiveInt(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new SettingError(`${name} must be a positive integer (ms), got "${raw}"`);
  }
  return Number(raw);
}

function listenAddress(env, name, fallback) {
  const listen = env[name] || fallback;
  let target;
  try {
    target = connectAddress(listen);
  } catch {
    throw new SettingError(`${name} must look like host:port, got "${listen}"`);
  }
  if (/:0$/.test(listen))
    throw new SettingError(`${name}: npm start needs a fixed port, got "${listen}"`);
  return { listen, target };
}

/** start.js's own settings, validated; throws SettingError naming the variable. */
function readSettings(env) {
  if (env.TLS_CERT_FILE || env.TLS_KEY_FILE || env.TLS_CLIENT_CA_FILE) {
    throw new SettingError(
      'TLS_CERT_FILE / TLS_KEY_FILE / TLS_CLIENT_CA_FILE are set, but npm start runs a plaintext devnet; ' +
        'unset them, or run the services directly (node services/<name>/dist/main.js) for TLS',
    );
  }
  const format = env.START_LOG_FORMAT || (process.stdout.isTTY ? 'pretty' : 'json');
  if (format !== 'pretty' && format !== 'json') {
    throw new SettingError(`START_LOG_FORMAT must be pretty or json, got "${format}"`);
  }
  const store = listenAddress(env, 'HISTORY_STORE_LISTEN', '0.0.0.0:50051');
  const gateway = listenAddress(env, 'GATEWAY_LISTEN', '0.0.0.0:50052');
  return {
    format,
    source: fromSource(env),
    store,
    gateway,
    storeUrl: env.HISTORY_STORE_URL || store.target,
    dataDir: path.resolve(env.HISTORY_STORE_DATA_DIR || './data/history-store'),
    readyTimeoutMs: positiveInt(env, 'START_READY_TIMEOUT_MS', 60_000),
    stopTimeoutMs: positiveInt(env, 'START_STOP_TIMEOUT_MS', 15_000),
  };
}

/** How to run one service: its compiled dist/main.js, or src/main.ts through tsx. */
function serviceCommand(service, source) {
  const dir = path.join(ROOT, service.dir);
  if (source) {
    const tsx = pathToFileURL(require.resolve('tsx', { paths: [ROOT] })).href;
    return {
      command: process.execPath,
      args: ['--conditions=massa-src', '--import', tsx, path.join(dir, 'src', 'main.ts')],
    };
  }
  const main = path.join(dir, 'dist', 'main.js');
  if (!fs.existsSync(main)) {
    throw new SettingError(
      `${path.relative(ROOT, main)} is missing: run \`npm run build\` first (npm start does)`,
    );
  }
  return { command: process.execPath, args: [main] };
}

/**
 * The bootstrap command to print. `npx massa-bootstrap` needs the workspace bin link, which
 * `npm install` only creates when the client was already built; without it npx would look the
 * name up in the registry, so the direct `node …/dist/cli.js` form is printed instead.
 */
function bootstrapCommand(gatewayTarget) {
  const args = ['--target', gatewayTarget, '--data-dir', './data/node'];
  const bin = path.join(ROOT, 'node_modules', '.bin', 'massa-bootstrap');
  let linked = false;
  try {
    fs.accessSync(bin, fs.constants.X_OK);
    linked = true;
  } catch {
    linked = false;
  }
  const program = linked ? 'npx massa-bootstrap' : 'node packages/bootstrap-client/dist/cli.js';
  return { text: `${program} ${args.join(' ')}`, args };
}

async function main() {
  const env = process.env;
  const format = env.START_LOG_FORMAT || (process.stdout.isTTY ? 'pretty' : 'json');
  const writeLine = createLineWriter({
    format: format === 'json' ? 'json' : 'pretty',
    colorize: format !== 'json' && process.stdout.isTTY === true && process.stdout.hasColors(),
  });
  const log = createStartLogger(writeLine);
  let settings;
  let commands;
  try {
    settings = readSettings(env);
    commands = Object.fromEntries(
      Object.entries(SERVICES).map(([key, s]) => [key, serviceCommand(s, settings.source)]),
    );
  } catch (err) {
    if (!(err instanceof SettingError)) throw err;
    log('fatal', `npm start: ${err.message}`);
    return 2;
  }

  const started = Date.now();
  const deadline = started + settings.readyTimeoutMs;
  const children = [];
  const abort = new AbortController();
  let shuttingDown;
  let firstSignalAt = 0;

  const shutdown = (code, reason) => {
    if (shuttingDown !== undefined) return shuttingDown;
    log(code === 0 ? 'info' : 'error', `stopping (${reason})`);
    shuttingDown = (async () => {
      const byName = (name) => children.filter((c) => c.name === name);
      // Clients of the store first, so that they end their calls while the store still answers.
      const first = [...byName(SERVICES.producer.name), ...byName(SERVICES.gateway.name)];
      const results = await Promise.all(
        first.map((c) => c.stop(settings.stopTimeoutMs).then((r) => [c, r])),
      );
      results.push(
        ...(await Promise.all(
          byName(SERVICES.store.name).map((c) =>
            c.stop(settings.stopTimeoutMs).then((r) => [c, r]),
          ),
        )),
      );
      for (const [child, r] of results) {
        log(r.killed ? 'warn' : 'info', `${child.name} stopped`, {
          pid: child.pid,
          exitCode: r.code,
          signal: r.signal,
          killed: r.killed,
        });
      }
      log('info', 'devnet stopped', { code });
      return code;
    })();
    abort.abort(); // after `shuttingDown` is set: listeners read it
    return shuttingDown;
  };

  const onSignal = (signal) => {
    const now = Date.now();
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      void shutdown(0, signal);
    } else if (now - firstSignalAt > REPEATED_SIGNAL_MS) {
      log('warn', `${signal} again: killing every service now`);
      for (const child of children) child.signalGroup('SIGKILL');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal went away: stop the same way (and keep going if stdout can no longer be written).
  process.on('SIGHUP', onSignal);
  process.stdout.on('error', () => undefined);
  // Last resort if start.js dies (uncaught error): no orphan service keeps running.
  process.on('exit', () => {
    for (const child of children) child.signalGroup('SIGKILL');
  });

  const childEnv = { ...env, HISTORY_STORE_URL: settings.storeUrl };
  const spawnService = (key) => {
    const service = SERVICES[key];
    const child = new ServiceProcess(
      { name: service.name, ...commands[key], env: childEnv, cwd: process.cwd() },
      writeLine,
    );
    children.push(child);
    log('info', `${service.name} started`, { pid: child.pid });
    void child.exited.then((info) => {
      if (shuttingDown !== undefined) return;
      const how = info.error
        ? info.error.message
        : info.signal
          ? `signal ${info.signal}`
          : `exit code ${info.code}`;
      void shutdown(1, `${service.name} exited unexpectedly (${how})`);
    });
    return child;
  };
  const remaining = () => Math.max(1, deadline - Date.now());

  try {
    const proto = loadProto(settings.source);
    log('info', 'starting the devnet', { source: settings.source, dataDir: settings.dataDir });
    spawnService('store');
    await waitForServing(proto, settings.store.target, {
      timeoutMs: remaining(),
      signal: abort.signal,
    });
    spawnService('gateway');
    spawnService('producer');
    await waitForServing(proto, settings.gateway.target, {
      timeoutMs: remaining(),
      signal: abort.signal,
    });
    log('info', 'services healthy; waiting for the genesis and the first slots');
    const status = await waitForProgress(proto, settings.gateway.target, deadline, abort.signal);
    const bootstrap = bootstrapCommand(settings.gateway.target);
    const ready = {
      readyMs: Date.now() - started,
      endpoints: { historyStore: settings.store.target, gateway: settings.gateway.target },
      dataDir: settings.dataDir,
      newestSlot: `${status.newestSlot.period}:${status.newestSlot.thread}`,
      entryCount: status.entryCount,
      pids: Object.fromEntries(children.map((c) => [c.name, c.pid])),
      commands: {
        grpcurlList: `grpcurl -plaintext ${settings.gateway.target} list`,
        grpcurlBootstrap:
          `grpcurl -plaintext -d '{"max_part_bytes": 65536}' ${settings.gateway.target} ` +
          'massa.bootstrap.v1.BootstrapGateway/Bootstrap | head -n 40',
        bootstrap: bootstrap.text,
      },
      bootstrapArgs: bootstrap.args,
    };
    if (settings.format === 'json') log('info', 'devnet ready', ready);
    else printBanner(ready);
  } catch (err) {
    if (shuttingDown === undefined) return shutdown(1, `devnet not ready: ${err.message}`);
  }
  // Runs until a signal or a failing service starts the shutdown.
  if (!abort.signal.aborted)
    await new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }));
  return shuttingDown;
}

/** Polls the gateway's GetStatus until it reports a state and then a newer slot (the producer is live). */
async function waitForProgress(proto, target, deadline, signal) {
  let first;
  let lastError = 'no status yet';
  while (Date.now() < deadline) {
    try {
      const status = await getStatus(proto, target, {
        timeoutMs: Math.min(3000, Math.max(1, deadline - Date.now())),
      });
      const newest = status.newestSlot;
      if (newest !== undefined && status.entryCount > 0) {
        const key = `${newest.period}:${newest.thread}`;
        if (first === undefined) first = key;
        else if (key !== first) return status;
      }
      lastError = newest === undefined ? 'the store is still empty' : `newest slot ${first}`;
    } catch (err) {
      lastError = err.details || err.message;
    }
    await sleep(STATUS_POLL_MS, undefined, { signal });
  }
  throw new Error(`no new slot at the gateway before the deadline (${lastError})`);
}

function printBanner(ready) {
  const bold = (s) => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);
  const lines = [
    '',
    bold(`Massa bootstrap devnet ready in ${(ready.readyMs / 1000).toFixed(1)} s`) +
      ` (slot ${ready.newestSlot}, ${ready.entryCount} entries)`,
    `  bootstrap-gateway  ${ready.endpoints.gateway}   public: Bootstrap, StreamFinalChanges, GetStatus`,
    `  history-store      ${ready.endpoints.historyStore}   internal: state and history in ${ready.dataDir}`,
    '',
    'Try:',
    `  ${ready.commands.grpcurlList}`,
    `  ${ready.commands.grpcurlBootstrap}`,
    `  ${ready.commands.bootstrap}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`npm start: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

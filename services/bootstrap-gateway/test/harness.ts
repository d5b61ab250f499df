/**
 * Test harness of the gateway suite: a real history-store (LMDB in a temp dir) and a real
 * gateway, both on 127.0.0.1:0, the generated clients, a deterministic workload, and helpers
 * to run a bootstrap through the assembler of @massa-bootstrap/test-support.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import {
  Metadata,
  credentials,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import pino, { type Logger } from 'pino';
import { compareSlots, type Slot } from '@massa-bootstrap/core';
import {
  BootstrapGatewayClient,
  HistoryStoreClient,
  type BootstrapPart,
  type BootstrapRequest,
  type GatewayStatus,
  type HistoryStoreStatus,
  type SlotChanges,
} from '@massa-bootstrap/proto';
import {
  startHistoryStore,
  type HistoryStoreHandle,
  type HistoryStoreOptions,
} from '@massa-bootstrap/history-store';
import {
  startGateway,
  type GatewayHooks,
  type GatewayOptions,
  type RunningGateway,
} from '@massa-bootstrap/bootstrap-gateway';
import {
  BootstrapAssembler,
  StateWorkload,
  makeTempDir,
  type SlotMix,
  type TempDir,
} from '@massa-bootstrap/test-support';

/** Logs of the services under test (silent unless TEST_LOG_LEVEL is set). */
export function testLogger(name: string): Logger {
  return pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent', base: { service: name } });
}

/** A store with a workload. */
export interface StoreFixture {
  readonly store: HistoryStoreHandle;
  readonly storeClient: HistoryStoreClient;
  readonly workload: StateWorkload;
  /** Every slot ingested, genesis first (replayState() rebuilds the model at any slot). */
  readonly slots: SlotChanges[];
  readonly dir: TempDir;
  /** Ingests the next random slot; resolves once the store acknowledged it (durable). */
  ingest(mix?: SlotMix): Promise<SlotChanges>;
  /** The store's status. */
  status(): Promise<HistoryStoreStatus>;
  close(): Promise<void>;
}

/** What {@link startStore} builds. */
export interface StoreFixtureOptions {
  readonly genesisEntries: number;
  readonly valueBytes?: number;
  readonly store?: HistoryStoreOptions;
  readonly seed?: number;
  /** Reuse this data dir (restart tests). */
  readonly dir?: TempDir;
  /**
   * Genesis slots to ingest instead of the workload's (e.g. large values made cheaply). The
   * workload's digests then do not describe the store; `slots` and replayState() still do.
   */
  readonly genesis?: SlotChanges[];
  /** Credentials of the fixture's own store client (TLS stores). Default insecure. */
  readonly clientCredentials?: ChannelCredentials;
}

/** One genesis slot of `count` entries of `valueBytes` each, with cheap deterministic values. */
export function bulkGenesis(count: number, valueBytes: number): SlotChanges[] {
  const changes = Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`ledger/bulk/${String(i).padStart(8, '0')}`),
    change: { $case: 'setValue' as const, value: Buffer.alloc(valueBytes, i % 251) },
  }));
  return [{ slot: { period: 1, thread: 0 }, changes, stateDigest: Buffer.alloc(0) }];
}

function append(client: HistoryStoreClient, slot: SlotChanges): Promise<void> {
  return new Promise((resolve, reject) => {
    // waitForReady: a store being restarted by the test is waited for, not failed fast.
    const metadata = new Metadata({ waitForReady: true });
    client.appendFinalSlot(slot, metadata, { deadline: Date.now() + 30_000 }, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

/** Starts a history-store on 127.0.0.1:0 in a temp dir and ingests the genesis of a workload. */
export async function startStore(options: StoreFixtureOptions): Promise<StoreFixture> {
  const dir = options.dir ?? (await makeTempDir('gateway-test-'));
  const store = await startHistoryStore(
    { listen: '127.0.0.1:0', dataDir: dir.path, ...options.store },
    testLogger('history-store'),
  );
  const storeClient = new HistoryStoreClient(
    store.address,
    options.clientCredentials ?? credentials.createInsecure(),
  );
  const workload = await StateWorkload.create({
    genesisEntries: options.genesis ? 0 : options.genesisEntries,
    valueBytes: options.valueBytes ?? 100,
    seed: options.seed ?? 7,
  });
  const slots: SlotChanges[] = [];
  // With a custom genesis (at slot 1:0) the workload's own (empty) genesis only advances its slot.
  const workloadGenesis = workload.genesis();
  for (const slot of options.genesis ?? workloadGenesis) {
    await append(storeClient, slot);
    slots.push(slot);
  }
  let chain: Promise<unknown> = Promise.resolve();
  return {
    store,
    storeClient,
    workload,
    slots,
    dir,
    ingest(mix?: SlotMix): Promise<SlotChanges> {
      // Serialized: slots must reach the store in order even when callers do not await.
      const next = chain.then(async () => {
        const generated = workload.slot(mix);
        // With a custom genesis the workload's digests do not describe the store: send none
        // (the store computes it).
        const slot = options.genesis ? { ...generated, stateDigest: Buffer.alloc(0) } : generated;
        await append(storeClient, slot);
        slots.push(slot);
        return slot;
      });
      chain = next.catch(() => undefined);
      return next;
    },
    status: () =>
      new Promise<HistoryStoreStatus>((resolve, reject) => {
        storeClient.getStatus({}, (err, status) => (err ? reject(err) : resolve(status)));
      }),
    async close() {
      storeClient.close();
      await store.close();
      if (options.dir === undefined) await dir.cleanup();
    },
  };
}

/** Starts a gateway on 127.0.0.1:0 in front of `store`. */
export function startTestGateway(
  storeAddress: string,
  options: GatewayOptions = {},
  hooks: GatewayHooks = {},
): Promise<RunningGateway> {
  return startGateway(
    {
      listen: '127.0.0.1:0',
      historyStoreUrl: storeAddress,
      retryDelayMs: 200,
      upstreamCheckIntervalMs: 200,
      ...options,
    },
    testLogger('bootstrap-gateway'),
    hooks,
  );
}

/** Channel options of test clients: a large window like a real bulk client; own connection. */
export const BULK_CLIENT_OPTIONS: ChannelOptions = {
  'grpc-node.flow_control_window': 8 * 1024 * 1024,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.use_local_subchannel_pool': 1,
};

/** A generated gateway client with its own connection. */
export function gatewayClient(
  address: string,
  options: ChannelOptions = BULK_CLIENT_OPTIONS,
): BootstrapGatewayClient {
  return new BootstrapGatewayClient(address, credentials.createInsecure(), options);
}

/** The gateway's GetStatus. */
export function gatewayStatus(client: BootstrapGatewayClient): Promise<GatewayStatus> {
  return new Promise((resolve, reject) => {
    client.getStatus({}, (err, status) => (err ? reject(err) : resolve(status)));
  });
}

/** How a bootstrap stream ended. */
export interface StreamOutcome {
  /** Parts received (and applied) on this stream. */
  readonly parts: number;
  /** Entries received on this stream. */
  readonly entries: number;
  /** The error that ended it; undefined for OK (or a deliberate stop). */
  readonly error: ServiceError | undefined;
}

/** Hooks of {@link runBootstrap}. */
export interface RunHooks {
  /** Called after each applied part; return 'stop' to cancel the call (a client cancel). */
  onPart?(
    part: BootstrapPart,
    assembler: BootstrapAssembler,
    call: ClientReadableStream<BootstrapPart>,
  ): 'stop' | void;
}

/**
 * Runs one Bootstrap call, applying each part to `assembler`. Resolves when the stream ends
 * (OK or error) or right after a hook asked to stop (the call is then cancelled and nothing
 * more is applied). Never rejects on a gRPC error; rejects when a part breaks an invariant.
 */
export function runBootstrap(
  client: BootstrapGatewayClient,
  request: Partial<BootstrapRequest>,
  assembler: BootstrapAssembler,
  hooks: RunHooks = {},
): Promise<StreamOutcome> {
  const call = client.bootstrap({ resume: undefined, maxPartBytes: 0, follow: false, ...request });
  return new Promise<StreamOutcome>((resolve, reject) => {
    let parts = 0;
    let entries = 0;
    let done = false;
    let error: ServiceError | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve({ parts, entries, error });
    };
    call.on('data', (part: BootstrapPart) => {
      if (done) return;
      try {
        assembler.apply(part);
      } catch (err) {
        done = true;
        call.cancel();
        reject(err as Error);
        return;
      }
      parts += 1;
      entries += part.entries.length;
      if (hooks.onPart?.(part, assembler, call) === 'stop') {
        call.cancel();
        finish();
      }
    });
    call.on('error', (err: ServiceError) => {
      error = err;
      finish();
    });
    call.on('end', finish);
  });
}

/** Resolves once `condition()` holds, checking after each `tick()` (default: every 10 ms), or rejects after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting until ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True when slot `a` is after `b`. */
export function after(a: Slot | undefined, b: Slot | undefined): boolean {
  return a !== undefined && b !== undefined && compareSlots(a, b) > 0;
}

/** A gateway running as a child process (`node --import tsx src/main.ts`). */
export interface GatewayProcess {
  readonly child: ChildProcess;
  /** '127.0.0.1:<port>' once listening. */
  readonly address: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Everything written on stdout and stderr so far. */
  output(): string;
}

/** Repository root (the child runs TypeScript sources from here). */
export const REPO_ROOT = resolvePath(__dirname, '..', '..', '..');

/** Runs main.ts with `env` (and `args`); resolves on its "listening" log line, rejects if it exits first. */
export function spawnGatewayProcess(
  env: Record<string, string>,
  args: string[] = [],
): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=massa-src',
      '--import',
      'tsx',
      'services/bootstrap-gateway/src/main.ts',
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return new Promise<GatewayProcess>((resolve, reject) => {
    let pending = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      text += chunk;
    });
    child.stdout!.on('data', (chunk: string) => {
      text += chunk;
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'bootstrap-gateway listening' && typeof entry.port === 'number') {
            resolve({ child, address: `127.0.0.1:${entry.port}`, exited, output: () => text });
          }
        } catch {
          // not a JSON log line
        }
      }
    });
    void exited.then((code) =>
      reject(new Error(`gateway process exited (${code}) before listening:\n${text}`)),
    );
  });
}

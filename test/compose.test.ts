/**
 * docker-compose.yml cannot drift from the code: each service's `command` runs here as a local
 * process (dist/main.js mapped to src/main.ts through tsx) with the file's `environment`
 * (interpolated like Compose does, service hostnames mapped to 127.0.0.1, container ports to
 * free local ports, container paths into a temp dir). Every service must pass its own compose
 * health check, and the producer's slots must reach the gateway. No Docker engine needed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { credentials, type ClientReadableStream } from '@grpc/grpc-js';
import {
  BootstrapGatewayClient,
  type GatewayStatus,
  type SlotChanges,
} from '@massa-bootstrap/proto';
import {
  freePorts,
  makeTempDir,
  parseJsonLine,
  runProcess,
  waitForServing,
  type RunningProcess,
  type TempDir,
} from '@massa-bootstrap/test-support';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '..');
const TSX = require.resolve('tsx');
const SERVICES = ['history-store', 'bootstrap-gateway', 'devnet-producer'] as const;

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | null> | string[];
  healthcheck?: { test: string[]; retries?: number };
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  image?: string;
}

interface ComposeFile {
  version: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as ComposeFile;

/** Compose-style interpolation: ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR}, $VAR, $$. */
function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      if (bare !== undefined) return env[bare] ?? '';
      const current = env[name as string];
      const missing = current === undefined || (colon === ':' && current === '');
      if (!missing) return current as string;
      if (op === '?') throw new Error(`${name as string}: ${arg ?? ''}`);
      return op === '-' ? (arg ?? '') : '';
    },
  );
}

function environmentOf(service: ComposeService): Record<string, string> {
  const raw = service.environment ?? {};
  const pairs: [string, string][] = Array.isArray(raw)
    ? raw.map((line) => {
        const eq = line.indexOf('=');
        return [line.slice(0, eq), line.slice(eq + 1)];
      })
    : Object.entries(raw).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(pairs);
}

/** Rewrites one value from the container world to this machine. */
type Mapper = (value: string) => string;

function makeMapper(ports: ReadonlyMap<string, number>, dir: string): Mapper {
  const hosts = new Set([...SERVICES, '0.0.0.0', '127.0.0.1', 'localhost']);
  return (value) => {
    const address = /^([A-Za-z0-9_.-]+):(\d+)$/.exec(value);
    if (address !== null && hosts.has(address[1] as string)) {
      const port = ports.get(address[2] as string);
      if (port === undefined)
        throw new Error(`no local port for container port ${address[2] as string} (${value})`);
      return `127.0.0.1:${port}`;
    }
    if (/^\/(data|tmp)\//.test(value)) {
      // The directories a container has (/tmp, the volume's mount point) exist here too.
      mkdirSync(dirname(join(dir, value)), { recursive: true });
      return join(dir, value);
    }
    return value;
  };
}

/** The local form of a compose `command`: compiled entry points run from their sources. */
function localCommand(command: readonly string[], map: Mapper): string[] {
  const [program, ...args] = command;
  if (program !== 'node')
    throw new Error(`commands are expected to start with node, got ${String(program)}`);
  const [script, ...rest] = args;
  const service = /^(services|packages)\/([a-z-]+)\/dist\/main\.js$/.exec(script ?? '');
  if (service !== null) {
    return [
      '--conditions=massa-src',
      '--import',
      TSX,
      join(ROOT, service[1] as string, service[2] as string, 'src', 'main.ts'),
      ...rest.map(map),
    ];
  }
  return [join(ROOT, script as string), ...rest.map(map)];
}

/** Runs the service's compose health check command until it passes, like Docker (retries). */
function passHealthcheck(service: ComposeService, map: Mapper, env: NodeJS.ProcessEnv): void {
  const test = service.healthcheck?.test ?? [];
  expect(test[0]).toBe('CMD');
  const args = localCommand(test.slice(1), map);
  const attempts = Math.max(1, service.healthcheck?.retries ?? 3);
  let last = '';
  for (let i = 0; i < attempts; i++) {
    try {
      execFileSync(process.execPath, args, { cwd: ROOT, env, stdio: 'pipe', timeout: 20_000 });
      return;
    } catch (err) {
      last = String((err as { stderr?: Buffer }).stderr ?? err);
    }
  }
  throw new Error(`health check ${test.join(' ')} failed ${attempts} times: ${last}`);
}

function gatewayStatus(client: BootstrapGatewayClient): Promise<GatewayStatus> {
  return new Promise((resolvePromise, reject) => {
    client.getStatus({}, (err, res) => (err || !res ? reject(err) : resolvePromise(res)));
  });
}

/** The first `count` slots the gateway streams after `after` (follow mode). */
function nextSlotsAtGateway(
  client: BootstrapGatewayClient,
  after: GatewayStatus,
  count: number,
): Promise<SlotChanges[]> {
  return new Promise((resolvePromise, reject) => {
    const received: SlotChanges[] = [];
    const call: ClientReadableStream<SlotChanges> = client.streamFinalChanges({
      afterSlot: after.newestSlot,
      follow: true,
    });
    call.on('data', (slot: SlotChanges) => {
      received.push(slot);
      if (received.length === count) {
        call.cancel();
        resolvePromise(received);
      }
    });
    call.on('error', (err: Error & { code?: number }) => {
      if (err.code !== 1) reject(err);
    });
  });
}

describe('docker-compose.yml', () => {
  it('uses a Compose format docker-compose 1.29 accepts, with the documented shape', () => {
    expect(compose.version).toMatch(/^3\.\d+$/);
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([...SERVICES, 'otel-collector']),
    );
    expect(compose.services['otel-collector']?.profiles).toEqual(['otel']);
    for (const name of SERVICES) {
      const service = compose.services[name] as ComposeService;
      expect(service.image).toBe('massa-bootstrap:local');
      expect(service.command?.[1]).toBe(`services/${name}/dist/main.js`);
      expect(service.healthcheck?.test[0]).toBe('CMD');
    }
    expect(compose.services['history-store']?.volumes).toEqual(['store-data:/data']);
    expect(Object.keys(compose.volumes ?? {})).toEqual(['store-data']);
    expect(compose.services['history-store']?.ports).toEqual(['127.0.0.1:50051:50051']);
    expect(compose.services['bootstrap-gateway']?.ports).toEqual(['50052:50052']);
  });

  const dockerCompose = (() => {
    try {
      execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (dockerCompose ? it : it.skip)(
    'passes `docker-compose config -q` (when docker-compose is installed)',
    () => {
      expect(() =>
        execFileSync('docker-compose', ['config', '-q'], { cwd: ROOT, stdio: 'pipe' }),
      ).not.toThrow();
      expect(() =>
        execFileSync('docker-compose', ['--profile', 'otel', 'config', '-q'], {
          cwd: ROOT,
          stdio: 'pipe',
        }),
      ).not.toThrow();
    },
  );

  describe('run as local processes', () => {
    let dir: TempDir;
    const running: RunningProcess[] = [];

    beforeAll(async () => {
      dir = await makeTempDir('massa-compose-');
    });

    afterAll(async () => {
      for (const p of running.reverse()) await p.stop('SIGKILL');
      await dir.cleanup();
    });

    it('every service comes up healthy and the producer slots reach the gateway', async () => {
      const [storePort, gatewayPort] = await freePorts(2);
      const map = makeMapper(
        new Map([
          ['50051', storePort as number],
          ['50052', gatewayPort as number],
        ]),
        dir.path,
      );
      // What a user would put in .env for a quick devnet; everything else keeps its default.
      const shell = { DEVNET_INITIAL_ENTRIES: '3000', DEVNET_SLOT_MS: '50', LOG_LEVEL: 'info' };
      const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
      const processes = new Map<string, RunningProcess>();
      const start = (name: (typeof SERVICES)[number]): RunningProcess => {
        const service = compose.services[name] as ComposeService;
        const env = Object.fromEntries(
          Object.entries(environmentOf(service)).map(([k, v]) => [k, map(interpolate(v, shell))]),
        );
        const child = runProcess(process.execPath, localCommand(service.command ?? [], map), {
          cwd: ROOT,
          env: { ...baseEnv, ...env },
        });
        running.push(child);
        processes.set(name, child);
        return child;
      };
      const healthEnv = { ...baseEnv, MASSA_START_FROM_SOURCE: '1' };

      // Dependency order of the file: the store first, then its clients.
      for (const name of SERVICES.slice(1)) {
        expect(Object.keys(compose.services[name]?.depends_on ?? {})).toEqual(['history-store']);
      }
      start('history-store');
      await waitForServing(`127.0.0.1:${storePort}`, 60_000);
      passHealthcheck(compose.services['history-store'] as ComposeService, map, healthEnv);

      start('bootstrap-gateway');
      const producer = start('devnet-producer');
      await waitForServing(`127.0.0.1:${gatewayPort}`, 60_000);
      passHealthcheck(compose.services['bootstrap-gateway'] as ComposeService, map, healthEnv);

      await producer.waitFor(
        (l) =>
          parseJsonLine(l.text)?.msg === 'finalizing slots after the store newest slot'
            ? true
            : undefined,
        90_000,
      );
      const gateway = new BootstrapGatewayClient(
        `127.0.0.1:${gatewayPort}`,
        credentials.createInsecure(),
      );
      try {
        const before = await gatewayStatus(gateway);
        expect(before.entryCount).toBeGreaterThan(0);
        const slots = await nextSlotsAtGateway(gateway, before, 3);
        const after = await gatewayStatus(gateway);
        const last = slots[2]?.slot;
        expect(last).toBeDefined();
        expect(after.newestSlot!.period * 32 + after.newestSlot!.thread).toBeGreaterThanOrEqual(
          last!.period * 32 + last!.thread,
        );
        expect(after.finalHistoryLength).toBe(600); // the compose default reached the store
        expect(after.threadCount).toBe(32);
      } finally {
        gateway.close();
      }
      passHealthcheck(compose.services['devnet-producer'] as ComposeService, map, healthEnv);

      // Compose stops with SIGTERM: each service must exit 0 on it, clients first.
      for (const name of ['devnet-producer', 'bootstrap-gateway', 'history-store']) {
        const child = processes.get(name) as RunningProcess;
        const exit = await child.stop('SIGTERM');
        expect({ name, exit, tail: exit.code === 0 ? '' : child.tail() }).toEqual({
          name,
          exit: { code: 0, signal: null },
          tail: '',
        });
      }
    }, 180_000);
  });
});

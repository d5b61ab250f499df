/**
 * Guards for the image (no Docker engine here to build it): the Dockerfile installs every npm
 * workspace, ships every compiled package the compose commands need, and the build context
 * keeps what the runtime reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const workspaces = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
).workspaces;
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { command?: string[]; image?: string; healthcheck?: { test: string[] } }
  >;
};

function stage(name: string): string {
  const start = dockerfile.search(new RegExp(`^FROM .* AS ${name}$`, 'm'));
  expect(start).toBeGreaterThanOrEqual(0);
  const next = dockerfile.slice(start + 1).search(/^FROM /m);
  return next < 0 ? dockerfile.slice(start) : dockerfile.slice(start, start + 1 + next);
}

it('builds on node:20-slim in stages: npm ci + build, production dependencies, runtime as user node', () => {
  expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
  expect(stage('build')).toMatch(/^RUN npm ci$/m);
  expect(stage('build')).toMatch(/^RUN npm run build$/m);
  expect(stage('production-deps')).toMatch(/^RUN npm ci --omit=dev/m);
  expect(stage('runtime')).toMatch(/^USER node$/m);
});

it('installs every workspace and ships each compiled package', () => {
  const manifests = stage('manifests');
  const runtime = stage('runtime');
  for (const ws of workspaces) {
    expect(manifests).toContain(`COPY ${ws}/package.json ${ws}/\n`);
    expect(runtime).toContain(`COPY --from=build /app/${ws}/dist ${ws}/dist\n`);
  }
  // The reflection service reads the descriptor set next to packages/proto/dist.
  expect(runtime).toContain(
    'COPY --from=build /app/packages/proto/descriptor-set.binpb packages/proto/',
  );
  expect(runtime).toMatch(/^COPY scripts scripts$/m);
});

it('runs compose commands that exist in the image, and keeps their inputs in the build context', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.image !== 'massa-bootstrap:local') continue;
    const script = service.command?.[1] ?? '';
    const match = /^(services|packages)\/([a-z-]+)\/dist\/main\.js$/.exec(script);
    expect({ name, script, ok: match !== null }).toEqual({ name, script, ok: true });
    expect(workspaces).toContain(`${match![1]}/${match![2]}`);
    expect(existsSync(join(ROOT, match![1]!, match![2]!, 'src', 'main.ts'))).toBe(true);
    expect(service.healthcheck?.test.slice(0, 3)).toEqual([
      'CMD',
      'node',
      'scripts/healthcheck.js',
    ]);
  }
  for (const kept of [
    'scripts',
    'protos',
    'packages',
    'services',
    'package-lock.json',
    'tsconfig.json',
  ]) {
    expect(dockerignore).not.toContain(kept);
  }
  expect(dockerignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist']));
});

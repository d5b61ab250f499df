import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { RESULT_PREFIX } from './fixture-protocol';

const REPO_ROOT = resolve(__dirname, '../../..');

/**
 * Runs `test/fixtures/<name>.ts` in a child node process (tsx, workspace packages from src)
 * and returns what it reported. A child process is needed because the gRPC instrumentation
 * hooks Node's require, which Jest's module loader bypasses. OTEL_* variables of the calling
 * shell are removed so that a developer's collector settings cannot change the outcome.
 */
export function runFixture<T>(name: string): Promise<T> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_')) env[key] = value;
  }
  const args = [
    '--conditions=massa-src',
    '--import',
    'tsx',
    join(__dirname, 'fixtures', `${name}.ts`),
  ];
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: REPO_ROOT, env, timeout: 50_000 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`fixture ${name} failed: ${err.message}\n${stderr}`));
          return;
        }
        const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
        if (line === undefined) {
          reject(
            new Error(`fixture ${name} reported nothing\nstdout: ${stdout}\nstderr: ${stderr}`),
          );
          return;
        }
        resolvePromise(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
      },
    );
  });
}

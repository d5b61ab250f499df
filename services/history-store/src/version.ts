import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/** The package version (from package.json, read once on first use), reported by GetStatus. */
export function historyStoreVersion(): string {
  if (cached !== undefined) return cached;
  try {
    // src/ and dist/ both sit one level below the package root.
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}

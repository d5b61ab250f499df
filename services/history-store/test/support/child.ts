/** Runs services/history-store/src/main.ts in a child process (TypeScript through tsx). */
import { join } from 'node:path';
import { parseJsonLine, runProcess, type RunningProcess } from '@massa-bootstrap/test-support';

export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const MAIN = join(REPO_ROOT, 'services', 'history-store', 'src', 'main.ts');

/** Starts the executable with `args` and extra environment variables. */
export function startMain(args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningProcess {
  const base = { ...process.env };
  // The child must see only the settings a test gives it.
  for (const name of [
    'HISTORY_STORE_LISTEN',
    'HISTORY_STORE_DATA_DIR',
    'FINAL_HISTORY_LENGTH',
    'THREAD_COUNT',
    'LOG_LEVEL',
  ]) {
    delete base[name];
  }
  return runProcess(
    process.execPath,
    ['--conditions=massa-src', '--import', 'tsx', MAIN, ...args],
    {
      cwd: REPO_ROOT,
      env: { ...base, ...env },
    },
  );
}

/** Resolves with the port from the child's "listening" log line. */
export function waitForListening(child: RunningProcess, timeoutMs = 60_000): Promise<number> {
  return child.waitFor((line) => {
    const json = parseJsonLine(line.text);
    return json?.['msg'] === 'listening' && typeof json['port'] === 'number'
      ? json['port']
      : undefined;
  }, timeoutMs);
}

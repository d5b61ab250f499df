import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(__dirname, '..', 'src', 'cli.ts');

/** One JSON line of `massa-bootstrap --json`. */
export type CliEvent = { event: string } & Record<string, unknown>;

/** How a CLI process ended. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Parsed JSON lines of stdout (non-JSON lines are kept as {event: 'text', text}). */
  readonly events: CliEvent[];
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI from its TypeScript source in a child process. `onEvent` sees each JSON line as
 * it arrives, with the child (e.g. to SIGKILL it at a precise point).
 */
export function runCli(
  args: string[],
  onEvent?: (event: CliEvent, child: ChildProcess) => void,
): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    ['--conditions=massa-src', '--import', 'tsx', CLI, ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let pending = '';
  const events: CliEvent[] = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() === '') continue;
      let event: CliEvent;
      try {
        event = JSON.parse(line) as CliEvent;
      } catch {
        event = { event: 'text', text: line };
      }
      events.push(event);
      onEvent?.(event, child);
    }
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, events, stdout, stderr }));
  });
}

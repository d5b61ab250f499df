/**
 * The run-wide context every scenario receives: the mode (quick or full), logging to stderr,
 * temp dirs and child processes that are always cleaned up (even when a scenario throws or the
 * run is interrupted).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProcess, type RunningProcess } from '../../test-support/src/index';

/** Root of the repository (bench/lib/../..). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * Flags every TypeScript child process runs with: workspace packages resolve to their sources
 * (the `massa-src` export condition), so no build step is needed, and tsx compiles on the fly.
 */
export const NODE_TS_FLAGS: readonly string[] = ['--conditions=massa-src', '--import', 'tsx'];

/** How to start a TypeScript entry point in its own Node process. */
export interface NodeProcessSpec {
  /** Repository-relative path of the entry (e.g. `services/history-store/src/main.ts`). */
  readonly entry: string;
  readonly args?: readonly string[];
  /** Added to (and overriding) the bench's own environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Variables of the bench's environment the child must not inherit. */
  readonly unsetEnv?: readonly string[];
  /** Extra Node flags (e.g. `--cpu-prof`), placed before the entry. */
  readonly nodeFlags?: readonly string[];
}

/** See the module comment. */
export class BenchContext {
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private readonly processes = new Set<RunningProcess>();
  private readonly started = Date.now();

  constructor(
    /** Small sizes and one repetition, for a run under a minute. */
    readonly quick: boolean,
    /** Repetitions of every measured run (medians are reported). */
    readonly repetitions: number,
    private readonly logSink: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** A progress line on stderr, prefixed with the elapsed time. */
  log(message: string): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    this.logSink(`[bench ${seconds}s] ${message}`);
  }

  /** A fresh temp dir, removed at the end of the current scenario. */
  async tempDir(prefix: string): Promise<string> {
    const path = await mkdtemp(join(tmpdir(), `massa-bench-${prefix}-`));
    this.defer(() => rm(path, { recursive: true, force: true }));
    return path;
  }

  /** Registers a cleanup step, run in reverse order when the current scenario ends. */
  defer(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** Starts a TypeScript entry in a child Node process; it is stopped when the scenario ends. */
  spawnNode(spec: NodeProcessSpec): RunningProcess {
    const args = [...NODE_TS_FLAGS, ...(spec.nodeFlags ?? []), spec.entry, ...(spec.args ?? [])];
    const child = runProcess(process.execPath, args, {
      env: { ...process.env, ...spec.env },
      cwd: REPO_ROOT,
    });
    this.processes.add(child);
    void child.exited.then(() => this.processes.delete(child));
    this.defer(async () => {
      await child.stop('SIGTERM', 10_000);
    });
    return child;
  }

  /** Runs every registered cleanup (newest first); errors are logged, never thrown. */
  async cleanup(): Promise<void> {
    while (this.cleanups.length > 0) {
      const step = this.cleanups.pop() as () => Promise<void> | void;
      try {
        await step();
      } catch (err) {
        this.log(`cleanup failed: ${(err as Error).message}`);
      }
    }
  }

  /** Last resort on exit: SIGKILL every child still running (synchronous). */
  killAll(): void {
    for (const child of this.processes) {
      if (child.child.exitCode === null && child.child.signalCode === null)
        child.child.kill('SIGKILL');
    }
  }
}

/** The jobs bootstrap-worker.ts accepts (argv[2], a JSON array) and the lines it prints. */

/** Where a client keeps the state: in memory, or in an LMDB directory under `sinkRoot`. */
export type SinkKind = 'memory' | 'lmdb';

/** One job of the worker. */
export type WorkerJob =
  | {
      readonly kind: 'verified';
      readonly target: string;
      readonly sink: SinkKind;
      /** LMDB directory of an `lmdb` sink (removed afterwards). */
      readonly sinkDir?: string;
      /** Echoed in the result, to tell runs apart. */
      readonly tag?: string;
    }
  | { readonly kind: 'transport'; readonly target: string; readonly tag?: string }
  | {
      readonly kind: 'slow';
      readonly clients: readonly { readonly name: string; readonly target: string }[];
      /** All clients at once, or one after the other (repetitions of one client). */
      readonly sequential: boolean;
      readonly sink: SinkKind;
      /** An `lmdb` sink of client <name> lives in sinkRoot/<name>. */
      readonly sinkRoot: string;
      readonly maxResets: number;
      readonly maxRetries: number;
      readonly maxBackoffMs: number;
    };

/** The result of a verified or transport run. */
export interface WorkerResult {
  readonly kind: 'verified' | 'transport';
  readonly ok: boolean;
  readonly durationMs: number;
  /** User + system CPU of the worker process during the run, µs. */
  readonly cpuUs: number;
  readonly entries: number;
  /** Key and value bytes (verified) or message bytes (transport) received. */
  readonly bytes: number;
  readonly resets: number;
  readonly retries: number;
  /** The job's tag. */
  readonly tag?: string;
}

/** The outcome of one slow-network client. */
export interface SlowClientResult {
  readonly kind: 'slow';
  readonly name: string;
  /** True when the state was verified; false when the client gave up. */
  readonly ok: boolean;
  /** From the start of the client to verification (or giving up), ms. */
  readonly durationMs: number;
  readonly resets: number;
  readonly retries: number;
  readonly error?: string;
}

/** Parses a worker stdout line; undefined when it is not a result. */
export function parseWorkerLine(text: string): WorkerResult | SlowClientResult | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as { kind?: unknown };
    return value.kind === undefined ? undefined : (value as WorkerResult | SlowClientResult);
  } catch {
    return undefined;
  }
}

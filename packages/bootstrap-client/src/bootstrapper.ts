import { EventEmitter } from 'node:events';
import {
  Metadata,
  credentials as grpcCredentials,
  status,
  type ChannelCredentials,
  type ChannelOptions,
} from '@grpc/grpc-js';
import { createStateDigest, formatSlot, type Slot } from '@massa-bootstrap/core';
import type {
  BootstrapGatewayClient,
  BootstrapPart,
  Cursor,
  SlotChanges,
} from '@massa-bootstrap/proto';
import { MAX_RETRY_INFO_MS, backoffDelay, sleep } from './backoff';
import { guardCall } from './call-guard';
import { gatewayClientClass, type GatewayClientClass } from './gateway-client';
import {
  BootstrapAbortedError,
  DigestMismatchError,
  IntegrityError,
  ProtocolError,
  RequestRejectedError,
  RetriesExhaustedError,
  TooManyResetsError,
} from './errors';
import type { BootstrapEvents } from './events';
import { SessionInterruptedError, classifyFailure } from './failure';
import {
  DEFAULT_CHANNEL_OPTIONS,
  normalizeOptions,
  type BootstrapOptions,
  type BootstrapResult,
  type Settings,
} from './options';
import type { SinkPart, StateSink } from './sink';

/** Sum of key and value bytes of a part. */
function partBytes(changes: readonly SlotChanges[], entries: SinkPart['entries']): number {
  let bytes = 0;
  for (const slot of changes) {
    for (const change of slot.changes) {
      bytes += change.key.length;
      if (change.change?.$case === 'setValue') bytes += change.change.value.length;
    }
  }
  for (const entry of entries) bytes += entry.key.length + entry.value.length;
  return bytes;
}

function changeCount(changes: readonly SlotChanges[]): number {
  let count = 0;
  for (const slot of changes) count += slot.changes.length;
  return count;
}

/**
 * After the part that completes the state (without follow), how long the client keeps reading
 * for the end of the call, ms: the call then ends with the gateway's OK status instead of a
 * cancellation (a CANCELLED client span, a cancelled server call). The state is verified by
 * then, so a call that ends otherwise or not at all within this time changes nothing.
 */
const END_OF_CALL_WAIT_MS = 2_000;

/** What a session that finished (state verified, nothing more to do) reports. */
interface SessionOutcome {
  readonly slot: Slot;
}

/**
 * Bootstraps a sink from one or more gateways: streams the state in parts, resumes from the
 * sink's persisted cursor after retryable failures (capped, jittered backoff; a gateway's
 * RetryInfo delays the next call to that gateway; next target each time), resets on SlotTooOld (at most `maxResets` times, never a
 * loop), verifies the digest of the completed state (one integrity reset, then IntegrityError),
 * and optionally follows new final slots. Emits the events of {@link BootstrapEvents}.
 * `run()` may be called once.
 */
export class Bootstrapper extends EventEmitter<BootstrapEvents> {
  private readonly settings: Settings;
  private readonly sink: StateSink;
  private readonly signal: AbortSignal | undefined;
  private readonly credentials: ChannelCredentials;
  private readonly channelOptions: ChannelOptions;
  private readonly clients = new Map<string, BootstrapGatewayClient>();
  private gatewayClient: GatewayClientClass | undefined;
  /** Per target: no call before this time (ms since epoch), from the RetryInfo it sent. */
  private readonly notBefore = new Map<string, number>();
  private started = false;
  private startTime = 0;
  private totalEntries = 0;
  private totalBytes = 0;
  private resets = 0;
  private resetsSinceVerified = 0;
  private integrityResets = 0;
  private integritySinceVerified = 0;
  private retries = 0;
  private consecutiveFailures = 0;
  private estimate: { entries: number; bytes: number } | undefined;
  /** True once a state was verified in this run (follow sessions may start then). */
  private verifiedOnce = false;
  /** True once run() settled, or the state is verified without follow: no more events. */
  private finished = false;

  constructor(options: BootstrapOptions) {
    super();
    this.settings = normalizeOptions(options);
    this.sink = options.sink;
    this.signal = options.signal;
    this.credentials = options.credentials ?? grpcCredentials.createInsecure();
    this.channelOptions = { ...DEFAULT_CHANNEL_OPTIONS, ...options.channelOptions };
  }

  /**
   * Runs until the state is verified (resolves), or forever with `follow` until the signal
   * aborts. Rejects with TooManyResetsError, IntegrityError, RequestRejectedError,
   * RetriesExhaustedError or BootstrapAbortedError; the sink is consistent in every case
   * (it holds whole parts and the cursor that explains them) and can be resumed later.
   */
  async run(): Promise<BootstrapResult> {
    if (this.started) throw new Error('Bootstrapper.run() may be called once');
    this.started = true;
    this.startTime = Date.now();
    try {
      this.throwIfAborted();
      const snapshot = await this.sink.load();
      const resumed = snapshot.cursor !== undefined;
      let targetIndex = 0;
      let lastError: unknown;
      for (;;) {
        this.throwIfAborted();
        const target = this.settings.targets[targetIndex % this.settings.targets.length] as string;
        try {
          const outcome = await this.session(target);
          // undefined: a complete state was caught up and verified; now follow it.
          if (outcome !== undefined) return this.result(outcome.slot, resumed);
        } catch (err) {
          if (this.signal?.aborted) throw new BootstrapAbortedError(this.signal.reason);
          lastError = err;
          const action = classifyFailure(err);
          switch (action.kind) {
            case 'reset': {
              if (this.resetsSinceVerified >= this.settings.maxResets) {
                throw new TooManyResetsError(
                  this.resetsSinceVerified,
                  this.settings.maxResets,
                  action.slotTooOld,
                );
              }
              this.resets++;
              this.resetsSinceVerified++;
              const wipedEntries = this.sink.entryCount();
              await this.sink.clear();
              this.emit('reset', {
                reason: 'slot-too-old',
                count: this.resets,
                target,
                slotTooOld: action.slotTooOld,
                message: action.decoded.message,
                wipedEntries,
              });
              // Start over right away: a fresh bootstrap asks for no old slot.
              break;
            }
            case 'integrity': {
              const error = action.error;
              if (this.integritySinceVerified >= 1) throw this.integrityError(error, target);
              this.integrityResets++;
              this.integritySinceVerified++;
              const wipedEntries = this.sink.entryCount();
              await this.sink.clear();
              this.emit('reset', {
                reason: 'integrity',
                count: this.integrityResets,
                target,
                message: error.message,
                wipedEntries,
              });
              targetIndex++; // another gateway may be healthy
              break;
            }
            case 'retry': {
              this.consecutiveFailures++;
              if (this.consecutiveFailures > this.settings.maxRetries) {
                throw new RetriesExhaustedError(this.consecutiveFailures, action.code, lastError);
              }
              this.retries++;
              // RetryInfo is what that gateway asks for itself: it delays the next call to it,
              // not to the others.
              if (action.retryInfoMs !== undefined) {
                this.notBefore.set(
                  target,
                  Date.now() + Math.min(action.retryInfoMs, MAX_RETRY_INFO_MS),
                );
              }
              targetIndex++;
              const nextTarget = this.settings.targets[
                targetIndex % this.settings.targets.length
              ] as string;
              const delayMs = backoffDelay(
                this.consecutiveFailures,
                this.settings.backoff,
                Math.max(0, (this.notBefore.get(nextTarget) ?? 0) - Date.now()),
              );
              this.emit('retry', {
                code: action.code,
                reason: action.reason,
                message: action.message,
                delayMs,
                target,
                nextTarget,
                attempt: this.consecutiveFailures,
              });
              try {
                await sleep(delayMs, this.signal);
              } catch {
                throw new BootstrapAbortedError(this.signal?.reason);
              }
              break;
            }
            case 'fatal':
              if (action.code === undefined) throw err;
              throw new RequestRejectedError(action.code, action.details, action.decoded, target, {
                cause: err,
              });
          }
        }
      }
    } finally {
      this.finished = true;
      for (const client of this.clients.values()) client.close();
      this.clients.clear();
    }
  }

  private integrityError(
    error: DigestMismatchError | ProtocolError,
    target: string,
  ): IntegrityError {
    if (error instanceof DigestMismatchError) {
      return new IntegrityError(
        `the state did not verify twice (${error.message}); data corrupted in transit or a faulty gateway (${target})`,
        error.slot,
        error.expected,
        error.actual,
        target,
      );
    }
    return new IntegrityError(
      `the gateway broke the protocol twice (${error.message}); faulty gateway (${target})`,
      undefined,
      undefined,
      undefined,
      target,
    );
  }

  private result(slot: Slot, resumed: boolean): BootstrapResult {
    return {
      slot,
      entries: this.sink.entryCount(),
      digest: this.sink.digest(),
      resets: this.resets,
      integrityResets: this.integrityResets,
      retries: this.retries,
      totalEntries: this.totalEntries,
      totalBytes: this.totalBytes,
      resumed,
      durationMs: Date.now() - this.startTime,
    };
  }

  private throwIfAborted(): void {
    if (this.signal?.aborted) throw new BootstrapAbortedError(this.signal.reason);
  }

  private client(target: string): BootstrapGatewayClient {
    let client = this.clients.get(target);
    if (client === undefined) {
      this.gatewayClient ??= gatewayClientClass();
      client = new this.gatewayClient(target, this.credentials, this.channelOptions);
      this.clients.set(target, client);
    }
    return client;
  }

  /** Best effort: asks the gateway for the state size, for progress estimates. */
  private fetchEstimate(client: BootstrapGatewayClient): void {
    client.getStatus({}, new Metadata(), { deadline: Date.now() + 5_000 }, (err, gateway) => {
      if (err !== null || this.finished || this.signal?.aborted) return;
      this.estimate = { entries: gateway.entryCount, bytes: gateway.stateBytes };
      this.emitProgress();
    });
  }

  private emitProgress(): void {
    this.emit('progress', {
      sinkEntries: this.sink.entryCount(),
      totalEntries: this.totalEntries,
      totalBytes: this.totalBytes,
      estimatedEntries: this.estimate?.entries,
      estimatedBytes: this.estimate?.bytes,
      resets: this.resets + this.integrityResets,
      retries: this.retries,
      elapsedMs: Date.now() - this.startTime,
    });
  }

  /** A verified state: counters that protect against loops start afresh. */
  private verified(slot: Slot, target: string): void {
    this.resetsSinceVerified = 0;
    this.integritySinceVerified = 0;
    this.verifiedOnce = true;
    if (!this.settings.follow) this.finished = true;
    this.emit('verified', {
      slot,
      entries: this.sink.entryCount(),
      digest: this.sink.digest(),
      target,
      totalEntries: this.totalEntries,
      totalBytes: this.totalBytes,
    });
  }

  /**
   * One gRPC call. Resolves with the outcome when the state is verified and there is nothing
   * more to do, with undefined when a complete state was caught up and must now be followed;
   * throws on any failure (classified by run()).
   */
  private session(target: string): Promise<SessionOutcome | undefined> {
    const client = this.client(target);
    this.fetchEstimate(client);
    const held = this.sink.cursor();
    if (held?.stateComplete === true && held.slot !== undefined) {
      // A state held from an earlier run is caught up and verified first, then followed.
      return this.changesSession(
        target,
        client,
        held.slot,
        this.settings.follow && this.verifiedOnce,
      );
    }
    return this.bootstrapSession(target, client, held);
  }

  private async bootstrapSession(
    target: string,
    client: BootstrapGatewayClient,
    held: Cursor | undefined,
  ): Promise<SessionOutcome> {
    this.emit('session', {
      target,
      mode: 'bootstrap',
      resumeFrom: held?.slot,
      sinkEntries: this.sink.entryCount(),
    });
    const call = client.bootstrap({
      resume: held,
      maxPartBytes: this.settings.maxPartBytes,
      follow: this.settings.follow,
    });
    let complete = false;
    // Set once the state is verified without follow: then only the end of the call is awaited.
    let outcome: SessionOutcome | undefined;
    return guardCall(
      call,
      this.signal,
      () =>
        outcome !== undefined ? END_OF_CALL_WAIT_MS : complete ? 0 : this.settings.idleTimeoutMs,
      async (parts) => {
        try {
          for await (const part of parts) {
            // Nothing may follow the completing part without follow: stop (the call is cancelled).
            if (outcome !== undefined) return outcome;
            const completed = await this.applyBootstrapPart(part, target);
            if (completed !== undefined) {
              complete = true;
              this.verified(completed, target);
              if (!this.settings.follow) outcome = { slot: completed };
            }
          }
        } catch (err) {
          // The state is verified and held: how the call ends (cancelled after the bounded
          // wait, aborted, a failing gateway) changes nothing any more.
          if (outcome !== undefined) return outcome;
          throw err;
        }
        if (outcome !== undefined) return outcome;
        throw new SessionInterruptedError(
          status.UNAVAILABLE,
          complete ? 'the follow stream ended' : 'the stream ended before the state was complete',
        );
      },
    );
  }

  /**
   * Checks and applies one part of a Bootstrap call, then reports it. Returns its slot when
   * the part completed the state (a followed part after that returns undefined).
   */
  private async applyBootstrapPart(part: BootstrapPart, target: string): Promise<Slot | undefined> {
    const cursor = part.cursor;
    if (cursor?.slot === undefined) throw new ProtocolError('part without a cursor');
    const wasComplete = this.sink.cursor()?.stateComplete === true;
    if (cursor.stateComplete && part.stateDigest.length === 0) {
      throw new ProtocolError(
        `part completing the state at ${formatSlot(cursor.slot)} has no state_digest`,
      );
    }
    const sinkPart: SinkPart = {
      changes: part.changes,
      entries: part.entries,
      cursor,
      ...(cursor.stateComplete ? { expectedDigest: part.stateDigest } : {}),
    };
    const bytes = partBytes(part.changes, part.entries);
    await this.sink.applyPart(sinkPart);
    this.consecutiveFailures = 0;
    this.totalEntries += part.entries.length;
    this.totalBytes += bytes;
    if (wasComplete) {
      this.emit('followed', {
        slot: cursor.slot,
        changes: changeCount(part.changes),
        entries: this.sink.entryCount(),
        digest: this.sink.digest(),
        target,
      });
      return undefined;
    }
    this.emit('part', {
      target,
      slot: cursor.slot,
      entries: part.entries.length,
      changes: changeCount(part.changes),
      bytes,
      totalEntries: this.totalEntries,
      totalBytes: this.totalBytes,
      sinkEntries: this.sink.entryCount(),
      complete: cursor.stateComplete,
    });
    this.emitProgress();
    return cursor.stateComplete ? cursor.slot : undefined;
  }

  private async changesSession(
    target: string,
    client: BootstrapGatewayClient,
    from: Slot,
    follow: boolean,
  ): Promise<SessionOutcome | undefined> {
    this.emit('session', {
      target,
      mode: 'changes',
      resumeFrom: from,
      sinkEntries: this.sink.entryCount(),
    });
    const call = client.streamFinalChanges({ afterSlot: from, follow });
    let slot = from;
    let applied = 0;
    return guardCall(
      call,
      this.signal,
      () => 0,
      async (stream) => {
        for await (const changes of stream) {
          if (changes.slot === undefined) throw new ProtocolError('SlotChanges without a slot');
          await this.sink.applyPart({
            changes: [changes],
            entries: [],
            cursor: { slot: changes.slot, lastKey: Buffer.alloc(0), stateComplete: true },
            ...(changes.stateDigest.length > 0 ? { expectedDigest: changes.stateDigest } : {}),
          });
          this.consecutiveFailures = 0;
          this.totalBytes += partBytes([changes], []);
          slot = changes.slot;
          applied++;
          this.emit('followed', {
            slot,
            changes: changes.changes.length,
            entries: this.sink.entryCount(),
            digest: this.sink.digest(),
            target,
          });
        }
        if (follow)
          throw new SessionInterruptedError(status.UNAVAILABLE, 'the follow stream ended');
        if (applied === 0) await this.verifyLocally();
        this.verified(slot, target);
        return this.settings.follow ? undefined : { slot };
      },
    );
  }

  /**
   * With no newer slot to compare against the server, recomputes the digest from every held
   * entry and compares it with the persisted (verified) lanes: catches on-disk corruption.
   */
  private async verifyLocally(): Promise<void> {
    const fresh = await createStateDigest();
    fresh.addMany(this.sink.entries());
    const actual = fresh.digest();
    const expected = this.sink.digest();
    if (!actual.equals(expected)) {
      throw new DigestMismatchError(this.sink.cursor()?.slot, expected, actual);
    }
  }
}

/**
 * Runs a {@link Bootstrapper} with `listeners` attached: the one-call form.
 * See {@link Bootstrapper.run} for what it resolves and rejects with.
 */
export function bootstrap(
  options: BootstrapOptions,
  listeners: { [K in keyof BootstrapEvents]?: (...args: BootstrapEvents[K]) => void } = {},
): Promise<BootstrapResult> {
  const bootstrapper = new Bootstrapper(options);
  const untyped: EventEmitter = bootstrapper;
  for (const [event, listener] of Object.entries(listeners)) {
    if (listener !== undefined) untyped.on(event, listener as (...args: unknown[]) => void);
  }
  return bootstrapper.run();
}

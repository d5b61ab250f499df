/** Helpers for WatchFinalSlots streams in tests. */
import type { ServiceError } from '@grpc/grpc-js';
import type { SlotChanges } from '@massa-bootstrap/proto';
import type { SlotStream } from './client';

/** Collects a watch stream's messages; `until` resolves once `predicate` holds for the list. */
export class WatchRecorder {
  readonly messages: SlotChanges[] = [];
  error: ServiceError | undefined;
  private readonly waiters: {
    predicate: (m: SlotChanges[]) => boolean;
    resolve: () => void;
    reject: (e: Error) => void;
  }[] = [];
  readonly ended: Promise<void>;

  constructor(readonly call: SlotStream) {
    call.on('data', (message: SlotChanges) => {
      this.messages.push(message);
      this.check();
    });
    this.ended = new Promise((resolve) => {
      call.on('error', (err: ServiceError) => {
        this.error = err;
        for (const w of this.waiters.splice(0))
          w.reject(new Error(`stream failed: ${err.message}`));
        resolve();
      });
      call.on('end', () => resolve());
    });
  }

  /** Resolves once `predicate(messages)` holds. */
  until(predicate: (messages: SlotChanges[]) => boolean): Promise<void> {
    if (predicate(this.messages)) return Promise.resolve();
    if (this.error) return Promise.reject(new Error(`stream failed: ${this.error.message}`));
    return new Promise((resolve, reject) => this.waiters.push({ predicate, resolve, reject }));
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      if (w.predicate(this.messages)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}

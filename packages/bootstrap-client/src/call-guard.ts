import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { SessionInterruptedError } from './failure';

/**
 * Runs `body` over the messages of a server-streaming call and always cleans up: the call is
 * cancelled when `signal` aborts, when `body` returns early or throws, and when no message
 * arrives for `idleTimeoutMs()` ms (0: no limit) — then `body`'s failure is replaced by a
 * retryable SessionInterruptedError(DEADLINE_EXCEEDED). The idle timer runs only while
 * waiting for the network, never while `body` works on a message.
 */
export async function guardCall<T, R>(
  call: ClientReadableStream<T>,
  signal: AbortSignal | undefined,
  idleTimeoutMs: () => number,
  body: (messages: AsyncIterable<T>) => Promise<R>,
): Promise<R> {
  let idleTimer: NodeJS.Timeout | undefined;
  let idled = false;
  const onAbort = (): void => call.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  const arm = (): void => {
    clearTimeout(idleTimer);
    const ms = idleTimeoutMs();
    if (ms > 0) {
      idleTimer = setTimeout(() => {
        idled = true;
        call.cancel();
      }, ms);
    }
  };
  async function* timed(): AsyncGenerator<T> {
    arm();
    for await (const message of call as AsyncIterable<T>) {
      clearTimeout(idleTimer);
      yield message;
      arm();
    }
    clearTimeout(idleTimer);
  }
  try {
    return await body(timed());
  } catch (err) {
    if (idled && !signal?.aborted) {
      throw new SessionInterruptedError(
        status.DEADLINE_EXCEEDED,
        `no message for ${idleTimeoutMs()} ms; stream cancelled`,
      );
    }
    throw err;
  } finally {
    clearTimeout(idleTimer);
    signal?.removeEventListener('abort', onAbort);
    call.cancel(); // no-op when the call already ended
  }
}

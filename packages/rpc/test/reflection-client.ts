import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type { reflectionV1 } from '@massa-bootstrap/proto';

type Request = reflectionV1.ServerReflectionRequest;
type Response = reflectionV1.ServerReflectionResponse;

/**
 * One ServerReflectionInfo stream used the way grpcurl does: one request, wait for its answer,
 * next request. Works for v1 and v1alpha (their messages have the same shape).
 */
export class ReflectionSession {
  private readonly waiting: { resolve(r: Response): void; reject(e: Error): void }[] = [];
  private failure: Error | undefined;
  private readonly finished: Promise<void>;

  constructor(private readonly call: ClientDuplexStream<Request, Response>) {
    call.on('data', (response: Response) => this.waiting.shift()?.resolve(response));
    call.on('error', (err: ServiceError) => {
      this.failure = err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    });
    this.finished = new Promise((resolve) => call.on('status', () => resolve()));
  }

  ask(messageRequest: Request['messageRequest']): Promise<Response> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write({ host: '', messageRequest });
    });
  }

  /** Half-closes and waits for the server's status. */
  async end(): Promise<void> {
    this.call.end();
    await this.finished;
  }
}

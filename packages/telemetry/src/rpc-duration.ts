import {
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Histogram,
  type Meter,
} from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE,
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
  METRIC_RPC_CLIENT_CALL_DURATION,
  METRIC_RPC_SERVER_CALL_DURATION,
  RPC_SYSTEM_NAME_VALUE_GRPC,
} from '@opentelemetry/semantic-conventions';
import { grpcStatusName } from './grpc-status';

/**
 * Bucket boundaries in seconds: the semantic conventions' advice up to 10 s, then long enough
 * for whole bootstrap streams (minutes; the default session timeout is 20 min).
 */
const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300, 600,
  1200,
];

/**
 * Records the stable RPC duration metrics, `rpc.server.call.duration` and
 * `rpc.client.call.duration` (seconds), from the spans of @opentelemetry/instrumentation-grpc,
 * which records no metrics of its own. The value is the span's duration, as the semantic
 * conventions require; attributes: rpc.system.name=grpc, rpc.method ("pkg.Service/Method"),
 * rpc.status_code ("OK", "FAILED_PRECONDITION"...) and error.type when the span is an error
 * (after {@link ExpectedOutcomeSpanProcessor} cleared the expected ones).
 * Only sampled spans are seen: keep the default always-on sampler for exact counts.
 */
export class RpcDurationSpanProcessor implements SpanProcessor {
  private histograms: { readonly server: Histogram; readonly client: Histogram } | undefined;

  /**
   * `meter` is called on the first ended span: the NodeSDK builds its MeterProvider in
   * `start()`, after the span processors were handed to it.
   */
  constructor(private readonly meter: () => Meter) {}

  private instruments(): { readonly server: Histogram; readonly client: Histogram } {
    if (this.histograms === undefined) {
      const meter = this.meter();
      const advice = { explicitBucketBoundaries: DURATION_BUCKETS_S };
      this.histograms = {
        server: meter.createHistogram(METRIC_RPC_SERVER_CALL_DURATION, {
          description: 'Duration of incoming gRPC calls (server span duration).',
          unit: 's',
          advice,
        }),
        client: meter.createHistogram(METRIC_RPC_CLIENT_CALL_DURATION, {
          description: 'Duration of outgoing gRPC calls (client span duration).',
          unit: 's',
          advice,
        }),
      };
    }
    return this.histograms;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (span.attributes['rpc.system'] !== 'grpc') return;
    if (span.kind !== SpanKind.SERVER && span.kind !== SpanKind.CLIENT) return;
    const { server, client } = this.instruments();
    const histogram = span.kind === SpanKind.SERVER ? server : client;
    const service = span.attributes['rpc.service'];
    const method = span.attributes['rpc.method'];
    const status = grpcStatusName(span.attributes['rpc.grpc.status_code']);
    const attributes: Attributes = {
      [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_NAME_VALUE_GRPC,
      [ATTR_RPC_METHOD]: `${String(service)}/${String(method)}`,
    };
    if (status !== undefined) attributes[ATTR_RPC_STATUS_CODE] = status;
    if (span.status.code === SpanStatusCode.ERROR) attributes[ATTR_ERROR_TYPE] = status ?? '_OTHER';
    const [seconds, nanos] = span.duration;
    histogram.record(seconds + nanos / 1e9, attributes);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

import { runFixture } from './run-fixture';
import type { SpanSummary } from './summaries';

// The gRPC instrumentation patches @grpc/grpc-js through a require hook when telemetry starts;
// generated client classes are traced only when created after that (ts-proto creates them
// as @massa-bootstrap/proto loads). The fixture loads everything in the wrong order on purpose.
describe('gRPC instrumentation and start order', () => {
  let result: { earlyCode: number; lateCode: number; spans: SpanSummary[] };

  beforeAll(async () => {
    result = await runFixture('client-patching');
  });

  it('answered both calls', () => {
    expect(result.earlyCode).toBe(8); // RESOURCE_EXHAUSTED from the toy gateway
    expect(result.lateCode).toBe(8);
  });

  it('traces a client whose class was created after start, and only that one', () => {
    const clientSpans = result.spans.filter(
      (s) => s.kind === 'CLIENT' && s.name.endsWith('BootstrapGateway/GetStatus'),
    );
    expect(clientSpans).toHaveLength(1);
    expect(clientSpans[0]!.attributes['rpc.method']).toBe('GetStatus');
  });

  it('traces the server for both calls, but only the late client propagated its context', () => {
    const client = result.spans.find(
      (s) => s.kind === 'CLIENT' && s.name.endsWith('BootstrapGateway/GetStatus'),
    )!;
    const serverSpans = result.spans.filter(
      (s) => s.kind === 'SERVER' && s.name.endsWith('BootstrapGateway/GetStatus'),
    );
    expect(serverSpans).toHaveLength(2);
    const [child, root] = [
      serverSpans.find((s) => s.parentSpanId === client.spanId),
      serverSpans.find((s) => s.parentSpanId === undefined),
    ];
    expect(child?.traceId).toBe(client.traceId);
    expect(root).toBeDefined(); // the early client's call: a new trace, no parent
    expect(root!.traceId).not.toBe(client.traceId);
  });
});

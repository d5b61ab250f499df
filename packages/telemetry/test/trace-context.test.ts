import { runFixture } from './run-fixture';
import type { SpanSummary } from './summaries';

// client -> gateway (A) -> history-store (B): the gRPC instrumentation injects the W3C trace
// context into outgoing metadata and extracts it in the server, and A's handler runs inside
// its server span, so A's calls to B (unary and streaming) continue the client's trace.
describe('trace context across two servers in one process', () => {
  let result: { outcome: { messages: number; code: number }; spans: SpanSummary[] };

  beforeAll(async () => {
    result = await runFixture('trace-context');
  });

  const span = (kind: SpanSummary['kind'], method: string): SpanSummary => {
    const found = result.spans.filter((s) => s.kind === kind && s.name.endsWith(`/${method}`));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('completed the bootstrap', () => {
    expect(result.outcome).toEqual({ messages: 1, code: 0 });
  });

  it('puts every span of the call chain in one trace', () => {
    expect(result.spans).toHaveLength(6);
    const traceIds = new Set(result.spans.map((s) => s.traceId));
    expect(traceIds.size).toBe(1);
    expect([...traceIds][0]).toMatch(/^[0-9a-f]{32}$/);
    expect(result.spans.every((s) => s.status === 'UNSET')).toBe(true);
  });

  it('links each span to its caller', () => {
    const cliBootstrap = span('CLIENT', 'Bootstrap');
    const gwBootstrap = span('SERVER', 'Bootstrap');
    const gwRead = span('CLIENT', 'ReadStatePart');
    const storeRead = span('SERVER', 'ReadStatePart');
    const gwChanges = span('CLIENT', 'StreamChanges');
    const storeChanges = span('SERVER', 'StreamChanges');
    expect(cliBootstrap.parentSpanId).toBeUndefined();
    expect(gwBootstrap.parentSpanId).toBe(cliBootstrap.spanId);
    expect(gwRead.parentSpanId).toBe(gwBootstrap.spanId);
    expect(storeRead.parentSpanId).toBe(gwRead.spanId);
    expect(gwChanges.parentSpanId).toBe(gwBootstrap.spanId);
    expect(storeChanges.parentSpanId).toBe(gwChanges.spanId);
  });
});

import { runFixture } from './run-fixture';
import { latestMetric, type MetricSummary, type SpanSummary } from './summaries';

type Scenario = 'slotTooOldRelayed' | 'internal' | 'admission' | 'slotTooOldUnmarked' | 'ok';

// Toy gateway + toy history-store over real grpc-js, using the rpc error contract; the
// handlers mark BootstrapErrors with markExpectedOutcome(err.reason) except StreamFinalChanges.
describe('expected outcomes in gRPC server spans', () => {
  let result: {
    scenarios: Record<Scenario, { traceId: string; code: number }>;
    spans: SpanSummary[];
    metrics: MetricSummary[];
  };

  beforeAll(async () => {
    result = await runFixture('expected-outcome');
  });

  const spanOf = (scenario: Scenario, kind: 'SERVER' | 'CLIENT', method: string): SpanSummary => {
    const { traceId } = result.scenarios[scenario];
    const found = result.spans.filter(
      (s) => s.traceId === traceId && s.kind === kind && s.name.endsWith(`/${method}`),
    );
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('answered each scenario with the expected code', () => {
    const codes = Object.fromEntries(
      Object.entries(result.scenarios).map(([name, s]) => [name, s.code]),
    );
    expect(codes).toEqual({
      slotTooOldRelayed: 9,
      internal: 13,
      admission: 8,
      slotTooOldUnmarked: 9,
      ok: 0,
    });
  });

  it('does not mark a SlotTooOld server span as an error, in the store nor in the gateway relaying it', () => {
    for (const [method] of [['StreamChanges'], ['Bootstrap']] as const) {
      const server = spanOf('slotTooOldRelayed', 'SERVER', method);
      expect(server.status).toBe('UNSET');
      expect(server.attributes['rpc.grpc.status_code']).toBe(9);
      expect(server.attributes['massa.bootstrap.expected_outcome']).toBe('SLOT_TOO_OLD');
    }
  });

  it('keeps client spans of a non-OK answer as errors (client-side semantics)', () => {
    expect(spanOf('slotTooOldRelayed', 'CLIENT', 'StreamChanges').status).toBe('ERROR');
    expect(spanOf('slotTooOldRelayed', 'CLIENT', 'Bootstrap').status).toBe('ERROR');
  });

  it('marks an INTERNAL server span as an error', () => {
    const server = spanOf('internal', 'SERVER', 'Bootstrap');
    expect(server.status).toBe('ERROR');
    expect(server.attributes['rpc.grpc.status_code']).toBe(13);
    expect(server.attributes['massa.bootstrap.expected_outcome']).toBeUndefined();
  });

  it('does not mark an admission refusal (RESOURCE_EXHAUSTED, unary) as an error', () => {
    const server = spanOf('admission', 'SERVER', 'GetStatus');
    expect(server.status).toBe('UNSET');
    expect(server.attributes['massa.bootstrap.expected_outcome']).toBe('TOO_MANY_BOOTSTRAPS');
  });

  it('leaves an unmarked SlotTooOld as the instrumentation set it: the mark is what clears it', () => {
    expect(spanOf('slotTooOldUnmarked', 'SERVER', 'StreamFinalChanges').status).toBe('ERROR');
  });

  it('records rpc.server.call.duration per method and status, error.type only for real errors', () => {
    const metric = latestMetric(result.metrics, 'rpc.server.call.duration');
    expect(metric.unit).toBe('s');
    const point = (method: string, statusCode: string) =>
      metric.points.find(
        (p) =>
          p.attributes['rpc.method'] === `massa.bootstrap.v1.${method}` &&
          p.attributes['rpc.status_code'] === statusCode,
      );
    const slotTooOld = point('BootstrapGateway/Bootstrap', 'FAILED_PRECONDITION');
    expect(slotTooOld?.count).toBe(1);
    expect(slotTooOld?.attributes['rpc.system.name']).toBe('grpc');
    expect(slotTooOld?.attributes['error.type']).toBeUndefined();
    const internal = point('BootstrapGateway/Bootstrap', 'INTERNAL');
    expect(internal?.count).toBe(1);
    expect(internal?.attributes['error.type']).toBe('INTERNAL');
    expect(point('BootstrapGateway/Bootstrap', 'OK')?.count).toBe(1);
    expect(point('HistoryStore/ReadStatePart', 'OK')?.count).toBe(3);
    expect(
      point('BootstrapGateway/StreamFinalChanges', 'FAILED_PRECONDITION')?.attributes['error.type'],
    ).toBe('FAILED_PRECONDITION');
  });

  it('records rpc.client.call.duration for the outgoing calls', () => {
    const metric = latestMetric(result.metrics, 'rpc.client.call.duration');
    const total = metric.points.reduce((sum, p) => sum + (p.count ?? 0), 0);
    expect(total).toBe(5 + 3 + 1); // five test-client calls, three ReadStatePart, one StreamChanges
  });
});

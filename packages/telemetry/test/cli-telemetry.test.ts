import type { ConsoleOutput, ConsoleSpan } from './console-output';
import { runFixture } from './run-fixture';
import type { SpanSummary } from './summaries';

const GATEWAY = 'massa.bootstrap.v1.BootstrapGateway';
const STORE = 'massa.bootstrap.v1.HistoryStore';
const CLIENT_KIND = 2;

// The CLI in its own process with telemetry on (console exporters), resuming a directory the
// history has left behind (fixtures/cli-telemetry.ts): it counts its reset, and its calls carry
// their trace context to the gateway and on to the store, in the fixture's process.
describe('the massa-bootstrap CLI with telemetry on', () => {
  let result: {
    partial: { outcome: string; cursorComplete: boolean };
    cli: ConsoleOutput & { code: number | null; stderr: string };
    spans: SpanSummary[];
  };

  beforeAll(async () => {
    result = await runFixture('cli-telemetry');
  });

  it('reset once on SlotTooOld, then verified', () => {
    expect(result.partial).toEqual({ outcome: 'aborted', cursorComplete: false });
    expect(result.cli.code).toBe(0);
    const resets = result.cli.events.filter((e) => e['event'] === 'reset');
    expect(resets).toHaveLength(1);
    expect(resets[0]!['reason']).toBe('slot-too-old');
    expect(result.cli.events.at(-1)).toMatchObject({ event: 'verified', entries: 3000 });
  });

  it('exports massa_bootstrap.client.resets = 1, by reason', () => {
    const resets = result.cli.metrics.filter((m) => m.name === 'massa_bootstrap.client.resets');
    expect(resets).toHaveLength(1);
    expect(resets[0]!.points).toEqual([
      { attributes: { 'massa.bootstrap.reason': 'SLOT_TOO_OLD' }, value: 1 },
    ]);
  });

  it("continues the CLI's trace in the gateway and in the store", () => {
    const isBootstrap = (s: ConsoleSpan): boolean =>
      s.kind === CLIENT_KIND &&
      s.attributes['rpc.service'] === GATEWAY &&
      s.attributes['rpc.method'] === 'Bootstrap';
    // The call answered with SlotTooOld, then the call after the reset, read to its OK status.
    const cliCall = result.cli.spans.filter(
      (s) => isBootstrap(s) && s.attributes['rpc.grpc.status_code'] === 9,
    );
    expect(cliCall).toHaveLength(1);
    const okCalls = result.cli.spans.filter(
      (s) => isBootstrap(s) && s.attributes['rpc.grpc.status_code'] === 0,
    );
    expect(okCalls).toHaveLength(1);
    const call = cliCall[0]!;
    expect(call.serviceName).toBe('massa-bootstrap-cli');
    expect(call.parentSpanId).toBeUndefined();

    const trace = result.spans.filter((s) => s.traceId === call.traceId);
    const find = (kind: SpanSummary['kind'], service: string, method: string): SpanSummary[] =>
      trace.filter(
        (s) =>
          s.kind === kind &&
          s.attributes['rpc.service'] === service &&
          s.attributes['rpc.method'] === method,
      );
    const gateway = find('SERVER', GATEWAY, 'Bootstrap');
    expect(gateway).toHaveLength(1);
    expect(gateway[0]!.parentSpanId).toBe(call.spanId);
    expect(gateway[0]!.status).toBe('UNSET');
    expect(gateway[0]!.attributes['massa.bootstrap.expected_outcome']).toBe('SLOT_TOO_OLD');
    for (const method of ['ReadStatePart', 'StreamChanges']) {
      const outgoing = find('CLIENT', STORE, method);
      const served = find('SERVER', STORE, method);
      expect(outgoing).toHaveLength(1);
      expect(served).toHaveLength(1);
      expect(outgoing[0]!.parentSpanId).toBe(gateway[0]!.spanId);
      expect(served[0]!.parentSpanId).toBe(outgoing[0]!.spanId);
      expect(served[0]!.status).toBe('UNSET');
    }
  });
});

import { status } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ERROR_CONTRACT } from '@massa-bootstrap/rpc';
import {
  EXPECTED_OUTCOMES,
  EXPECTED_OUTCOME_ATTRIBUTE,
  ExpectedOutcomeSpanProcessor,
  isExpectedOutcome,
  markExpectedOutcome,
} from '../src';

describe('ExpectedOutcomeSpanProcessor', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new ExpectedOutcomeSpanProcessor(), new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('test');

  afterEach(() => exporter.reset());
  afterAll(() => provider.shutdown());

  /** Ends a server span the way instrumentation-grpc does for a non-OK code. */
  function endServerSpan(code: number, reason?: string): SpanStatusCode {
    const span = tracer.startSpan('grpc.test/Method', { kind: SpanKind.SERVER });
    if (reason !== undefined) markExpectedOutcome(reason, span);
    span.setStatus({
      code: code === 0 ? SpanStatusCode.UNSET : SpanStatusCode.ERROR,
      message: 'x',
    });
    span.setAttribute('rpc.grpc.status_code', code);
    span.end();
    const [finished] = exporter.getFinishedSpans();
    exporter.reset();
    return finished!.status.code;
  }

  it('clears the error of a marked span that ended with the reason code', () => {
    expect(endServerSpan(status.FAILED_PRECONDITION, 'SLOT_TOO_OLD')).toBe(SpanStatusCode.UNSET);
    expect(endServerSpan(status.OUT_OF_RANGE, 'SLOT_IN_FUTURE')).toBe(SpanStatusCode.UNSET);
    expect(endServerSpan(status.RESOURCE_EXHAUSTED, 'TOO_MANY_BOOTSTRAPS')).toBe(
      SpanStatusCode.UNSET,
    );
    expect(endServerSpan(status.RESOURCE_EXHAUSTED, 'MEMORY_PRESSURE')).toBe(SpanStatusCode.UNSET);
    expect(endServerSpan(status.RESOURCE_EXHAUSTED, 'RATE_LIMITED')).toBe(SpanStatusCode.UNSET);
  });

  it('keeps the error when the span ended with another code than the marked reason', () => {
    expect(endServerSpan(status.INTERNAL, 'SLOT_TOO_OLD')).toBe(SpanStatusCode.ERROR);
    expect(endServerSpan(status.UNAVAILABLE, 'RATE_LIMITED')).toBe(SpanStatusCode.ERROR);
  });

  it('keeps the error of unmarked spans and of reasons that are real errors', () => {
    expect(endServerSpan(status.FAILED_PRECONDITION)).toBe(SpanStatusCode.ERROR);
    expect(endServerSpan(status.FAILED_PRECONDITION, 'SLOT_NOT_NEXT')).toBe(SpanStatusCode.ERROR);
    expect(endServerSpan(status.UNAVAILABLE, 'UPSTREAM_UNAVAILABLE')).toBe(SpanStatusCode.ERROR);
  });

  it('also reads the newer string status attribute (rpc.status_code)', () => {
    const span = tracer.startSpan('grpc.test/Method', { kind: SpanKind.SERVER });
    markExpectedOutcome('SLOT_TOO_OLD', span);
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('rpc.status_code', 'FAILED_PRECONDITION');
    span.end();
    expect(exporter.getFinishedSpans()[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('leaves successful spans alone', () => {
    expect(endServerSpan(0, 'SLOT_TOO_OLD')).toBe(SpanStatusCode.UNSET);
  });
});

describe('markExpectedOutcome', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  afterAll(() => provider.shutdown());

  it('sets the attribute for expected reasons only, and says whether it did', () => {
    const span = provider.getTracer('test').startSpan('s');
    expect(markExpectedOutcome('INVALID_CURSOR', span)).toBe(false);
    expect(markExpectedOutcome('SLOT_TOO_OLD', span)).toBe(true);
    span.end();
    expect(exporter.getFinishedSpans()[0]!.attributes).toEqual({
      [EXPECTED_OUTCOME_ATTRIBUTE]: 'SLOT_TOO_OLD',
    });
  });

  it('does nothing without an active span', () => {
    expect(markExpectedOutcome('SLOT_TOO_OLD')).toBe(false);
  });

  it('recognizes the expected reasons', () => {
    expect(isExpectedOutcome('SLOT_TOO_OLD')).toBe(true);
    expect(isExpectedOutcome('INTERNAL')).toBe(false);
    expect(isExpectedOutcome('toString')).toBe(false);
  });
});

// Guard: the expected outcomes name the same codes as the one error contract of the services.
describe('EXPECTED_OUTCOMES', () => {
  it.each(Object.entries(EXPECTED_OUTCOMES))(
    '%s is sent as %s by the error contract',
    (reason, codeName) => {
      const row = (ERROR_CONTRACT as Record<string, { code: number }>)[reason];
      expect(row).toBeDefined();
      expect(status[row!.code]).toBe(codeName);
    },
  );
});

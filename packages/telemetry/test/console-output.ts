import { runInNewContext } from 'node:vm';

/** A span as the SDK's ConsoleSpanExporter prints it, reduced to what the tests compare. */
export interface ConsoleSpan {
  /** The resource's service.name. */
  readonly serviceName: unknown;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  /** SpanKind: 1 SERVER, 2 CLIENT. */
  readonly kind: number;
  /** SpanStatusCode: 0 UNSET, 2 ERROR. */
  readonly statusCode: number;
  readonly attributes: Record<string, unknown>;
}

/** A metric as the SDK's ConsoleMetricExporter prints it. */
export interface ConsoleMetric {
  readonly name: string;
  readonly points: readonly { attributes: Record<string, unknown>; value: unknown }[];
}

/** What a process printed with `--json` and console exporters on the same stdout. */
export interface ConsoleOutput {
  /** The JSON lines, in order. */
  readonly events: Record<string, unknown>[];
  readonly spans: ConsoleSpan[];
  readonly metrics: ConsoleMetric[];
}

interface PrintedSpan {
  resource: { attributes: Record<string, unknown> };
  name: string;
  traceId: string;
  id: string;
  parentSpanContext?: { spanId: string };
  kind: number;
  status: { code: number };
  attributes: Record<string, unknown>;
}

interface PrintedMetric {
  descriptor: { name: string };
  dataPoints: { attributes: Record<string, unknown>; value: unknown }[];
}

/**
 * Splits a stdout holding JSON lines and the objects the console exporters print with
 * `console.dir` (util.inspect: a line `{`, indented fields, a line `}`). Those objects are
 * read back by evaluating them, which is sturdier than matching their layout: util.inspect
 * prints plain objects, strings, numbers and `undefined` as JavaScript literals.
 */
export function parseConsoleOutput(stdout: string): ConsoleOutput {
  const events: Record<string, unknown>[] = [];
  const spans: ConsoleSpan[] = [];
  const metrics: ConsoleMetric[] = [];
  let block: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (block !== undefined) {
      block.push(line);
      if (line !== '}') continue;
      const printed = runInNewContext(`(${block.join('\n')})`, {}, { timeout: 1000 }) as
        PrintedSpan | PrintedMetric;
      block = undefined;
      if ('descriptor' in printed) {
        const points = printed.dataPoints.map(({ attributes, value }) => ({ attributes, value }));
        metrics.push({ name: printed.descriptor.name, points });
      } else {
        spans.push({
          serviceName: printed.resource.attributes['service.name'],
          name: printed.name,
          traceId: printed.traceId,
          spanId: printed.id,
          parentSpanId: printed.parentSpanContext?.spanId,
          kind: printed.kind,
          statusCode: printed.status.code,
          attributes: printed.attributes,
        });
      }
    } else if (line === '{') {
      block = [line];
    } else if (line.startsWith('{')) {
      events.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return { events, spans, metrics };
}

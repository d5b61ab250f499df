import { resolveTelemetryConfig } from '../src';

describe('resolveTelemetryConfig', () => {
  const resolve = (env: NodeJS.ProcessEnv, consoleTraces = false) =>
    resolveTelemetryConfig(env, 'svc', consoleTraces);

  it('exports nothing when nothing is configured', () => {
    expect(resolve({})).toEqual({
      disabled: false,
      serviceName: 'svc',
      traces: [],
      metrics: [],
      metricExportIntervalMs: 60_000,
      metricExportTimeoutMs: 30_000,
    });
  });

  it('turns OTLP on for both signals when the base endpoint is set (spec default protocol http/protobuf)', () => {
    const config = resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(config.traces).toEqual([
      { kind: 'otlp', protocol: 'http/protobuf', url: 'http://collector:4318/v1/traces' },
    ]);
    expect(config.metrics).toEqual([
      { kind: 'otlp', protocol: 'http/protobuf', url: 'http://collector:4318/v1/metrics' },
    ]);
  });

  it('uses the base endpoint as is over gRPC', () => {
    const config = resolve({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(config.traces).toEqual([
      { kind: 'otlp', protocol: 'grpc', url: 'http://collector:4317' },
    ]);
    expect(config.metrics).toEqual([
      { kind: 'otlp', protocol: 'grpc', url: 'http://collector:4317' },
    ]);
  });

  it('prefers the per-signal endpoint and protocol, verbatim', () => {
    const config = resolve({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4317',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
    });
    expect(config.traces).toEqual([{ kind: 'otlp', protocol: 'grpc', url: 'http://traces:4317' }]);
    expect(config.metrics).toEqual([
      { kind: 'otlp', protocol: 'http/protobuf', url: 'http://base:4318/v1/metrics' },
    ]);
  });

  it('turns on only the signal whose endpoint is set', () => {
    const config = resolve({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4318/v1/metrics' });
    expect(config.traces).toEqual([]);
    expect(config.metrics).toHaveLength(1);
  });

  it('follows OTEL_*_EXPORTER lists: otlp without endpoint uses the exporter default', () => {
    const config = resolve({
      OTEL_TRACES_EXPORTER: 'console, otlp',
      OTEL_METRICS_EXPORTER: 'console',
    });
    expect(config.traces).toEqual([
      { kind: 'console' },
      { kind: 'otlp', protocol: 'http/protobuf', url: undefined },
    ]);
    expect(config.metrics).toEqual([{ kind: 'console' }]);
  });

  it('lets "none" switch a signal off even with an endpoint set', () => {
    const config = resolve({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_METRICS_EXPORTER: 'none',
    });
    expect(config.traces).toHaveLength(1);
    expect(config.metrics).toEqual([]);
  });

  it('adds a console span exporter on request, once', () => {
    expect(resolve({}, true).traces).toEqual([{ kind: 'console' }]);
    expect(resolve({ OTEL_TRACES_EXPORTER: 'console' }, true).traces).toEqual([
      { kind: 'console' },
    ]);
    expect(resolve({}, true).metrics).toEqual([]);
  });

  it('honours OTEL_SDK_DISABLED and OTEL_SERVICE_NAME', () => {
    const config = resolve({
      OTEL_SDK_DISABLED: 'TRUE',
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_SERVICE_NAME: 'gw-1',
    });
    expect(config.disabled).toBe(true);
    expect(config.traces).toEqual([]);
    expect(config.serviceName).toBe('gw-1');
  });

  it('reads the metric export interval and keeps the timeout within it', () => {
    const config = resolve({ OTEL_METRIC_EXPORT_INTERVAL: '5000' });
    expect(config.metricExportIntervalMs).toBe(5000);
    expect(config.metricExportTimeoutMs).toBe(5000);
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER.*unknown exporter "zipkin"/],
    [
      { OTEL_METRICS_EXPORTER: 'prometheus' },
      /OTEL_METRICS_EXPORTER.*unknown exporter "prometheus"/,
    ],
    [{ OTEL_TRACES_EXPORTER: 'none,console' }, /OTEL_TRACES_EXPORTER.*"none" cannot be combined/],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' },
      /OTEL_EXPORTER_OTLP_ENDPOINT="collector:4317" is not a URL/,
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      /OTEL_EXPORTER_OTLP_PROTOCOL="http\/json" is not supported/,
    ],
    [
      { OTEL_METRIC_EXPORT_INTERVAL: '10s' },
      /OTEL_METRIC_EXPORT_INTERVAL="10s" must be a positive integer/,
    ],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => resolve(env)).toThrow(message);
  });
});

/**
 * OpenTelemetry for the services and the CLI: `startTelemetry()` first thing in `main`, then
 * load the gRPC code; `telemetry.metrics` for the project's instruments;
 * `markExpectedOutcome()` on the error path so SlotTooOld & co. are not server errors in
 * traces. Importing this package has no side effect and does not load @grpc/grpc-js.
 */
export { startTelemetry } from './start';
export type { Telemetry, TelemetryOptions } from './start';
export { resolveTelemetryConfig } from './config';
export type { ExporterChoice, OtlpProtocol, TelemetryConfig } from './config';
export {
  EXPECTED_OUTCOMES,
  EXPECTED_OUTCOME_ATTRIBUTE,
  ExpectedOutcomeSpanProcessor,
  currentSpan,
  isExpectedOutcome,
  markExpectedOutcome,
} from './expected-outcome';
export type { ExpectedOutcomeReason } from './expected-outcome';
export { METRIC_NAMES, createMetrics } from './metrics';
export type {
  BootstrapMetrics,
  HistorySnapshot,
  RejectionAttributes,
  ResetAttributes,
  SessionAttributes,
  SlotLike,
  StreamedAttributes,
} from './metrics';
export { PROCESS_METRIC_NAMES, observeProcessMetrics } from './process-metrics';
export type { ProcessMetricsHandle, ProcessMetricsOptions } from './process-metrics';

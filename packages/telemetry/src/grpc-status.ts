// The gRPC status codes by number. Kept here rather than imported from @grpc/grpc-js: this
// package must not load grpc-js before startTelemetry() has registered the instrumentation.

/** gRPC status code names indexed by code (grpc/doc/statuscodes.md). */
const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** A gRPC status code name, e.g. "FAILED_PRECONDITION". */
export type GrpcStatusName = (typeof GRPC_STATUS_NAMES)[number];

/** The name of a numeric gRPC status code; undefined for a value outside 0..16. */
export function grpcStatusName(code: unknown): GrpcStatusName | undefined {
  return typeof code === 'number' && Number.isInteger(code) ? GRPC_STATUS_NAMES[code] : undefined;
}

/** The numeric code of a gRPC status name. */
export function grpcStatusCode(name: GrpcStatusName): number {
  return GRPC_STATUS_NAMES.indexOf(name);
}

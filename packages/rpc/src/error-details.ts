import {
  SlotInFutureError,
  SlotRejectedError,
  SlotTooOldError,
  InvalidArgumentError,
  ResourceExhaustedError,
  UnavailableError,
  type BootstrapError,
} from '@massa-bootstrap/core';
import {
  Any,
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  QuotaFailure,
  RetryInfo,
  SlotInFuture,
  SlotRejected,
  SlotTooOld,
  Status,
  type MessageFns,
} from '@massa-bootstrap/proto';

/** Prefix of every `google.protobuf.Any.type_url` this project writes. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** The typed error details the contract can attach after the ErrorInfo. */
export type DetailKind =
  | 'SlotTooOld'
  | 'SlotInFuture'
  | 'SlotRejected'
  | 'PreconditionFailure'
  | 'BadRequest'
  | 'RetryInfo'
  | 'QuotaFailure';

/** Fully-qualified protobuf names of ErrorInfo and of every detail kind. */
export const DETAIL_TYPE_NAMES = {
  ErrorInfo: 'google.rpc.ErrorInfo',
  SlotTooOld: 'massa.bootstrap.v1.SlotTooOld',
  SlotInFuture: 'massa.bootstrap.v1.SlotInFuture',
  SlotRejected: 'massa.bootstrap.v1.SlotRejected',
  PreconditionFailure: 'google.rpc.PreconditionFailure',
  BadRequest: 'google.rpc.BadRequest',
  RetryInfo: 'google.rpc.RetryInfo',
  QuotaFailure: 'google.rpc.QuotaFailure',
} as const satisfies Record<DetailKind | 'ErrorInfo', string>;

/** Packs `message` into an Any whose type URL is `type.googleapis.com/<typeName>`. */
export function packAny<T>(typeName: string, fns: MessageFns<T>, message: T): Any {
  return { typeUrl: TYPE_URL_PREFIX + typeName, value: Buffer.from(fns.encode(message).finish()) };
}

/** The fully-qualified type name of an Any: everything after the last '/' of its URL. */
export function anyTypeName(any: Any): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
}

/** Encodes a google.rpc.Status: the value of the `grpc-status-details-bin` trailer. */
export function encodeStatusDetails(code: number, message: string, details: Any[]): Buffer {
  return Buffer.from(Status.encode({ code, message, details }).finish());
}

/** Packs the ErrorInfo (domain, reason, metadata) that leads every error's details. */
export function packErrorInfo(err: BootstrapError, domain: string): Any {
  return packAny(
    DETAIL_TYPE_NAMES.ErrorInfo,
    ErrorInfo,
    ErrorInfo.fromPartial({ reason: err.reason, domain, metadata: err.metadata() }),
  );
}

/** Milliseconds as a google.protobuf.Duration (negative values clamp to zero). */
export function durationFromMs(ms: number): { seconds: number; nanos: number } {
  const clamped = Math.max(0, Math.round(ms));
  return { seconds: Math.floor(clamped / 1000), nanos: (clamped % 1000) * 1_000_000 };
}

/**
 * Packs one typed detail for `err`, or returns undefined when `err` does not carry the data
 * the detail needs (the table in error-contract.ts only pairs reasons with details their error
 * class provides, so undefined means a table/class mismatch and the detail is just skipped).
 */
export function packDetail(kind: DetailKind, err: BootstrapError): Any | undefined {
  switch (kind) {
    case 'SlotTooOld':
      if (!(err instanceof SlotTooOldError)) return undefined;
      return packAny(DETAIL_TYPE_NAMES.SlotTooOld, SlotTooOld, {
        requestedSlot: { ...err.requestedSlot },
        oldestAvailableSlot: { ...err.oldestAvailableSlot },
        newestSlot: { ...err.newestSlot },
        finalHistoryLength: err.finalHistoryLength,
      });
    case 'PreconditionFailure':
      if (!(err instanceof SlotTooOldError)) return undefined;
      return packAny(
        DETAIL_TYPE_NAMES.PreconditionFailure,
        PreconditionFailure,
        PreconditionFailure.fromPartial({
          violations: [{ type: err.reason, subject: 'slot', description: err.message }],
        }),
      );
    case 'SlotInFuture':
      if (!(err instanceof SlotInFutureError)) return undefined;
      return packAny(DETAIL_TYPE_NAMES.SlotInFuture, SlotInFuture, {
        requestedSlot: { ...err.requestedSlot },
        newestSlot: err.newestSlot && { ...err.newestSlot },
      });
    case 'SlotRejected':
      if (!(err instanceof SlotRejectedError)) return undefined;
      return packAny(DETAIL_TYPE_NAMES.SlotRejected, SlotRejected, {
        slot: { ...err.slot },
        newestSlot: err.newestSlot && { ...err.newestSlot },
        oldestAvailableSlot: err.oldestAvailableSlot && { ...err.oldestAvailableSlot },
      });
    case 'BadRequest':
      if (!(err instanceof InvalidArgumentError)) return undefined;
      return packAny(
        DETAIL_TYPE_NAMES.BadRequest,
        BadRequest,
        BadRequest.fromPartial({
          fieldViolations: err.violations.map((v) => ({
            field: v.field,
            description: v.description,
          })),
        }),
      );
    case 'RetryInfo':
      if (!(err instanceof ResourceExhaustedError || err instanceof UnavailableError))
        return undefined;
      return packAny(DETAIL_TYPE_NAMES.RetryInfo, RetryInfo, {
        retryDelay: durationFromMs(err.retryDelayMs),
      });
    case 'QuotaFailure':
      if (!(err instanceof ResourceExhaustedError)) return undefined;
      return packAny(
        DETAIL_TYPE_NAMES.QuotaFailure,
        QuotaFailure,
        QuotaFailure.fromPartial({
          violations: [
            { subject: err.quotaSubject || err.reason.toLowerCase(), description: err.message },
          ],
        }),
      );
  }
}

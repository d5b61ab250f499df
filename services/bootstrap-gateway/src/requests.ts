/**
 * Request decoding and validation. Requests are decoded tolerantly (a period above 2^53 - 1
 * makes the generated decoder throw, which grpc-js would turn into INTERNAL) and then
 * validated, so every malformed request gets INVALID_ARGUMENT with BadRequest details.
 */
import {
  InvalidArgumentError,
  MAX_KEY_BYTES,
  MAX_PERIOD,
  type FieldViolation,
  type Slot,
} from '@massa-bootstrap/core';
import type {
  BootstrapRequest,
  Cursor,
  GetStatusRequest,
  StreamFinalChangesRequest,
} from '@massa-bootstrap/proto';
import { MAX_PART_BYTES_LIMIT, MIN_PART_BYTES } from './config';
import { WIRE_LEN, WIRE_VARINT, scanFields } from './wire';

/** A request as the handler receives it: decoded, or the reason it could not be. */
export type Decoded<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

function decodeSlot(bytes: Buffer): Slot {
  let period = 0;
  let thread = 0;
  scanFields(bytes, (f) => {
    if (f.number === 1 && f.wireType === WIRE_VARINT) period = f.varint;
    else if (f.number === 2 && f.wireType === WIRE_VARINT) thread = f.varint;
  });
  return { period, thread };
}

function decodeCursor(bytes: Buffer): Cursor {
  const cursor: Cursor = { slot: undefined, lastKey: Buffer.alloc(0), stateComplete: false };
  scanFields(bytes, (f) => {
    if (f.number === 1 && f.wireType === WIRE_LEN)
      cursor.slot = decodeSlot(bytes.subarray(f.valueStart, f.end));
    else if (f.number === 2 && f.wireType === WIRE_LEN)
      cursor.lastKey = bytes.subarray(f.valueStart, f.end);
    else if (f.number === 3 && f.wireType === WIRE_VARINT) cursor.stateComplete = f.varint !== 0;
  });
  return cursor;
}

function tolerant<T>(name: string, decode: (bytes: Buffer) => T): (bytes: Buffer) => Decoded<T> {
  return (bytes) => {
    try {
      return { ok: true, value: decode(bytes) };
    } catch (err) {
      return { ok: false, problem: `not a valid ${name}: ${(err as Error).message}` };
    }
  };
}

/** Decodes a BootstrapRequest without ever throwing; periods keep their (possibly unsafe) value. */
export const decodeBootstrapRequest = tolerant<BootstrapRequest>('BootstrapRequest', (bytes) => {
  const request: BootstrapRequest = { resume: undefined, maxPartBytes: 0, follow: false };
  scanFields(bytes, (f) => {
    if (f.number === 1 && f.wireType === WIRE_LEN)
      request.resume = decodeCursor(bytes.subarray(f.valueStart, f.end));
    else if (f.number === 2 && f.wireType === WIRE_VARINT) request.maxPartBytes = f.varint;
    else if (f.number === 3 && f.wireType === WIRE_VARINT) request.follow = f.varint !== 0;
  });
  return request;
});

/** Decodes a StreamFinalChangesRequest without ever throwing. */
export const decodeStreamFinalChangesRequest = tolerant<StreamFinalChangesRequest>(
  'StreamFinalChangesRequest',
  (bytes) => {
    const request: StreamFinalChangesRequest = { afterSlot: undefined, follow: false };
    scanFields(bytes, (f) => {
      if (f.number === 1 && f.wireType === WIRE_LEN)
        request.afterSlot = decodeSlot(bytes.subarray(f.valueStart, f.end));
      else if (f.number === 2 && f.wireType === WIRE_VARINT) request.follow = f.varint !== 0;
    });
    return request;
  },
);

/** Decodes a GetStatusRequest (it has no fields; unknown ones are skipped) without ever throwing. */
export const decodeGetStatusRequest = tolerant<GetStatusRequest>('GetStatusRequest', (bytes) => {
  scanFields(bytes, () => undefined);
  return {};
});

/** A GetStatusRequest that decoded; INVALID_ARGUMENT with the problem otherwise. */
export function validateGetStatusRequest(decoded: Decoded<GetStatusRequest>): GetStatusRequest {
  if (!decoded.ok) throw new InvalidArgumentError([{ field: '', description: decoded.problem }]);
  return decoded.value;
}

/** A validated resume cursor. */
export interface ResumeCursor {
  /** The slot the client's held state is consistent with. */
  readonly slot: Slot;
  /** The greatest key the client holds; empty when it holds none yet. */
  readonly lastKey: Buffer;
  /** True when the client holds the whole state at `slot`. */
  readonly stateComplete: boolean;
}

/** A validated Bootstrap request. */
export interface ValidBootstrapRequest {
  /** Where to continue from; undefined starts from scratch. */
  readonly resume: ResumeCursor | undefined;
  /** Part size the client asked for (the default when it sent 0). */
  readonly partBytes: number;
  /** Continue with live slots after completion. */
  readonly follow: boolean;
}

function slotViolations(field: string, slot: Slot, threadCount: number): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (!Number.isSafeInteger(slot.period) || slot.period < 0) {
    out.push({
      field: `${field}.period`,
      description: `period must be an integer in [0, ${MAX_PERIOD}]`,
    });
  }
  if (!Number.isInteger(slot.thread) || slot.thread < 0 || slot.thread >= threadCount) {
    out.push({
      field: `${field}.thread`,
      description: `thread must be an integer in [0, ${threadCount}), got ${slot.thread}`,
    });
  }
  return out;
}

/**
 * Validates a Bootstrap request. Throws InvalidArgumentError with every violation: reason
 * INVALID_CURSOR when the resume cursor is malformed (thread >= thread_count, period beyond
 * 2^53 - 1, key longer than MAX_KEY_BYTES, state_complete with a key, key or completion without
 * a slot), INVALID_ARGUMENT when only max_part_bytes is out of [64 KiB, 16 MiB].
 */
export function validateBootstrapRequest(
  decoded: Decoded<BootstrapRequest>,
  limits: { readonly threadCount: number; readonly defaultPartBytes: number },
): ValidBootstrapRequest {
  if (!decoded.ok) throw new InvalidArgumentError([{ field: '', description: decoded.problem }]);
  const request = decoded.value;
  const cursorViolations: FieldViolation[] = [];
  const otherViolations: FieldViolation[] = [];
  const size = request.maxPartBytes;
  if (size !== 0 && (size < MIN_PART_BYTES || size > MAX_PART_BYTES_LIMIT)) {
    otherViolations.push({
      field: 'max_part_bytes',
      description: `must be 0 (default) or within [${MIN_PART_BYTES}, ${MAX_PART_BYTES_LIMIT}], got ${size}`,
    });
  }
  let resume: ResumeCursor | undefined;
  const cursor = request.resume;
  if (cursor !== undefined) {
    if (cursor.lastKey.length > MAX_KEY_BYTES) {
      cursorViolations.push({
        field: 'resume.last_key',
        description: `last_key is ${cursor.lastKey.length} bytes, the limit is ${MAX_KEY_BYTES}`,
      });
    }
    if (cursor.stateComplete && cursor.lastKey.length > 0) {
      cursorViolations.push({
        field: 'resume.last_key',
        description: 'must be empty when state_complete is true',
      });
    }
    if (cursor.slot === undefined) {
      if (cursor.lastKey.length > 0 || cursor.stateComplete) {
        cursorViolations.push({
          field: 'resume.slot',
          description: 'required when last_key or state_complete is set',
        });
      }
    } else {
      cursorViolations.push(...slotViolations('resume.slot', cursor.slot, limits.threadCount));
      resume = {
        slot: cursor.slot,
        lastKey: Buffer.from(cursor.lastKey),
        stateComplete: cursor.stateComplete,
      };
    }
  }
  if (cursorViolations.length > 0) {
    throw new InvalidArgumentError([...cursorViolations, ...otherViolations], 'INVALID_CURSOR');
  }
  if (otherViolations.length > 0)
    throw new InvalidArgumentError(otherViolations, 'INVALID_ARGUMENT');
  return { resume, partBytes: size === 0 ? limits.defaultPartBytes : size, follow: request.follow };
}

/** A validated StreamFinalChanges request. */
export interface ValidStreamFinalChangesRequest {
  /** Stream the slots strictly after this one. */
  readonly afterSlot: Slot;
  /** Continue with live slots. */
  readonly follow: boolean;
}

/** Validates a StreamFinalChanges request: after_slot is required and must be a valid slot. */
export function validateStreamFinalChangesRequest(
  decoded: Decoded<StreamFinalChangesRequest>,
  threadCount: number,
): ValidStreamFinalChangesRequest {
  if (!decoded.ok) throw new InvalidArgumentError([{ field: '', description: decoded.problem }]);
  const { afterSlot, follow } = decoded.value;
  if (afterSlot === undefined) {
    throw new InvalidArgumentError([{ field: 'after_slot', description: 'required' }]);
  }
  const violations = slotViolations('after_slot', afterSlot, threadCount);
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  return { afterSlot: { period: afterSlot.period, thread: afterSlot.thread }, follow };
}

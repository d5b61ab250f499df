/**
 * The few pieces of the WebAssembly binary format that the lanes kernel is assembled with:
 * LEB128 integers, instruction encoders, function bodies with typed locals, and sections. Opcodes
 * are those of the WebAssembly core and SIMD specifications.
 */

/** Value type i32. */
export const I32 = 0x7f;
/** Value type v128. */
export const V128 = 0x7b;
/** A value type used by the kernel. */
export type ValueType = typeof I32 | typeof V128;

/** Core opcodes (one byte each). */
// prettier-ignore
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  call: 0x10, select: 0x1b, i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtU: 0x49, i32GtU: 0x4b,
  i32GeU: 0x4f, i32Popcnt: 0x69, i32Add: 0x6a, i32Sub: 0x6b, i32And: 0x71, i32Or: 0x72,
  i32Shl: 0x74, i32ShrU: 0x76,
} as const;

/** Block type "no result", after block, loop and if. */
export const VOID = 0x40;

/** SIMD opcodes (after the 0xfd prefix). */
// prettier-ignore
export const simd = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c, shuffle: 0x0d, i16x8Splat: 0x10,
  i32x4Splat: 0x11, i32x4ReplaceLane: 0x1c, or: 0x50, xor: 0x51, i16x8Add: 0x8e,
  i16x8Sub: 0x91, i32x4Shl: 0xab, i32x4ShrU: 0xad, i32x4Add: 0xae,
} as const;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (n |= 0; ; n >>= 7) {
    const byte = n & 0x7f;
    const rest = n >> 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

// Instruction encoders: each returns the bytes of one instruction.
/** local.get */
export const get = (local: number): number[] => [0x20, ...uleb(local)];
/** local.set */
export const set = (local: number): number[] => [0x21, ...uleb(local)];
/** i32.const */
export const i32 = (value: number): number[] => [0x41, ...sleb(value)];
/** A SIMD instruction without immediates. */
export const v = (simdOp: number): number[] => [0xfd, ...uleb(simdOp)];
/** v128.const of four 32-bit words. */
export const v128 = (words: readonly number[]): number[] => [
  ...v(simd.const),
  ...words.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]),
];
/** A SIMD memory access at a constant offset from the dynamic address pushed before. */
export const mem = (simdOp: number, offset: number): number[] => [
  ...v(simdOp),
  simdOp === simd.load32Splat ? 2 : 4, // log2 of the alignment
  ...uleb(offset),
];
/** Shuffle of the two v128 on the stack by 32-bit lanes (0-3 from the first, 4-7 the second). */
export const shuffle32 = (lanes: readonly number[]): number[] => [
  ...v(simd.shuffle),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
];
/** i32x4.replace_lane of the given lane. */
export const replaceLane32 = (lane: number): number[] => [...v(simd.i32x4ReplaceLane), lane];

/** One function under construction: its parameters, its locals and its instructions. */
export class Code {
  readonly bytes: number[] = [];
  private readonly localTypes: ValueType[] = [];

  constructor(readonly params: readonly ValueType[]) {}

  /** Declares a new local; returns its index. */
  local(type: ValueType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  /** Declares `count` new locals of one type; returns their indexes. */
  locals(count: number, type: ValueType): number[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  push(...instructions: readonly (readonly number[])[]): void {
    for (const instruction of instructions) for (const b of instruction) this.bytes.push(b);
  }

  /** local a = a (simdOp) b. */
  apply(a: number, b: number, simdOp: number): void {
    this.push(get(a), get(b), v(simdOp), set(a));
  }

  /** local x = rotate-right(x, n) on each 32-bit lane. */
  rotr(x: number, n: number): void {
    if (n % 8 === 0) {
      // A whole-byte rotation is one byte shuffle.
      const bytes: number[] = [];
      for (let w = 0; w < 4; w++) for (let b = 0; b < 4; b++) bytes.push(4 * w + ((b + n / 8) % 4));
      this.push(get(x), get(x), v(simd.shuffle), bytes, set(x));
      return;
    }
    this.push(get(x), i32(n), v(simd.i32x4ShrU), get(x), i32(32 - n), v(simd.i32x4Shl));
    this.push(v(simd.or), set(x));
  }

  /** The function type (parameters, no results), as in the type section. */
  type(): number[] {
    return [0x60, ...vector(this.params.map((t) => [t])), 0];
  }

  /** The function body, as in the code section: size, local declarations, code, end. */
  body(): number[] {
    const runs: [number, ValueType][] = [];
    for (const type of this.localTypes) {
      const lastRun = runs[runs.length - 1];
      if (lastRun !== undefined && lastRun[1] === type) lastRun[0]++;
      else runs.push([1, type]);
    }
    const bytes = [...vector(runs.map(([n, type]) => [...uleb(n), type])), ...this.bytes, op.end];
    return [...uleb(bytes.length), ...bytes];
  }
}

/** A vector: its length, then its items. */
export const vector = (items: readonly (readonly number[])[]): number[] => [
  ...uleb(items.length),
  ...items.flat(),
];

/** A section: id, size, content. */
export const section = (id: number, content: readonly number[]): number[] => [
  id,
  ...uleb(content.length),
  ...content,
];

/** A name (export names). */
export const name = (text: string): number[] => [
  ...uleb(text.length),
  ...Buffer.from(text, 'latin1'),
];

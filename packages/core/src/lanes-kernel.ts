/**
 * The LtHash16 lanes kernel: BLAKE3 XOF of one short entry (2048 bytes of output) added to, or
 * subtracted from, 1024 little-endian uint16 lanes, in WebAssembly SIMD.
 *
 * Why it exists: hash-wasm's portable BLAKE3 computes the 32 output blocks of a 2 KiB XOF one
 * after the other (about 7 µs per 171-byte entry on the project's machines), then JS still has to
 * copy the output and add 1024 lanes. The 32 output blocks differ only in their counter, so this
 * kernel computes four at a time in i32x4 vectors and adds them with i16x8 adds (about 2 µs).
 * WebAssembly memory is little-endian on every host, so the lanes are little-endian by
 * construction. The module is assembled below from BLAKE3's definition rather than shipped as an
 * opaque blob; tests check it against the official BLAKE3 vectors and against hash-wasm's BLAKE3
 * for every entry length it accepts.
 */

/** Longest input the kernel hashes: one BLAKE3 chunk (longer inputs need the tree mode). */
export const KERNEL_MAX_INPUT = 1024;
/** Offset of the 2048 lanes bytes that the kernel adds into. */
export const KERNEL_LANES = 1024 + 128 + 256;
/** Offset of a 2048-byte XOF output written by JS, for `accumulate()`. */
export const KERNEL_XOF = KERNEL_LANES + 2048;

/** The compiled kernel; one instance, used synchronously by one thread. */
export interface LanesKernel {
  /**
   * The kernel's whole memory (it never grows): the input at [0, KERNEL_MAX_INPUT), the lanes at
   * [KERNEL_LANES, +2048), an external XOF output at [KERNEL_XOF, +2048).
   */
  readonly memory: Uint8Array;
  /**
   * lanes ±= BLAKE3-XOF-2048(memory[0, len)) with `len <= KERNEL_MAX_INPUT`. The bytes from
   * `len` up to the next multiple of 64 must be zero (BLAKE3 pads the last block with zeros).
   */
  hashAndAccumulate(len: number, subtract: 0 | 1): void;
  /** lanes ±= memory[KERNEL_XOF, +2048) read as 1024 little-endian uint16 lanes. */
  accumulate(subtract: 0 | 1): void;
}

/** The slice of the WebAssembly API used here (lib "dom" is not part of this project). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
}

/** Compiles and instantiates the kernel; rejects when the runtime lacks WebAssembly SIMD. */
export async function compileLanesKernel(): Promise<LanesKernel> {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) throw new Error('the state digest needs WebAssembly (with SIMD)');
  const instance = await wasm.instantiate(await wasm.compile(assembleKernel()), {});
  const { memory, xof, accumulate } = instance.exports as {
    memory: { buffer: ArrayBuffer };
    xof: (len: number, subtract: number) => void;
    accumulate: (subtract: number) => void;
  };
  return {
    memory: new Uint8Array(memory.buffer),
    hashAndAccumulate: xof,
    accumulate,
  };
}

// ---- assembler -------------------------------------------------------------------------------

const IV = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const MSG_PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
const CHUNK_START = 1;
const CHUNK_END = 2;
const ROOT = 8;
const CV = 1024; // 8 x v128: chaining value, each word splatted over 4 lanes
const OUT = CV + 128; // 16 x v128: output words of 4 blocks (lane b = block b)
const I32 = 0x7f;
const V128 = 0x7b;

// prettier-ignore
const op = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b, call: 0x10, select: 0x1b,
  i32GeU: 0x4f, i32Add: 0x6a, i32Sub: 0x6b, i32Shl: 0x74, i32ShrU: 0x76,
} as const;
// SIMD opcodes (after the 0xfd prefix), from the WebAssembly SIMD specification.
// prettier-ignore
const simd = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c, shuffle: 0x0d, i16x8Splat: 0x10,
  i32x4Splat: 0x11, or: 0x50, xor: 0x51, i16x8Add: 0x8e, i16x8Sub: 0x91, i32x4Shl: 0xab,
  i32x4ShrU: 0xad, i32x4Add: 0xae,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
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
const get = (local: number): number[] => [0x20, ...uleb(local)];
const set = (local: number): number[] => [0x21, ...uleb(local)];
const i32 = (value: number): number[] => [0x41, ...sleb(value)];
const v = (simdOp: number): number[] => [0xfd, ...uleb(simdOp)];
/** A memory access at a constant offset (its dynamic address, 0 here, is pushed before). */
const mem = (simdOp: number, offset: number): number[] => [
  ...v(simdOp),
  simdOp === simd.load32Splat ? 2 : 4, // log2 of the alignment
  ...uleb(offset),
];
/** Shuffle of the two v128 on the stack by 32-bit lanes (0-3 from the first, 4-7 the second). */
const shuffle32 = (lanes: readonly number[]): number[] => [
  ...v(simd.shuffle),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
];

/** One function body under construction. */
class Code {
  readonly bytes: number[] = [];
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
}

/**
 * compress4(block_ptr: i32, counters: v128, block_len: i32, flags: i32): four BLAKE3
 * compressions of the same block and chaining value (memory CV) with four counters; writes the
 * 16 full output words of each (XOF form) to memory OUT.
 */
function compress4(): Code {
  const c = new Code();
  const s = (i: number): number => 4 + i; // state words v0..v15
  const m = (i: number): number => 20 + i; // message words
  for (let i = 0; i < 16; i++) c.push(get(0), mem(simd.load32Splat, 4 * i), set(m(i)));
  for (let i = 0; i < 8; i++) c.push(i32(0), mem(simd.load, CV + 16 * i), set(s(i)));
  for (let i = 0; i < 4; i++) c.push(i32(IV[i] ?? 0), v(simd.i32x4Splat), set(s(8 + i)));
  c.push(get(1), set(s(12)), i32(0), v(simd.i32x4Splat), set(s(13)));
  c.push(get(2), v(simd.i32x4Splat), set(s(14)), get(3), v(simd.i32x4Splat), set(s(15)));
  const g = (ia: number, ib: number, ic: number, id: number, mx: number, my: number): void => {
    const [a, b, cc, d] = [s(ia), s(ib), s(ic), s(id)];
    c.apply(a, b, simd.i32x4Add);
    c.apply(a, mx, simd.i32x4Add);
    c.apply(d, a, simd.xor);
    c.rotr(d, 16);
    c.apply(cc, d, simd.i32x4Add);
    c.apply(b, cc, simd.xor);
    c.rotr(b, 12);
    c.apply(a, b, simd.i32x4Add);
    c.apply(a, my, simd.i32x4Add);
    c.apply(d, a, simd.xor);
    c.rotr(d, 8);
    c.apply(cc, d, simd.i32x4Add);
    c.apply(b, cc, simd.xor);
    c.rotr(b, 7);
  };
  let schedule = [...Array(16).keys()]; // the message permutation is applied at assembly time
  for (let round = 0; round < 7; round++) {
    const w = (i: number): number => m(schedule[i] ?? 0);
    g(0, 4, 8, 12, w(0), w(1));
    g(1, 5, 9, 13, w(2), w(3));
    g(2, 6, 10, 14, w(4), w(5));
    g(3, 7, 11, 15, w(6), w(7));
    g(0, 5, 10, 15, w(8), w(9));
    g(1, 6, 11, 12, w(10), w(11));
    g(2, 7, 8, 13, w(12), w(13));
    g(3, 4, 9, 14, w(14), w(15));
    schedule = MSG_PERMUTATION.map((p) => schedule[p] ?? 0);
  }
  for (let i = 0; i < 8; i++) {
    c.push(i32(0), get(s(i)), get(s(i + 8)), v(simd.xor), mem(simd.store, OUT + 16 * i));
  }
  for (let i = 0; i < 8; i++) {
    c.push(i32(0), get(s(i + 8)), i32(0), mem(simd.load, CV + 16 * i), v(simd.xor));
    c.push(mem(simd.store, OUT + 16 * (i + 8)));
  }
  return c;
}

/**
 * With x on the stack: lanes at `offset` += (x ^ mask) - mask, i.e. += x when the local `mask`
 * is zero and -= x when it is all ones. Uses local mask + 1 as scratch.
 */
function accumulateInto(c: Code, offset: number, mask: number): void {
  c.push(get(mask), v(simd.xor), get(mask), v(simd.i16x8Sub), set(mask + 1));
  c.push(i32(0), i32(0), mem(simd.load, offset), get(mask + 1), v(simd.i16x8Add));
  c.push(mem(simd.store, offset));
}

/** xof(len: i32, subtract: i32): see LanesKernel.hashAndAccumulate. */
function xof(): Code {
  const c = new Code();
  const [len, sub, last, i, blockLen, flags, mask] = [0, 1, 2, 3, 4, 5, 6]; // 7: scratch
  const w = (k: number): number => 8 + k;
  const t = (k: number): number => 12 + k;
  for (let k = 0; k < 8; k++) {
    c.push(i32(0), i32(IV[k] ?? 0), v(simd.i32x4Splat), mem(simd.store, CV + 16 * k));
  }
  // last = len == 0 ? 0 : (len - 1) >> 6: the index of the final block, the root node.
  c.push(get(len), i32(1), [op.i32Sub], i32(6), [op.i32ShrU], i32(0), get(len), [op.select]);
  c.push(set(last));
  // Every block before it updates the chaining value (chunk counter 0: a single chunk).
  c.push(i32(0), set(i), [op.block, 0x40, op.loop, 0x40]);
  c.push(get(i), get(last), [op.i32GeU, op.brIf, 1]);
  c.push(get(i), i32(6), [op.i32Shl], i32(0), v(simd.i32x4Splat), i32(64));
  c.push(i32(0), i32(CHUNK_START), get(i), [op.select, op.call, 0]);
  for (let k = 0; k < 8; k++) {
    c.push(i32(0), i32(0), mem(simd.load, OUT + 16 * k), mem(simd.store, CV + 16 * k));
  }
  c.push(get(i), i32(1), [op.i32Add], set(i), [op.br, 0, op.end, op.end]);
  c.push(get(len), get(last), i32(6), [op.i32Shl, op.i32Sub], set(blockLen));
  c.push(i32(CHUNK_END | ROOT), i32(CHUNK_START | CHUNK_END | ROOT), get(last), [op.select]);
  c.push(set(flags), i32(0), get(sub), [op.i32Sub], v(simd.i16x8Splat), set(mask));
  // The 32 root output blocks, four at a time; each 4x4 group of words is transposed back to
  // block order before it is added to the lanes.
  for (let group = 0; group < 8; group++) {
    const counters = [0, 1, 2, 3].flatMap((b) => [4 * group + b, 0, 0, 0]);
    c.push(get(last), i32(6), [op.i32Shl], v(simd.const), counters);
    c.push(get(blockLen), get(flags), [op.call, 0]);
    for (let q = 0; q < 4; q++) {
      for (let k = 0; k < 4; k++) c.push(i32(0), mem(simd.load, OUT + 16 * (4 * q + k)), set(w(k)));
      c.push(get(w(0)), get(w(1)), shuffle32([0, 4, 1, 5]), set(t(0)));
      c.push(get(w(0)), get(w(1)), shuffle32([2, 6, 3, 7]), set(t(1)));
      c.push(get(w(2)), get(w(3)), shuffle32([0, 4, 1, 5]), set(t(2)));
      c.push(get(w(2)), get(w(3)), shuffle32([2, 6, 3, 7]), set(t(3)));
      const rows = [
        [t(0), t(2), 0],
        [t(0), t(2), 2],
        [t(1), t(3), 0],
        [t(1), t(3), 2],
      ] as const;
      rows.forEach(([a, b, l], block) => {
        c.push(get(a), get(b), shuffle32([l, l + 1, l + 4, l + 5]));
        accumulateInto(c, KERNEL_LANES + (4 * group + block) * 64 + 16 * q, mask);
      });
    }
  }
  return c;
}

/** accumulate(subtract: i32): see LanesKernel.accumulate. */
function accumulate(): Code {
  const c = new Code();
  c.push(i32(0), get(0), [op.i32Sub], v(simd.i16x8Splat), set(1));
  for (let k = 0; k < 128; k++) {
    c.push(i32(0), mem(simd.load, KERNEL_XOF + 16 * k));
    accumulateInto(c, KERNEL_LANES + 16 * k, 1);
  }
  return c;
}

const vector = (items: readonly (readonly number[])[]): number[] => [
  ...uleb(items.length),
  ...items.flat(),
];
const section = (id: number, content: readonly number[]): number[] => [
  id,
  ...uleb(content.length),
  ...content,
];
const name = (text: string): number[] => [...uleb(text.length), ...Buffer.from(text, 'latin1')];

function body(code: Code, locals: readonly (readonly [count: number, type: number])[]): number[] {
  const bytes = [...vector(locals.map(([n, type]) => [...uleb(n), type])), ...code.bytes, op.end];
  return [...uleb(bytes.length), ...bytes];
}

/** The kernel's WebAssembly binary (about 20 KB). */
export function assembleKernel(): Uint8Array {
  const types = vector([
    [0x60, ...vector([[I32], [V128], [I32], [I32]]), 0], // compress4
    [0x60, ...vector([[I32], [I32]]), 0], // xof
    [0x60, ...vector([[I32]]), 0], // accumulate
  ]);
  const exports = vector([
    [...name('memory'), 0x02, 0],
    [...name('xof'), 0x00, 1],
    [...name('accumulate'), 0x00, 2],
  ]);
  const code = vector([
    body(compress4(), [[32, V128]]),
    body(xof(), [
      [4, I32],
      [10, V128],
    ]),
    body(accumulate(), [[2, V128]]),
  ]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...section(1, types),
    ...section(3, vector([[0], [1], [2]])),
    ...section(5, vector([[0x00, 1]])), // memory: one 64 KiB page, never grown
    ...section(7, exports),
    ...section(10, code),
  ]);
}

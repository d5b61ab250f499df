/**
 * The LtHash16 lanes kernel: BLAKE3 XOF of one entry (2048 bytes of output) added to, or
 * subtracted from, 1024 little-endian uint16 lanes, in WebAssembly SIMD.
 *
 * Why it exists: hash-wasm's portable BLAKE3 computes the 32 output blocks of a 2 KiB XOF one
 * after the other (about 7 µs per 171-byte entry on the project's machines), then JS still has to
 * copy the output and add 1024 lanes. The 32 output blocks differ only in their counter, so this
 * kernel computes four at a time in i32x4 vectors and adds them with i16x8 adds (about 2 µs).
 * WebAssembly memory is little-endian on every host, so the lanes are little-endian by
 * construction.
 *
 * Inputs of any length use BLAKE3's tree mode: whole 1024-byte chunks are hashed four at a time
 * (one per i32x4 lane), a lone chunk and parent nodes one compression at a time, and their
 * chaining values are merged on the usual stack (its depth is the number of one bits of the
 * count of chunks pushed so far, so the chunk counter is the whole state). The root node, the
 * last chunk's last block or the top parent, then gives the XOF output as above. An input longer
 * than the input region is fed in pieces of whole chunks, then a last piece.
 *
 * The module is assembled below from BLAKE3's definition rather than shipped as an opaque blob;
 * tests check it against the official BLAKE3 vectors and against hash-wasm's BLAKE3 for every
 * length up to a few chunks and around the chunk and tree boundaries beyond.
 */
import {
  CHUNK_BYTES,
  CHUNK_END,
  CHUNK_START,
  compressRow,
  compressXof4,
  hashChunks4,
  IV,
  PARENT,
  ROOT,
  transpose4,
} from './blake3-compress';
import {
  Code,
  get,
  I32,
  i32,
  mem,
  name,
  op,
  section,
  set,
  simd,
  v,
  V128,
  v128,
  vector,
  VOID,
} from './wasm-encoding';

// Memory layout (two 64 KiB pages, never grown):
//   [0, 2048)         the lanes (KERNEL_LANES)
//   [2048, 2304)      OUT: the output words of four XOF blocks, written by compressXof4
//   [2304, 2336)      IV_AT: BLAKE3's IV, the chaining value of every parent node (data segment)
//   [2336, 2368)      CHUNK_CV: the chaining value of the chunk being hashed one block at a time
//   [2368, 2496)      CVS4: the four chaining values written by hashChunks4
//   [2496, 3552)      STACK: up to 33 chaining values of 32 bytes (the 32-bit chunk counter's
//                     one bits, plus the one being merged); kept between absorb() and finish()
//   [4096, 69632)     the input region (KERNEL_INPUT, KERNEL_MAX_INPUT bytes), then at least
//                     64 spare bytes (finish() zeroes 64 bytes from the input's end)
/** Offset of the 2048 lanes bytes that the kernel adds into. */
export const KERNEL_LANES = 0;
/** Offset of the input region, where JS writes the bytes to hash. */
export const KERNEL_INPUT = 4096;
/** Size of the input region: the longest input hashed in one call (a multiple of the chunk). */
export const KERNEL_MAX_INPUT = 64 * 1024;
/** BLAKE3's chunk size: absorb() takes whole chunks. */
export const KERNEL_CHUNK = CHUNK_BYTES;
const OUT = 2048;
const IV_AT = 2304;
const CHUNK_CV = 2336;
const CVS4 = 2368;
const STACK = 2496;
const PAGES = 2;

/** The compiled kernel; one instance, used synchronously by one thread. */
export interface LanesKernel {
  /** The kernel's whole memory (it never grows): see KERNEL_LANES and KERNEL_INPUT. */
  readonly memory: Uint8Array;
  /**
   * Hashes the whole chunks at [KERNEL_INPUT, +len) (len a positive multiple of KERNEL_CHUNK, at
   * most KERNEL_MAX_INPUT) of an input whose first `chunksBefore` chunks were absorbed by earlier
   * calls, in order, and of which more bytes follow (at least one more call).
   */
  absorb(len: number, chunksBefore: number): void;
  /**
   * lanes ±= BLAKE3-XOF-2048(input), `subtract` choosing the sign, where the input is the
   * `chunksBefore` chunks absorbed just before (0 for an input hashed in one call) then the `len`
   * bytes at [KERNEL_INPUT, +len): 1 <= len <= KERNEL_MAX_INPUT, or 0 for the empty input. It
   * zeroes the 64 bytes from KERNEL_INPUT + len (BLAKE3 pads the last block with zeros).
   */
  finish(len: number, chunksBefore: number, subtract: 0 | 1): void;
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
  const { memory, absorb, finish } = instance.exports as {
    memory: { buffer: ArrayBuffer };
    absorb: (len: number, chunksBefore: number) => void;
    finish: (len: number, chunksBefore: number, subtract: number) => void;
  };
  return { memory: new Uint8Array(memory.buffer), absorb, finish };
}

// ---- tree mode and output ----------------------------------------------------------------------

// Function indexes, in the order of assembleKernel's code section.
const COMPRESS_XOF4 = 0;
const COMPRESS_ROW = 1;
const HASH_CHUNKS4 = 2;
const PUSH_CV = 3;
const HASH_CHUNKS = 4;

/** Pushes the address of stack slot `d` (a local). */
const slot = (d: number): number[] => [...get(d), ...i32(5), op.i32Shl, ...i32(STACK), op.i32Add];

/** Copies 32 bytes from the constant address `from` to `to`. */
function copyCv(c: Code, from: number, to: number): void {
  for (const half of [0, 16])
    c.push(i32(0), i32(0), mem(simd.load, from + half), mem(simd.store, to + half));
}

/**
 * pushCv(src, counter): pushes the chaining value at src, that of chunk `counter`, on the stack,
 * then merges the completed subtrees: one parent per trailing zero bit of counter + 1.
 */
function pushCv(): Code {
  const c = new Code([I32, I32]);
  const [src, counter] = [0, 1];
  const [d, t] = c.locals(2, I32);
  c.push(get(counter), [op.i32Popcnt], set(d));
  for (const half of [0, 16])
    c.push(slot(d), get(src), mem(simd.load, half), mem(simd.store, half));
  c.push(get(counter), i32(1), [op.i32Add], set(t), [op.block, VOID, op.loop, VOID]);
  c.push(get(t), i32(1), [op.i32And, op.brIf, 1]);
  c.push(get(d), i32(1), [op.i32Sub], set(d));
  c.push(i32(IV_AT), slot(d), i32(0), i32(64), i32(PARENT), slot(d), [op.call, COMPRESS_ROW]);
  c.push(get(t), i32(1), [op.i32ShrU], set(t), [op.br, 0, op.end, op.end]);
  return c;
}

/**
 * Fewest whole chunks worth hashing side by side: hashChunks4 costs about the same for one to
 * four chunks, as much as two chunks hashed one block after the other (measured: with two
 * chunks the chained blocks are a little faster, with three the four lanes clearly are).
 */
const MIN_CHUNKS_FOUR_WAY = 3;

/**
 * hashChunks(ptr, n, counter): hashes the n whole chunks at ptr (chunk counters counter...) and
 * pushes their chaining values, in order: up to four at a time while MIN_CHUNKS_FOUR_WAY or
 * more are left, else one at a time.
 */
function hashChunks(): Code {
  const c = new Code([I32, I32, I32]);
  const [ptr, n, counter] = [0, 1, 2];
  const [k, j] = c.locals(2, I32);
  c.push([op.block, VOID, op.loop, VOID], get(n), [op.i32Eqz, op.brIf, 1]);
  c.push(get(n), i32(MIN_CHUNKS_FOUR_WAY), [op.i32LtU, op.if, VOID]);
  copyCv(c, IV_AT, CHUNK_CV);
  c.push(i32(0), set(j), [op.loop, VOID]);
  c.push(i32(CHUNK_CV), get(ptr), get(j), i32(6), [op.i32Shl, op.i32Add], get(counter), i32(64));
  c.push(i32(CHUNK_START), i32(0), get(j), [op.i32Eqz, op.select]);
  c.push(i32(CHUNK_END), i32(0), get(j), i32(15), [op.i32Eq, op.select, op.i32Or]);
  c.push(i32(CHUNK_CV), [op.call, COMPRESS_ROW]);
  c.push(get(j), i32(1), [op.i32Add], set(j), get(j), i32(16), [op.i32Ne, op.brIf, 0, op.end]);
  c.push(i32(CHUNK_CV), get(counter), [op.call, PUSH_CV], i32(1), set(k), [op.else]);
  c.push(i32(4), get(n), get(n), i32(4), [op.i32GtU, op.select], set(k));
  c.push(get(ptr), get(k), get(counter), i32(CVS4), [op.call, HASH_CHUNKS4]);
  c.push(i32(0), set(j), [op.loop, VOID]);
  c.push(get(j), i32(5), [op.i32Shl], i32(CVS4), [op.i32Add], get(counter), get(j), [op.i32Add]);
  c.push([op.call, PUSH_CV], get(j), i32(1), [op.i32Add], set(j));
  c.push(get(j), get(k), [op.i32Ne, op.brIf, 0, op.end, op.end]);
  c.push(get(ptr), get(k), i32(10), [op.i32Shl, op.i32Add], set(ptr));
  c.push(get(counter), get(k), [op.i32Add], set(counter), get(n), get(k), [op.i32Sub], set(n));
  c.push([op.br, 0, op.end, op.end]);
  return c;
}

/** absorb(len, chunksBefore): see LanesKernel.absorb. */
function absorb(): Code {
  const c = new Code([I32, I32]);
  c.push(i32(KERNEL_INPUT), get(0), i32(10), [op.i32ShrU], get(1), [op.call, HASH_CHUNKS]);
  return c;
}

/**
 * With x on the stack: lanes at `offset` += (x ^ mask) - mask, i.e. += x when the local `mask`
 * is zero and -= x when it is all ones; `scratch` is a v128 local.
 */
function accumulateInto(c: Code, offset: number, mask: number, scratch: number): void {
  c.push(get(mask), v(simd.xor), get(mask), v(simd.i16x8Sub), set(scratch));
  c.push(i32(0), i32(0), mem(simd.load, offset), get(scratch), v(simd.i16x8Add));
  c.push(mem(simd.store, offset));
}

/** finish(len, chunksBefore, subtract): see LanesKernel.finish. */
function finish(): Code {
  const c = new Code([I32, I32, I32]);
  const [len, counter, subtract] = [0, 1, 2];
  const [ptr, n, skip, last, i, blockPtr, blockLen, flags, d, rootCv] = c.locals(10, I32);
  const [mask, scratch] = c.locals(2, V128);
  const words = c.locals(4, V128);
  const tmp = c.locals(4, V128);
  const rows = c.locals(4, V128);
  c.push(i32(KERNEL_INPUT), set(ptr));
  // Every chunk before the last one is whole: hash those and push them on the stack.
  c.push(get(len), i32(CHUNK_BYTES), [op.i32GtU, op.if, VOID]);
  c.push(get(len), i32(1), [op.i32Sub], i32(10), [op.i32ShrU], set(n));
  c.push(get(ptr), get(n), get(counter), [op.call, HASH_CHUNKS]);
  c.push(get(n), i32(10), [op.i32Shl], set(skip), get(ptr), get(skip), [op.i32Add], set(ptr));
  c.push(get(len), get(skip), [op.i32Sub], set(len), get(counter), get(n), [op.i32Add]);
  c.push(set(counter), [op.end]);
  // The last chunk: every block before its last one updates the chaining value.
  // last = len == 0 ? 0 : (len - 1) >> 6, the index of that last block.
  c.push(get(len), i32(1), [op.i32Sub], i32(6), [op.i32ShrU], i32(0), get(len), [op.select]);
  c.push(set(last));
  // BLAKE3 pads the last block with zeros: the 64 bytes from len cover the rest of that block
  // (a whole block for the empty input), in four stores.
  for (const at of [0, 16, 32, 48]) {
    c.push(get(ptr), get(len), [op.i32Add], v128([0, 0, 0, 0]), mem(simd.store, at));
  }
  copyCv(c, IV_AT, CHUNK_CV);
  c.push(i32(0), set(i), [op.block, VOID, op.loop, VOID]);
  c.push(get(i), get(last), [op.i32GeU, op.brIf, 1]);
  c.push(i32(CHUNK_CV), get(ptr), get(i), i32(6), [op.i32Shl, op.i32Add], get(counter), i32(64));
  c.push(i32(CHUNK_START), i32(0), get(i), [op.i32Eqz, op.select], i32(CHUNK_CV));
  c.push([op.call, COMPRESS_ROW], get(i), i32(1), [op.i32Add], set(i), [op.br, 0, op.end, op.end]);
  c.push(get(ptr), get(last), i32(6), [op.i32Shl, op.i32Add], set(blockPtr));
  c.push(get(len), get(last), i32(6), [op.i32Shl, op.i32Sub], set(blockLen));
  c.push(i32(CHUNK_START | CHUNK_END), i32(CHUNK_END), get(last), [op.i32Eqz, op.select]);
  c.push(set(flags), i32(CHUNK_CV), set(rootCv));
  // With chunks before it, the last chunk's chaining value goes on the stack, which is merged
  // down to two values: their parent is the root node.
  c.push(get(counter), [op.if, VOID], get(counter), [op.i32Popcnt], set(d));
  c.push(i32(CHUNK_CV), get(blockPtr), get(counter), get(blockLen), get(flags), slot(d));
  c.push([op.call, COMPRESS_ROW, op.block, VOID, op.loop, VOID]);
  c.push(get(d), i32(2), [op.i32LtU, op.brIf, 1], get(d), i32(1), [op.i32Sub], set(d));
  c.push(i32(IV_AT), slot(d), i32(0), i32(64), i32(PARENT), slot(d), [op.call, COMPRESS_ROW]);
  c.push([op.br, 0, op.end, op.end], i32(IV_AT), set(rootCv), i32(STACK), set(blockPtr));
  c.push(i32(64), set(blockLen), i32(PARENT), set(flags), [op.end]);
  c.push(get(flags), i32(ROOT), [op.i32Or], set(flags));
  c.push(i32(0), get(subtract), [op.i32Sub], v(simd.i16x8Splat), set(mask));
  // The 32 root output blocks, four at a time; each 4x4 group of words is transposed back to
  // block order before it is added to the lanes.
  for (let group = 0; group < 8; group++) {
    const counters = [0, 1, 2, 3].map((b) => 4 * group + b);
    c.push(get(rootCv), get(blockPtr), v128(counters), get(blockLen), get(flags));
    c.push([op.call, COMPRESS_XOF4]);
    for (let q = 0; q < 4; q++) {
      words.forEach((w, k) => c.push(i32(0), mem(simd.load, OUT + 16 * (4 * q + k)), set(w)));
      transpose4(c, words, rows, tmp);
      rows.forEach((row, block) => {
        c.push(get(row));
        accumulateInto(c, KERNEL_LANES + (4 * group + block) * 64 + 16 * q, mask, scratch);
      });
    }
  }
  return c;
}

/** The kernel's WebAssembly binary. */
export function assembleKernel(): Uint8Array {
  // In function index order (see COMPRESS_XOF4 and the others above).
  const functions = [
    compressXof4(OUT),
    compressRow(),
    hashChunks4(),
    pushCv(),
    hashChunks(),
    finish(),
    absorb(),
  ];
  const exports = vector([
    [...name('memory'), 0x02, 0],
    [...name('finish'), 0x00, 5],
    [...name('absorb'), 0x00, 6],
  ]);
  const ivBytes = IV.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...section(1, vector(functions.map((f) => f.type()))),
    ...section(3, vector(functions.map((_, index) => [index]))),
    ...section(5, vector([[0x01, PAGES, PAGES]])), // memory: min = max = PAGES
    ...section(7, exports),
    ...section(10, vector(functions.map((f) => f.body()))),
    ...section(11, vector([[0x00, ...i32(IV_AT), op.end, ...vector(ivBytes.map((b) => [b]))]])),
  ]);
}

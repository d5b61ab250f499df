/**
 * BLAKE3's compression function as WebAssembly SIMD function bodies, in the three shapes the
 * lanes kernel needs:
 *
 * - compressXof4: four compressions of one block and chaining value that differ only in their
 *   counter, one per i32x4 lane (the root node's output blocks, four at a time);
 * - compressRow: one compression with the 16 state words as four row vectors, the four G
 *   functions of a column (or diagonal) step running side by side (a chain of blocks, one after
 *   the other: the blocks of a lone chunk, parent nodes);
 * - hashChunks4: four whole 1024-byte chunks, one per i32x4 lane (BLAKE3's "hash many").
 *
 * Everything follows the BLAKE3 specification (https://github.com/BLAKE3-team/BLAKE3-specs);
 * the message permutation is applied at assembly time, so each round reads its words directly.
 */
import {
  Code,
  get,
  I32,
  i32,
  mem,
  op,
  replaceLane32,
  set,
  shuffle32,
  simd,
  v,
  V128,
  v128,
  VOID,
} from './wasm-encoding';

/** BLAKE3's IV (SHA-256's), the key of the hash mode. */
export const IV = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
/** Domain flags of the compression function. */
export const CHUNK_START = 1;
export const CHUNK_END = 2;
export const PARENT = 4;
export const ROOT = 8;
/** Bytes in a chunk (16 blocks of 64). */
export const CHUNK_BYTES = 1024;

const MSG_PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

/** SCHEDULES[r][i]: the message word that round r uses where round 0 uses word i. */
const SCHEDULES: readonly (readonly number[])[] = (() => {
  const rounds: number[][] = [[...Array(16).keys()]];
  while (rounds.length < 7) {
    const previous = rounds[rounds.length - 1] ?? [];
    rounds.push(MSG_PERMUTATION.map((p) => previous[p] ?? 0));
  }
  return rounds;
})();

/** Instructions that push one v128 (a local, or a load). */
type Operand = readonly number[];

/** G on four v128 locals (each lane an independent G), mixing in the message words mx, my. */
function g(c: Code, a: number, b: number, cc: number, d: number, mx: Operand, my: Operand): void {
  // a + m + b rather than a + b + m: the message word is added while b is still being computed,
  // one add fewer on the dependency chain of a single compression.
  c.push(get(a), mx, v(simd.i32x4Add), set(a));
  c.apply(a, b, simd.i32x4Add);
  c.apply(d, a, simd.xor);
  c.rotr(d, 16);
  c.apply(cc, d, simd.i32x4Add);
  c.apply(b, cc, simd.xor);
  c.rotr(b, 12);
  c.push(get(a), my, v(simd.i32x4Add), set(a));
  c.apply(a, b, simd.i32x4Add);
  c.apply(d, a, simd.xor);
  c.rotr(d, 8);
  c.apply(cc, d, simd.i32x4Add);
  c.apply(b, cc, simd.xor);
  c.rotr(b, 7);
}

/** The seven rounds on 16 state locals s with message words m(i), one compression per lane. */
function roundsByLane(c: Code, s: readonly number[], m: (word: number) => Operand): void {
  const at = (list: readonly number[], i: number): number => list[i] ?? 0;
  for (const schedule of SCHEDULES) {
    const w = (i: number): Operand => m(at(schedule, i));
    const gi = (ia: number, ib: number, ic: number, id: number, x: number): void =>
      g(c, at(s, ia), at(s, ib), at(s, ic), at(s, id), w(x), w(x + 1));
    gi(0, 4, 8, 12, 0);
    gi(1, 5, 9, 13, 2);
    gi(2, 6, 10, 14, 4);
    gi(3, 7, 11, 15, 6);
    gi(0, 5, 10, 15, 8);
    gi(1, 6, 11, 12, 10);
    gi(2, 7, 8, 13, 12);
    gi(3, 4, 9, 14, 14);
  }
}

/** dst[k] = lane k of each of src[0..3] (a 4x4 transpose of 32-bit words), via tmp. */
export function transpose4(
  c: Code,
  src: readonly number[],
  dst: readonly number[],
  tmp: readonly number[],
): void {
  const [a = 0, b = 0, cc = 0, d = 0] = src;
  const [t0 = 0, t1 = 0, t2 = 0, t3 = 0] = tmp;
  c.push(get(a), get(b), shuffle32([0, 4, 1, 5]), set(t0));
  c.push(get(a), get(b), shuffle32([2, 6, 3, 7]), set(t1));
  c.push(get(cc), get(d), shuffle32([0, 4, 1, 5]), set(t2));
  c.push(get(cc), get(d), shuffle32([2, 6, 3, 7]), set(t3));
  const halves = [
    [t0, t2, 0],
    [t0, t2, 2],
    [t1, t3, 0],
    [t1, t3, 2],
  ] as const;
  halves.forEach(([x, y, l], k) => {
    c.push(get(x), get(y), shuffle32([l, l + 1, l + 4, l + 5]), set(dst[k] ?? 0));
  });
}

/**
 * compressXof4(cv_ptr, block_ptr, counters: v128, block_len, flags): four compressions of the
 * block at block_ptr with the chaining value at cv_ptr (8 words), lane b using counter b of
 * `counters`; writes the 16 output words of each (XOF form) to memory `out` as 16 v128, word k
 * of every lane in v128 k.
 */
export function compressXof4(out: number): Code {
  const c = new Code([I32, I32, V128, I32, I32]);
  const [cvPtr, blockPtr, counters, blockLen, flags] = [0, 1, 2, 3, 4];
  const s = c.locals(16, V128);
  const m = c.locals(16, V128);
  const at = (list: readonly number[], i: number): number => list[i] ?? 0;
  for (let i = 0; i < 16; i++) c.push(get(blockPtr), mem(simd.load32Splat, 4 * i), set(at(m, i)));
  for (let i = 0; i < 8; i++) c.push(get(cvPtr), mem(simd.load32Splat, 4 * i), set(at(s, i)));
  for (let i = 0; i < 4; i++) c.push(v128([0, 1, 2, 3].map(() => IV[i] ?? 0)), set(at(s, 8 + i)));
  c.push(get(counters), set(at(s, 12)), v128([0, 0, 0, 0]), set(at(s, 13)));
  c.push(get(blockLen), v(simd.i32x4Splat), set(at(s, 14)));
  c.push(get(flags), v(simd.i32x4Splat), set(at(s, 15)));
  roundsByLane(c, s, (i) => get(at(m, i)));
  for (let i = 0; i < 8; i++) {
    c.push(i32(0), get(at(s, i)), get(at(s, i + 8)), v(simd.xor), mem(simd.store, out + 16 * i));
  }
  for (let i = 0; i < 8; i++) {
    c.push(i32(0), get(at(s, i + 8)), get(cvPtr), mem(simd.load32Splat, 4 * i), v(simd.xor));
    c.push(mem(simd.store, out + 16 * (i + 8)));
  }
  return c;
}

/** A v128 local and the message word in each of its lanes. */
interface KnownVector {
  readonly local: number;
  readonly words: readonly number[];
}

/**
 * Builds message vectors (four given words of the block, one per lane) from the block's four
 * v128 and the vectors built before, with as few shuffles as it finds: one when two known
 * vectors hold all four words, two or three otherwise.
 */
class MessageVectors {
  private readonly known: KnownVector[];

  constructor(
    private readonly c: Code,
    blockVectors: readonly number[],
  ) {
    this.known = blockVectors.map((local, q) => ({
      local,
      words: [0, 1, 2, 3].map((k) => 4 * q + k),
    }));
  }

  /** A local holding message words `target` (four word indexes) in lanes 0..3. */
  vector(target: readonly number[]): number {
    const same = this.known.find((k) => k.words.every((w, i) => w === target[i]));
    if (same !== undefined) return same.local;
    for (const p of this.known) {
      for (const q of this.known) {
        if (target.every((w) => p.words.includes(w) || q.words.includes(w))) {
          return this.shuffle(p, q, target);
        }
      }
    }
    for (const p of this.known) {
      for (const q of this.known) {
        for (const r of this.known) {
          const rest = target.filter((w) => !r.words.includes(w));
          if (rest.every((w) => p.words.includes(w) || q.words.includes(w))) {
            const partial = target.map((w, i) => (rest.includes(w) ? w : (p.words[i] ?? 0)));
            return this.shuffle(this.shuffleKnown(p, q, partial), r, target);
          }
        }
      }
    }
    const source = (w: number): KnownVector =>
      this.known.find((k) => k.words.includes(w)) ?? { local: 0, words: [] };
    const [w0 = 0, w1 = 0, w2 = 0, w3 = 0] = target;
    const low = this.shuffleKnown(source(w0), source(w1), [w0, w1, w0, w1]);
    const high = this.shuffleKnown(source(w2), source(w3), [w2, w3, w2, w3]);
    return this.shuffle(low, high, target);
  }

  private shuffle(p: KnownVector, q: KnownVector, target: readonly number[]): number {
    return this.shuffleKnown(p, q, target).local;
  }

  /** A new vector holding `target`, shuffled from p and q (which must hold every word). */
  private shuffleKnown(p: KnownVector, q: KnownVector, target: readonly number[]): KnownVector {
    const lanes = target.map((w) => {
      const inP = p.words.indexOf(w);
      const inQ = q.words.indexOf(w);
      if (inP < 0 && inQ < 0) throw new Error(`kernel assembly: word ${w} is in neither vector`);
      return inP >= 0 ? inP : 4 + inQ;
    });
    const local = this.c.local(V128);
    this.c.push(get(p.local), get(q.local), shuffle32(lanes), set(local));
    const built = { local, words: [...target] };
    this.known.push(built);
    return built;
  }
}

/**
 * compressRow(cv_ptr, block_ptr, counter, block_len, flags, out_ptr): one compression of the
 * block at block_ptr with the chaining value at cv_ptr; writes the new chaining value (8 words)
 * at out_ptr, which may be cv_ptr. The state is four row vectors (words 0-3, 4-7, 8-11, 12-15);
 * the diagonal step rotates three of them so that the diagonals line up as columns, then
 * rotates them back.
 */
export function compressRow(): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32]);
  const [cvPtr, blockPtr, counter, blockLen, flags, outPtr] = [0, 1, 2, 3, 4, 5];
  const [r0 = 0, r1 = 0, r2 = 0, r3 = 0] = c.locals(4, V128);
  const blockVectors = c.locals(4, V128);
  c.push(get(cvPtr), mem(simd.load, 0), set(r0), get(cvPtr), mem(simd.load, 16), set(r1));
  c.push(v128(IV.slice(0, 4)), set(r2));
  c.push(v128([0, 0, 0, 0]), get(counter), replaceLane32(0), get(blockLen), replaceLane32(2));
  c.push(get(flags), replaceLane32(3), set(r3));
  blockVectors.forEach((local, q) => c.push(get(blockPtr), mem(simd.load, 16 * q), set(local)));
  const words = new MessageVectors(c, blockVectors);
  /** Lane i of x takes the word of lane i + by. */
  const rotateLanes = (x: number, by: number): void => {
    c.push(get(x), get(x), shuffle32([0, 1, 2, 3].map((l) => (l + by) % 4)), set(x));
  };
  for (const schedule of SCHEDULES) {
    // Column step: lane i runs G i on column i, with message words 2i and 2i + 1.
    const column = (odd: number): Operand =>
      get(words.vector([0, 1, 2, 3].map((i) => schedule[2 * i + odd] ?? 0)));
    g(c, r0, r1, r2, r3, column(0), column(1));
    // Diagonal step: G 4+k mixes a[k], b[k+1], c[k+2], d[k+3]. Row b, the last one G computes,
    // stays in place (a rotation there would lengthen the dependency chain); lane i runs G 4+k
    // for k = i - 1, so a moves by -1, c by +1 and d by +2 lanes, and the words follow k.
    const diagonal = (odd: number): Operand =>
      get(words.vector([0, 1, 2, 3].map((i) => schedule[8 + 2 * ((i + 3) % 4) + odd] ?? 0)));
    rotateLanes(r0, 3);
    rotateLanes(r2, 1);
    rotateLanes(r3, 2);
    g(c, r0, r1, r2, r3, diagonal(0), diagonal(1));
    rotateLanes(r0, 1);
    rotateLanes(r2, 3);
    rotateLanes(r3, 2);
  }
  c.push(get(outPtr), get(r0), get(r2), v(simd.xor), mem(simd.store, 0));
  c.push(get(outPtr), get(r1), get(r3), v(simd.xor), mem(simd.store, 16));
  return c;
}

/**
 * hashChunks4(ptr, n, counter, out_ptr): the chaining values of the whole chunks at ptr (chunk j
 * at ptr + 1024 j, with chunk counter counter + j), for 1 <= n <= 4 chunks, written at
 * out_ptr + 32 j. Lane j hashes chunk j; with fewer than four chunks the spare lanes hash the
 * last one again (and their results are not written).
 */
export function hashChunks4(): Code {
  const c = new Code([I32, I32, I32, I32]);
  const [ptr, n, counter, outPtr] = [0, 1, 2, 3];
  const p = c.locals(4, I32);
  const block = c.local(I32);
  const s = c.locals(16, V128);
  const m = c.locals(16, V128);
  const cv = c.locals(8, V128);
  const loaded = c.locals(4, V128);
  const tmp = c.locals(4, V128);
  const counters = c.local(V128);
  const at = (list: readonly number[], i: number): number => list[i] ?? 0;
  // p[j] = ptr + 1024 * min(j, n - 1)
  c.push(get(ptr), set(at(p, 0)));
  for (let j = 1; j < 4; j++) {
    c.push(get(ptr), i32(CHUNK_BYTES * j), [op.i32Add], get(at(p, j - 1)));
    c.push(get(n), i32(j), [op.i32GtU, op.select], set(at(p, j)));
  }
  for (let k = 0; k < 8; k++) c.push(v128([0, 1, 2, 3].map(() => IV[k] ?? 0)), set(at(cv, k)));
  c.push(get(counter), v(simd.i32x4Splat), v128([0, 1, 2, 3]), v(simd.i32x4Add), set(counters));
  c.push(i32(0), set(block), [op.loop, VOID]);
  for (let q = 0; q < 4; q++) {
    for (let j = 0; j < 4; j++) c.push(get(at(p, j)), mem(simd.load, 16 * q), set(at(loaded, j)));
    transpose4(c, loaded, m.slice(4 * q, 4 * q + 4), tmp);
  }
  for (let k = 0; k < 8; k++) c.push(get(at(cv, k)), set(at(s, k)));
  for (let k = 0; k < 4; k++) c.push(v128([0, 1, 2, 3].map(() => IV[k] ?? 0)), set(at(s, 8 + k)));
  c.push(get(counters), set(at(s, 12)), v128([0, 0, 0, 0]), set(at(s, 13)));
  c.push(v128([64, 64, 64, 64]), set(at(s, 14)));
  // flags: CHUNK_START on block 0, CHUNK_END on block 15
  c.push(i32(CHUNK_START), i32(0), get(block), [op.i32Eqz, op.select]);
  c.push(i32(CHUNK_END), i32(0), get(block), i32(15), [op.i32Eq, op.select, op.i32Or]);
  c.push(v(simd.i32x4Splat), set(at(s, 15)));
  roundsByLane(c, s, (i) => get(at(m, i)));
  for (let k = 0; k < 8; k++) {
    c.push(get(at(s, k)), get(at(s, k + 8)), v(simd.xor), set(at(cv, k)));
  }
  for (let j = 0; j < 4; j++) c.push(get(at(p, j)), i32(64), [op.i32Add], set(at(p, j)));
  c.push(get(block), i32(1), [op.i32Add], set(block));
  c.push(get(block), i32(16), [op.i32Ne, op.brIf, 0, op.end]);
  // Back to one chaining value per chunk: transpose, then store the lanes that hold a chunk.
  transpose4(c, cv.slice(0, 4), loaded, tmp);
  const high = c.locals(4, V128);
  transpose4(c, cv.slice(4, 8), high, tmp);
  for (let j = 0; j < 4; j++) {
    if (j > 0) c.push(get(n), i32(j), [op.i32GtU, op.if, VOID]);
    c.push(get(outPtr), get(at(loaded, j)), mem(simd.store, 32 * j));
    c.push(get(outPtr), get(at(high, j)), mem(simd.store, 32 * j + 16));
    if (j > 0) c.push([op.end]);
  }
  return c;
}

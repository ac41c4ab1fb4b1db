/**
 * Counts distinct users in bounded memory: an exact set of hashed ids while
 * there are few of them, then a HyperLogLog of 4,096 one-byte registers. Two
 * sketches merge into the sketch of the union, so per-bucket counts add up to a
 * window's count without keeping the ids.
 *
 * Error: exact (bound 0) up to `EXACT_LIMIT` distinct users; above it the
 * HyperLogLog's relative standard error is 1.04 / √4096 ≈ 1.6 %, and the bound
 * reported with every estimate is three of those (≈ 4.9 %), which the estimate
 * stays within in about 997 runs of 1,000. Memory: at most 4 KiB of registers
 * per sketch, whatever the number of users.
 *
 * Inputs are 52-bit integers (user-identity.ts: the first 13 hex digits of a
 * keyed hash), so they are already uniformly spread: the top 12 bits choose the
 * register, the leading zeros of the other 40 give the rank.
 */

/** distinct users counted exactly; more turn the sketch into a HyperLogLog */
export const EXACT_LIMIT = 256;
const INDEX_BITS = 12;
const REGISTERS = 1 << INDEX_BITS;
const RANK_BITS = 40;
const RANK_SPAN = 2 ** RANK_BITS;
/** relative standard error of the HyperLogLog estimate */
export const RELATIVE_ERROR = 1.04 / Math.sqrt(REGISTERS);
/** the bound reported: three standard errors */
const BOUND_FACTOR = 3;

/** Ertl's σ(x) = x + Σ_k x^(2^k) 2^(k-1): the share of empty registers' term. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let power = x;
  let weight = 1;
  let sum = x;
  for (;;) {
    power *= power;
    const before = sum;
    sum += power * weight;
    weight += weight;
    if (sum === before) return sum;
  }
}

/** Ertl's τ(x) = (1 - x - Σ_k (1 - x^(2^-k))² 2^-k) / 3: the share of full registers' term. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let root = x;
  let weight = 1;
  let sum = 1 - x;
  for (;;) {
    root = Math.sqrt(root);
    const before = sum;
    weight *= 0.5;
    sum -= (1 - root) ** 2 * weight;
    if (sum === before) return sum / 3;
  }
}

/** A sketch as it travels over the control channel: exact hashes, or the registers in base64. */
export type SketchJson = number[] | string;

export class DistinctSketch {
  private exact: Set<number> | null = new Set();
  private registers: Uint8Array | null = null;

  /** Adds one user's 52-bit hash. */
  add(hash: number): void {
    if (this.exact !== null) {
      this.exact.add(hash);
      if (this.exact.size > EXACT_LIMIT) this.toRegisters();
      return;
    }
    this.addToRegisters(hash);
  }

  /** Makes this the sketch of both sets of users. */
  merge(other: DistinctSketch): void {
    if (other.exact !== null) {
      for (const hash of other.exact) this.add(hash);
      return;
    }
    if (this.registers === null) this.toRegisters();
    const mine = this.registers as Uint8Array;
    const theirs = other.registers as Uint8Array;
    for (let i = 0; i < REGISTERS; i += 1) if ((theirs[i] ?? 0) > (mine[i] ?? 0)) mine[i] = theirs[i] ?? 0;
  }

  /**
   * The number of distinct users, rounded: Ertl's improved raw estimator (2017),
   * which stays unbiased from a few users to billions. The classic one (linear
   * counting below 2.5 × 4,096, the raw estimate above) jumps between the two
   * near 10,000 users: +1.8 % biased at 11,000, worst of 20 runs 5.8 % at 10,000.
   */
  estimate(): number {
    if (this.exact !== null) return this.exact.size;
    const registers = this.registers as Uint8Array;
    const counts = new Uint32Array(RANK_BITS + 2);
    for (let i = 0; i < REGISTERS; i += 1) counts[registers[i] ?? 0] = (counts[registers[i] ?? 0] ?? 0) + 1;
    let z = REGISTERS * tau(1 - (counts[RANK_BITS + 1] ?? 0) / REGISTERS);
    for (let k = RANK_BITS; k >= 1; k -= 1) z = 0.5 * (z + (counts[k] ?? 0));
    z += REGISTERS * sigma((counts[0] ?? 0) / REGISTERS);
    return Math.round((REGISTERS * REGISTERS) / (2 * Math.LN2 * z));
  }

  /** How far the true count may be from `estimate()`: 0 while exact, else three standard errors. */
  errorBound(): number {
    if (this.exact !== null) return 0;
    return Math.ceil(BOUND_FACTOR * RELATIVE_ERROR * this.estimate());
  }

  /** bytes of counting state held (registers, or ~16 per exact hash) */
  bytes(): number {
    return this.exact !== null ? this.exact.size * 16 : REGISTERS;
  }

  toJSON(): SketchJson {
    if (this.exact !== null) return [...this.exact];
    return Buffer.from(this.registers as Uint8Array).toString('base64');
  }

  static fromJSON(json: SketchJson): DistinctSketch {
    const sketch = new DistinctSketch();
    if (Array.isArray(json)) {
      for (const hash of json) if (Number.isSafeInteger(hash) && hash >= 0) sketch.add(hash);
      return sketch;
    }
    const bytes = Buffer.from(json, 'base64');
    sketch.exact = null;
    sketch.registers = new Uint8Array(REGISTERS);
    sketch.registers.set(bytes.subarray(0, REGISTERS));
    return sketch;
  }

  private toRegisters(): void {
    const hashes = this.exact ?? [];
    this.exact = null;
    this.registers = new Uint8Array(REGISTERS);
    for (const hash of hashes) this.addToRegisters(hash);
  }

  private addToRegisters(hash: number): void {
    const index = Math.floor(hash / RANK_SPAN) % REGISTERS;
    const rest = hash % RANK_SPAN;
    // rank: position of the first 1 bit in the 40 low bits, counted from 1
    const rank = rest === 0 ? RANK_BITS + 1 : RANK_BITS - Math.floor(Math.log2(rest));
    const registers = this.registers as Uint8Array;
    if (rank > (registers[index] ?? 0)) registers[index] = rank;
  }
}

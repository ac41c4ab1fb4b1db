/**
 * HMAC-SHA256 of a user id with the project's secret, first 52 bits — the very
 * hash `createHmac('sha256', secret).update(id).digest('hex').slice(0, 13)`
 * gives, and the one HAProxy computes (haproxy-users.ts) — but without a call
 * into OpenSSL per request. HMAC's two key blocks (secret ⊕ ipad, secret ⊕ opad)
 * are absorbed once, when the hasher is made; an id then costs its own SHA-256
 * block(s) plus the outer block, computed here on preallocated words: no object
 * and no native call per id. A profile of the switch under load put the
 * per-request `createHmac` at most of what counting users cost.
 *
 * Ids with a character beyond ASCII go through `createHmac` (UTF-8, as before),
 * so every id keeps the hash it had.
 */
import { createHash, createHmac } from 'node:crypto';

/** SHA-256's round constants (FIPS 180-4, 4.2.2) */
const K = Int32Array.from(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ],
  (k) => k | 0,
);
/** SHA-256's initial state (FIPS 180-4, 5.3.3) */
const INITIAL = Int32Array.from(
  [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19],
  (h) => h | 0,
);
const BLOCK = 64;

/** One SHA-256 compression of the 16 words at the start of `w` (a 64-word schedule) into `state`. */
function compress(state: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 64; t += 1) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let t = 0; t < 64; t += 1) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** The state after one key block: the secret (padded to 64 bytes) ⊕ `pad`. */
function keyState(key: Buffer, pad: number): Int32Array {
  const w = new Int32Array(64);
  for (let i = 0; i < BLOCK; i += 1) w[i >> 2] = (w[i >> 2] ?? 0) | (((key[i] ?? 0) ^ pad) << (24 - 8 * (i & 3)));
  const state = INITIAL.slice();
  compress(state, w);
  return state;
}

/** Returns id → the first 52 bits of HMAC-SHA256(secret, id), as a number. */
export function createKeyedHash(secret: Buffer): (id: string) => number {
  const key = secret.length > BLOCK ? createHash('sha256').update(secret).digest() : secret;
  const inner = keyState(key, 0x36);
  const outer = keyState(key, 0x5c);
  const state = new Int32Array(8);
  const w = new Int32Array(64);
  const slow = (id: string): number => parseInt(createHmac('sha256', secret).update(id).digest('hex').slice(0, 13), 16);
  return (id) => {
    const length = id.length;
    for (let i = 0; i < length; i += 1) if (id.charCodeAt(i) > 0x7f) return slow(id);
    // inner hash: the id's bytes, 0x80, zeros, then the message's length in bits (key block included)
    state.set(inner);
    const blocks = Math.ceil((length + 9) / BLOCK);
    const bits = (BLOCK + length) * 8;
    for (let block = 0, p = 0; block < blocks; block += 1) {
      for (let i = 0; i < 16; i += 1) {
        let word = 0;
        for (let j = 0; j < 4; j += 1, p += 1) {
          const byte = p < length ? id.charCodeAt(p) : p === length ? 0x80 : 0;
          word = (word << 8) | byte;
        }
        w[i] = word;
      }
      if (block === blocks - 1) {
        w[14] = Math.floor(bits / 2 ** 32);
        w[15] = bits | 0;
      }
      compress(state, w);
    }
    // outer hash: the inner digest, 0x80, zeros, 768 bits (key block + digest)
    for (let i = 0; i < 8; i += 1) w[i] = state[i]!;
    w[8] = 0x80000000 | 0;
    w.fill(0, 9, 15);
    w[15] = (BLOCK + 32) * 8;
    state.set(outer);
    compress(state, w);
    return (state[0]! >>> 0) * 2 ** 20 + (state[1]! >>> 12);
  };
}

/**
 * Seeded samples for the judge tests: mulberry32 (a small 32-bit PRNG) and
 * Box–Muller normals, so every run of the suite sees the same numbers.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normalSampler(random: () => number): () => number {
  return () => {
    const u = 1 - random(); // (0, 1]: log(0) never happens
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** A lognormal latency with the given median and p95, in ms. */
export function lognormalLatency(random: () => number, medianMs: number, p95Ms: number): () => number {
  const normal = normalSampler(random);
  const mu = Math.log(medianMs);
  const sigma = Math.log(p95Ms / medianMs) / 1.6448536269514722; // z of the 95th percentile
  return () => Math.exp(mu + sigma * normal());
}

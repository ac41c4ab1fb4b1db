/**
 * The user counter's error and memory, as documented in docs/impact.md: exact up
 * to 256 users, then within three standard errors (≈ 4.9 %) in nearly every run;
 * sketches merge like sets; memory stays bounded with a million users.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DistinctSketch, EXACT_LIMIT, RELATIVE_ERROR } from '../../src/proxy/users/distinct-sketch.js';
import { ReleaseUsers } from '../../src/proxy/users/release-users.js';
import { createUserHasher } from '../../src/proxy/users/user-identity.js';

const hasher = createUserHasher(randomBytes(32).toString('hex'));

describe('distinct users sketch', () => {
  it('counts exactly up to the threshold, with a bound of 0', () => {
    const sketch = new DistinctSketch();
    for (let i = 0; i < EXACT_LIMIT; i += 1) {
      sketch.add(hasher(`user-${i}`));
      sketch.add(hasher(`user-${i}`));
    }
    expect(sketch.estimate()).toBe(EXACT_LIMIT);
    expect(sketch.errorBound()).toBe(0);
  });

  it('estimates within the reported bound in at least 98 of 100 runs, and merges like a union', () => {
    let within = 0;
    const errors: number[] = [];
    for (let run = 0; run < 100; run += 1) {
      const hash = createUserHasher(randomBytes(32).toString('hex'));
      const a = new DistinctSketch();
      const b = new DistinctSketch();
      // 3,000 users, 1,000 of them seen by both halves: the union is 3,000
      for (let i = 0; i < 2000; i += 1) a.add(hash(`u${i}`));
      for (let i = 1000; i < 3000; i += 1) b.add(hash(`u${i}`));
      a.merge(DistinctSketch.fromJSON(JSON.parse(JSON.stringify(b.toJSON())) as string));
      const estimate = a.estimate();
      errors.push(Math.abs(estimate - 3000) / 3000);
      if (Math.abs(estimate - 3000) <= a.errorBound()) within += 1;
    }
    expect(within).toBeGreaterThanOrEqual(98);
    const mean = errors.reduce((x, y) => x + y, 0) / errors.length;
    // the mean absolute error of a HyperLogLog is ≈ 0.8 standard errors
    expect(mean).toBeLessThan(1.5 * RELATIVE_ERROR);
  });

  it('keeps a release’s user counting under 3 MiB with 1,000,000 distinct users over 15 minutes', () => {
    const users = new ReleaseUsers(91);
    const start = 1_700_000_000_000;
    for (let i = 0; i < 1_000_000; i += 1) {
      // spread over 900 s, 10 % failing, three features and `other`
      users.record(start + Math.floor((i / 1_000_000) * 900_000), hasher(`id-${i}`), i % 4, i % 10 === 0);
    }
    expect(users.bytes()).toBeLessThan(3 * 1024 * 1024);
    const reading = users.read(start, start + 900_000, ['a', 'b', 'c', 'other']);
    expect(Math.abs(reading.served - 1_000_000)).toBeLessThanOrEqual(reading.servedBound);
    expect(Math.abs(reading.affected - 100_000)).toBeLessThanOrEqual(reading.affectedBound);
    expect(reading.features.map((f) => f.requests)).toEqual([250_000, 250_000, 250_000, 250_000]);
  }, 60_000);
});

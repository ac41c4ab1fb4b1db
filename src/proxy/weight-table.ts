/**
 * The weights of the switch as one immutable table (weights change
 * atomically). `setWeights` builds a new table and swaps the reference; a request
 * asks the table current at its arrival and stays bound to the release it got.
 *
 * Choice is smooth weighted round robin (the scheme nginx uses for upstream
 * weights): deterministic, and it interleaves releases evenly, so 90/10 gives
 * exactly 9 of every 10 requests to the first release with no bursts. The
 * per-entry running counters are the only mutable part and belong to this table;
 * a new table starts them afresh.
 *
 * Weights are percents (0–100) used as relative shares: {1: 90, 2: 10} and
 * {1: 9, 2: 1} split alike; they need not add up to 100.
 */
import { badRequest } from '../core/errors.js';

export class WeightTable {
  /** revision → weight as given, frozen; releases not named are 0 */
  readonly weights: Readonly<Record<number, number>>;
  private readonly revisions: Int32Array;
  private readonly shares: Float64Array;
  private readonly current: Float64Array;
  private readonly total: number;

  private constructor(weights: Record<number, number>) {
    this.weights = Object.freeze({ ...weights });
    const active = Object.entries(weights).filter(([, weight]) => weight > 0);
    this.revisions = Int32Array.from(active, ([revision]) => Number(revision));
    this.shares = Float64Array.from(active, ([, weight]) => weight);
    this.current = new Float64Array(active.length);
    this.total = active.reduce((sum, [, weight]) => sum + weight, 0);
  }

  static readonly empty = new WeightTable({});

  /** Validates and builds a table; throws a UserError naming the bad entry. */
  static from(weights: Record<number, number>, knownRevision: (revision: number) => boolean): WeightTable {
    if (weights === null || typeof weights !== 'object')
      throw badRequest('weights must be an object of revision → percent');
    const clean: Record<number, number> = {};
    for (const [key, weight] of Object.entries(weights)) {
      const revision = Number(key);
      if (!Number.isInteger(revision) || revision < 0) throw badRequest(`weights: "${key}" is not a revision number`);
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100) {
        throw badRequest(
          `weights: revision ${revision} has weight ${String(weight)}; expected a percent from 0 to 100`,
        );
      }
      if (weight > 0 && !knownRevision(revision)) {
        throw badRequest(
          `weights: revision ${revision} has no upstreams; call setUpstreams(${revision}, …) before giving it traffic`,
        );
      }
      clean[revision] = weight;
    }
    return new WeightTable(clean);
  }

  /** The revision for the next request, or -1 when no release has weight > 0. */
  pick(): number {
    const count = this.revisions.length;
    if (count === 0) return -1;
    if (count === 1) return this.revisions[0] as number;
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < count; i += 1) {
      const value = (this.current[i] as number) + (this.shares[i] as number);
      this.current[i] = value;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    this.current[best] = bestValue - this.total;
    return this.revisions[best] as number;
  }

  /** A table without `revision` (its weight becomes 0), the others unchanged. */
  without(revision: number): WeightTable {
    if (!(revision in this.weights)) return this;
    const rest: Record<number, number> = { ...this.weights };
    delete rest[revision];
    return new WeightTable(rest);
  }
}

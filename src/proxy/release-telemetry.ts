/**
 * One release's ring of one-second slots (requests, 5xx, latency histogram, longest
 * 5xx streak, users met): typed arrays allocated once, so recording allocates nothing.
 * How the slots are read is telemetry.ts's.
 */
import { BUCKET_COUNT } from './latency-histogram.js';
import { ReleaseUsers, USER_BUCKET_MS } from './users/release-users.js';

export class ReleaseTelemetry {
  /** the second each slot holds, -1 when unused */
  readonly second: Float64Array;
  readonly requests: Uint32Array;
  readonly errors: Uint32Array;
  readonly maxStreak: Uint32Array;
  readonly histogram: Uint32Array;
  /** requests as their users met them (counted on the release first chosen), and those that failed */
  readonly userRequests: Uint32Array;
  readonly userFailures: Uint32Array;
  /** distinct users served and affected, in ten-second buckets */
  readonly users: ReleaseUsers;
  private streak = 0;
  /**
   * Requests in flight, by their start (performance.now()): a release that hangs
   * finishes nothing, so latency reads count these at the age they have reached.
   */
  readonly pending = new Set<{ readonly startedAt: number }>();

  constructor(readonly slots: number) {
    this.second = new Float64Array(slots).fill(-1);
    this.requests = new Uint32Array(slots);
    this.errors = new Uint32Array(slots);
    this.maxStreak = new Uint32Array(slots);
    this.histogram = new Uint32Array(slots * BUCKET_COUNT);
    this.userRequests = new Uint32Array(slots);
    this.userFailures = new Uint32Array(slots);
    this.users = new ReleaseUsers(Math.ceil((slots * 1000) / USER_BUCKET_MS) + 1);
  }

  /**
   * The slot of the second of `atMs`, recycled when it still holds a second older than
   * the retention; -1 when `atMs` itself is older than the retention.
   */
  private slotAt(atMs: number): number {
    const second = Math.floor(atMs / 1000);
    const slot = second % this.slots;
    if (this.second[slot] !== second) {
      // A request older than the retention (a replayed log line): its slot is a newer second's now.
      if ((this.second[slot] ?? -1) > second) return -1;
      // The slot still holds a second older than the retention: recycle it.
      this.second[slot] = second;
      this.requests[slot] = 0;
      this.errors[slot] = 0;
      this.maxStreak[slot] = 0;
      this.userRequests[slot] = 0;
      this.userFailures[slot] = 0;
      this.histogram.fill(0, slot * BUCKET_COUNT, (slot + 1) * BUCKET_COUNT);
    }
    return slot;
  }

  /**
   * Counts one request as its user met it: the final answer, after any retry on
   * another instance or release. `hash` is the user's keyed hash (-1: none or no
   * user key), `feature` an index into the service's feature names.
   */
  recordOutcome(atMs: number, failed: boolean, hash = -1, feature = 0): void {
    const slot = this.slotAt(atMs);
    if (slot < 0) return;
    this.userRequests[slot] = (this.userRequests[slot] ?? 0) + 1;
    if (failed) this.userFailures[slot] = (this.userFailures[slot] ?? 0) + 1;
    this.users.record(atMs, hash, feature, failed);
  }

  /** Counts one finished attempt at clock time `atMs`. Hot path: no allocation. */
  record(atMs: number, bucket: number, is5xx: boolean): void {
    const slot = this.slotAt(atMs);
    if (slot < 0) return;
    this.requests[slot] = (this.requests[slot] ?? 0) + 1;
    this.histogram[slot * BUCKET_COUNT + bucket] = (this.histogram[slot * BUCKET_COUNT + bucket] ?? 0) + 1;
    if (is5xx) {
      this.errors[slot] = (this.errors[slot] ?? 0) + 1;
      this.streak += 1;
      if (this.streak > (this.maxStreak[slot] ?? 0)) this.maxStreak[slot] = this.streak;
    } else {
      this.streak = 0;
    }
  }

  /** The ring slot holding `second`, or -1 when that second is not retained. */
  slotOf(second: number): number {
    const slot = second % this.slots;
    return this.second[slot] === second ? slot : -1;
  }
}

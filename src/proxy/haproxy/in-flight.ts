/**
 * Requests in flight on each release of the haproxy router, from HAProxy's own
 * session counters (`show stat`, polled), put into the release's telemetry at
 * the age they have at least reached — the same place the built-in switch keeps
 * its requests in flight, so a release that hangs shows in its latency
 * percentiles and in sequential latency evidence although it finishes nothing.
 *
 * HAProxy does not say when each open request started; the age is bounded from
 * below: a release's open requests are at least as old as its last finished one
 * (from the request log) or the first poll that saw it busy, whichever is later.
 * A release answering fast keeps that age near zero; a hanging one ages by the
 * wall clock, which is what the runbook's "answers stopped" rule needs.
 */
import type { TelemetryStore } from '../telemetry.js';
import { BACKEND } from './haproxy-config.js';
import type { LogReceiver } from './log-receiver.js';
import { parseSessions } from './runtime-api.js';

/** How often HAProxy's session counters are read; also bounds how stale `inFlight` is. */
export const SESSION_POLL_MS = 200;

class InFlightAges {
  /** performance.now() of the first poll that saw each release busy */
  private readonly busySince = new Map<number, number>();

  constructor(private readonly telemetry: TelemetryStore) {}

  /**
   * Puts `open` requests in flight of `revision` into its telemetry, aged from
   * `lastFinished` (performance.now(), or undefined when nothing finished yet).
   */
  update(revision: number, open: number, lastFinished: number | undefined, now = performance.now()): void {
    const pending = this.telemetry.forRelease(revision).pending;
    pending.clear();
    if (open <= 0) {
      this.busySince.delete(revision);
      return;
    }
    let since = this.busySince.get(revision);
    if (since === undefined) {
      since = now;
      this.busySince.set(revision, now);
    }
    const startedAt = Math.max(since, lastFinished ?? -Infinity);
    for (let i = 0; i < open; i += 1) pending.add({ startedAt });
  }

  forget(revision: number): void {
    this.busySince.delete(revision);
  }
}

/** HAProxy's open sessions per server, read over the runtime API, and the ages they give each release. */
export class SessionCounts {
  private byServer = new Map<string, number>();
  private polling = false;
  private readonly ages: InFlightAges;

  constructor(
    telemetry: TelemetryStore,
    private readonly api: (command: string) => Promise<string>,
  ) {
    this.ages = new InFlightAges(telemetry);
  }

  async refresh(): Promise<void> {
    this.byServer = parseSessions(await this.api(`show stat ${BACKEND} 4 -1`), BACKEND);
  }

  /** Open sessions on the servers of `revision` (`applied`: server name → revision), as of the last read. */
  inFlight(revision: number, applied: ReadonlyMap<string, number>): number {
    let sum = 0;
    for (const [name, count] of this.byServer) if (applied.get(name) === revision) sum += count;
    return sum;
  }

  /** Reads the counts and ages each release's requests in flight; one read at a time. */
  async poll(applied: ReadonlyMap<string, number>, logs: LogReceiver | undefined): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.refresh();
      for (const revision of new Set(applied.values())) {
        this.ages.update(revision, this.inFlight(revision, applied), logs?.lastFinished(revision));
      }
    } catch {
      // HAProxy is restarting: the next poll reads it again.
    } finally {
      this.polling = false;
    }
  }

  forget(revision: number): void {
    this.ages.forget(revision);
  }
}

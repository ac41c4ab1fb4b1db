/**
 * Whether a drill's fault took effect: a drill against a service that never
 * reads `FAULT` (or whose hook did nothing) would otherwise wait out its whole
 * timeout and report `not-detected`, blaming detection for a fault nobody met.
 * Runbook: "first confirm the fault is live, then time the response". From the
 * moment the fault is due the copy is read like the monitor reads it; any of
 * errors, failed health checks, restarts or answers slower than the live
 * release's counts as the fault showing.
 */
import type { Release } from '../../core/model.js';
import type { SignalReading } from '../../core/ports/signal-source.js';
import type { AppContext } from '../context.js';
import { watchedSources } from '../monitor/sources.js';

/** `seen`: the copy misbehaved; `absent`: it served enough requests long enough and did not. */
export type FaultEffect = { effect: 'seen' | 'absent'; detail: string };

/** Requests the copy must have answered, and time since the fault was due, before its absence counts. */
const MIN_REQUESTS = 20;
const SETTLE_MS = 10_000;
const LOOK_EVERY_MS = 1000;
/** slower than the live release by this much (and twice its p95) counts as the latency fault showing */
const SLOWER_BY_MS = 250;

const value = (reading: SignalReading): number | null => (reading.status === 'ok' ? reading.value : null);

/**
 * Reads the copy every second from `faultAt` until the fault shows, its absence is
 * clear, or `signal` aborts (then null: nothing could be said).
 */
export async function awaitFaultEffect(
  ctx: AppContext,
  copy: Release,
  live: Release,
  faultAt: number,
  signal: AbortSignal,
): Promise<FaultEffect | null> {
  const sources = watchedSources(ctx, copy.service, copy.environment, null);
  try {
    const before = value(await sources.read('latencyP95Ms', live, faultAt, 60_000, undefined, signal));
    while (!signal.aborted) {
      const at = ctx.clock.now();
      if (at >= faultAt) {
        const windowMs = Math.max(1000, at - faultAt);
        const read = (metric: string) => sources.read(metric, copy, at, windowMs, undefined, signal);
        const [errors, health, restarts, p95] = await Promise.all(
          ['errorRate', 'healthCheckFailures', 'restarts', 'latencyP95Ms'].map(read),
        );
        const errorRate = value(errors!);
        if (errorRate !== null && errorRate > 0)
          return { effect: 'seen', detail: `the copy answered ${Math.round(errorRate * 1000) / 10}% errors` };
        if ((value(health!) ?? 0) > 0) return { effect: 'seen', detail: 'the copy failed health checks' };
        if ((value(restarts!) ?? 0) > 0) return { effect: 'seen', detail: 'the copy restarted' };
        const slow = value(p95!);
        if (slow !== null && before !== null && slow > Math.max(2 * before, before + SLOWER_BY_MS))
          return { effect: 'seen', detail: `the copy answered slower (p95 ${Math.round(slow)} ms)` };
        const requests = errors!.status === 'ok' ? errors!.samples : 0;
        if (at - faultAt >= SETTLE_MS && requests >= MIN_REQUESTS)
          return {
            effect: 'absent',
            detail:
              `the fault did not take effect: in ${Math.round((at - faultAt) / 1000)}s the copy answered ${requests} requests ` +
              `with no error, no failed health check, no restart and no slower answers (does the service read FAULT, or the drill hook inject anything?)`,
          };
      }
      await ctx.clock.sleep(LOOK_EVERY_MS, signal).catch(() => undefined);
    }
    return null;
  } finally {
    await sources.close();
  }
}

/**
 * What users of the bad release met, measured where the traffic went: failed
 * requests (5xx) and all requests the release answered from its first traffic
 * until traffic was restored, and when the first failure came. Only a source
 * that counts requests itself (`requests` and `errors5xx`, like the local
 * driver's traffic switch) is trusted; without one the impact is "not measured",
 * never a guess.
 */
import { errorMessage } from '../../core/errors.js';
import type { Rollback } from '../../core/model.js';
import type { SignalSource } from '../../core/ports/signal-source.js';
import type { AppContext } from '../context.js';
import { allEvents } from './incident.js';
import { measureUsers } from './user-impact.js';
import type { UserImpact } from './user-impact.js';

export type MeasuredImpact =
  | ({
      measured: true;
      /** the signal source that counted the requests */
      source: string;
      /** requests that failed for their user (after any retry), of all requests */
      failedRequests: number;
      totalRequests: number;
      /** attempts the release failed, retried ones included (the evidence triggers saw) */
      failedAttempts: number;
      /** the window the counts cover: the release's first traffic → its retirement */
      countedFrom: number;
      countedUntil: number;
      /** start of the first second with a failed request; null when none failed */
      firstFailureAt: number | null;
      trafficRestoredAt: number;
    } & UserImpact)
  | { measured: false; reason: string };

/** A first failure is found second by second; an episode longer than this is read as one total. */
const SCAN_LIMIT_SECONDS = 3600;

function counter(sources: SignalSource[]): SignalSource | null {
  return sources.find((s) => s.metrics.includes('requests') && s.metrics.includes('errors5xx')) ?? null;
}

/**
 * Measures when the bad release is about to be retired, after traffic left it
 * (its telemetry is freed once it is removed), and records it as
 * `rollback.impact`, which the incident report reads.
 * Traffic-restored time comes from the `rollback.traffic-restored` event.
 */
export async function recordImpact(ctx: AppContext, rollback: Rollback): Promise<void> {
  const restored = (await allEvents(ctx, { rollbackId: rollback.id, types: ['rollback.traffic-restored'] }))[0];
  const impact: MeasuredImpact = restored
    ? await measureImpact(ctx, rollback, restored.at, ctx.clock.now()).catch((error: unknown): MeasuredImpact => ({
        measured: false,
        reason: ctx.redact(errorMessage(error)),
      }))
    : { measured: false, reason: 'traffic was not restored by a shift of weights' };
  await ctx.emit({
    type: 'rollback.impact',
    service: rollback.service,
    environment: rollback.environment,
    rollbackId: rollback.id,
    revision: rollback.fromRevision,
    message: impact.measured
      ? `${impact.failedRequests} of ${impact.totalRequests} requests to revision ${rollback.fromRevision} failed${usersPhrase(impact)}`
      : `impact not measured: ${impact.reason}`,
    data: { impact },
  });
}

/** Counts up to `countUntil` (the retire step); the first failure is looked for before `restoredAt`. */
export async function measureImpact(
  ctx: AppContext,
  rollback: Pick<Rollback, 'service' | 'environment' | 'fromRevision'>,
  restoredAt: number,
  countUntil: number = restoredAt,
): Promise<MeasuredImpact> {
  const { service, environment, fromRevision } = rollback;
  if (fromRevision === null) return { measured: false, reason: 'no release was rolled back' };
  const source = counter(ctx.signalSources(service, environment));
  if (!source) return { measured: false, reason: 'no signal source of this service counts requests' };
  const release = await ctx.store.getRelease(service, environment, fromRevision);
  const traffic = (await allEvents(ctx, { service, environment, types: ['deploy.traffic'] })).find(
    (e) => e.revision === fromRevision,
  );
  const start = traffic?.at ?? release?.createdAt;
  if (!release || start === undefined) return { measured: false, reason: `revision ${fromRevision} not found` };

  // what users met when the source tells it apart from failed attempts, else the attempts
  const userSide = source.metrics.includes('failedRequests') && source.metrics.includes('userRequests');
  const failedMetric = userSide ? 'failedRequests' : 'errors5xx';
  const totalMetric = userSide ? 'userRequests' : 'requests';
  const count = async (metric: string, until: number): Promise<number | null> => {
    const reading = await source.read({
      service,
      environment,
      revision: fromRevision,
      version: release.version,
      metric,
      at: until,
      windowMs: Math.max(1, until - start),
    });
    if (reading.status === 'ok') return reading.value;
    return reading.status === 'no-data' ? 0 : null;
  };
  const until = Math.max(restoredAt, countUntil);
  const [total, failed, attempts] = await Promise.all([
    count(totalMetric, until),
    count(failedMetric, until),
    count('errors5xx', until),
  ]);
  if (total === null || failed === null || attempts === null)
    return { measured: false, reason: `${source.name} could not answer` };
  // nothing counted (a controller restart empties the switch's counters): unknown, not zero
  if (total === 0) return { measured: false, reason: `${source.name} counted no request of revision ${fromRevision}` };

  let firstFailureAt: number | null = null;
  if (failed > 0 && restoredAt - start <= SCAN_LIMIT_SECONDS * 1000) {
    // the first second whose running total of failures is above zero
    for (let second = Math.floor(start / 1000) * 1000; second < restoredAt; second += 1000) {
      const upTo = await count(failedMetric, Math.min(second + 1000, restoredAt));
      if (upTo !== null && upTo > 0) {
        firstFailureAt = Math.max(second, start);
        break;
      }
    }
  }
  const users = await measureUsers(source, service, {
    service,
    environment,
    revision: fromRevision,
    version: release.version,
    at: until,
    windowMs: Math.max(1, until - start),
  });
  return {
    measured: true,
    source: source.name,
    failedRequests: failed,
    totalRequests: total,
    failedAttempts: attempts,
    countedFrom: start,
    countedUntil: until,
    ...users,
    firstFailureAt,
    trafficRestoredAt: restoredAt,
  };
}

/** `; 137 of 4,210 users affected (3.3%)`, or nothing when users were not counted. */
export function usersPhrase(impact: UserImpact): string {
  if (impact.users === null) return '';
  const { affected, served, ratio, errorBound } = impact.users;
  const bound = errorBound > 0 ? ` ±${errorBound}` : '';
  return `; ${affected.toLocaleString('en-US')}${bound} of ${served.toLocaleString('en-US')} users affected (${(ratio * 100).toFixed(1)}%)`;
}

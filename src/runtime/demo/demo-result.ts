import type { RewindEvent, RollbackStatus } from '../../core/model.js';
import type { DemoFault } from './faults.js';
import type { EpisodeFigures } from './measure.js';
import type { NotificationCounts } from './receivers.js';

/** What one demo episode did, measured from the fault's start (the bench reads the same figures). */
export interface DemoResult {
  outcome: 'rolled-back' | 'promoted' | 'failed' | 'waiting' | 'analyzing';
  expected: 'rolled-back' | 'promoted';
  /** the outcome is the expected one (and a rollback, if any, finished) */
  ok: boolean;
  fault: DemoFault;
  /** from the fault's start to the first trigger that fired on v2 */
  detectedAfterMs: number | null;
  /** from the fault's start until every new request was answered well by v1 */
  trafficRestoredAfterMs: number | null;
  /** from the fault's start to the switch flip (the rollback's shift-traffic step) */
  switchFlippedAfterMs: number | null;
  failedRequests: number;
  failedAfterFault: number;
  /** requests started after the flip that were not answered 2xx by v1, with examples */
  afterFlip: EpisodeFigures['afterFlip'];
  totalRequests: number;
  skippedRequests: number;
  rollbackId: string | null;
  rollbackStatus: RollbackStatus | null;
  trigger: { name: string; metric: string; value: unknown } | null;
  faultStartedAt: number | null;
  durationMs: number;
  /** the state dir when it was kept (`--state-dir`), else null */
  stateDir: string | null;
  /** what the demo's local Slack, PagerDuty and webhook receivers got */
  notifications: NotificationCounts;
  /** the incident report of the rollback (`<stateDir>/incidents/…md`); removed with a temporary state dir */
  reportPath: string | null;
  /** distinct users whose requests to v2 failed, of those v2 served (an estimate, ± its bound); null when not measured */
  usersAffected: { affected: number; served: number; errorBound: number } | null;
}

/** Users affected, from the rollback's `rollback.impact` event (the figure the incident report prints). */
export function usersAffected(events: readonly RewindEvent[], rollbackId: string | null): DemoResult['usersAffected'] {
  const event = events.find((e) => e.type === 'rollback.impact' && e.rollbackId === rollbackId);
  const users = (event?.data.impact as { users?: { affected: number; served: number; errorBound: number } | null })
    ?.users;
  return users ? { affected: users.affected, served: users.served, errorBound: users.errorBound } : null;
}

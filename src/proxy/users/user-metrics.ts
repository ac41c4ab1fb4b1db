/**
 * The metrics of what users met, read from a release's telemetry: distinct
 * users served and affected (usersServed, usersAffected, usersAffectedRatio,
 * from the ten-second user buckets) and requests that failed for their user
 * (failedRequests of userRequests, from the one-second slots).
 */
import type { ReleaseTelemetry } from '../telemetry.js';
import type { MetricValue } from '../types.js';
import type { UsersReading } from './release-users.js';

export const USER_METRICS = [
  'usersAffected',
  'usersAffectedRatio',
  'usersServed',
  'failedRequests',
  'userRequests',
] as const;
export type UserMetric = (typeof USER_METRICS)[number];

export function isUserMetric(metric: string): metric is UserMetric {
  return (USER_METRICS as readonly string[]).includes(metric);
}

/** Users of a release over the seconds [first, last] (the telemetry's window rule). */
export function readUsers(ring: ReleaseTelemetry, first: number, last: number, names: readonly string[]): UsersReading {
  return ring.users.read(first * 1000, (last + 1) * 1000, names);
}

/**
 * One user metric over the seconds [first, last]. Samples: users served for
 * the user counts (a ratio over three users is not evidence), requests for
 * failedRequests.
 */
export function userMetric(
  ring: ReleaseTelemetry,
  metric: UserMetric,
  first: number,
  last: number,
  names: readonly string[],
): MetricValue {
  if (metric === 'failedRequests' || metric === 'userRequests') {
    let requests = 0;
    let failed = 0;
    for (let s = first; s <= last; s += 1) {
      const slot = ring.slotOf(s);
      if (slot < 0) continue;
      requests += ring.userRequests[slot] ?? 0;
      failed += ring.userFailures[slot] ?? 0;
    }
    return { value: metric === 'failedRequests' ? failed : requests, samples: requests };
  }
  const users = readUsers(ring, first, last, names);
  const value =
    metric === 'usersServed'
      ? users.served
      : metric === 'usersAffected'
        ? users.affected
        : users.served === 0
          ? 0
          : users.affected / users.served;
  return { value, samples: users.served };
}

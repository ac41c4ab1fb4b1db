/**
 * The users a bad release met, for the incident report: distinct users served
 * and affected (estimates with their error bound), and per feature the users
 * affected and the requests that failed for them. Only a source that tells users
 * apart answers; otherwise the report says why, never a guess.
 */
import type { SignalQuery, SignalSource, UserCountingSource } from '../../core/ports/signal-source.js';

export interface MeasuredUsers {
  /** how users were told apart, e.g. `header X-User-Id` */
  key: string;
  affected: number;
  served: number;
  /** affected ÷ served, 0–1 */
  ratio: number;
  /** how far the true number affected may be from `affected` (0: counted exactly) */
  errorBound: number;
  servedErrorBound: number;
}

export interface FeatureImpact {
  name: string;
  usersAffected: number;
  failedRequests: number;
  usersServed: number;
  requests: number;
}

export type UserImpact =
  | { users: MeasuredUsers; features: FeatureImpact[]; usersNotMeasured: null }
  | { users: null; features: FeatureImpact[]; usersNotMeasured: string };

function countsUsers(source: SignalSource): source is UserCountingSource {
  return typeof (source as Partial<UserCountingSource>).users === 'function';
}

export async function measureUsers(
  source: SignalSource,
  service: string,
  query: Omit<SignalQuery, 'metric'>,
): Promise<UserImpact> {
  if (!countsUsers(source))
    return { users: null, features: [], usersNotMeasured: `${source.name} does not count users` };
  const reading = await source.users(query);
  const features = (reading?.features ?? [])
    .filter((f) => f.requests > 0)
    .map(({ name, usersAffected, failedRequests, usersServed, requests }) => ({
      name,
      usersAffected,
      failedRequests,
      usersServed,
      requests,
    }))
    .sort((a, b) => b.failedRequests - a.failedRequests || b.usersAffected - a.usersAffected);
  if (source.userKey === null)
    return {
      users: null,
      features,
      usersNotMeasured: `no user key: set services.${service}.users (header, cookie, jwtClaim or clientAddress) to count users`,
    };
  if (reading === null) return { users: null, features, usersNotMeasured: `${source.name} counted no users` };
  return {
    users: {
      key: source.userKey,
      affected: reading.affected,
      served: reading.served,
      ratio: reading.served === 0 ? 0 : reading.affected / reading.served,
      errorBound: reading.affectedBound,
      servedErrorBound: reading.servedBound,
    },
    features,
    usersNotMeasured: null,
  };
}

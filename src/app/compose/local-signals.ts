import type { SignalQuery, SignalReading, SignalSource, UserCountingSource } from '../../core/ports/signal-source.js';
import type { ServiceConfig } from '../../config/schema/index.js';
import type { ProxyMetric, TrafficSwitch } from '../../proxy/types.js';

const BUCKET_MS = 1000;
const SWITCH_METRICS: readonly ProxyMetric[] = [
  'errorRate',
  'latencyP95Ms',
  'latencyP99Ms',
  'requestRate',
  'consecutive5xx',
  'requests',
  'errors5xx',
  'usersAffected',
  'usersAffectedRatio',
  'usersServed',
  'failedRequests',
  'userRequests',
];
/** counts of users, not ratios: zero of them is a real value */
const COUNTS = new Set(['requestRate', 'requests', 'failedRequests', 'userRequests', 'usersAffected', 'usersServed']);

/** How the service tells users apart, in words for evidence and reports (`header X-User-Id`); null: it does not. */
export function userKeyOf(users: ServiceConfig['users']): string | null {
  if (users === undefined) return null;
  if (users.header !== undefined) return `header ${users.header}`;
  if (users.cookie !== undefined) return `cookie ${users.cookie}`;
  if (users.jwtClaim !== undefined) return `jwt claim ${users.jwtClaim} (not verified)`;
  return 'client address';
}

/**
 * The local driver's own signals: what the traffic switch measured per release
 * (per-second buckets), then what the probes and /proc say.
 */
export function createLocalSignalSource(
  switchOf: () => TrafficSwitch | null,
  probes: SignalSource,
  userKey: string | null = null,
): UserCountingSource {
  return {
    name: 'local',
    userKey,
    async users(query) {
      const sw = switchOf();
      if (!sw?.telemetry.users || userKey === null) return null;
      // the same seconds as `read` below takes, so users and requests count one span
      const windowMs = query.cumulative === true ? query.windowMs : query.windowMs + BUCKET_MS;
      return sw.telemetry.users(query.revision, query.at, windowMs);
    },
    metrics: [...SWITCH_METRICS, ...probes.metrics],
    perRequest: true,
    async read(query: SignalQuery, signal?: AbortSignal): Promise<SignalReading> {
      if (!(SWITCH_METRICS as readonly string[]).includes(query.metric)) return probes.read(query, signal);
      const sw = switchOf();
      if (!sw) return { status: 'no-data', samples: 0 };
      // The switch counts in one-second buckets and a window takes the seconds that
      // start inside it, so a 1 s window early in a second holds only a sliver of
      // requests (below minSamples) and breaks a breach. One more bucket keeps a
      // whole second in every window; the rate is per second of that longer span.
      const windowMs = query.cumulative === true ? query.windowMs : query.windowMs + BUCKET_MS;
      const latency = query.metric === 'latencyP95Ms' || query.metric === 'latencyP99Ms';
      const { value, samples } =
        latency && query.exceeding !== undefined
          ? sw.telemetry.fractionAbove(query.revision, query.exceeding, query.at, windowMs)
          : sw.telemetry.read(query.revision, query.metric as ProxyMetric, query.at, windowMs);
      // a rate of zero requests is a real value; a ratio over zero requests is not
      if (samples === 0 && !COUNTS.has(query.metric)) return { status: 'no-data', samples: 0 };
      return { status: 'ok', value, samples };
    },
  };
}

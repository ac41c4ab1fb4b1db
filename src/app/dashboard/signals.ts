import { UserError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { resolveEnvironment, serviceConfig } from '../context.js';
import { triggerSpecs } from '../policy/effective.js';

export { CHART_METRICS } from '../monitor/chart-metrics.js';

export interface SignalSeries {
  revision: number;
  metric: string;
  /** epoch ms of each per-second sample, ascending */
  at: number[];
  values: number[];
}

export interface SignalsView {
  service: string;
  environment: string;
  from: number;
  to: number;
  series: SignalSeries[];
  /** each trigger's configured threshold, so a chart can draw its line */
  thresholds: { trigger: string; metric: string; op: '>' | '<'; value: number; severity: string }[];
  /** when a trigger fired inside the window */
  fired: { at: number; trigger: string; metric: string; revision: number | null; value: unknown }[];
}

export interface SignalsQuery {
  environment?: string;
  revision?: number;
  from?: number;
  to?: number;
}

const DEFAULT_WINDOW_MS = 15 * 60_000;
const MAX_WINDOW_MS = 7 * 24 * 3600_000;

/** Per-second signals of a service's releases over a window, with what the triggers compare them to. */
export async function signals(ctx: AppContext, service: string, query: SignalsQuery): Promise<SignalsView> {
  const environment = resolveEnvironment(ctx, service, query.environment);
  const config = serviceConfig(ctx, service);
  const to = query.to ?? ctx.clock.now();
  const from = query.from ?? to - DEFAULT_WINDOW_MS;
  if (from > to || to - from > MAX_WINDOW_MS) {
    throw new UserError('BAD_WINDOW', '`from` must be before `to` and the window at most 7 days', { status: 400 });
  }
  const [samples, events] = await Promise.all([
    ctx.store.readSamples({ service, environment, from, to, ...(query.revision ? { revision: query.revision } : {}) }),
    ctx.store.listEvents({ service, environment, types: ['trigger.fired'], limit: 1000 }),
  ]);
  const byKey = new Map<string, SignalSeries>();
  for (const s of [...samples].sort((a, b) => a.at - b.at)) {
    const key = `${s.revision}|${s.metric}`;
    let series = byKey.get(key);
    if (!series) byKey.set(key, (series = { revision: s.revision, metric: s.metric, at: [], values: [] }));
    series.at.push(s.at);
    series.values.push(s.value);
  }
  return {
    service,
    environment,
    from,
    to,
    series: [...byKey.values()],
    thresholds: triggerSpecs(config).flatMap((t) => [
      ...(t.above !== undefined
        ? [{ trigger: t.name, metric: t.metric, op: '>' as const, value: t.above, severity: t.severity }]
        : []),
      ...(t.below !== undefined
        ? [{ trigger: t.name, metric: t.metric, op: '<' as const, value: t.below, severity: t.severity }]
        : []),
    ]),
    fired: events
      .filter((e) => e.at >= from && e.at <= to)
      .filter((e) => query.revision === undefined || e.revision === query.revision)
      .map((e) => ({
        at: e.at,
        trigger: String(e.data.trigger ?? ''),
        metric: String(e.data.metric ?? ''),
        revision: e.revision,
        value: e.data.value,
      })),
  };
}

import type { DeliveryPoint } from '../../../src/app/stats/delivery-series.js';
import type { DeliveryStats } from '../../../src/app/stats/delivery-stats.js';
import type { Page } from '../main.js';
import { get } from '../api.js';
import { deliveryChart, FIGURES } from '../delivery-chart.js';
import { fill, h, table } from '../dom.js';
import { duration } from '../format.js';
import { refreshOn } from '../live.js';

const percent = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);

/** Deploys, change failure rate, time to restore and lead time: the last 90 days and week by week. */
export const deliveryPage: Page = (main) => {
  const summary = h('section', { 'aria-live': 'polite' });
  const charts = h('section', { class: 'charts' });
  const load = async () => {
    const [now, series] = await Promise.all([
      get<{ services: DeliveryStats[] }>('/v1/stats?since=90d'),
      get<{ points: DeliveryPoint[] }>('/v1/stats/series?bucket=7d&buckets=12'),
    ]);
    fill(
      summary,
      now.services.length === 0 ? h('p', { class: 'muted' }, 'No deploys in the last 90 days.') : null,
      table(
        ['service', 'env', 'deploys', 'per day', 'failed changes', 'restore p50', 'restore p90', 'lead time'],
        now.services.map((s) => [
          s.service,
          s.environment,
          String(s.deployments),
          s.deploymentsPerDay.toFixed(2),
          `${s.failedChanges} (${percent(s.changeFailureRate)})`,
          duration(s.timeToRestore.medianMs),
          duration(s.timeToRestore.p90Ms),
          duration(s.leadTimeMs),
        ]),
      ),
    );
    const width = Math.min(720, Math.max(280, main.clientWidth - 32));
    fill(charts, ...FIGURES.map((figure) => deliveryChart(figure, series.points, width)));
  };
  fill(main, h('h1', {}, 'Delivery'), h('p', { class: 'muted' }, 'Last 90 days; charts by week.'), summary, charts);
  const fail = (e: Error) => fill(summary, h('p', { class: 'error' }, e.message));
  void load().catch(fail);
  return refreshOn(
    (e) => e.type === 'rollback.completed' || e.type === 'deploy.promoted',
    () => void load().catch(fail),
  );
};

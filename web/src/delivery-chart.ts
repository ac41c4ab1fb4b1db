import uPlot from 'uplot';
import type { DeliveryPoint } from '../../src/app/stats/delivery-series.js';
import type { DeliveryStats } from '../../src/app/stats/delivery-stats.js';
import { h } from './dom.js';

const COLORS = ['#2563eb', '#dc2626', '#059669', '#9333ea', '#d97706'];

/** One delivery figure, as the dashboard charts it. */
export interface Figure {
  key: string;
  title: string;
  value: (s: DeliveryStats) => number | null;
}

export const FIGURES: Figure[] = [
  { key: 'deploymentsPerDay', title: 'Deploys per day', value: (s) => s.deploymentsPerDay },
  { key: 'changeFailureRate', title: 'Change failure rate', value: (s) => s.changeFailureRate },
  {
    key: 'timeToRestore',
    title: 'Time to restore, median (s)',
    value: (s) => (s.timeToRestore.medianMs === null ? null : s.timeToRestore.medianMs / 1000),
  },
  {
    key: 'leadTime',
    title: 'Lead time, median (h)',
    value: (s) => (s.leadTimeMs === null ? null : s.leadTimeMs / 3_600_000),
  },
];

/**
 * One figure over time: a line per service and environment, a point per bucket
 * (its end), nothing where the bucket had no value (no deploys, no restores).
 */
export function deliveryChart(figure: Figure, points: DeliveryPoint[], width: number): HTMLElement {
  const el = h('figure', { class: 'chart', 'data-figure': figure.key }, h('figcaption', {}, figure.title));
  const keys = [...new Set(points.flatMap((p) => p.services.map((s) => `${s.service}/${s.environment}`)))].sort();
  const xs = points.map((p) => p.to / 1000);
  const ys = keys.map((key) =>
    points.map((p) => {
      const row = p.services.find((s) => `${s.service}/${s.environment}` === key);
      return row ? figure.value(row) : null;
    }),
  );
  el.dataset.values = keys.map((key, i) => `${key}:${ys[i]!.filter((v) => v !== null).length}`).join(' ');
  const plot = new uPlot(
    {
      width,
      height: 160,
      scales: { x: { time: true } },
      series: [
        {},
        ...keys.map((key, i) => ({
          label: key,
          stroke: COLORS[i % COLORS.length]!,
          width: 1.5,
          spanGaps: false,
          points: { show: true, size: 4 },
        })),
      ],
      axes: [{}, { size: 56 }],
    },
    [xs, ...ys] as uPlot.AlignedData,
    el,
  );
  (el as HTMLElement & { plot?: uPlot }).plot = plot;
  return el;
}

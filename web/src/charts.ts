import uPlot from 'uplot';
import type { SignalsView } from '../../src/app/dashboard/signals.js';
import { chartColumns } from './chart-data.js';
import { h } from './dom.js';

const COLORS = ['#2563eb', '#dc2626', '#059669', '#9333ea', '#d97706'];
const TITLES: Record<string, string> = {
  errorRate: 'Error rate',
  latencyP95Ms: 'p95 latency (ms)',
  requestRate: 'Request rate (/s)',
};

export interface Chart {
  el: HTMLElement;
  update(view: SignalsView): void;
  destroy(): void;
}

/**
 * One metric over time for every release, each trigger's threshold as a dashed
 * line and a mark where a trigger on this metric fired. The points drawn are the
 * API's samples, one per second; nothing is smoothed or resampled.
 */
export function metricChart(metric: string, view: SignalsView, width: number): Chart {
  const el = h('figure', { class: 'chart', 'data-metric': metric }, h('figcaption', {}, TITLES[metric] ?? metric));
  let plot: uPlot | null = null;
  let shape = '';
  let fired: number[] = [];
  const markFired: uPlot.Plugin = {
    hooks: {
      draw: (u) => {
        const c = u.ctx;
        c.save();
        c.strokeStyle = '#dc2626';
        c.lineWidth = 2 * devicePixelRatio;
        for (const at of fired) {
          const x = u.valToPos(at / 1000, 'x', true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          c.beginPath();
          c.moveTo(x, u.bbox.top);
          c.lineTo(x, u.bbox.top + u.bbox.height);
          c.stroke();
        }
        c.restore();
      },
    },
  };
  const update = (next: SignalsView) => {
    const { series, thresholds, data: columns } = chartColumns(next, metric);
    const data = columns as uPlot.AlignedData;
    fired = next.fired.filter((f) => f.metric === metric).map((f) => f.at);
    const points = series.map((s) => `r${s.revision}:${s.at.length}`).join(' ');
    el.dataset.points = points;
    el.dataset.from = String(next.from);
    el.dataset.to = String(next.to);
    el.dataset.thresholds = thresholds.map((t) => `${t.trigger}${t.op}${t.value}`).join(' ');
    el.dataset.fired = String(fired.length);
    const key = `${series.map((s) => s.revision).join(',')}|${thresholds.length}`;
    if (plot && key === shape) {
      plot.setData(data);
      return;
    }
    plot?.destroy();
    shape = key;
    plot = new uPlot(
      {
        width,
        height: 180,
        scales: { x: { time: true } },
        series: [
          {},
          ...series.map((s, i) => ({
            label: `r${s.revision}`,
            stroke: COLORS[i % COLORS.length]!,
            width: 1.5,
            spanGaps: false,
            points: { show: true, size: 3 },
          })),
          ...thresholds.map((t) => ({
            label: `${t.trigger} ${t.op} ${t.value}`,
            stroke: '#f59e0b',
            dash: [6, 4],
            width: 1.5,
            points: { show: false },
          })),
        ],
        axes: [{}, { size: 56 }],
        plugins: [markFired],
      },
      data,
      el,
    );
    // what is drawn, for anyone (and any test) who wants to check it against the API
    (el as HTMLElement & { plot?: uPlot }).plot = plot;
  };
  update(view);
  return {
    el,
    update,
    destroy: () => plot?.destroy(),
  };
}

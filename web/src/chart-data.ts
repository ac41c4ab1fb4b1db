import type { SignalsView } from '../../src/app/dashboard/signals.js';

/** The columns one chart draws: x in epoch seconds, one y column per release, one per threshold. */
export interface ChartColumns {
  series: SignalsView['series'];
  thresholds: SignalsView['thresholds'];
  /** [xs, ...releases, ...thresholds]; a null y is drawn as a hole */
  data: (number | null)[][];
}

/** A gap is a step this many times the usual one between samples (and at least `MIN_GAP_MS`). */
const GAP_FACTOR = 2.5;
const MIN_GAP_MS = 2500;

/**
 * The usual step between samples: the smallest step seen, which is the
 * evaluation cadence (one second by default; longer with a slower interval).
 */
function usualStep(xs: number[]): number {
  let step = Infinity;
  for (let i = 1; i < xs.length; i++) step = Math.min(step, xs[i]! - xs[i - 1]!);
  return Number.isFinite(step) ? step : 1000;
}

/**
 * x values: every second any release has a sample; y: one column per release,
 * then each threshold. Where no release has a sample for longer than the usual
 * step (no controller watched), an x with every release's y null is put in the
 * hole, so their lines stop there instead of being drawn straight across time
 * nobody measured; a threshold is configuration and runs on.
 */
export function chartColumns(view: SignalsView, metric: string): ChartColumns {
  const series = view.series.filter((s) => s.metric === metric).sort((a, b) => a.revision - b.revision);
  const sampled = [...new Set(series.flatMap((s) => s.at))].sort((a, b) => a - b);
  const gap = Math.max(MIN_GAP_MS, GAP_FACTOR * usualStep(sampled));
  const xs: number[] = [];
  for (const [i, x] of sampled.entries()) {
    const before = sampled[i - 1];
    if (before !== undefined && x - before > gap) {
      xs.push(before + Math.floor((x - before) / 2));
    }
    xs.push(x);
  }
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const column: (number | null)[] = xs.map(() => null);
    s.at.forEach((at, i) => (column[index.get(at)!] = s.values[i]!));
    return column;
  });
  const thresholds = view.thresholds.filter((t) => t.metric === metric);
  const lines = thresholds.map((t) => xs.map(() => t.value));
  return { series, thresholds, data: [xs.map((x) => x / 1000), ...ys, ...lines] };
}
